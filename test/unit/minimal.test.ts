// minimal: true does not read device information at all (screen size, language, title):
// the privacy templates claim it, for ePrivacy Art. 5(3) (EDPB Guidelines 2/2023).
import { afterEach, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/tracker';

afterEach(() => vi.restoreAllMocks());

function spyDevice() {
  const width = vi.spyOn(screen, 'width', 'get');
  const language = vi.spyOn(navigator, 'language', 'get');
  const title = vi.spyOn(document, 'title', 'get');
  return () => width.mock.calls.length + language.mock.calls.length + title.mock.calls.length;
}

async function pageView(minimal: boolean) {
  const sent: { events: Record<string, unknown>[] }[] = [];
  const reads = spyDevice();
  const t = createTracker({ site: 'S', endpoint: 'https://c.example/e', minimal, cookies: 'never', transport: (_u, body) => (sent.push(JSON.parse(body)), true) });
  await vi.waitFor(() => expect(sent.length).toBe(1));
  t.destroy();
  return { reads: reads(), event: sent[0].events[0] };
}

it('minimal: true sends the page view without reading screen size, language or title', async () => {
  const { reads, event } = await pageView(true);
  expect(Object.keys(event).sort()).toEqual(['id', 'pv', 'ts', 'type']);
  expect(reads).toBe(0);
});

it('the default reads and sends them (so the templates say so)', async () => {
  const { reads, event } = await pageView(false);
  expect(event).toHaveProperty('screen');
  expect(event).toHaveProperty('lang');
  expect(reads).toBeGreaterThan(0);
});
