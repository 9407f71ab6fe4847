import { describe, expect, it } from 'vitest';
import { emailDomain } from '../../src/email-domain';

const cases = (list: [string, string | undefined][], opts?: Parameters<typeof emailDomain>[1]) =>
  it.each(list)('%j → %j', (input, out) => expect(emailDomain(input, opts)).toBe(out));

describe('emailDomain: addresses', () => {
  cases([
    ['jan@acme.nl', 'acme.nl'],
    ['jan.de.vries@sales.acme.co.uk', 'sales.acme.co.uk'],
    ['JAN@ACME.NL', 'acme.nl'],
    ['Jan@Acme.Com', 'acme.com'],
    ['jan@acme.nl.', 'acme.nl'],
    ['jan@acme.nl..', undefined], // one trailing dot only; the second leaves an empty label
    ['  jan@acme.nl  ', 'acme.nl'],
    ['\tjan@acme.nl\n', 'acme.nl'],
    ['jan@ acme.nl ', 'acme.nl'], // whitespace around the domain part is trimmed
    ['jan @acme.nl', 'acme.nl'], // the local part is never inspected
    ['jan@acme .nl', undefined], // whitespace inside the domain
    ['jan@ac\u00a0me.nl', undefined], // no-break space inside
    ['jan@ac\ufeffme.nl', undefined], // BOM / zero-width no-break space (JS \s)
    ['jan+leads@acme.nl', 'acme.nl'],
    ['jan+a@b@acme.nl', undefined],
    ['jan@acme@nl.nl', undefined], // two @
    ['a@b@c.nl', undefined],
    ['"a@b"@acme.nl', undefined], // quoted local part with @: dropped, see the TSDoc
    ['"jan de vries"@acme.nl', 'acme.nl'], // quoted local part without @ is fine
    ['@acme.nl', 'acme.nl'], // empty local part: the domain is still only the domain
    ['jan@', undefined],
    ['jan@.', undefined],
    ['', undefined],
    ['@', undefined],
  ]);
});

