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
