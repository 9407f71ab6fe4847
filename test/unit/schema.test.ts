// @vitest-environment node
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import schema from '../../src/schema.json';

const validate = new Ajv({ allErrors: true }).compile(schema);

// Realistic ids: 16 random bytes → 22 base64url characters.
const ID = 'q3Zr0b8fT1mXc2Vw9KpL4a';
const PV = 'Hn7xW2kQe9RtY5uIo0pAsD';
const VID = 'Zx81_kLm-Qw3Er5Ty7Ui9o';
const SID = 'Ses-4f8Gh2Jk6Lz0Xc3V';
const TS = 1732280000000;

const id = (n: number) => `evt${String(n).padStart(19, '0')}`; // 22 chars, base64url-safe

/** The example from design.md ("Wire format v1"), with real ids filled in. */
const designExample = {
  v: 1,
  site: 'LB-7F3K2Q',
  events: [
    {
      type: 'page', id: ID, ts: TS, pv: PV,
      url: 'https://example.com/pricing?utm_source=x', ref: 'https://www.google.com/',
      title: 'Pricing', lang: 'nl-NL', screen: '1920x1080',
      vid: VID, sid: SID,
    },
    { type: 'event', id: id(1), ts: TS + 1000, pv: PV, name: 'demo_booked', props: { plan: 'pro' } },
    { type: 'form', id: id(2), ts: TS + 2000, pv: PV, domain: 'acme.nl' },
    { type: 'engage', id: id(3), ts: TS + 3000, pv: PV, ms: 48213 },
    { type: 'consent', id: id(4), ts: TS + 4000, pv: PV, state: 'granted' },
  ],
};

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const batchOf = (...events: object[]) => ({ v: 1, site: 'LB-TEST', events });
const base = { id: ID, ts: TS, pv: PV };

function expectValid(data: unknown) {
  const ok = validate(data);
  expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
  expect(ok).toBe(true);
}
function expectInvalid(data: unknown) {
  expect(validate(data)).toBe(false);
}

describe('wire format v1 schema: valid batches', () => {
  it('accepts the design.md example', () => expectValid(designExample));

  it('accepts a minimal-mode batch (only type, id, ts, pv; plus domain for forms) with 96-bit ids', () => {
    const pv = 'k2_Pq9-ZxW4mT7aB'; // 16 characters = 96 bits, what the SDK sends
    expectValid(
      batchOf(
        { type: 'page', id: 'Aq3-_Zr0b8fT1mXc', ts: TS, pv },
        { type: 'event', id: 'Bq3-_Zr0b8fT1mXc', ts: TS + 1, pv },
        { type: 'engage', id: 'Cq3-_Zr0b8fT1mXc', ts: TS + 2, pv },
        { type: 'consent', id: 'Dq3-_Zr0b8fT1mXc', ts: TS + 3, pv },
        { type: 'form', id: 'Eq3-_Zr0b8fT1mXc', ts: TS + 4, pv, domain: 'acme.nl' },
      ),
    );
  });

  it('accepts dropped, page props, punycode domains, 500 events, 25 props, long ids', () => {
    expectValid({ ...batchOf({ type: 'page', ...base, props: { a: 'x', b: 1.5, c: false } }), dropped: 12 });
    expectValid(batchOf({ type: 'form', ...base, domain: 'xn--bcher-kva.example.de' }));
    expectValid(batchOf({ type: 'form', ...base, domain: 'shop.xn--p1ai' }));
    expectValid(batchOf({ type: 'form', ...base, domain: `shop.xn--${'a'.repeat(59)}` })); // 63-character label
    expectValid(batchOf({ type: 'form', ...base, domain: 'mail.a-b.co.uk' }));
    expectValid(batchOf(...Array.from({ length: 500 }, (_, i) => ({ type: 'page', ...base, id: id(i) }))));
    const props = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, 'v'.repeat(500)]));
    expectValid(batchOf({ type: 'event', ...base, name: 'x', props }));
    expectValid(batchOf({ type: 'page', ...base, id: 'A'.repeat(64), pv: 'B'.repeat(16), vid: 'C'.repeat(22) }));
    expectValid(batchOf({ type: 'engage', ...base, ms: 0 }, { type: 'engage', ...base, id: id(1), ms: 86_400_000 }));
  });
});

