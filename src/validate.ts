// Input checks for custom events and properties (pure). Invalid input is
// reported by the caller with one warning and the call becomes a no-op.
import type { Props } from './options';
import { scrubText } from './scrub';

export const MAX_NAME = 64;
export const MAX_PROPS = 25;
export const MAX_KEY = 64;
export const MAX_VALUE = 500;

export function validName(name: unknown): name is string {
  return typeof name == 'string' && name.length > 0 && name.length <= MAX_NAME;
}

/**
 * A flat copy of `props` (string ≤ 500 chars, finite number or boolean values,
 * ≤ 25 keys of ≤ 64 chars; e-mail addresses in keys and strings redacted),
 * undefined when none were given, false when invalid.
 */
export function cleanProps(props: unknown): Props | undefined | false {
  if (props == null) return;
  // A plain object only: not an array, a String object (its letters as keys), a Date, a Map…
  if ({}.toString.call(props) != '[object Object]') return false;
  const out: Props = {};
  const keys = Object.keys(props);
  if (keys.length > MAX_PROPS) return false;
  for (const key of keys) {
    const value = (props as Record<string, unknown>)[key];
    const t = typeof value;
    if (
      key.length > MAX_KEY ||
      !(t == 'boolean' || (t == 'number' && isFinite(value as number)) || (t == 'string' && (value as string).length <= MAX_VALUE))
    )
      return false;
    // Props may carry page text (a title, a field, a URL): addresses in keys and strings are redacted.
    out[scrubText(key, MAX_KEY)] = t == 'string' ? scrubText(value as string, MAX_VALUE) : (value as Props[string]);
  }
  return out;
}
