import { warn } from './log';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A random base64url id of `length` characters (6 random bits each):
 * 16 characters = 96 bits (event, page-view and session ids),
 * 22 characters = 132 bits (visitor id).
 */
export function randomId(length = 16): string {
  let bytes = new Uint8Array(length);
  try {
    crypto.getRandomValues(bytes);
  } catch {
    // Missing (or throwing): clearly weaker, but it must not stop tracking.
    warn('crypto.getRandomValues is missing; ids fall back to Math.random');
    bytes = bytes.map(() => Math.random() * 256);
  }
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}

/** True if `value` is a base64url string of exactly `length` characters. */
export function isId(value: unknown, length: number): value is string {
  return typeof value == 'string' && value.length == length && /^[\w-]+$/.test(value);
}
