// Klaro: https://klaro.org/docs/api/js_api (getManager, ConsentManager.watch)
import type { ConsentTarget, WaitOptions } from './types';
import { emitter, poll, safe, w } from './util';

export type { ConsentTarget };

/** Options of the Klaro adapter: which CMP state means "granted". */
export interface KlaroOptions extends WaitOptions {
  /**
   * The Klaro service (its `name` in the Klaro config) that means yes.
   * @defaultValue 'leadbeam'
   */
  service?: string;
}

interface Manager {
  confirmed: boolean;
  getConsent(name: string): boolean;
  watch(w: Watcher): void;
  unwatch(w: Watcher): void;
}
interface Watcher {
  update(m: Manager, name: string): void;
}

/**
 * Follows Klaro through `klaro.getManager()`: `manager.getConsent(service)`
 * counts once `manager.confirmed` (the visitor saved a choice), and
 * `manager.watch()` reports saves and withdrawals (`saveConsents`,
 * `applyConsents`; a toggle in the open dialog is not an answer yet).
 * A service Klaro runs before any choice (`optOut: true`) is still "no answer"
 * here until the visitor confirms. Polls until Klaro is set up (`getManager()`
 * throws before that).
 */
export function klaro(tracker: ConsentTarget, options: KlaroOptions = {}): () => void {
  const emit = emitter(tracker);
  const { service = 'leadbeam' } = options;
  let m: Manager | undefined;
  const read = safe(() => emit(m!.confirmed && m!.getConsent(service), m!.confirmed));
  // Klaro calls watchers in a loop without try/catch: read() never throws.
  const watcher: Watcher = { update: (_m, name) => name != 'consents' && read() };
  const stopPoll = poll(() => {
    m = w.klaro.getManager() as Manager;
    m.watch(watcher);
    read();
    return 1;
  }, options.timeout);
  return () => {
    stopPoll();
    safe(() => m && m.unwatch(watcher))();
  };
}