describe('emailDomain: IDN and the URL parser', () => {
  cases([
    ['jan@bücher.de', 'xn--bcher-kva.de'],
    ['jan@BÜCHER.DE', 'xn--bcher-kva.de'],
    ['jan@xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['jan@münchen.bücher.de', 'xn--mnchen-3ya.xn--bcher-kva.de'],
    ['ivan@пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['jan@acme.xn--p1ai', 'acme.xn--p1ai'],
    ['jan@日本.jp', 'xn--wgv71a.jp'],
    ['jan@ａｃｍｅ.nl', 'acme.nl'], // fullwidth letters: UTS 46 maps them, same domain
    ['jan@bü\u00adcher.de', 'xn--bcher-kva.de'], // soft hyphen is ignored by IDNA
    ['jan@acme.nl/path', undefined],
    ['jan@acme.nl?x=1', undefined],
    ['jan@acme.nl#x', undefined],
    ['jan@acme.nl:8080', undefined],
    ['jan@acme.nl\\evil.com', undefined],
    ['jan@%61cme.nl', undefined], // %-escape would be decoded by the parser
    ['jan@bücher.de/x', undefined], // also for non-ASCII input
    ['jan@bücher.de\u0001', undefined], // the parser would strip the control character
    ['jan@ac\u0000me.nl', undefined],
    ['jan@acme_sales.nl', undefined],
    ['jan@acme!.nl', undefined],
    ['jan@xn--zz.com', undefined], // invalid punycode: the parser refuses it
    ['jan@xn--.com', undefined],
  ]);
});

it('maps case the IDNA way (Σ → σ everywhere), not the String#toLowerCase way (final ς)', () => {
  expect(emailDomain('jan@ΣΑΣ.gr')).toBe(emailDomain('jan@σασ.gr'));
  expect(emailDomain('jan@ΣΑΣ.gr')).not.toBe(emailDomain('jan@σας.gr'));
  expect(emailDomain('jan@ΣΑΣ.gr')).toMatch(/^xn--/);
});

describe('emailDomain: host-name validation', () => {
  const label63 = 'a'.repeat(63);
  const long253 = `${'a'.repeat(62)}.${'b'.repeat(62)}.${'c'.repeat(62)}.${'d'.repeat(61)}.nl`; // 253 chars
  it('accepts 63-char labels and 253-char names, not more', () => {
    expect(long253).toHaveLength(253);
    expect(emailDomain(`x@${label63}.nl`)).toBe(`${label63}.nl`);
    expect(emailDomain(`x@${label63}a.nl`)).toBeUndefined();
    expect(emailDomain(`x@${long253}`)).toBe(long253);
    expect(emailDomain(`x@a${long253}`)).toBeUndefined();
    expect(emailDomain(`x@${long253}.`)).toBe(long253);
  });
  cases([
    ['jan@acme', undefined], // one label
    ['jan@a.b', undefined], // one-letter TLD
    ['jan@acme.n1', undefined], // TLD not alphabetic
    ['jan@acme.123', undefined],
    ['jan@-acme.nl', undefined],
    ['jan@acme-.nl', undefined],
    ['jan@acme.-nl', undefined],
    ['jan@acme.nl-', undefined],
    ['jan@a-cme.nl', 'a-cme.nl'],
    ['jan@3m.com', '3m.com'],
    ['jan@a..nl', undefined],
    ['jan@.acme.nl', undefined],
    ['jan@1.2.3.4', undefined],
    ['jan@[1.2.3.4]', undefined],
    ['jan@0x7f.1', undefined],
    ['jan@127.1', undefined],
    ['jan@[::1]', undefined],
    ['jan@[IPv6:2001:db8::1]', undefined],
    ['jan@localhost', undefined],
    ['jan@localhost.', undefined],
    ['jan@app.localhost', undefined],
    ['jan@mylocalhost.nl', 'mylocalhost.nl'],
  ]);
});

describe('emailDomain: bare domains (leadbeam("form", "acme.nl"))', () => {
  cases([
    ['acme.nl', 'acme.nl'],
    [' Sales.ACME.nl. ', 'sales.acme.nl'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['https://acme.nl', undefined],
    ['acme.nl/contact', undefined],
    ['localhost', undefined],
    ['acme', undefined],
  ]);
});

describe('emailDomain: consumer mail domains', () => {
  cases([
    ['a@gmail.com', undefined],
    ['a@GoogleMail.com', undefined],
    ['a@outlook.com', undefined],
    ['a@outlook.de', undefined],
    ['a@hotmail.com', undefined],
    ['a@hotmail.nl', undefined],
    ['a@hotmail.co.uk', undefined],
    ['a@hotmail.com.br', undefined],
    ['a@live.nl', undefined],
    ['a@live.be', undefined],
    ['a@yahoo.fr', undefined],
    ['a@yahoo.co.jp', undefined],
    ['a@aol.com', undefined],
    ['a@gmx.de', undefined],
    ['a@gmx.net', undefined],
    ['a@gmx.at', undefined],
    ['a@yandex.ru', undefined],
    ['a@icloud.com', undefined],
    ['a@me.com', undefined],
    ['a@mac.com', undefined],
    ['a@proton.me', undefined],
    ['a@protonmail.com', undefined],
    ['a@protonmail.ch', undefined],
    ['a@mail.com', undefined],
    ['a@zoho.com', undefined],
    ['a@ziggo.nl', undefined],
    ['a@kpnmail.nl', undefined],
    ['a@planet.nl', undefined],
    ['a@hetnet.nl', undefined],
    ['a@home.nl', undefined],
    ['a@chello.nl', undefined],
    ['a@xs4all.nl', undefined],
    ['a@casema.nl', undefined],
    ['a@upcmail.nl', undefined],
    ['a@telfort.nl', undefined],
    ['a@telenet.be', undefined],
    ['a@skynet.be', undefined],
    ['a@proximus.be', undefined],
    ['a@scarlet.be', undefined],
    ['a@web.de', undefined],
    ['a@t-online.de', undefined],
    ['a@freenet.de', undefined],
    ['a@arcor.de', undefined],
    ['a@posteo.de', undefined],
    ['a@mailbox.org', undefined],
    ['a@orange.fr', undefined],
    ['a@wanadoo.fr', undefined],
    ['a@free.fr', undefined],
    ['a@sfr.fr', undefined],
    ['a@laposte.net', undefined],
    ['a@bbox.fr', undefined],
    ['a@neuf.fr', undefined],
    ['a@btinternet.com', undefined],
    ['a@sky.com', undefined],
    ['a@virginmedia.com', undefined],
    ['a@talktalk.net', undefined],
    ['a@blueyonder.co.uk', undefined],
    ['a@ntlworld.com', undefined],
    ['GMAIL.COM', undefined], // bare consumer domain too
    ['a@gmail.com.', undefined],
  ]);
  // Providers that used to pass as company domains (issue 15), and the big ones of DE, NL, BE, FR, UK, IT, ES, PL, CH, AT, CZ and the Nordics.
  it.each(
    (
      'mail.de tutanota.com tutanota.de tuta.io tuta.com libero.it seznam.cz wp.pl bluewin.ch zonnet.nl mail.ru qq.com 163.com naver.com ' +
      'rocketmail.com pm.me fastmail.com fastmail.fm online.de vodafone.de kabelmail.de o2mail.de magenta.de email.de club-internet.fr aliceadsl.fr ' +
      'numericable.fr wanadoo.es btopenworld.com tiscali.co.uk tiscali.it talk21.com plus.net virgin.net tele2.nl zeelandnet.nl quicknet.nl online.nl ' +
      'chello.at voo.be virgilio.it alice.it tin.it telefonica.net terra.es o2.pl onet.pl interia.pl hispeed.ch aon.at a1.net ' +
      'spray.se bredband.net comhem.se online.no jubii.dk mail.dk suomi24.fi'
    ).split(' '),
  )('a@%s is a consumer mail domain', (d) => expect(emailDomain('a@' + d)).toBeUndefined());
  // Look-alikes and company domains of the same brands are companies.
  cases([
    ['a@orange.com', 'orange.com'], // Orange SA staff, not orange.fr customers
    ['a@gmail.nl', 'gmail.nl'], // gmail is not a wildcard brand
    ['a@mygmail.com', 'mygmail.com'],
    ['a@gmail.com.acme.nl', 'gmail.com.acme.nl'],
    ['a@live.acme.com', 'live.acme.com'], // three labels: brand.* needs brand.co(m).<cc>
    ['a@hotmail.acme.co.uk', 'hotmail.acme.co.uk'],
    ['a@outlookmail.nl', 'outlookmail.nl'],
    ['a@kpn.com', 'kpn.com'],
    ['a@microsoft.com', 'microsoft.com'],
  ]);
  it('drops consumer domains written in upper case or fullwidth letters too', () => {
    expect(emailDomain('a@GMAIL.com')).toBeUndefined();
    expect(emailDomain('a@ｇｍａｉｌ.com')).toBeUndefined();
  });
});

describe('emailDomain: options', () => {
  it('extends the list with exact domains and brand.* wildcards, case-insensitively', () => {
    const opts = { consumerDomains: ['Acme-Mail.NL', 'freemail.*', ' spaced.nl '] };
    expect(emailDomain('a@acme-mail.nl', opts)).toBeUndefined();
    expect(emailDomain('a@freemail.de', opts)).toBeUndefined();
    expect(emailDomain('a@freemail.co.uk', opts)).toBeUndefined();
    expect(emailDomain('a@spaced.nl', opts)).toBeUndefined();
    expect(emailDomain('a@gmail.com', opts)).toBeUndefined(); // built-ins stay
    expect(emailDomain('a@acme.nl', opts)).toBe('acme.nl');
    expect(emailDomain('a@sub.acme-mail.nl', opts)).toBe('sub.acme-mail.nl');
  });
  it('allowConsumerDomains keeps consumer domains (and the extension list is then moot)', () => {
    expect(emailDomain('a@gmail.com', { allowConsumerDomains: true })).toBe('gmail.com');
    expect(emailDomain('a@hotmail.co.uk', { allowConsumerDomains: true })).toBe('hotmail.co.uk');
    expect(emailDomain('a@acme.nl', { allowConsumerDomains: true, consumerDomains: ['acme.nl'] })).toBe('acme.nl');
    expect(emailDomain('a@acme.nl', { allowConsumerDomains: false, consumerDomains: ['acme.nl'] })).toBeUndefined();
  });
});

describe('emailDomain: never throws', () => {
  it.each([null, undefined, 42, {}, [], Symbol('x'), { toString: () => 'a@acme.nl' }])('%s', (v) => {
    expect(() => emailDomain(v as never)).not.toThrow();
    expect(emailDomain(v as never)).toBeUndefined();
  });
  it('survives a missing URL global', () => {
    const U = globalThis.URL;
    try {
      // @ts-expect-error SSR / old runtime without URL
      delete globalThis.URL;
      expect(emailDomain('a@acme.nl')).toBeUndefined();
    } finally {
      globalThis.URL = U;
    }
  });
  it('survives junk options', () => {
    expect(emailDomain('a@acme.nl', { consumerDomains: [null, 1] as never })).toBe('acme.nl');
    expect(emailDomain('a@acme.nl', null as never)).toBeUndefined();
  });
});
