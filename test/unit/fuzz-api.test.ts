// Bad input: every public command and option fed wrong types, huge strings,
// cyclic objects, null/undefined, symbols, functions, throwing getters and
// Proxies that throw on every trap. The promise: a warning and a no-op for that
// call, never a throw, never a malformed batch — every body any transport sees
// is checked against the wire-format JSON Schema (src/schema.json) with ajv.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Ajv from 'ajv';
import schema from '../../src/schema.json';
import type { Options, Tracker } from '../../src/index';

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** Every body a transport was handed, and the ones the schema refused (with the reason). */
let bodies: string[] = [];
let invalid: string[] = [];
function check(body: unknown): void {
  bodies.push(String(body));
  let batch: unknown;
  try {
    batch = JSON.parse(String(body));
  } catch {
    invalid.push('not JSON: ' + String(body).slice(0, 200));
    return;
  }
  if (!validate(batch)) invalid.push(JSON.stringify(validate.errors).slice(0, 300) + ' in ' + String(body).slice(0, 300));
}
const transport = (_url: string, body: string) => (check(body), true);
const sent = () => bodies.flatMap((b) => (JSON.parse(b) as { events: { type: string; name?: string }[] }).events);

let warnings: string[] = [];
let createTracker: (o: Options) => Tracker;

beforeEach(async () => {
  bodies = [];
  invalid = [];
  warnings = [];
  const text = (x: unknown) => {
    try {
      return String(x);
    } catch {
      return '<unprintable>';
    }
  };
  vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void warnings.push(a.map(text).join(' ')));
  // Built-in transports too: whatever they are handed is checked the same way.
  vi.stubGlobal('fetch', vi.fn(async (_u: string, init: RequestInit) => (check(init.body), new Response(null, { status: 204 }))));
  Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: (_u: string, body: string) => (check(body), true) });
  // A fresh module graph per test: the logger prints each message once per page.
  vi.resetModules();
  ({ createTracker } = await import('../../src/index'));
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.cookie.split('; ').forEach((c) => (document.cookie = c.split('=')[0] + '=; max-age=0; path=/'));
  localStorage.clear();
});

/** Lets every batch timer, microtask and transport promise run. */
// Two minutes of fake time, not runAllTimers: a transport fuzzed into answering junk is retried
// (capped backoff) for as long as the page lives, which runAllTimers would take for an endless loop.
const settle = () => vi.advanceTimersByTimeAsync(120_000);

function cyclic(): object {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}
const throwingProxy = () =>
  new Proxy(
    {},
    Object.fromEntries(
      ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'set', 'apply'].map((trap) => [
        trap,
        () => {
          throw new Error('proxy trap ' + trap);
        },
      ]),
    ),
  );
const throwingGetter = () =>
  Object.defineProperty({}, 'plan', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
const lyingPrimitive = () => ({
  toString: () => 'granted',
  valueOf: () => 'granted',
});
const throwingPrimitive = () => ({
  [Symbol.toPrimitive]() {
    throw new Error('toPrimitive');
  },
});

/** Wrong types and hostile values, each with a label for the report. */
const HOSTILE: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['true', () => true],
  ['0', () => 0],
  ['-1', () => -1],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['1e308', () => 1e308],
  ['bigint', () => BigInt(10)],
  ['empty string', () => ''],
  ['huge string', () => 'x'.repeat(1_000_000)],
  ['huge e-mail', () => 'jan@' + 'a'.repeat(1_000_000) + '.nl'],
  ['lone surrogate', () => '\ud800granted'],
  ['NUL and controls', () => 'a\u0000b\u0007c\n'],
  ['symbol', () => Symbol('x')],
  ['function', () => () => 'granted'],
  ['class', () => class X {}],
  ['empty array', () => []],
  ['array', () => ['granted', 'demo']],
  ['empty object', () => ({})],
  ['null-prototype object', () => Object.create(null)],
  ['cyclic object', cyclic],
  ['nested props', () => ({ a: { b: 1 } })],
  ['26 props', () => Object.fromEntries(Array.from({ length: 26 }, (_, i) => ['k' + i, i]))],
  ['65-char key', () => ({ ['k'.repeat(65)]: 1 })],
  ['501-char value', () => ({ a: 'v'.repeat(501) })],
  ['NaN value', () => ({ a: NaN })],
  ['throwing getter', throwingGetter],
  ['throwing proxy', throwingProxy],
  ['revoked proxy', () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }],
  ['object that says "granted"', lyingPrimitive],
  ['String object', () => new String('granted')],
  ['throwing toPrimitive', throwingPrimitive],
  ['Date', () => new Date()],
  ['RegExp', () => /granted/],
  ['Map', () => new Map([['a', 1]])],
  ['Promise', () => Promise.resolve('granted')],
  ['window', () => window],
  ['document', () => document],
  ['toJSON returning junk', () => ({ toJSON: () => ({ evil: true }) })],
  ['__proto__ key', () => JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}')],
];

