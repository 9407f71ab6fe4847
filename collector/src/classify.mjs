// What kind of network an AS is, from its number and its registered name.
//
// Only an organisation that runs its own network (a company, a university, a
// public body) is named as the visitor's company. Networks that carry other
// people's traffic are not companies: access providers (fixed line, cable,
// fibre, transit, research networks serving many universities), mobile
// carriers, and hosting/cloud/CDN/VPN networks (a visit from there is a
// server, a bot, a VPN or a privacy relay, not the network's owner).
//
// Three rules, in order (README "How networks are told apart" has the numbers):
//  1. a curated table of large or well-known ASNs (most visitors come from a
//     few hundred big networks, so these decide most real traffic);
//  2. keywords in the AS name, matched on whole words (plus a few word stems);
//  3. size: an AS that announces at least 2^18 IPv4 addresses and is not in the
//     table as an organisation is taken for an access network (enterprises
//     with that much space are few; the big ones are listed);
//  4. a name with no legal form and no organisation word ("Noah van Bochove",
//     "FLOW", "EBOX") is 'unknown': a person's AS or a brand we cannot place.
// Anything left is taken for an organisation ('company'). The open data has no
// "type of network" field, so this is a heuristic with measured errors.

/** @typedef {'company' | 'education' | 'government' | 'access' | 'mobile' | 'hosting' | 'unknown'} Kind */

/** Kinds that name an organisation running its own network. */
const ORGANISATION = new Set(['company', 'education', 'government']);

/** @param {string} kind */
export const isOrganisation = (kind) => ORGANISATION.has(kind);

/** v4 addresses at or above which an unlisted AS counts as an access network. */
export const LARGE = 2 ** 18;

const list = (kind, asns) => asns.split(/\s+/).filter(Boolean).map((a) => [Number(a), kind]);

/**
 * Curated ASNs. Big organisations first (so the size rule does not demote them),
 * then the big networks whose names carry no keyword.
 */
