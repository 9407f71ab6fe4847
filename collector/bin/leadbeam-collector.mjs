#!/usr/bin/env node
// leadbeam-collector: the collection endpoint, its report and erasure, as named commands.
//
//   leadbeam-collector serve --port 8787 --store ndjson:./leadbeam-data | postgres://… [options]
//   leadbeam-collector report --store …            the companies table, in the terminal
//   leadbeam-collector erase <visitor-id> --store …  delete a visitor's events (and their page views)
//
// From the repository: npm run collector -- serve …
import { pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';
import { startCollector, parseArgs, formatEvent } from '../src/server.mjs';
import { openStore } from '../src/store.mjs';
import { createAsnResolver } from '../src/recognise.mjs';
import { summarise, renderText, recognition } from '../src/report.mjs';

const USAGE = `usage: leadbeam-collector <command> [options]

  serve   --port 8787 --store ndjson:<dir> | postgres://user@host:port/db
          [--host 127.0.0.1] [--path /e] [--max-body 65536]
          [--retention-days 395]            delete events older than this, at start and hourly (0 = keep)
          [--report-token <token>]          serve /report with this token (or env LEADBEAM_REPORT_TOKEN); off without
          [--opt-out-domains a.com,b.nl]    companies that asked not to be identified: no company data,
          [--opt-out-asns 1234,5678]        form domains dropped
          [--resolver <module.mjs>]         a company database: its default export makes (ip) => Company | null
          [--no-recognise]                  store no company data at all
          [--trust-proxy <ip|cidr>,…]       believe X-Forwarded-For only from these
          [--rate-limit <perSecond>,<burst>|off]  per client (default 5,60)
          [--relay <vendor> --relay-host <url> --relay-option k=v …]  see --help of src/server.mjs
          [--demo]                          demo only: ?demo=<persona> on the endpoint picks a public network
  report  --store …  [--site <id>]
  erase   <visitor-id> --store …`;

function fail(message) {
  console.error(message);
  process.exit(2);
}

/** Splits a comma list flag value. */
const list = (v) => String(v || '').split(',').map((x) => x.trim()).filter(Boolean);

async function serve(argv) {
  const extra = { store: 'ndjson:./leadbeam-data', retentionDays: 395, optOut: { domains: [], asns: [] }, recognise: true };
  const opts = parseArgs(argv, (flag, value) => {
    if (flag === '--store') extra.store = value();
    else if (flag === '--retention-days') extra.retentionDays = Number(value());
    else if (flag === '--report-token') extra.reportToken = value();
    else if (flag === '--opt-out-domains') extra.optOut.domains.push(...list(value()));
    else if (flag === '--opt-out-asns') extra.optOut.asns.push(...list(value()).map(Number));
    else if (flag === '--resolver') extra.resolver = value();
    else if (flag === '--no-recognise') extra.recognise = false;
    else if (flag === '--demo') extra.demo = true;
    else return false;
    return true;
  });
  if (!(extra.retentionDays >= 0)) fail('--retention-days needs a number of days (0 = keep forever)');
  if (extra.optOut.asns.some((n) => !Number.isInteger(n) || n < 0)) fail('--opt-out-asns needs AS numbers, e.g. 1234,5678');
  const reportToken = extra.reportToken || process.env.LEADBEAM_REPORT_TOKEN || null;
  let resolve = null;
  if (extra.resolver) {
    const mod = await import(pathToFileURL(resolvePath(extra.resolver)).href);
    resolve = await mod.default();
    if (typeof resolve !== 'function') fail(`--resolver ${extra.resolver}: its default export must return (ip) => Company | null`);
  } else if (extra.recognise) {
    resolve = createAsnResolver(); // once, at start (about half a second, 40 MB)
  }
  const collector = await startCollector({
    port: 8787,
    rateLimit: { rate: 5, burst: 60 },
    ...opts,
    store: extra.store,
    resolve,
    optOut: extra.optOut,
    retentionDays: extra.retentionDays,
    reportToken,
    demo: !!extra.demo,
    log: (e, batch) => console.log(formatEvent(e, batch.site) + recognition(e)),
  }).catch((err) => fail(err.message));
  console.log(`listening on ${collector.url}, storing in ${extra.store.startsWith('ndjson:') ? extra.store : 'PostgreSQL'}`);
  if (extra.retentionDays) console.log(`keeping events ${extra.retentionDays} days`);
  if (reportToken) console.log(`report: ${collector.origin}/report (token required)`);
  if (extra.demo) console.log('DEMO MODE: the endpoint lets a page pick a public network to come from (?demo=…). Never use this for real traffic.');
  const stop = async () => {
    await collector.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The --store flag of report and erase (no default: they must name the data they read or delete). */
function storeFlag(argv) {
  const rest = [];
  let store = null;
  let site;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i]];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--store') store = value();
    else if (flag === '--site') site = value();
    else rest.push(argv[i]);
  }
  if (!store) fail('--store ndjson:<dir> | postgres://… is required');
  return { store, site, rest };
}

async function report(argv) {
  const { store: spec, site, rest } = storeFlag(argv);
  if (rest.length) fail(`unknown argument: ${rest[0]}`);
  const store = await openStore(spec);
  try {
    console.log(renderText(await summarise(store.events({ site }))));
  } finally {
    await store.close();
  }
}

async function erase(argv) {
  const { store: spec, rest } = storeFlag(argv);
  if (rest.length !== 1 || rest[0].startsWith('-')) fail('usage: leadbeam-collector erase <visitor-id> --store …');
  const store = await openStore(spec);
  try {
    const n = await store.erase(rest[0]);
    console.log(`erased ${n} event(s)`);
  } finally {
    await store.close();
  }
}

const [command, ...args] = process.argv.slice(2);
if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const run = { serve, report, erase }[command];
  if (!run) {
    console.log(USAGE);
    process.exit(command === '--help' || command === '-h' || command === 'help' ? 0 : 2);
  }
  await run(args).catch((err) => fail(err.message));
}
