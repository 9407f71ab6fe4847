// Wire format v1: event shapes and the batch body (pure).
import { randomId } from './ids';
import type { ConsentState, Props } from './options';

/** The five event types of wire format v1. */
export type EventType = 'page' | 'event' | 'form' | 'engage' | 'consent';

/** One event of wire format v1 (see `leadbeam/schema.json`). */
export interface WireEvent {
  type: EventType;
  /** Random event id (96 bits, base64url): endpoints deduplicate on it. */
  id: string;
  /** Milliseconds since the epoch, when the event happened (kept when sent later). */
  ts: number;
  /** Page-view id: ties the events of one page view together. Never stored. */
  pv: string;
  vid?: string;
  sid?: string;
  url?: string;
  ref?: string;
  title?: string;
  lang?: string;
  screen?: string;
  name?: string;
  props?: Props;
  domain?: string;
  ms?: number;
  state?: ConsentState;
}

/** The body of one request: a batch of events of one site (wire format v1). */
export interface WireBatch {
  v: 1;
  site: string;
  events: WireEvent[];
  /** Events the client had to drop because its queue was full, since the last batch. */
  dropped?: number;
  /** Client time of this send attempt (ms epoch): with the endpoint's own clock it corrects skewed `ts`. */
  sent?: number;
}

/** Fields that `minimal: true` keeps. */
const MINIMAL: Record<string, 1> = { type: 1, id: 1, ts: 1, pv: 1, domain: 1 };

/**
 * The schema's floor for `ts` (mid-2017): a client clock set before it would make
 * the endpoint reject the event, so the event carries the floor instead; `sent`
 * keeps the real (wrong) clock, from which the endpoint can tell.
 */
export const MIN_TS = 1500000000001;

export function makeEvent(type: EventType, pv: string, fields: Partial<WireEvent>, minimal: boolean): WireEvent {
  const event = { type, id: randomId(), ts: Math.max(MIN_TS, Date.now()), pv } as WireEvent;
  // Own keys only: a page may have put enumerable junk on Object.prototype.
  for (const key of Object.keys(fields)) {
    const value = fields[key as keyof WireEvent];
    if (value !== undefined && value !== '' && (!minimal || MINIMAL[key])) (event as any)[key] = value;
  }
  return event;
}

export function batchBody(site: string, events: WireEvent[], dropped: number): string {
  const batch: WireBatch = { v: 1, site, sent: Date.now(), events };
  if (dropped) batch.dropped = dropped;
  // Shadows a page's Array.prototype.toJSON (Prototype.js), which would make the events a string.
  (events as unknown as { toJSON: 0 }).toJSON = 0;
  return JSON.stringify(batch);
}