export const CURATED = new Map([
  ...list(
    'government',
    // US DoD and its NICs, UK MoD and DSTL, US Army ISC, USDA, USPS, NASA, Interior, Texas DIR, China eGovNet, FEMA
    '749 721 56 367 306 668 5972 27064 203665 7 1540 4010 4155 5774 270 22284 1761 37937 3153',
  ),
  ...list(
    'education',
    // UCSD, Universität Stuttgart, MIT, University System of Georgia, Harvard, Stanford, Berkeley
    '7377 553 3 3479 1742 32 25',
  ),
  ...list(
    'company',
    // Apple, Ford, Mercedes-Benz, Prudential, Eli Lilly, Bank of America, P&G, Merck, EDF, Walmart,
    // ExxonMobil ("Mobil" is not a carrier), Credit Suisse, Schlumberger, Cisco, Avaya, GM, NCR, Samsung SDS,
    // RIPE NCC, HP, Southern Company
    '714 521 31399 6253 4249 10794 11003 7054 209502 10695 1766 8729 72 109 18676 30383 1958 6619 ' +
      '3333 33 6501',
  ),
  ...list(
    'hosting',
    // Amazon, Microsoft, Google, Alibaba, Tencent, Oracle, OVH, Hetzner, DigitalOcean, Akamai, Cloudflare,
    // Fastly, IBM Cloud, Huawei Cloud, Volcano Engine/BytePlus, Vultr, M247, Hostinger, Equinix, Leaseweb,
    // Contabo, Scaleway, IONOS, Linode, GoDaddy, Namecheap, netcup, Selectel, Yandex, Meta, Zscaler,
    // Cisco Umbrella, Netskope, Proton, Datacamp/CDN77, QuadraNet, Unified Layer, DreamHost, Liquid Web,
    // Tieto, Dimension Data, Rackspace, Salesforce, Wikimedia, Censys (scanners) and more
    '16509 14618 8987 7224 38895 8075 8068 8069 8070 15169 396982 19527 36040 43515 139070 ' +
      '37963 45102 24429 45090 132203 31898 16276 35540 24940 213230 14061 20940 16625 63949 ' +
      '21342 12222 13335 209242 54113 36351 55990 136907 137718 150436 20473 9009 47583 203020 ' +
      '15830 60781 28753 16265 59253 51167 40021 12876 8560 46606 26347 32244 26496 398101 ' +
      '22612 197540 49505 13238 200350 32934 22616 53813 36692 55256 209103 212238 60068 8100 ' +
      '5619 3741 19994 27357 14340 62563 396356 53667 202425 9123 63023 135377 45062 ' +
      '16397 21859 29802 30633 8972 24961 51852 14907 398324',
  ),
  ...list(
    'mobile',
    // T-Mobile US/PL/AT, China Mobile, SK Telecom, Telkomsel, Mobinil, Comcel, Jio, Airtel, MCCI, Irancell,
    // NTT Docomo, Turkcell, Colombia Movil, Safaricom, Cell C, Vodacom, MTN, Free Mobile, Play, Vodafone
    // mobile networks, Partner, Mobily, MegaFon, MTS, Beeline, Far EasTone, Ooredoo, Orange Maroc, TIM Brasil,
    // Wind Tre, AT&T Mobility, Verizon Wireless (Cellco)
    '21928 12912 8412 9808 56046 56041 56045 24445 24444 56048 9644 23693 37069 26611 55836 ' +
      '45609 24560 9498 197207 44244 9605 16135 27831 33771 37168 29975 16637 12091 36974 ' +
      '37075 36926 30986 51207 9141 30722 33915 1273 12353 16019 133612 3329 36935 24835 5378 ' +
      '12400 35819 12714 8359 8402 17421 9674 37693 36925 26615 1267 20057 6167 22394',
  ),
  ...list(
    'access',
    // Big access/transit networks whose names carry no keyword, and the research & education
    // networks (DFN, SURF, Jisc, SINET, CERNET, TANet, GARR, RENATER, Merit, SWITCH, MCNC, CENIC,
    // HEAnet, UEN, IUCC, TENET, AARNet, RISQ, Sikt, RedIRIS, Internet2, ESnet, GÉANT, NORDUnet, Funet,
    // Belnet, ACOnet, CESNET, KISTI): a visit from them is "some university", not one.
    '4134 7018 4837 701 17676 3320 4713 3356 174 3269 3215 2516 209 9318 2856 8151 1221 9394 ' +
      '20115 3209 22773 3462 26599 3352 5650 17858 7029 28573 12322 12389 5089 7303 6805 3786 ' +
      '4812 4808 45899 8452 1136 10796 5410 12479 20001 5607 3301 9121 577 1257 2828 3561 6713 ' +
      '36992 9829 33363 702 11427 812 4804 5617 17506 6327 3292 4230 3257 7552 2914 6128 11426 ' +
      '9824 852 18881 25019 6389 27699 3549 11351 22927 36947 13285 7713 2119 12430 5432 2497 ' +
      '2527 17557 6079 2518 3303 12874 4847 4788 1759 8167 3816 4761 7545 17816 9299 17511 19901 ' +
      '58224 19108 8447 5384 5769 8434 8048 13489 7418 9158 6848 25400 6057 36903 13999 6871 2514 ' +
      '9304 6730 11404 6799 10013 6306 37492 4725 23724 16086 10620 3243 8881 2116 4181 50266 4760 ' +
      '9050 2519 9198 8708 16232 2860 5713 4755 9924 10429 12741 5483 7738 7385 22085 1680 9812 ' +
      '22047 6503 5610 9269 4780 6147 9595 6739 10010 8220 2510 11830 30036 327934 18403 18126 ' +
      '36884 2686 51964 11492 3491 17552 4637 4685 9443 8551 22561 37457 9416 7459 6830 3371 ' +
      '6878 23969 9617 15802 9316 7155 11664 29695 5391 18101 5006 140292 5466 6535 39891 37100 ' +
      '6697 11776 46690 7922 16591 6939 1299 6453 6762 3257 2914 3491 6461 ' +
      '680 1103 1101 786 2907 4538 1659 137 2200 237 559 81 2152 1213 210 378 2018 7575 376 224 ' +
      '766 11537 293 20965 2603 1741 2611 1853 2852 17579',
  ),
]);

