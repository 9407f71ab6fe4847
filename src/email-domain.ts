// E-mail address (or bare domain) -> company domain. Pure: no DOM, no storage.
// Only the part after the single `@` is ever looked at, so nothing of the
// local part can reach the output.

/** Options shared by {@link emailDomain} and `watchForms`. */
export interface EmailDomainOptions {
  /**
   * More consumer mail domains to drop, on top of the built-in list. Same
   * notation as the built-in list: `acme-mail.nl`, or `brand.*` for the brand
   * under any TLD (`brand.de`, `brand.co.uk`, `brand.com.br`).
   * @defaultValue `[]`
   */
  consumerDomains?: string[];
  /**
   * Keep consumer mail domains (gmail.com, ziggo.nl, …) instead of dropping them.
   * @defaultValue `false`
   */
  allowConsumerDomains?: boolean;
}

// Consumer mail domains, space-separated; `brand.*` = the brand under any TLD
// (brand.de, brand.co.uk, brand.com.br). Big global providers plus the large
// ISPs / mail providers of DE, NL, BE, FR, UK, IT, ES, PL, CH, AT, CZ and the
// Nordics. A flat string costs fewer bytes than a grouped one plus the code to unpack it.
const LIST =
  'outlook.* hotmail.* live.* yahoo.* aol.* gmx.* yandex.* protonmail.* tutanota.* fastmail.* mail.* email.* tiscali.* chello.* online.* tuta.* wanadoo.* ' +
  'gmail.com googlemail.com msn.com ymail.com rocketmail.com icloud.com me.com mac.com zoho.com ' +
  'proton.me pm.me mailbox.org laposte.net qq.com 163.com 126.com naver.com ' +
  'btinternet.com btopenworld.com talk21.com sky.com virginmedia.com virgin.net ntlworld.com talktalk.net blueyonder.co.uk plus.net ' +
  'ziggo.nl kpnmail.nl kpnplanet.nl planet.nl hetnet.nl home.nl xs4all.nl casema.nl upcmail.nl telfort.nl ' +
  'zonnet.nl tele2.nl zeelandnet.nl quicknet.nl versatel.nl solcon.nl caiway.nl ' +
  'telenet.be skynet.be proximus.be scarlet.be pandora.be voo.be ' +
  'web.de t-online.de magenta.de freenet.de arcor.de posteo.de vodafone.de kabelmail.de o2mail.de ewetel.net ' +
  'orange.fr free.fr sfr.fr bbox.fr neuf.fr club-internet.fr aliceadsl.fr numericable.fr noos.fr cegetel.net ' +
  'libero.it virgilio.it alice.it tin.it fastwebnet.it inwind.it ' +
  'telefonica.net terra.es ono.com ' +
  'wp.pl o2.pl onet.pl op.pl interia.pl gazeta.pl seznam.cz ' +
  'bluewin.ch hispeed.ch aon.at a1.net ' +
  'spray.se bredband.net comhem.se jubii.dk get2net.dk suomi24.fi luukku.com';

/**
 * The company domain of an e-mail address or bare domain, or `undefined` when
 * the input is not one valid address/host name or is a consumer mail domain.
 *
 * An address must hold exactly one `@`. That rejects RFC 5321 quoted local
 * parts such as `"a@b"@acme.nl` on purpose: they are vanishingly rare in form
 * fields, and "exactly one `@`" makes it impossible for any text of the local
 * part to be mistaken for the domain.
 *
 * The domain is trimmed, stripped of one trailing dot, lower-cased and
 * converted to punycode by the URL parser (IDNA / UTS 46: `Σ` becomes `σ`,
 * fullwidth `ａ` becomes `a`, as browsers resolve them) and validated as a host
 * name: ≤ 253 chars, 2+ labels of 1–63 `[a-z0-9-]` without edge hyphens, and an
 * alphabetic (≥ 2) or `xn--` TLD. IP literals and `localhost` are rejected.
 * Never throws.
 */
export function emailDomain(value: string, opts: EmailDomainOptions = {}): string | undefined {
  try {
    // Not a string: `split` throws and the catch answers undefined.
    const parts = value.split('@');
    let d = parts.length < 3 ? parts.pop()!.trim().replace(/\.$/, '') : '';
    // Only host-name characters (and non-ASCII, for IDN) may reach the URL
    // parser: anything it would read as path, query, port, user info, IPv6 or
    // a %-escape, or silently drop (whitespace, controls), is refused first.
    if (!d || /[^\w.\-\x80-\uffff]|\s/.test(d)) return;
    // The URL parser lower-cases and applies IDNA (UTS 46 mapping + punycode).
    d = new URL('http://' + d).hostname;
    // ≤ 253 chars; labels of 1-63 [a-z0-9-], no edge hyphen; TLD alphabetic
    // or punycode (so no IPv4), and not localhost.
    if (
      !/^(?!.{254})(?!-|.*(-\.|\.-|-$|\blocalhost$))([a-z\d-]{1,63}\.)+([a-z]{2,63}|xn--[a-z\d-]{1,59})$/.test(d)
    )
      return;
    if (!opts.allowConsumerDomains) {
      const list = (' ' + LIST + ' ' + (opts.consumerDomains || []).join(' ') + ' ').toLowerCase();
      // brand.<tld> and brand.co(m).<cc> also match `brand.*`.
      const wild = d.replace(/^([^.]+)(\.com?)?\.[^.]+$/, '$1.*');
      if (list.includes(' ' + d + ' ') || list.includes(' ' + wild + ' ')) return;
    }
    return d;
  } catch {
    // URL missing or refusing the host: not a domain.
  }
}
