// Script-tag entry (dist/leadbeam.js): reads data-* attributes, replays the
// stub queue in order, and installs the global leadbeam(command, ...args).
import { doc, win } from './env';
import { guard, warn } from './log';
import { createTracker, INERT, type Tracker } from './tracker';

type Command = ArrayLike<unknown>;
type Global = ((...args: unknown[]) => void) & { q?: Command[]; v?: 1 };

/** Installs the global; `extend` lets the CMP build start its adapter once a tracker exists. */
export function boot(extend?: (tracker: Tracker, options: Record<string, unknown>) => void): void {
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
      const options = { ...fromTag, ...given };
      const made = createTracker(options);
      // Unusable options (createTracker said why): not "the first init"; a later valid one starts tracking.
      if (made == INERT) return;
      tracker = made;
      if (extend) extend(tracker, options);
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
