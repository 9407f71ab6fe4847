// Test events for the store tests and their child processes.
let seq = 0;

/** A page event; vid/pv default to fixed test values. */
export const pageEvent = (id, { vid = 'visitor-aaaaaaaaaaaaaaaaaa', pv = `pv-${id}`, ts = 1_750_000_000_000 + seq++ } = {}) => ({
  type: 'page',
  id,
  ts,
  pv,
  vid,
  url: 'https://example.com/pricing',
});

/** The event ids of batch `b` written by a loop writer. */
export const batchIds = (prefix, b, size) => Array.from({ length: size }, (_, j) => `${prefix}-${String(b).padStart(8, '0')}-${j}`);