// Keywords, matched against the name's words (lower case, accents stripped).
// A word is hit when it equals a keyword; `*` marks a stem (the word starts with it).
const words = (s) => s.split(/\s+/).filter(Boolean);
const RULES = [
  [
    'education',
    words(
      'universi* univerzit* uniwersytet* hochschule* fachhochschule college colleges school schools academy ' +
        'academia academic seminary polytechnic* politecnic* politeh* instituto institut institute ' +
        'kindergarten education educational educacion educacao schulen gymnasium lycee liceo escola escuela',
    ),
  ],
  [
    'government',
    words(
      'ministry ministerio ministere ministerium ministero government gouvernement gobierno governo ' +
        'regierung parliament police policia army navy defence defense municipality municipal ' +
        'municipio municipalidad gemeente kommun kommune commune county council prefecture mesto gmina bundesamt ' +
        'senate court gov',
    ),
  ],
  [
    'hosting',
    words(
      'hosting* host hoster hosted webhost* server servers serverel* cloud clouds datacenter* datacentre* ' +
        'colocation colo vps vds dedicated cdn vpn proxy rack racks hetzner ovh leaseweb contabo scaleway ' +
        'linode vultr digitalocean akamai cloudflare fastly incapsula zscaler hostinger godaddy namecheap ' +
        'ionos netcup selectel timeweb webhosting sunucu* hostings datacamp kamatera',
    ),
  ],
  ['mobile', words('mobile mobility cellular movil movel mobitel gsm lte 5g 4g celular celulares wireless-mobile')],
  [
    'access',
    words(
      'telecom* telekom* telecommunic* telekomunik* telecomunic* telco telcom telefon* telefonica telephone ' +
        'telephony telecable broadband isp provider provedor proveedor internet cable cablevision catv ' +
        'fiber fibre fibra fibras fiberoptic wireless wifi wisp dsl adsl ftth networks network net ' +
        'communications communication comunicacoes comunicaciones comunicacion communicacoes telematica ' +
        'svyaz iletisim online backbone carrier satellite radiotelephone connect connectivity ' +
        'teleradio telecomunicaciones telecomunicacoes infocomm ixp tv television ertebatat netzwerk* ' +
        // brands of big telecom groups that run many ASNs under their own names
        'rostelecom verizon comcast vodafone telefonica telia telenor airtel etisalat ooredoo claro movistar ' +
        'megafon beeline vimpelcom kyivstar turkcell swisscom proximus bouygues telmex centurylink lumen ' +
        'cogent zayo windstream charter spectrum liberty vocus optus telstra bezeq',
    ),
  ],
  ['government', words('federal agency authority administration department state public national city')],
];

/** Word endings of access networks: "Telenet", "Flashband", "CoreISP", "Hellofibra", "CoastConnect". */
const ACCESS_ENDINGS = ['net', 'band', 'isp', 'fibra', 'fiber', 'fibre', 'connect', 'telecom', 'tel'];
/** Words with those endings that are not network names. */
const NOT_ACCESS = new Set([
  'planet', 'magnet', 'cabinet', 'bonnet', 'hornet', 'sonnet', 'garnet', 'cornet', 'bayonet',
  'hotel', 'motel', 'intel', 'bristol', 'husband', 'headband', 'wristband', 'pastel', 'chapel', 'nestel',
]);

/** Legal forms and organisation words: a name with none of them may be a person's. */
const LEGAL = new Set(
  words(
    'ltd limited llc inc incorporated corp corporation company co plc gmbh ag sa sas sarl srl spa bv nv se ' +
      'oy oyj ab as asa aps kg ohg ev ry ooo oao zao jsc pjsc ojsc cjsc llp lp pty pvt sro doo dd kft zrt ' +
      'a s ou uab sia ehf ohf sp zoo tbk bhd sdn kk ltda me eireli group holding holdings foundation fundacion ' +
      'fundacao association verein stiftung trust bank hospital clinic church society institute centre center ' +
      'cooperative cooperativa coop lab labs systems solutions services technologies technology partners ' +
      'international enterprises industries sl slu sau sapi cv de ltee sccl',
  ),
);

const EXACT = RULES.map(([kind, ws]) => [kind, new Set(ws.filter((w) => !w.endsWith('*')))]);
const STEMS = RULES.map(([kind, ws]) => [kind, ws.filter((w) => w.endsWith('*')).map((w) => w.slice(0, -1))]);

/** Words ending in "net" that are not network names. */

/** Lower case, accents stripped, split on anything that is not a letter or digit. */
export function nameWords(name) {
  return String(name)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * The kind of the AS.
 * @param {{ asn: number, organisation: string, v4?: number }} as  v4 = IPv4 addresses it announces.
 * @returns {Kind}
 */
export function classify({ asn, organisation, v4 = 0 }) {
  const curated = CURATED.get(asn);
  if (curated) return curated;
  const ws = nameWords(organisation);
  for (let r = 0; r < RULES.length; r++) {
    const exact = EXACT[r][1];
    const stems = STEMS[r][1];
    for (const w of ws) {
      if (exact.has(w)) return EXACT[r][0];
      for (const s of stems) if (w.startsWith(s)) return EXACT[r][0];
      if (EXACT[r][0] == 'access' && w.length > 4 && !NOT_ACCESS.has(w)) {
        for (const e of ACCESS_ENDINGS) if (w.endsWith(e)) return 'access';
      }
    }
  }
  if (v4 >= LARGE) return 'access';
  for (const w of ws) if (LEGAL.has(w)) return 'company';
  return 'unknown';
}
