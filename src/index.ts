// npm entry: createTracker and the public types. Importing it touches no browser global.
export { createTracker, type Tracker } from './tracker';
export type { Options, ConsentState, CookieMode, Props, TransportFn, TransportName } from './options';
export type { WireBatch, WireEvent, EventType } from './event';
