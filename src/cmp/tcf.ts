// IAB TCF v2.2 CMP API: https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md
import type { ConsentTarget, WaitOptions } from './types';
import { emitter, poll, safe, w } from './util';

export type { ConsentTarget };

/** Options of the IAB TCF v2.2 adapter: which CMP state means "granted". */
export interface TcfOptions extends WaitOptions {
  /**
   * TCF purposes that must all have consent (`tcData.purpose.consents[n] === true`).
   * Purpose 1 is "Store and/or access information on a device", which is what
   * leadbeam's cookies need.
   * @defaultValue [1]
   */
  purposes?: number[];
  /**
   * A Global Vendor List id that must also have vendor consent
   * (`tcData.vendor.consents[id] === true`). Unset: the purposes alone decide.
   * @defaultValue undefined
   */
  vendorId?: number;
}

interface TCData {
  gdprApplies?: boolean;
  eventStatus?: string;
  listenerId?: number;
  purpose: { consents: Record<string, boolean> };
  vendor: { consents: Record<string, boolean> };
}

type TcfApi = (command: string, version: 2, callback: (data: TCData, success: boolean) => void, param?: unknown) => void;

/**
 * Follows an IAB TCF v2.2 CMP through `__tcfapi('addEventListener', 2, cb)`.
 * Acts on eventStatus `tcloaded` (a stored TC string) and `useractioncomplete`
 * (the visitor answered); `cmpuishown` is not an answer. `gdprApplies: false`
 * is granted. Polls for a late `__tcfapi` (a CMP stub queues our call until the
 * CMP loads). stop() calls `removeEventListener` with our listenerId, also if
 * that id only arrives after stop().
 */
export function tcf(tracker: ConsentTarget, options: TcfOptions = {}): () => void {
  const emit = emitter(tracker);
  const { purposes = [1], vendorId } = options;
  let id: number | undefined;
  let stopped: unknown;
  // Through the current global: a stub we registered with has since been replaced by the CMP.
  const remove = safe(() => id != null && (w.__tcfapi as TcfApi)('removeEventListener', 2, () => {}, id));

  // A throwing listener would make the CMP call it again with null: swallow.
  const cb = safe((d: TCData, ok: boolean) => {
    if (!ok) return;
    id = d.listenerId;
    if (stopped) return remove();
    if (d.eventStatus == 'tcloaded' || d.eventStatus == 'useractioncomplete')
      emit(
        d.gdprApplies === false ||
          (purposes.every((p) => d.purpose.consents[p]) && (vendorId == null || d.vendor.consents[vendorId])),
        1,
      );
  });

  const stopPoll = poll(() => {
    if (typeof w.__tcfapi == 'function') {
      // A throwing CMP gets one try, not one per tick.
      safe(w.__tcfapi as TcfApi)('addEventListener', 2, cb);
      return 1;
    }
  }, options.timeout);

  return () => {
    stopPoll();
    stopped = 1;
    remove();
  };
}
