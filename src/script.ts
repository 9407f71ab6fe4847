// Script-tag entry (dist/leadbeam.js): reads data-* attributes, replays the
// stub queue in order, and installs the global leadbeam(command, ...args).
import { doc, win } from './env';
import { guard, warn } from './log';
import { parseDataset } from './options';
import { createTracker, type Tracker } from './tracker';

type Command = ArrayLike<unknown>;
type Global = ((...args: unknown[]) => void) & { q?: Command[]; v?: 1 };

/** Installs the global; `extend` lets the CMP build start its adapter once a tracker exists. */
export function boot(extend?: (tracker: Tracker, options: Record<string, unknown>) => void): void {
  if (!win || !doc) return;
  const w = win as unknown as { leadbeam?: Global };
  const existing = w.leadbeam;
  // Loaded twice: the first copy keeps tracking, the second does nothing.
  if (existing && existing.v) return;

  const script = (doc.currentScript ||
    doc.querySelector('script[data-site][src*="leadbeam"]')) as HTMLScriptElement | null;
  const fromTag = script && script.dataset ? parseDataset(script.dataset) : {};
  const queued: Command[] = (existing && existing.q) || [];
  const waiting: Command[] = [];
  let tracker: Tracker | undefined;

  function init(options: unknown): void {
    if (tracker) return warn('init was called more than once; the first one counts');
    // init options win over data attributes.
    const merged = { ...fromTag, ...(options && typeof options == 'object' ? options : {}) } as Record<string, unknown>;
    tracker = createTracker(merged as never);
    if (extend) extend(tracker, merged);
    waiting.splice(0).forEach(run);
  }

  function run(command: Command): void {
    const [name, ...args] = Array.prototype.slice.call(command) as [string, ...unknown[]];
    if (name == 'init') return init(args[0]);
    if (!tracker) return void waiting.push(command);
    const method = Object.prototype.hasOwnProperty.call(tracker, name) ? (tracker as unknown as Record<string, unknown>)[name] : 0;
    if (typeof method != 'function') return warn(`unknown command "${String(name)}"`);
    (method as (...a: unknown[]) => void)(...args);
  }

  const global: Global = function () {
    // Each command runs in its own guard: one bad call never stops the others.
    guard(run)(arguments);
  };
  // Marks the loaded SDK (the stub only has .q); the same mark in every build.
  global.v = 1;
  w.leadbeam = global;

  if (fromTag.site && !queued.some((c) => c[0] == 'init')) init({});
  queued.forEach((c) => guard(run)(c));
}
