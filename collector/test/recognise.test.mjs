// Company recognition: IP parsing, the AS resolver (a small fixture for the
// edge cases, the full @ip-location-db/asn data for real ranges), the network
// kinds, form-domain precedence and the client-IP trust rules.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { normaliseIp, parseIp } from '../src/ip.mjs';
import { classify, createAsnResolver, isOrganisation, recognise } from '../src/recognise.mjs';
import { clientIp } from '../src/client-ip.mjs';
import { measure, readLabelled } from '../bench/classify-accuracy.mjs';

const small = fileURLToPath(new URL('./fixtures/asn-small', import.meta.url));

describe('IP parsing (by hand, no regex)', () => {
  it('reads dotted IPv4 and rejects anything else', () => {
    expect(parseIp('1.2.3.4')).toEqual({ v: 4, n: 0x01020304 });
    expect(parseIp('255.255.255.255')).toEqual({ v: 4, n: 0xffffffff });
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '', '.', 'a.b.c.d']) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });

  it('reads IPv6 with :: shorthand, an IPv4 tail and a zone id', () => {
    const words = (s) => Array.from(parseIp(s).words);
    expect(words('2001:db8::1')).toEqual([0x20010db8, 0, 0, 1]);
    expect(words('::1')).toEqual([0, 0, 0, 1]);
    expect(words('::')).toEqual([0, 0, 0, 0]);
    expect(words('1::')).toEqual([0x10000, 0, 0, 0]);
    expect(words('1:2:3:4:5:6:7:8')).toEqual([0x10002, 0x30004, 0x50006, 0x70008]);
    expect(words('64:ff9b::1.2.3.4')).toEqual([0x64ff9b, 0, 0, 0x01020304]);
    expect(words('FE80::1%eth0')).toEqual([0xfe800000, 0, 0, 1]);
    for (const bad of ['1:2:3:4:5:6:7:8:9', '1:::2', '1::2::3', ':1::', '1::2:', '12345::', 'g::', ':', '1:2:3:4:5:6:7:1.2.3.4', '::ffff:1.2.3.4.5']) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address, in either notation', () => {
    expect(parseIp('::ffff:1.2.3.4')).toEqual({ v: 4, n: 0x01020304 });
    expect(parseIp('::FFFF:0102:0304')).toEqual({ v: 4, n: 0x01020304 });
    expect(normaliseIp('::ffff:18.7.22.69')).toBe('18.7.22.69');
    expect(normaliseIp('2001:DB8::1%eth0')).toBe('2001:db8::1');
  });

  it('rejects non-strings and over-long input in constant work', () => {
    for (const bad of [undefined, null, 42, {}, ['1.2.3.4'], '1'.repeat(65), ':'.repeat(10_000)]) expect(parseIp(bad)).toBeNull();
  });
});

