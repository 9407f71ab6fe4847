// The report: which companies visited, from the stored events (never an IP: the
// store has none). One summary feeds the terminal table (`report` command), the
// HTML page (GET /report) and its live data (GET /report.json).
//
// A visit is a visitor id, or (cookieless) a page view. A visit belongs to the
// company of the domain its visitor typed into a form, else to the network's
// organisation when that is an organisation: the form domain wins.

const MINUTES = 30; // events-per-minute window

/**
 * @param {AsyncIterable<object>|Iterable<object>} events stored events ({ site, received, ...event })
 * @param {{ now?: number }} [opts]
 */
export async function summarise(events, { now = Date.now() } = {}) {
  const visits = new Map();
  const perMinute = new Array(MINUTES).fill(0);
  let total = 0;
  for await (const e of events) {
    if (!e || typeof e !== 'object') continue;
    total++;
    const at = typeof e.received === 'number' ? e.received : e.ts;
    const ago = Math.floor((now - at) / 60_000);
    if (ago >= 0 && ago < MINUTES) perMinute[MINUTES - 1 - ago]++;
    const key = e.vid || e.pv;
    let v = visits.get(key);
    if (!v) visits.set(key, (v = { form: null, network: null, org: null, first: at, last: at, pageViews: 0, pages: new Set(), formDomains: new Set() }));
    v.first = Math.min(v.first, at);
    v.last = Math.max(v.last, at);
    if (e.company && e.company.source === 'form' && e.company.domain) v.form ??= e.company;
    else if (e.company && e.company.name) v.org = e.company;
    if (e.network) v.network = e.network;
    if (e.type === 'form' && typeof e.domain === 'string') v.formDomains.add(e.domain);
    if (e.type === 'page') {
      v.pageViews++;
      const path = pathOf(e.url);
      if (path && v.pages.size < 50) v.pages.add(path);
    }
  }
  const companies = new Map();
  const others = new Map();
  for (const v of visits.values()) {
    const c = v.form || v.org;
    if (!c) {
      if (!v.network) continue;
      const k = v.network.asn;
      const o = others.get(k) || { organisation: v.network.organisation, kind: v.network.kind, asn: k, visits: 0, pageViews: 0 };
      o.visits++;
      o.pageViews += v.pageViews;
      others.set(k, o);
      continue;
    }
    const k = c.domain ? 'd:' + c.domain : 'n:' + c.name;
    let row = companies.get(k);
    if (!row) {
      row = { name: c.name || '', domain: c.domain || '', networks: new Set(), firstSeen: v.first, lastSeen: v.last, visits: 0, pageViews: 0, pages: new Set(), formDomains: new Set() };
      companies.set(k, row);
    }
    if (!row.name && c.name) row.name = c.name;
    if (v.network) row.networks.add(`${v.network.organisation} (AS${v.network.asn}, ${v.network.kind})`);
    row.firstSeen = Math.min(row.firstSeen, v.first);
    row.lastSeen = Math.max(row.lastSeen, v.last);
    row.visits++;
    row.pageViews += v.pageViews;
    for (const p of v.pages) row.pages.add(p);
    for (const d of v.formDomains) row.formDomains.add(d);
  }
  const list = (s) => [...s].sort();
  return {
    generated: now,
    total,
    perMinute,
    companies: [...companies.values()]
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map((r) => ({ ...r, networks: list(r.networks), pages: list(r.pages), formDomains: list(r.formDomains) })),
    notCompanies: [...others.values()].sort((a, b) => b.visits - a.visits),
  };
}

