// Usercentrics Browser UI v2 (window.UC_UI) and Web CMP v3 (window.__ucCmp):
// https://usercentrics.com/docs/web/features/v2/events_v2/events_v2/ (consent_status)
// https://usercentrics.com/docs/web/features/api/control-functionality/ (getConsentDetails)
import type { ConsentTarget } from './types';
import { emitter, on, safe, w } from './util';

export type { ConsentTarget };

/** Options of the Usercentrics adapter: which CMP state means "granted". */
export interface UsercentricsOptions {
  /**
   * The data processing service that means yes, by name (as shown in the
   * Usercentrics admin) or by service/template id.
   * @defaultValue 'leadbeam'
   */
  service?: string;
  /**
   * The "Window Event" name configured in the Usercentrics admin
   * (Implementation › Data Layer & Events). Its detail is read in both the v2
   * `consent_status` shape and the v3 `{ consent, services }` shape.
   * @defaultValue 'ucEvent'
   */
  event?: string;
}

type Svc = { id?: string; name?: string; consent?: { status?: boolean; given?: boolean } };
type Detail = {
  event?: string;
  type?: string;
  consent?: { required?: boolean };
  services?: Record<string, Svc>;
  [service: string]: unknown;
};

/**
 * Follows Usercentrics. Sources, each optional:
 * - v2 `UC_UI.getServicesBaseInfo()` (`[{ id, name, consent: { status } }]`),
 *   an answer once `UC_UI.isConsentRequired()` is false;
 * - v3 `__ucCmp.getConsentDetails()` (a promise of `{ consent: { required },
 *   services: { [id]: { name, consent: { given } } } }`);
 * - the details of the `UC_CONSENT` event (v3 shape) and of the
 *   admin-configured window event (`options.event`: v2 `{ event:
 *   'consent_status', type: 'explicit'|'implicit', [name]: boolean }` or v3 shape).
 * The API is re-read on those events and on `UC_UI_INITIALIZED` and
 * `UC_UI_CMP_EVENT`, also one task later, since a click event may precede the
 * stored choice.
 */
export function usercentrics(tracker: ConsentTarget, options: UsercentricsOptions = {}): () => void {
  const emit = emitter(tracker);
  const { service = 'leadbeam', event = 'ucEvent' } = options;
  let live = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const match = (s: Svc, id?: string) => s.name == service || (id || s.id) == service;

  const fromDetail = safe((d: Detail) => {
    if (!live) return;
    if (d.services) {
      for (const k in d.services) {
        const s = d.services[k];
        if (match(s, k)) emit(s.consent!.given, d.consent!.required === false);
      }
    } else if (d.event == 'consent_status' && service in d) emit(d[service], /^explicit$/i.test(d.type!));
  });

  const read = safe(() => {
    const ui = w.UC_UI;
    if (ui && ui.getServicesBaseInfo) {
      for (const s of ui.getServicesBaseInfo() as Svc[])
        if (match(s)) emit(s.consent!.status, ui.isConsentRequired && ui.isConsentRequired() === false);
    } else w.__ucCmp.getConsentDetails().then(fromDetail, () => {});
  });

  read();
  const off = on(['UC_UI_INITIALIZED', 'UC_UI_CMP_EVENT', 'UC_CONSENT', event], (e) => {
    fromDetail(e.detail);
    read();
    clearTimeout(timer);
    timer = setTimeout(read);
  });
  return () => {
    live = 0; // a getConsentDetails() promise may still resolve
    clearTimeout(timer);
    off();
  };
}