describe('AS resolver on a small fixture', () => {
  const r = createAsnResolver({ dir: small });

  it('finds the range an address falls in, and nothing in the gaps', () => {
    expect(r('10.0.0.0')).toMatchObject({ asn: 64500, organisation: 'Acme "Widgets" Ltd', kind: 'company', name: 'Acme "Widgets" Ltd' });
    expect(r('10.0.0.255')).toMatchObject({ asn: 64500 });
    expect(r('10.0.1.0')).toMatchObject({ asn: 64501, kind: 'education' });
    expect(r('10.0.2.128')).toBe(r('10.0.0.1')); // one frozen record per AS
    expect(Object.isFrozen(r('10.0.0.1'))).toBe(true);
    expect(r('10.0.3.0')).toBeNull(); // gap
    expect(r('9.255.255.255')).toBeNull();
    expect(r('255.255.255.255')).toBeNull();
    expect(r('1.0.0.1')).toMatchObject({ asn: 13335, organisation: 'Cloudflare, Inc.', kind: 'hosting' });
  });

  it('lets the later row win where two IPv4 rows overlap', () => {
    expect(r('10.0.3.121')).toMatchObject({ asn: 64502 });
    expect(r('10.0.3.122')).toMatchObject({ asn: 64503, kind: 'access' });
    expect(r('10.0.3.208')).toMatchObject({ asn: 64503 });
    expect(r.stats.overlaps).toBe(1);
  });

  it('looks up IPv6 ranges at their exact bounds, and IPv4-mapped IPv6 in the IPv4 table', () => {
    expect(r('2001:db8::')).toMatchObject({ asn: 64501 });
    expect(r('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toMatchObject({ asn: 64501 });
    expect(r('2001:db9::ffff')).toMatchObject({ asn: 64504, kind: 'mobile' });
    expect(r('2001:db9::1:0')).toBeNull();
    expect(r('2a00:0:0:1::')).toMatchObject({ asn: 64505, kind: 'hosting', organisation: 'Cloud, Hosting & Co' });
    expect(r('2a00:0:0:1::1')).toBeNull();
    expect(r('::ffff:10.0.1.7')).toMatchObject({ asn: 64501 });
    expect(r('::ffff:a00:107')).toMatchObject({ asn: 64501 });
  });

  it('answers null to invalid input instead of throwing', () => {
    for (const bad of ['', 'localhost', '10.0.0', '10.0.0.1.', '2001:db8:::1', null, undefined, 7, 'x'.repeat(1000)]) {
      expect(r(bad)).toBeNull();
    }
    expect(r.asn(64501)).toMatchObject({ organisation: 'Example University' });
    expect(r.asn(1)).toBeNull();
  });

  it('names only organisations: a network that carries others’ traffic has no name', () => {
    expect(r('10.0.3.130')).not.toHaveProperty('name');
    expect(r('2001:db9::1')).not.toHaveProperty('name');
  });
});

describe('network kinds', () => {
  const kind = (asn, organisation, v4 = 256) => classify({ asn, organisation, v4 });

  it('uses the curated table first (a name alone would mislead)', () => {
    expect(kind(1766, 'Exxon Mobil Corporation')).toBe('company'); // "Mobil" is not a carrier
    expect(kind(3320, 'Deutsche Telekom AG')).toBe('access');
    expect(kind(16509, 'Amazon.com, Inc.')).toBe('hosting');
    expect(kind(21928, 'T-Mobile USA, Inc.')).toBe('mobile');
    expect(kind(680, 'Verein zur Foerderung eines Deutschen Forschungsnetzes')).toBe('access'); // a research network serves many universities
  });

  it('reads keywords on whole words and word endings', () => {
    expect(kind(64500, 'Universitaet Irgendwo')).toBe('education');
    expect(kind(64500, 'Ministry of Finance')).toBe('government');
    expect(kind(64500, 'Example Hosting GmbH')).toBe('hosting');
    expect(kind(64500, 'Example Mobile Ltd')).toBe('mobile');
    expect(kind(64500, 'CONEXAO TELECOMUNICACOES LTDA')).toBe('access');
    expect(kind(64500, 'Fastnet Ltd')).toBe('access');
    expect(kind(64500, 'Flashband S.R.L.')).toBe('access');
    expect(kind(64500, 'Planet Foods Ltd')).toBe('company'); // -net, but not a network
    expect(kind(64500, 'Novo Nordisk A/S')).toBe('company');
  });

  it('takes a large unlisted network for an access provider, and a name with no legal form for unknown', () => {
    expect(kind(64500, 'Big Brand Ltd', 2 ** 18)).toBe('access');
    expect(kind(64500, 'Big Brand Ltd', 2 ** 18 - 1)).toBe('company');
    expect(kind(64500, 'Noah van Bochove')).toBe('unknown');
    expect(isOrganisation('unknown')).toBe(false);
    expect(['company', 'education', 'government'].every(isOrganisation)).toBe(true);
    expect(['access', 'mobile', 'hosting'].some(isOrganisation)).toBe(false);
  });
});

describe('the full @ip-location-db/asn data', () => {
  let r;
  beforeAll(() => {
    r = createAsnResolver();
  });

  it('loads in under 5 s', () => {
    expect(r.stats.loadMs).toBeLessThan(5000);
    expect(r.stats.v4Ranges).toBeGreaterThan(100_000);
    expect(r.stats.v6Ranges).toBeGreaterThan(10_000);
  });

  it('recognises real ranges: Google and Cloudflare are hosting, Deutsche Telekom is access, T-Mobile US is mobile', () => {
    expect(r('8.8.8.8')).toMatchObject({ asn: 15169, kind: 'hosting' });
    expect(r('2001:4860:4860::8888')).toMatchObject({ asn: 15169, kind: 'hosting' });
    expect(r('1.1.1.1')).toMatchObject({ asn: 13335, kind: 'hosting' });
    expect(r('80.128.0.1')).toMatchObject({ asn: 3320, organisation: 'Deutsche Telekom AG', kind: 'access' });
    expect(r('2003::1')).toMatchObject({ asn: 3320, kind: 'access' });
    expect(r('23.18.0.1')).toMatchObject({ asn: 21928, kind: 'mobile' });
    expect(r('2001:610::1')).toMatchObject({ asn: 1103, kind: 'access' }); // SURF, the Dutch research network
  });

  it('names universities, companies and public bodies that run their own network', () => {
    expect(r('18.7.22.69')).toMatchObject({ asn: 3, kind: 'education', name: 'Massachusetts Institute of Technology' });
    expect(r('::ffff:18.7.22.69')).toBe(r('18.7.22.69'));
    expect(r('129.69.5.1')).toMatchObject({ asn: 553, kind: 'education', name: 'Universitaet Stuttgart' });
    expect(r('2001:7c0::1')).toMatchObject({ asn: 553, kind: 'education' });
    expect(r('17.1.1.1')).toMatchObject({ asn: 714, kind: 'company', name: 'Apple Inc.' });
    expect(r('6.1.0.1')).toMatchObject({ asn: 749, kind: 'government' });
  });

  it('has nothing for private, loopback and documentation addresses', () => {
    for (const ip of ['10.1.2.3', '127.0.0.1', '192.168.1.1', '::1', 'fe80::1', '2001:db8::1']) expect(r(ip)).toBeNull();
  });

  // The measured numbers are in collector/README.md; these floors catch a regression.
  it('tells organisations apart on the hand-labelled sample (precision ≥ 70%, recall ≥ 85%)', () => {
    const m = measure(r, readLabelled());
    expect(m.all.tp + m.all.fp + m.all.fn + m.all.tn).toBeGreaterThanOrEqual(200);
    expect(m.all.precision).toBeGreaterThanOrEqual(0.7);
    expect(m.all.recall).toBeGreaterThanOrEqual(0.85);
    expect(m.holdout.precision).toBeGreaterThanOrEqual(0.7);
  });
});

describe('recognise(): the form domain wins', () => {
  const network = (kind, extra = {}) => () => Object.freeze({ asn: 64500, organisation: 'Acme Ltd', kind, ...(kind === 'company' ? { name: 'Acme Ltd' } : {}), ...extra });

  it('names the company from the form domain and keeps the AS data as network info only', () => {
    expect(recognise({ ip: '192.0.2.1', formDomain: 'example.com', resolve: network('access') })).toEqual({
      company: { domain: 'example.com', source: 'form' },
      network: { asn: 64500, organisation: 'Acme Ltd', kind: 'access' },
    });
    // even when the network is an organisation: the visitor said who they are
    const r = recognise({ ip: '192.0.2.1', formDomain: 'Other.Example.', resolve: network('company') });
    expect(r.company).toEqual({ domain: 'other.example', source: 'form' });
    expect(r.network.name).toBe('Acme Ltd');
  });

  it('adds the network name only when the resolver knows it is the same domain', () => {
    const r = recognise({ ip: '192.0.2.1', formDomain: 'acme.example', resolve: network('company', { domain: 'acme.example' }) });
    expect(r.company).toEqual({ domain: 'acme.example', name: 'Acme Ltd', source: 'form' });
  });

  it('without a form domain, names the network only when it is an organisation', () => {
    expect(recognise({ ip: '192.0.2.1', resolve: network('company') }).company).toEqual({ name: 'Acme Ltd', source: 'network' });
    expect(recognise({ ip: '192.0.2.1', resolve: network('education') }).company).toMatchObject({ source: 'network' });
    for (const kind of ['access', 'mobile', 'hosting', 'unknown']) {
      const r = recognise({ ip: '192.0.2.1', resolve: network(kind) });
      expect(r.company, kind).toBeNull();
      expect(r.network.kind).toBe(kind);
    }
  });

  it('never returns the IP, and survives a failing resolver or a bad form domain', () => {
    const r = recognise({ ip: '192.0.2.77', formDomain: 'example.com', resolve: network('company') });
    expect(JSON.stringify(r)).not.toContain('192.0.2.77');
    expect(recognise({ ip: '192.0.2.1', resolve: () => { throw new Error('down'); } })).toEqual({ company: null, network: null });
    expect(recognise({ ip: '192.0.2.1', formDomain: 'not a domain', resolve: network('access') }).company).toBeNull();
    expect(recognise({ formDomain: 'example.com' })).toEqual({ company: { domain: 'example.com', source: 'form' }, network: null });
    expect(recognise()).toEqual({ company: null, network: null });
  });
});

describe('clientIp(req, { trustProxy })', () => {
  const req = (remoteAddress, xff) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });

  it('uses the socket address and ignores X-Forwarded-For when no proxy is configured', () => {
    expect(clientIp(req('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
    expect(clientIp(req('203.0.113.9', '198.51.100.1'), { trustProxy: [] })).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from a peer that is not a configured proxy', () => {
    expect(clientIp(req('203.0.113.9', '198.51.100.1'), { trustProxy: ['10.0.0.1'] })).toBe('203.0.113.9');
  });

  it('takes the right-most hop that is not a trusted proxy', () => {
    const trustProxy = ['10.0.0.0/8', '2001:db8::/32'];
    // the client wrote "6.6.6.6" itself; the proxy appended what it saw
    expect(clientIp(req('10.0.0.1', '6.6.6.6, 198.51.100.1'), { trustProxy })).toBe('198.51.100.1');
    expect(clientIp(req('10.0.0.1', '6.6.6.6, 198.51.100.1, 10.0.0.2'), { trustProxy })).toBe('198.51.100.1');
    expect(clientIp(req('2001:db8::5', '2a00:1450::1, 2001:db8::6'), { trustProxy })).toBe('2a00:1450::1');
    expect(clientIp({ socket: { remoteAddress: '10.0.0.1' }, headers: { 'x-forwarded-for': ['6.6.6.6', '198.51.100.1'] } }, { trustProxy })).toBe('198.51.100.1');
  });

  it('stops at junk: the nearest hop a trusted proxy vouched for is the answer', () => {
    const trustProxy = ['10.0.0.0/8'];
    expect(clientIp(req('10.0.0.1', '198.51.100.1, junk'), { trustProxy })).toBe('10.0.0.1');
    expect(clientIp(req('10.0.0.1', '198.51.100.1, junk, 10.0.0.3'), { trustProxy })).toBe('10.0.0.3');
    expect(clientIp(req('10.0.0.1', ''), { trustProxy })).toBe('10.0.0.1');
    expect(clientIp(req('10.0.0.1'), { trustProxy })).toBe('10.0.0.1');
    // all trusted: the left-most (within 20 hops) is the best we know
    expect(clientIp(req('10.0.0.1', '10.0.0.9, 10.0.0.8'), { trustProxy })).toBe('10.0.0.9');
  });

  it('normalises IPv4-mapped IPv6, on the socket, in the header and in the trust list', () => {
    expect(clientIp(req('::ffff:203.0.113.9'))).toBe('203.0.113.9');
    expect(clientIp(req('::ffff:10.0.0.1', '::ffff:198.51.100.1'), { trustProxy: ['10.0.0.1'] })).toBe('198.51.100.1');
    expect(clientIp(req('10.0.0.1', '198.51.100.1'), { trustProxy: ['::ffff:10.0.0.0/104'] })).toBe('198.51.100.1');
  });

  it('answers null for a socket without an address, and rejects a bad trust list at start-up', () => {
    expect(clientIp({ socket: {}, headers: {} })).toBeNull();
    expect(clientIp({})).toBeNull();
    expect(() => clientIp(req('10.0.0.1', '1.2.3.4'), { trustProxy: ['10.0.0.0/33'] })).toThrow(/trustProxy/);
    expect(() => clientIp(req('10.0.0.1', '1.2.3.4'), { trustProxy: ['proxy.local'] })).toThrow(/trustProxy/);
  });
});
