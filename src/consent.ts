// The consent state machine (pure): the two switches, the visitor's answer,
// privacy signals and opt-out decide whether events may be sent and whether
// the two cookies (and the persisted queue) may exist.
import type { ConsentState, CookieMode } from './options';

export interface ConsentInput {
  cookies: CookieMode;
  requireConsent: boolean;
  /** The last answer given (by the site, a CMP or a remembered grant). */
  answer?: ConsentState;
  /** Global Privacy Control / Do Not Track, as the options say to respect them. */
  signalDenied: boolean;
  optedOut: boolean;
}

/** What the tracker may do with an event right now: drop it (opted out, or denied in strict mode), */
export const DROP = 0;
/** keep it in memory until an answer arrives (strict mode), */
export const HOLD = 1;
/** or send it. */
export const SEND = 2;
export type Send = typeof DROP | typeof HOLD | typeof SEND;

/** A privacy signal outweighs a grant (the site can turn the signal off with respectGpc/respectDnt). */
function denied(c: ConsentInput): boolean {
  return c.answer == 'denied' || c.signalDenied;
}

export function sendState(c: ConsentInput): Send {
  if (c.optedOut) return DROP;
  if (!c.requireConsent) return SEND;
  return denied(c) ? DROP : c.answer == 'granted' ? SEND : HOLD;
}

/**
 * May the two cookies and the persisted queue exist? Only while events may be
 * sent (so never opted out, never before a grant in strict mode), never in
 * cookieless mode or when denied, and then after a grant or in 'always' mode.
 */
export function mayStore(c: ConsentInput): boolean {
  return sendState(c) == SEND && c.cookies != 'never' && !denied(c) && (c.answer == 'granted' || c.cookies == 'always');
}
