// npm entry: createTracker and the public types. Importing it touches no browser global.
import { guard } from './log';
import type { Options } from './options';
import { createTracker as create, INERT, type Tracker } from './tracker';

export type { Tracker };
/**
 * Starts tracking. Never throws: options that make it fail (a Proxy, a throwing
 * getter) give one warning and an inert tracker, as unusable options do.
 */
export const createTracker = (options: Options): Tracker =>
  guard(create)(options) || INERT;
export type { Options, ConsentState, CookieMode, Props, TransportAnswer, TransportFn, TransportName } from './options';
export type { WireBatch, WireEvent, EventType } from './event';