/** The path of a page URL (no query: it may hold campaign or personal parameters). */
function pathOf(url) {
  if (typeof url !== 'string') return '';
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/** What the collector made of the visitor's network, for a log line (never the IP). */
export function recognition(e) {
  if (e.company && e.company.source === 'form') return `  recognised: ${e.company.domain} (form)`;
  if (e.company) return `  recognised: ${e.company.name}`;
  if (e.network) return `  not a company: ${e.network.organisation} (${e.network.kind})`;
  return '';
}

const time = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** The summary as a plain-text table for the terminal. */
export function renderText(s) {
  const head = ['company', 'domain', 'network', 'first seen (UTC)', 'last seen (UTC)', 'views', 'pages', 'form domains'];
  const rows = s.companies.map((c) => [
    c.name || '—',
    c.domain || '—',
    c.networks.join('; ') || '—',
    time(c.firstSeen),
    time(c.lastSeen),
    String(c.pageViews),
    c.pages.join(' ') || '—',
    c.formDomains.join(' ') || '—',
  ]);
  const cut = (x) => (x.length > 48 ? x.slice(0, 47) + '…' : x);
  const table = [head, ...rows].map((r) => r.map(cut));
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r) => r.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  const out = [`${s.companies.length} compan${s.companies.length == 1 ? 'y' : 'ies'} recognised, ${s.total} event(s) stored`, ''];
  if (rows.length) out.push(line(table[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line));
  if (s.notCompanies.length) {
    out.push('', 'not a company (access, mobile, hosting or unknown networks: open AS data cannot name the visitor):');
    for (const o of s.notCompanies) out.push(`  ${o.organisation} (AS${o.asn}, ${o.kind}): ${o.visits} visit(s), ${o.pageViews} page view(s)`);
  }
  const last = s.perMinute.slice(-5).join(' ');
  out.push('', `events per minute, last 5 minutes: ${last}`);
  return out.join('\n');
}

const esc = (x) =>
  String(x).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** The attribution the AS data's licence (CC BY 4.0) and DB-IP ask for, on the page that shows its results. */
export const ATTRIBUTION = `Network data: <a href="https://github.com/sapics/ip-location-db">ip-location-db</a> (asn), from
<a href="https://www.routeviews.org/routeviews/">RouteViews</a>, <a href='https://db-ip.com'>IP Geolocation by DB-IP</a>
and the <a href="https://www.nro.net/">NRO</a>, licensed under
<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>; merged by ip-location-db, network kinds added by leadbeam.`;

/** The table body rows (shared by the page and, as JSON, its script). */
function rowsHtml(s) {
  if (!s.companies.length) return '<tr><td colspan="8">No company recognised yet.</td></tr>';
  return s.companies
    .map(
      (c) =>
        `<tr><td>${esc(c.name || '—')}</td><td>${esc(c.domain || '—')}</td><td>${esc(c.networks.join('; ') || '—')}</td>` +
        `<td>${esc(time(c.firstSeen))}</td><td>${esc(time(c.lastSeen))}</td><td>${c.pageViews}</td>` +
        `<td>${esc(c.pages.join(' ') || '—')}</td><td>${esc(c.formDomains.join(' ') || '—')}</td></tr>`,
    )
    .join('\n');
}

/** The report page: server-rendered (works without script), refreshed by report.js. No inline script or style. */
export function renderHtml(s) {
  const others = s.notCompanies.map((o) => `<li>${esc(o.organisation)} (AS${o.asn}, ${esc(o.kind)}): ${o.visits} visit(s)</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer">
<title>leadbeam: companies recognised</title><link rel="stylesheet" href="report.css"></head>
<body>
<h1>Companies recognised</h1>
<p id="totals">${s.companies.length} compan${s.companies.length == 1 ? 'y' : 'ies'}, ${s.total} event(s) stored; events in the last minute: <span id="last-minute">${s.perMinute[s.perMinute.length - 1]}</span></p>
<table><thead><tr><th>Company</th><th>Domain</th><th>Network</th><th>First seen (UTC)</th><th>Last seen (UTC)</th><th>Page views</th><th>Pages</th><th>Form domains</th></tr></thead>
<tbody id="companies">
${rowsHtml(s)}
</tbody></table>
<h2>Events per minute (last ${MINUTES} minutes)</h2>
<p id="per-minute" class="spark">${s.perMinute.join(' ')}</p>
<h2>Not a company</h2>
<p>Visits from access, mobile, hosting and unknown networks: open AS data cannot say who the visitor works for.</p>
<ul id="others">${others || '<li>none</li>'}</ul>
<footer><p>${ATTRIBUTION}</p></footer>
<script src="report.js" defer></script>
</body></html>`;
}

export const REPORT_CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.spark{font-family:monospace}footer{margin-top:2rem;color:#666;font-size:12px}
`;

// Polls report.json every 5 s with the token the page was opened with, and redraws with textContent only.
export const REPORT_JS = `(function () {
  var token = new URLSearchParams(location.search).get('token') || '';
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }
  function t(ms) { return new Date(ms).toISOString().slice(0, 16).replace('T', ' '); }
  function draw(s) {
    var body = document.getElementById('companies');
    body.textContent = '';
    s.companies.forEach(function (c) {
      var tr = document.createElement('tr');
      [c.name || '—', c.domain || '—', c.networks.join('; ') || '—', t(c.firstSeen), t(c.lastSeen), String(c.pageViews),
        c.pages.join(' ') || '—', c.formDomains.join(' ') || '—'].forEach(function (x) { cell(tr, x); });
      body.appendChild(tr);
    });
    if (!s.companies.length) { var tr = document.createElement('tr'); cell(tr, 'No company recognised yet.'); body.appendChild(tr); }
    document.getElementById('totals').firstChild.textContent = s.companies.length + (s.companies.length == 1 ? ' company, ' : ' companies, ') + s.total + ' event(s) stored; events in the last minute: ';
    document.getElementById('last-minute').textContent = String(s.perMinute[s.perMinute.length - 1]);
    document.getElementById('per-minute').textContent = s.perMinute.join(' ');
    var ul = document.getElementById('others');
    ul.textContent = '';
    s.notCompanies.forEach(function (o) {
      var li = document.createElement('li');
      li.textContent = o.organisation + ' (AS' + o.asn + ', ' + o.kind + '): ' + o.visits + ' visit(s)';
      ul.appendChild(li);
    });
  }
  function poll() {
    fetch('report.json', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) draw(s); })
      .catch(function () {})
      .then(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 5000);
})();
`;
