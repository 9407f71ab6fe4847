// Form-domain capture end to end: the built script tag, real submits, and the
// exact bytes the reference collector received.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type StaticServer } from './harness';
import { startCollector, type Collector } from '../../collector/src/server.mjs';

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;
let site = '';

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
  // The page a native submit navigates to.
  server.page('/thanks.html', '<!doctype html><title>Thanks</title><p>thanks</p>');
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});
beforeEach(async (ctx) => {
  site = 'LB-' + ctx.task.name.replace(/[^a-z]/gi, '').slice(0, 40);
  context = await browser.newContext();
});
afterEach(async () => {
  await context.close();
});

const bodies = () => collector.received.filter((r) => r.body && r.body.includes(`"site":"${site}"`)).map((r) => r.body!);
/**
 * The raw bytes of every event received, in order, each once (a retry or a second
 * hand-off repeats an event byte for byte), with only what is random or
 * time-dependent replaced: ids, page-view ids (numbered in order of appearance),
 * timestamps, engaged ms. Each request body must be exactly a v1 wrapper for this
 * site (its per-attempt `sent` time removed) around flat events.
 */
function normalisedEvents(): string[] {
  const wrapper = `{"v":1,"site":"${site}","events":[`;
  const raw = bodies().flatMap((body) => {
    const text = body.replace(/,"sent":\d+(?=[,}])|"sent":\d+,/, '');
    expect(text.startsWith(wrapper) && text.endsWith(']}'), text).toBe(true);
    return text.slice(wrapper.length, -2).split(/(?<=\}),(?=\{)/);
  });
  const pvs: string[] = [];
  return [...new Set(raw)].map((event) =>
    event
      .replace(/"id":"[\w-]{16,64}"/g, '"id":"<id>"')
      .replace(/"pv":"([\w-]{16,64})"/g, (_, pv) => `"pv":"<pv${pvs.indexOf(pv) + 1 || pvs.push(pv)}>"`)
      .replace(/"ts":\d{13}/g, '"ts":<ts>')
      .replace(/"ms":\d+/g, '"ms":<ms>'),
  );
}
const formEvents = () => eventsOf(collector, site).filter((e) => e.type == 'form');

function page(form: string, extra = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Contact</title>
<script async src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${collector.url}"></script></head>
<body>${form}${extra}</body></html>`;
}

const FIELDS = `
  <input type="email" name="work_email" value="jan.de.vries+sales@Acme-Corp.NL">
  <input type="text" name="company" value="Acme Secret Project">
  <input type="password" name="pw" value="hunter2@secret.example">
  <input type="hidden" name="token" value="ceo@hidden.example">
  <button id="send">Send</button>`;

describe('form capture with the script tag', () => {
  it('a native submit that navigates away delivers only the company domain', async () => {
    server.page('/native.html', page(`<form action="/thanks.html" method="get">${FIELDS}</form>`));
    const p = await context.newPage();
    const { errors } = watchPage(p);
    await p.goto(server.url + '/native.html');
    await waitFor(() => bodies().length > 0, 'page view');
    await Promise.all([p.waitForURL('**/thanks.html**'), p.click('#send')]);
    await waitFor(() => formEvents().length == 1, 'form event');
    await waitFor(() => eventsOf(collector, site).some((e) => e.type == 'engage'), 'engage event at pagehide');
    expect(formEvents()[0].domain).toBe('acme-corp.nl');
    // Byte for byte: nothing from the form but the lower-cased domain, no field beyond these.
    expect(normalisedEvents()).toEqual([
      `{"type":"page","id":"<id>","ts":<ts>,"pv":"<pv1>","url":"${server.url}/native.html","title":"Contact","lang":"en-US","screen":"1280x720"}`,
      '{"type":"form","id":"<id>","ts":<ts>,"pv":"<pv1>","domain":"acme-corp.nl"}',
      '{"type":"engage","id":"<id>","ts":<ts>,"pv":"<pv1>","ms":<ms>}',
    ]);
    const all = bodies().join('\n');
    for (const secret of ['jan.de.vries', 'sales', 'Acme Secret', 'hunter2', 'secret.example', 'hidden.example', 'ceo@'])
      expect(all).not.toContain(secret);
    expect(errors).toEqual([]);
  });

  it('a framework submit (preventDefault + fetch) is captured, once per page view and domain', async () => {
    server.route((req, res) => {
      if (req.url != '/prevent.js') return false;
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(`document.getElementById('f').addEventListener('submit', function (e) { e.preventDefault(); window.__submitted = (window.__submitted || 0) + 1; });`);
      return true;
    });
    server.page('/spa-form.html', page(`<form id="f">${FIELDS}</form>`, `<script src="/prevent.js"></script>`));
    const p = await context.newPage();
    await p.goto(server.url + '/spa-form.html');
    await waitFor(() => bodies().length > 0, 'page view');
    await p.click('#send');
    await p.click('#send');
    await waitFor(() => p.evaluate(() => (window as any).__submitted == 2), 'both submits handled by the page');
    await waitFor(() => formEvents().length == 1, 'form event');
    await p.evaluate(() => (window as any).leadbeam('flush'));
    expect(formEvents().map((e) => e.domain)).toEqual(['acme-corp.nl']);
  });

  it('consumer domains and ignored forms send nothing; leadbeam("form") reports a domain', async () => {
    server.page(
      '/ignored.html',
      page(
        `<form id="a"><input type="email" value="jan@gmail.com"><button id="s1">s</button></form>
         <form id="b" data-leadbeam-ignore><input type="email" value="jan@ignored-corp.example"><button id="s2">s</button></form>`,
      ),
    );
    const p = await context.newPage();
    await p.goto(server.url + '/ignored.html');
    await waitFor(() => bodies().length > 0, 'page view');
    await p.evaluate(() => {
      for (const id of ['a', 'b']) document.getElementById(id)!.addEventListener('submit', (e) => e.preventDefault());
    });
    await p.click('#s1');
    await p.click('#s2');
    await p.evaluate(() => (window as any).leadbeam('form', 'Piet@Example-Shop.de'));
    await waitFor(() => formEvents().length == 1, 'the reported domain');
    expect(formEvents().map((e) => e.domain)).toEqual(['example-shop.de']);
    expect(bodies().join('\n')).not.toMatch(/gmail|ignored-corp|Piet/);
  });

  it('data-forms="false" turns capture off', async () => {
    server.page(
      '/off.html',
      `<!doctype html><title>Off</title><script async src="/dist/leadbeam.js" data-site="${site}" data-forms="false" data-endpoint="${collector.url}"></script>
       <form id="f"><input type="email" value="jan@acme.nl"><button id="s">s</button></form>`,
    );
    const p = await context.newPage();
    await p.goto(server.url + '/off.html');
    await waitFor(() => bodies().length > 0, 'page view');
    await p.evaluate(() => document.getElementById('f')!.addEventListener('submit', (e) => e.preventDefault()));
    await p.click('#s');
    // A later event in the same batch stream proves the submit had its chance to be sent.
    await p.evaluate(() => (window as any).leadbeam('form', 'marker.example'));
    await waitFor(() => formEvents().length == 1, 'marker');
    expect(formEvents().map((e) => e.domain)).toEqual(['marker.example']);
  });
});