/** Calls that must be accepted (they are the only ones allowed to produce events). */
// A plain object whose only key is a symbol ("throwing toPrimitive") is empty props.
const VALID = new Set(
  ['undefined', 'null', 'empty object', 'null-prototype object', '__proto__ key', 'throwing toPrimitive'].flatMap((v) => ['page ' + v, 'track props ' + v]),
);

const base = (over: Partial<Options> = {}): Options => ({ site: 'LB-FUZZ', endpoint: 'https://c.example/e', transport, batchSize: 1, pageviews: false, ...over });

describe('every command, every hostile argument', () => {
  const calls: [string, (t: Tracker, v: unknown) => void][] = [
    ['page', (t, v) => t.page(v as never)],
    ['track name', (t, v) => t.track(v as never)],
    ['track props', (t, v) => t.track('fuzz', v as never)],
    ['track both', (t, v) => t.track(v as never, v as never)],
    ['consent', (t, v) => t.consent(v as never)],
    ['form', (t, v) => t.form(v as never)],
    ['optIn', (t, v) => (t.optIn as (x: unknown) => void)(v)],
    ['flush', (t, v) => (t.flush as (x: unknown) => void)(v)],
  ];
  for (const [command, call] of calls) {
    it(`${command}(hostile): never throws; invalid input warns and sends nothing; tracking goes on`, async () => {
      const report: string[] = [];
      for (const [label, make] of HOSTILE) {
        // A fresh tracker and logger per value: each bad call must print its own warning.
        vi.resetModules();
        const t = (await import('../../src/index')).createTracker(base());
        const before = sent().length;
        const warned = warnings.length;
        const value = make();
        expect(() => call(t, value), `${command}(${label})`).not.toThrow();
        await settle();
        const key = `${command} ${label}`;
        const isString = typeof value == 'string';
        // form() with a string that holds no usable domain is a silent no-op; optIn/flush ignore arguments.
        const mayBeSilent =
          VALID.has(key) ||
          command == 'optIn' ||
          command == 'flush' ||
          (command == 'form' && isString) ||
          // Any string of 1–64 characters is a name (controls and lone surrogates too: JSON escapes them).
          (command == 'track name' && isString && (value as string).length > 0 && (value as string).length <= 64);
        if (!mayBeSilent) {
          if (sent().length != before) report.push(`${key}: sent ${JSON.stringify(sent().slice(before)).slice(0, 200)}`);
          if (!warnings.slice(warned).some((w) => w.startsWith('[leadbeam] '))) report.push(`${key}: no warning`);
        }
        // Still tracking after the bad call.
        t.track('still_here', { label });
        await settle();
        if (!sent().some((e) => e.name == 'still_here' && (e as { props?: { label?: string } }).props?.label == label)) report.push(`${key}: stopped tracking`);
        t.destroy();
      }
      expect(report).toEqual([]);
      expect(invalid).toEqual([]);
    });
  }

  it('a warning for each kind of bad call is printed, prefixed, and nothing reaches the page', async () => {
    const t = createTracker(base());
    t.track('');
    t.consent('maybe' as never);
    t.form(42 as never);
    t.page({ a: { b: 1 } } as never);
    t.track('x', throwingProxy() as never);
    expect(warnings.length).toBeGreaterThanOrEqual(5);
    expect(warnings.every((w) => w.startsWith('[leadbeam] '))).toBe(true);
    expect(warnings.some((w) => w.includes('internal error'))).toBe(true);
    await settle();
    expect(bodies).toEqual([]);
    t.destroy();
  });

  it('consent() accepts only the two strings: an object that says "granted" cannot smuggle itself into a batch', async () => {
    // The page view goes out without ids, so a grant sends a consent event (with the state given).
    const t = createTracker(base({ pageviews: true }));
    await settle();
    t.consent(lyingPrimitive() as never);
    t.consent(new String('granted') as never);
    t.consent('granted');
    await settle();
    expect(invalid).toEqual([]);
    expect(sent().filter((e) => e.type == 'consent')).toEqual([expect.objectContaining({ state: 'granted' })]);
    t.destroy();
  });
});

