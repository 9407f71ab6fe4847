import { warn } from './log';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A random base64url id of `length` characters (6 random bits each):
 * 16 characters = 96 bits (event, page-view and session ids),
 * 22 characters = 132 bits (visitor id).
 */
export function randomId(length = 16): string {
  const bytes = new Uint8Array(length);
  const c = typeof crypto != 'undefined' ? crypto : undefined;
  if (c && c.getRandomValues) c.getRandomValues(bytes);
  else {
    // Clearly weaker, but a missing crypto API must not stop tracking.
    warn('crypto.getRandomValues is missing; ids fall back to Math.random');
    for (let i = 0; i < length; i++) bytes[i] = Math.random() * 256;
  }
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[bytes[i] & 63];
  return id;
}

/** True if `value` is a base64url string of exactly `length` characters. */
export function isId(value: unknown, length: number): value is string {
  return typeof value == 'string' && value.length == length && /^[\w-]+$/.test(value);
}
