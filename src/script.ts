// Script-tag entry (dist/leadbeam.js): reads data-* attributes, replays the
// stub queue in order, and installs the global leadbeam(command, ...args).
import { doc, win } from './env';
import { guard, warn } from './log';
import type { Options } from './options';
import { createTracker, INERT, type Tracker } from './tracker';

type Command = ArrayLike<unknown>;
type Global = ((...args: unknown[]) => void) & { q?: Command[]; v?: 1 };

/** What a script-tag build adds to the plain one. */
export interface BootHooks {
  /** Turns the init options into tracker options (a vendor build sets its transport from `data-transport-*`). */
  prepare?(options: Record<string, unknown>): Record<string, unknown>;
  /** Runs once the tracker exists (the CMP build starts its adapter). */
  started?(tracker: Tracker, options: Record<string, unknown>): void;
}

/** Installs the global. */
export function boot({ prepare, started }: BootHooks = {}): void {
  const w = win as unknown as { leadbeam?: Global } | undefined;
  const existing = w && w.leadbeam;
  // Loaded twice: the first copy keeps tracking, the second does nothing.
  if (!w || !doc || (existing && existing.v)) return;

  const script = (doc.currentScript || doc.querySelector('script[data-site][src*="leadbeam"]')) as HTMLScriptElement | null;
  // data-* attributes are options as they are: resolveOptions() coerces their strings.
  const fromTag: Record<string, unknown> = { ...(script && script.dataset) };
  const queued: Command[] = (existing && existing.q) || [];
  const waiting: Command[] = [];
  let tracker: Tracker | undefined;

  const run = guard((command: Command) => {
    const [name, ...args] = [].slice.call(command) as unknown as [string, ...unknown[]];
    if (name == 'init') {
      if (tracker) return warn('init called twice; the first one counts');
      const given = args[0];
      if (given != null && typeof given != 'object') return warn('init: options must be an object', given);
      // init options win over data attributes.
      let options: Record<string, unknown> = { ...fromTag, ...given };
      if (prepare) options = prepare(options);
      // resolveOptions() checks what the page gave.
      const made = createTracker(options as unknown as Options);
      // Unusable options (createTracker said why): not "the first init"; a later valid one starts tracking.
      if (made == INERT) return;
      tracker = made;
      if (started) started(tracker, options);
      waiting.splice(0).forEach(run);
    } else if (!tracker) waiting.length < 100 && waiting.push(command);
    else if (tracker.hasOwnProperty(name)) (tracker as any)[name](...args);
    else warn('unknown command', name);
  });

  // Each command runs in its own guard: one bad call never stops the others.
  const global: Global = function () {
    run(arguments);
  };
  // Marks the loaded SDK (the stub only has .q); the same mark in every build.
  global.v = 1;
  w.leadbeam = global;

  if (fromTag.site && !queued.some((c) => c[0] == 'init')) run(['init']);
  queued.forEach(run);
}
