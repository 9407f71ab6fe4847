// The consent state machine (src/consent.ts) against the design, for every
// combination of the two switches, the visitor's answer, the privacy signal
// and opt-out (3 × 2 × 3 × 2 × 2 = 72 states).
import { describe, expect, it } from 'vitest';
import { DROP, HOLD, SEND, mayStore, sendState, type ConsentInput } from '../../src/consent';
import type { CookieMode } from '../../src/options';

const MODES: CookieMode[] = ['consent', 'always', 'never'];
const ANSWERS = [undefined, 'granted', 'denied'] as const;

function all(): ConsentInput[] {
  const out: ConsentInput[] = [];
  for (const cookies of MODES)
    for (const requireConsent of [false, true])
      for (const answer of ANSWERS)
        for (const signalDenied of [false, true])
          for (const optedOut of [false, true]) out.push({ cookies, requireConsent, answer, signalDenied, optedOut });
  return out;
}

const label = (c: ConsentInput) =>
  `${c.cookies}${c.requireConsent ? '+strict' : ''} answer=${c.answer ?? 'none'}${c.signalDenied ? ' +GPC' : ''}${c.optedOut ? ' +optedOut' : ''}`;

/**
 * The design, written out rule by rule ("The two switches", "Privacy signals", optOut):
 * - a privacy signal counts as consent denied, and outweighs a grant (decision: the site turns it off with respectGpc/respectDnt);
 * - opt-out stops everything;
 * - strict mode: nothing is sent before a grant (held), nothing at all after denial (dropped);
 * - otherwise events are always sent (cookieless unless the cookies may exist);
 * - 'never' never stores; 'consent' stores only after a grant; 'always' stores unless denied,
 *   but strict mode stores nothing before a grant.
 */
function oracle(c: ConsentInput): { send: string; store: boolean } {
  const denied = c.answer == 'denied' || c.signalDenied;
  const granted = c.answer == 'granted' && !denied;
  let send: string;
  if (c.optedOut) send = 'DROP';
  else if (!c.requireConsent) send = 'SEND';
  else send = granted ? 'SEND' : denied ? 'DROP' : 'HOLD';
  let store: boolean;
  if (c.optedOut || c.cookies == 'never' || denied) store = false;
  else if (c.cookies == 'consent' || c.requireConsent) store = granted;
  else store = true; // 'always', not strict, not denied
  return { send, store };
}

const NAME = { [DROP]: 'DROP', [HOLD]: 'HOLD', [SEND]: 'SEND' } as Record<number, string>;

describe('consent state machine', () => {
  it.each(all().map((c) => [label(c), c] as const))('%s', (_, c) => {
    const want = oracle(c);
    expect({ send: NAME[sendState(c)], store: mayStore(c) }).toEqual(want);
  });

  it('covers all 72 combinations', () => {
    expect(all().length).toBe(72);
    expect(new Set(all().map(label)).size).toBe(72);
  });

  it('storing is only ever allowed while sending is (ids never travel with a held or dropped event)', () => {
    for (const c of all()) if (mayStore(c)) expect(sendState(c), label(c)).toBe(SEND);
  });

  it('cookieless mode never stores, whatever the answer', () => {
    for (const c of all()) if (c.cookies == 'never') expect(mayStore(c), label(c)).toBe(false);
  });

  it('spot checks straight from the design text', () => {
    const base = { signalDenied: false, optedOut: false };
    // default: 'consent', not strict, no answer → cookieless page views are sent
    expect(sendState({ ...base, cookies: 'consent', requireConsent: false })).toBe(SEND);
    expect(mayStore({ ...base, cookies: 'consent', requireConsent: false })).toBe(false);
    // 'always': cookies from the first page view; deleted if consent is later denied
    expect(mayStore({ ...base, cookies: 'always', requireConsent: false })).toBe(true);
    expect(mayStore({ ...base, cookies: 'always', requireConsent: false, answer: 'denied' })).toBe(false);
    expect(sendState({ ...base, cookies: 'always', requireConsent: false, answer: 'denied' })).toBe(SEND);
    // strict: held until an answer, dropped on denial, sent (with cookies) on grant
    expect(sendState({ ...base, cookies: 'always', requireConsent: true })).toBe(HOLD);
    expect(mayStore({ ...base, cookies: 'always', requireConsent: true })).toBe(false);
    expect(sendState({ ...base, cookies: 'consent', requireConsent: true, answer: 'denied' })).toBe(DROP);
    expect(sendState({ ...base, cookies: 'never', requireConsent: true, answer: 'granted' })).toBe(SEND);
    expect(mayStore({ ...base, cookies: 'consent', requireConsent: true, answer: 'granted' })).toBe(true);
    // GPC outweighs a grant
    expect(mayStore({ ...base, cookies: 'consent', requireConsent: false, answer: 'granted', signalDenied: true })).toBe(false);
    expect(sendState({ ...base, cookies: 'consent', requireConsent: true, answer: 'granted', signalDenied: true })).toBe(DROP);
    // opt-out stops everything
    expect(sendState({ ...base, cookies: 'always', requireConsent: false, optedOut: true })).toBe(DROP);
    expect(mayStore({ ...base, cookies: 'always', requireConsent: false, answer: 'granted', optedOut: true })).toBe(false);
  });
});
