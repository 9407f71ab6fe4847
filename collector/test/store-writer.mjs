// A child process that writes to a store, for the tests that need a second
// process (two collectors sharing one PostgreSQL) or a process to SIGKILL.
//
//   node store-writer.mjs <spec> '{"mode":"range","from":0,"to":3000,"size":20,"offset":0}'
//     waits for a line on stdin, writes ids from..to in batches (the first batch
//     `offset` long), prints `done <stored> <duplicates>`.
//   node store-writer.mjs <spec> '{"mode":"loop","prefix":"k1","size":5,"inFlight":4}'
//     writes batch after batch, `inFlight` at a time, and prints `ack <n>` once
//     batch n is acknowledged (durable), until killed.
import { openStore } from '../src/store.mjs';
import { batchIds, pageEvent } from './store-events.mjs';

const [spec, json] = process.argv.slice(2);
const cfg = JSON.parse(json);
const store = await openStore(spec);
const out = (line) => process.stdout.write(line + '\n');

if (cfg.mode === 'range') {
  out('ready');
  await new Promise((r) => process.stdin.once('data', r));
  let stored = 0;
  let duplicates = 0;
  let at = cfg.from;
  let size = cfg.offset || cfg.size;
  while (at < cfg.to) {
    const ids = [];
    for (let i = at; i < Math.min(cfg.to, at + size); i++) ids.push(i);
    at += size;
    size = cfg.size;
    const r = await store.write('LB-TEST', ids.map((i) => pageEvent(`range${String(i).padStart(12, '0')}`)));
    stored += r.stored;
    duplicates += r.duplicates;
  }
  out(`done ${stored} ${duplicates}`);
  await store.close();
} else {
  let n = 0;
  const one = async () => {
    for (;;) {
      const b = n++;
      await store.write('LB-TEST', batchIds(cfg.prefix, b, cfg.size).map((id) => pageEvent(id)));
      out(`ack ${b}`);
    }
  };
  out('ready');
  await Promise.all(Array.from({ length: cfg.inFlight }, one));
}
