// Pure core modules: options, URL scrubbing, props validation, events, ids.
import { describe, expect, it, vi } from 'vitest';
import { DEFAULTS, resolveOptions } from '../../src/options';
import { scrubUrl } from '../../src/scrub';
import { cleanProps, validName } from '../../src/validate';
import { batchBody, makeEvent, MIN_TS } from '../../src/event';
import { isId, randomId } from '../../src/ids';

describe('options', () => {
  it('fills every default and keeps valid values', () => {
    const o = resolveOptions({ site: 'S', endpoint: 'https://c.example/e', cookies: 'never', batchMs: 50 })!;
    expect(o).toMatchObject({ ...DEFAULTS, site: 'S', endpoint: 'https://c.example/e', cookies: 'never', batchMs: 50 });
  });

  it('a wrong value warns and falls back to its default; nothing throws', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const o = resolveOptions({ site: 'S', endpoint: '/e', cookies: 'sometimes', batchMs: -1, forms: 'yes', stripParams: [1] })!;
    expect(o.cookies).toBe('consent');
    expect(o.batchMs).toBe(1000);
    expect(o.forms).toBe(true);
    expect(o.stripParams).toEqual([]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('missing site or endpoint leaves the tracker inert', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(resolveOptions({ endpoint: '/e' })).toBeUndefined();
    expect(resolveOptions({ site: 'S' })).toBeUndefined();
    expect(resolveOptions(null)).toBeUndefined();
    expect(resolveOptions({ site: 'x'.repeat(65), endpoint: '/e' })).toBeUndefined();
    warn.mockRestore();
  });

  it('data attributes (strings) are coerced: booleans, numbers and lists', () => {
    expect(
      resolveOptions({ site: 'S', endpoint: '/e', requireConsent: '', forms: 'false', minimal: 'true', batchMs: '250', stripParams: 'a, b,,c', consentSource: 'tcf' }),
    ).toMatchObject({ site: 'S', requireConsent: true, forms: false, minimal: true, batchMs: 250, stripParams: ['a', 'b', 'c'] });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(resolveOptions({ site: 'S', endpoint: '/e', batchMs: 'soon' })!.batchMs).toBe(1000);
    warn.mockRestore();
  });
});

describe('scrubUrl', () => {
  it('replaces e-mail addresses in query values, path and encoded form', () => {
    expect(scrubUrl('https://a.example/p?e=jan%40acme.nl&x=1', [])).toBe('https://a.example/p?e=redacted&x=1');
    expect(scrubUrl('https://a.example/u/jan@acme.nl/edit', [])).toBe('https://a.example/u/redacted/edit');
    expect(scrubUrl('https://a.example/?to=Jan.Smit+sales@acme.co.uk', [])).toBe('https://a.example/?to=redacted');
  });
  it('strips listed parameters and drops the fragment unless hash routing is on', () => {
    expect(scrubUrl('https://a.example/p?token=abc&utm_source=x#access_token=s', ['token'])).toBe('https://a.example/p?utm_source=x');
    expect(scrubUrl('https://a.example/#/pricing', [], true)).toBe('https://a.example/#/pricing');
  });
  it('leaves an unchanged query byte for byte and survives junk', () => {
    expect(scrubUrl('https://a.example/p?q=a+b&r=%20', [])).toBe('https://a.example/p?q=a+b&r=%20');
    expect(scrubUrl('https://a.example/p?q=a+b&r=%20', ['token'])).toBe('https://a.example/p?q=a+b&r=%20');
    expect(scrubUrl('not a url', ['x'])).toBe('');
    expect(scrubUrl('https://a.example/' + 'x'.repeat(5000), []).length).toBe(2048);
  });
});

describe('props and names', () => {
  it('accepts flat string/number/boolean props and rejects everything else', () => {
    expect(cleanProps(undefined)).toBeUndefined();
    expect(cleanProps({ a: 'x', b: 1, c: true })).toEqual({ a: 'x', b: 1, c: true });
    expect(cleanProps({ a: { b: 1 } })).toBe(false);
    expect(cleanProps({ a: NaN })).toBe(false);
    expect(cleanProps({ a: 'x'.repeat(501) })).toBe(false);
    expect(cleanProps(Object.fromEntries(Array.from({ length: 26 }, (_, i) => ['k' + i, i])))).toBe(false);
    expect(cleanProps(['a'])).toBe(false);
    expect(cleanProps('a')).toBe(false);
  });
  it('names are 1–64 characters', () => {
    expect(validName('demo_booked')).toBe(true);
    expect(validName('')).toBe(false);
    expect(validName('x'.repeat(65))).toBe(false);
    expect(validName(5)).toBe(false);
  });
});

describe('events and ids', () => {
  it('ids are base64url with ≥ 96 random bits (visitor ids ≥ 128)', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => randomId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(isId(id, 16)).toBe(true);
    expect(isId(randomId(22), 22)).toBe(true);
  });
  it('minimal mode keeps only type, id, ts, pv and domain', () => {
    const e = makeEvent('page', 'P'.repeat(16), { url: 'https://a.example/', title: 't' }, true);
    expect(Object.keys(e).sort()).toEqual(['id', 'pv', 'ts', 'type']);
    const f = makeEvent('form', 'P'.repeat(16), { domain: 'acme.nl' }, true);
    expect(f.domain).toBe('acme.nl');
  });
  it('the batch body is wire format v1, with dropped only when something was dropped', () => {
    const e = makeEvent('event', 'P'.repeat(16), { name: 'x' }, false);
    expect(JSON.parse(batchBody('S', [e], 0))).toEqual({ v: 1, site: 'S', sent: expect.any(Number), events: [e] });
    expect(JSON.parse(batchBody('S', [e], 3)).dropped).toBe(3);
  });

  it('a client clock before mid-2017 never makes an event the schema rejects: ts takes the floor, sent keeps the real clock', () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2010-03-01T00:00:00Z'));
    try {
      const e = makeEvent('page', 'P'.repeat(16), { url: 'https://a.example/' }, false);
      expect(e.ts).toBe(MIN_TS);
      expect(e.ts).toBeGreaterThan(1500000000000);
      expect(JSON.parse(batchBody('S', [e], 0)).sent).toBe(Date.parse('2010-03-01T00:00:00Z'));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('engagement', () => {
  it('counts visible time only, and a pause stops counting until visible again', async () => {
    const { createEngagement } = await import('../../src/pageviews');
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const e = createEngagement();
    vi.advanceTimersByTime(1500);
    expect(e.take()).toBe(1500); // route change: restart
    vi.advanceTimersByTime(200);
    expect(e.take(true)).toBe(200); // pagehide: pause
    vi.advanceTimersByTime(5000);
    e.update(); // visibilitychange while paused adds nothing
    expect(e.take(true)).toBe(0);
    vi.useRealTimers();
  });
});