describe('wire format v1 schema: the wrapper can grow', () => {
  it('accepts unknown top-level fields (an endpoint ignores them), so a new field is never a 400', () => {
    expectValid({ ...designExample, future: { anything: [1, 'x'] }, compression: 'none' });
  });

  it('accepts sent, the integer ms time of the send attempt, with no lower bound (a client clock can say 2010)', () => {
    expectValid({ ...designExample, sent: TS + 5000 });
    expectValid({ ...designExample, sent: 1_262_304_000_000 });
    expectInvalid({ ...designExample, sent: String(TS) });
    expectInvalid({ ...designExample, sent: TS + 0.5 });
    expectInvalid({ ...designExample, sent: -1 });
  });

  it('documents the per-event rule: a valid wrapper is answered 200 {accepted, rejected}, 400 only for an invalid wrapper', () => {
    expect(schema.description).toMatch(/ignores unknown top-level fields/);
    expect(schema.description).toMatch(/200 \{"accepted": n, "rejected"/);
    expect(schema.description).toMatch(/400 only for an invalid wrapper/);
  });
});

describe('wire format v1 schema: invalid batches', () => {
  it('rejects a wrong or missing version and bad site', () => {
    expectInvalid({ ...designExample, v: 2 });
    expectInvalid({ ...designExample, v: '1' });
    const { v: _v, ...noVersion } = designExample;
    expectInvalid(noVersion);
    expectInvalid({ ...designExample, site: '' });
    expectInvalid({ ...designExample, site: 'x'.repeat(65) });
  });

  it('rejects extra fields on every event type', () => {
    for (const i of designExample.events.keys()) {
      const b = clone(designExample);
      (b.events[i] as Record<string, unknown>).email = 'jan@acme.nl';
      expectInvalid(b);
    }
  });

  it("rejects fields that belong to another event type", () => {
    expectInvalid(batchOf({ type: 'page', ...base, domain: 'acme.nl' }));
    expectInvalid(batchOf({ type: 'form', ...base, domain: 'acme.nl', url: 'https://acme.nl/' }));
    expectInvalid(batchOf({ type: 'engage', ...base, name: 'x' }));
    expectInvalid(batchOf({ type: 'consent', ...base, ms: 5 }));
    expectInvalid(batchOf({ type: 'event', ...base, state: 'granted' }));
  });

  it('rejects bad ids, timestamps and unknown types', () => {
    expectInvalid(batchOf({ type: 'page', ...base, id: 'short' }));
    expectInvalid(batchOf({ type: 'page', ...base, id: 'has+plus/slash=AAAAAAAA' }));
    expectInvalid(batchOf({ type: 'page', ...base, pv: 'x'.repeat(65) }));
    expectInvalid(batchOf({ type: 'page', ...base, vid: 'A'.repeat(21) })); // < 128 bits
    expectInvalid(batchOf({ type: 'page', ...base, sid: 'not base64url!!!!!' }));
    expectInvalid(batchOf({ type: 'page', ...base, ts: 1_400_000_000_000 }));
    expectInvalid(batchOf({ type: 'page', ...base, ts: TS + 0.5 }));
    expectInvalid(batchOf({ type: 'page', ...base, ts: String(TS) }));
    expectInvalid(batchOf({ type: 'click', ...base }));
    const { id: _id, ...noId } = base;
    expectInvalid(batchOf({ type: 'page', ...noId }));
  });

  it('rejects a form event without a domain or with a bad one', () => {
    expectInvalid(batchOf({ type: 'form', ...base }));
    for (const domain of [
      'jan@acme.nl', // an e-mail address must never get through
      'ACME.nl',
      'localhost',
      '203.0.113.7', // an IP address is not a domain
      'acme..nl',
      '-acme.nl',
      'acme-.nl',
      'bücher.de', // must be punycode
      'a'.repeat(64) + '.nl', // label over 63
      `${'a'.repeat(60)}.`.repeat(5) + 'nl', // over 253
      '',
    ]) {
      expectInvalid(batchOf({ type: 'form', ...base, domain }));
    }
  });

  it('rejects nested, oversized or wrongly typed props', () => {
    expectInvalid(batchOf({ type: 'event', ...base, name: 'x', props: { plan: { tier: 'pro' } } }));
    expectInvalid(batchOf({ type: 'event', ...base, name: 'x', props: { list: ['a'] } }));
    expectInvalid(batchOf({ type: 'event', ...base, name: 'x', props: { n: null } }));
    expectInvalid(batchOf({ type: 'event', ...base, name: 'x', props: { s: 'v'.repeat(501) } }));
    expectInvalid(batchOf({ type: 'event', ...base, name: 'x', props: { ['k'.repeat(65)]: 1 } }));
    const props = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, i]));
    expectInvalid(batchOf({ type: 'event', ...base, name: 'x', props }));
    expectInvalid(batchOf({ type: 'event', ...base, name: 'x', props: 'plan=pro' }));
  });

  it('rejects out-of-range page, event, engage and consent fields', () => {
    expectInvalid(batchOf({ type: 'page', ...base, url: 'u'.repeat(2049) }));
    expectInvalid(batchOf({ type: 'page', ...base, title: 't'.repeat(301) }));
    expectInvalid(batchOf({ type: 'page', ...base, lang: 'l'.repeat(36) }));
    expectInvalid(batchOf({ type: 'page', ...base, screen: '1920×1080' }));
    expectInvalid(batchOf({ type: 'page', ...base, screen: '123456x1' }));
    expectInvalid(batchOf({ type: 'event', ...base, name: '' }));
    expectInvalid(batchOf({ type: 'event', ...base, name: 'n'.repeat(65) }));
    expectInvalid(batchOf({ type: 'engage', ...base, ms: -1 }));
    expectInvalid(batchOf({ type: 'engage', ...base, ms: 86_400_001 }));
    expectInvalid(batchOf({ type: 'engage', ...base, ms: 1.5 }));
    expectInvalid(batchOf({ type: 'consent', ...base, state: 'yes' }));
  });

  it('rejects empty, oversized and non-array event lists and a bad dropped count', () => {
    expectInvalid(batchOf());
    expectInvalid(batchOf(...Array.from({ length: 501 }, (_, i) => ({ type: 'page', ...base, id: id(i) }))));
    expectInvalid({ v: 1, site: 'x', events: { type: 'page', ...base } });
    expectInvalid({ ...batchOf({ type: 'page', ...base }), dropped: -1 });
    expectInvalid({ ...batchOf({ type: 'page', ...base }), dropped: 1.5 });
    expectInvalid(null);
    expectInvalid([]);
  });
});

describe('wire format v1 schema: the erasure request (forget)', () => {
  it('accepts {v, site, forget: <visitor id>}, unknown top-level fields too', () => {
    expectValid({ v: 1, site: 'LB-7F3K2Q', forget: VID });
    expectValid({ v: 1, site: 'LB-7F3K2Q', forget: VID, future: 1 });
  });

  it('rejects a request with both events and forget, with neither, or with a forget that is no visitor id', () => {
    expectInvalid({ ...designExample, forget: VID });
    expectInvalid({ v: 1, site: 'LB-7F3K2Q' });
    expectInvalid({ v: 1, site: 'LB-7F3K2Q', forget: 'short' });
    expectInvalid({ v: 1, site: 'LB-7F3K2Q', forget: VID + '!' });
    expectInvalid({ v: 1, forget: VID });
    expectInvalid({ v: 2, site: 'LB-7F3K2Q', forget: VID });
  });
});
