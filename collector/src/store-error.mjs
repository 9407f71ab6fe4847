// The one error a store write rejects with when the store cannot take it right
// now (database down or timing out, disk failing): the HTTP layer answers 503
// with Retry-After, nothing was acknowledged, and the SDK sends the batch again.

/** @param {unknown} cause */
export function storeUnavailable(cause) {
  const err = new Error(`event store unavailable: ${(cause && cause.message) || cause}`, { cause });
  err.code = 'STORE_UNAVAILABLE';
  err.status = 503;
  return err;
}

export const isStoreUnavailable = (err) => !!err && err.code === 'STORE_UNAVAILABLE';