describe('every option, every hostile value', () => {
  const keys = [
    'site', 'endpoint', 'cookies', 'requireConsent', 'minimal', 'pageviews', 'hashRouting', 'stripParams', 'forms',
    'consumerDomains', 'allowConsumerDomains', 'respectGpc', 'respectDnt', 'cookiePrefix', 'cookieDomain', 'transport',
    'batchMs', 'batchSize', 'maxQueue', 'maxQueueBytes', 'unknownOption', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  ];
  it.each(keys)('%s: createTracker never throws, every method stays callable, every batch is valid', async (key) => {
    const report: string[] = [];
    for (const [label, make] of HOSTILE) {
      const options = base({ pageviews: true });
      // A data property even for "__proto__" (as JSON.parse or a spread would make it).
      Object.defineProperty(options, key, { value: make(), enumerable: true, configurable: true, writable: true });
      let t: Tracker | undefined;
      try {
        t = createTracker(options);
        t.track('fuzz', { label });
        t.page();
        t.consent('granted');
        t.form('jan@acme.nl');
        t.flush();
        await settle();
        t.optOut();
        t.optIn();
        t.destroy();
        await settle();
      } catch (e) {
        report.push(`${key} = ${label}: threw ${String(e)}`);
      }
      if (typeof t?.track != 'function') report.push(`${key} = ${label}: no tracker`);
    }
    expect(report).toEqual([]);
    expect(invalid).toEqual([]);
    // Whatever went wrong was said in the console, with the prefix, and as what it is (never an internal error).
    expect(warnings.every((w) => w.startsWith('[leadbeam] '))).toBe(true);
    // Keys that Object.prototype also has are unknown options, not a crash in the option check.
    if (['__proto__', 'constructor', 'toString', 'hasOwnProperty'].includes(key)) expect(warnings.filter((w) => w.includes('internal error'))).toEqual([]);
  }, 20_000);

  it('the options object itself hostile (wrong type, throwing Proxy, throwing getters): an inert tracker and a warning', async () => {
    const report: string[] = [];
    const hostileOptions: [string, unknown][] = [
      // Not the 1 MB strings: as options, a string is walked key by key (one per character):
      // slow (linear) but harmless; see the test below.
      ...HOSTILE.filter(([label]) => !label.startsWith('huge')).map(([label, make]) => [label, make()] as [string, unknown]),
      ['getters that throw', Object.defineProperty({ site: 'S', endpoint: 'https://c.example/e' }, 'transport', { enumerable: true, get() { throw new Error('getter'); } })],
      ['site getter that throws', Object.defineProperty({ endpoint: 'https://c.example/e' }, 'site', { enumerable: true, get() { throw new Error('getter'); } })],
    ];
    for (const [label, options] of hostileOptions) {
      try {
        const t = createTracker(options as Options);
        for (const m of ['page', 'track', 'consent', 'form', 'optOut', 'optIn', 'flush', 'destroy'] as const) (t[m] as (...a: unknown[]) => void)('x');
      } catch (e) {
        report.push(`${label}: threw ${String(e)}`);
      }
    }
    await settle();
    expect(report).toEqual([]);
    expect(invalid).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('a 10 000-character string as options: an inert tracker, quickly', () => {
    const start = performance.now();
    const t = createTracker('x'.repeat(10_000) as never);
    t.track('x');
    expect(performance.now() - start).toBeLessThan(500);
    expect(bodies).toEqual([]);
  });

  it('hostile transport functions (throwing, rejecting, junk answers, never settling) are retried, never surface', async () => {
    const transports: ((u: string, b: string) => unknown)[] = [
      () => {
        throw new Error('sync');
      },
      () => Promise.reject(new Error('async')),
      () => 'yes',
      () => ({ then: () => { throw new Error('thenable'); } }),
      () => new Promise(() => {}),
      () => throwingProxy(),
      (_u, b) => (check(b), true),
    ];
    for (const fn of transports) {
      let calls = 0;
      const counted = (u: string, b: string) => (calls++, fn(u, b));
      const t = createTracker(base({ transport: counted as Options['transport'], pageviews: true }));
      t.track('x');
      await vi.advanceTimersByTimeAsync(30_000);
      t.flush();
      t.destroy();
      // A request in flight at destroy() settles later: it must not start retries.
      await vi.advanceTimersByTimeAsync(15_000);
      const after = calls;
      await vi.advanceTimersByTimeAsync(600_000);
      expect(calls).toBe(after);
    }
    expect(invalid).toEqual([]);
    expect(sent().length).toBeGreaterThan(0);
  });
});

describe('random command sequences', () => {
  it('2 000 seeded random commands with hostile arguments: nothing throws, every batch is valid', async () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const t = createTracker(base({ batchSize: 10, cookies: 'always', pageviews: true, hashRouting: true }));
    const commands = ['page', 'track', 'consent', 'form', 'optOut', 'optIn', 'flush'] as const;
    const good: unknown[] = ['granted', 'denied', 'demo_booked', 'jan@acme.nl', { plan: 'pro', seats: 3, trial: false }, undefined];
    const pick = () => (rand(3) == 0 ? HOSTILE[rand(HOSTILE.length)][1]() : good[rand(good.length)]);
    for (let i = 0; i < 2000; i++) {
      const m = commands[rand(commands.length)];
      if (m == 'optOut' && rand(4)) continue; // opt-outs are sticky; keep most of the run tracking
      const a = pick();
      const b = pick();
      expect(() => (t[m] as (...x: unknown[]) => void)(a, b)).not.toThrow();
      if (i % 50 == 0) {
        history.pushState({}, '', '/route-' + i + (rand(2) ? '#h' + i : ''));
        await settle();
      }
    }
    t.optIn();
    t.consent('granted');
    t.track('end');
    await settle();
    expect(bodies.length).toBeGreaterThan(0);
    expect(invalid).toEqual([]);
    t.destroy();
  });
});
