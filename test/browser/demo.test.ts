// `npm run demo` as a newcomer uses it: start examples/demo.mjs, open the page
// it prints, click around, and see the events printed as they arrive.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, ROOT, waitFor, watchPage, type Browser } from './harness';

let browser: Browser;
let demo: ChildProcess;
let output = '';

beforeAll(async () => {
  browser = await launchBrowser();
  demo = spawn(process.execPath, ['examples/demo.mjs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout!.on('data', (d) => (output += d));
  demo.stderr!.on('data', (d) => (output += d));
});
afterAll(async () => {
  demo?.kill('SIGINT');
  await browser?.close();
});

it('the demo serves the example page and prints each accepted event', async () => {
  const url: string = await waitFor(() => /page:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1], 'the demo to print its URL') as string;
  const page = await (await browser.newContext()).newPage();
  const { errors } = watchPage(page);
  await page.goto(url);
  await waitFor(() => /\bpage\b.*pv=/.test(output), 'the page view printed');
  await page.click('text=Accept');
  await page.click('text=Book a demo');
  await waitFor(() => output.includes('demo_booked'), 'the custom event printed');
  expect(output).toMatch(/consent .*granted/);
  expect(errors).toEqual([]);
});

it('the demo recognises the pretended network: the terminal and the token-protected report page name the organisation, no IP', async () => {
  const url = (await waitFor(() => /page:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1], 'the demo URL')) as string;
  const report = (await waitFor(() => /report:\s+(http:\/\/\S+)/.exec(output)?.[1], 'the report URL')) as string;
  const page = await (await browser.newContext()).newPage();
  await page.goto(url + '?as=university');
  await waitFor(() => output.includes('recognised: Massachusetts Institute of Technology'), 'MIT recognised in the terminal');
  await page.goto(url + '?as=consumer');
  await waitFor(() => output.includes('not a company: Deutsche Telekom AG (access)'), 'the consumer ISP shown as not a company');
  expect(output).toContain("the visit came from Massachusetts Institute of Technology's own network");
  const denied = await page.goto(report.replace(/\?token=.*/, ''));
  expect(denied!.status()).toBe(401);
  await page.goto(report);
  await page.waitForSelector('#companies td');
  const html = await page.content();
  expect(await page.textContent('#companies')).toContain('Massachusetts Institute of Technology');
  expect(await page.textContent('#others')).toContain('Deutsche Telekom AG');
  for (const ip of ['18.7.22.69', '79.192.1.1', '127.0.0.1']) expect(html).not.toContain(ip);
  expect(html).toContain('https://db-ip.com');
  for (const ip of ['18.7.22.69', '79.192.1.1']) expect(output).not.toContain(ip);
});
