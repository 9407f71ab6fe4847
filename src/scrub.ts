// URL scrubbing (pure): no e-mail address, no listed parameter, and no
// fragment (it may hold tokens) leaves the page, unless hash routing is on.
// Scrubbing runs on page-controlled text (a URL, a title, a value), so it is
// one hand-written pass, linear in the input: no regex that can backtrack.

/**
 * `text` with every e-mail address (`local@domain.tld`, also `%40`-encoded)
 * replaced by `redacted`, then cut to `max` characters: redaction comes first,
 * so no part of an address is left at the cut. An address is a run of
 * non-separators (whitespace, `/?#&=:;@`), `@` or `%40`, and a run ending in
 * `.` and 2+ letters (the last such dot of the run): the same matches as
 * `/[^\s/?#&=:;@]+(@|%40)[^\s/?#&=:;@]+\.[a-z]{2,}/gi`, plus non-ASCII
 * letters. Work stops once `max` characters of output are decided, and never
 * looks past `4 × max` characters: a run cut there may be an address, so it
 * counts as one (a run of ≥ 3 × max non-separators is redacted whole).
 */
export function scrubText(text: string, max: number): string {
  let out = '';
  let from = 0;
  let i = 0;
  const cut = text.length > (text = text.slice(0, 4 * max)).length;
  const n = text.length;
  // One character at a time (a one-character test cannot backtrack); past the
  // end, charAt() gives '': a separator, not a letter.
  const sep = (j: number) => !/[^\s/?#&=:;@]/.test(text.charAt(j));
  const letter = (j: number) => /[a-z]|[^\0-\x7f\s]/i.test(text.charAt(j));
  // Scans the run from `s` to the next separator: its end `e`, where an
  // address whose domain starts at `s` ends (`a`), and where one ends whose
  // `%40` lies in the run (`b`); 0 = none. Letters after a dot are skipped,
  // so each character is looked at a bounded number of times.
  const run = (s: number) => {
    let e = s;
    let k = 0;
    let a = 0;
    let b = 0;
    while (!sep(e)) {
      if (!k && e > s && text.startsWith('%40', e)) k = e;
      if (text[e] == '.' && letter(e + 1) && letter(e + 2)) {
        const d = e++;
        while (letter(e)) e++;
        if (d > s) a = e;
        if (k && d >= k + 4) b = e;
      } else e++;
    }
    return cut && e == n ? [e, e, e] : [e, a, b];
  };
  // Unchanged text is copied in one slice per address, not run by run.
  while (i < n && out.length + i - from < max) {
    const [e, , b] = run(i);
    // `local@domain` (the whole run is the local part, the next run the
    // domain) first, as the regex would, then `local%40domain` inside the run.
    const m = (e > i && text[e] == '@' && run(e + 1)[1]) || b;
    if (m) {
      out += text.slice(from, i) + 'redacted';
      i = from = m;
    } else i = e + 1;
  }
  return (out + text.slice(from, i)).slice(0, max);
}

export function scrubUrl(href: string, strip: string[], keepHash?: boolean): string {
  if (!keepHash) href = href.split('#')[0];
  // The URL parser only when parameters must go: it re-encodes the query
  // (URLSearchParams), and most sites list none.
  if (strip.length)
    try {
      const url = new URL(href);
      const params = url.searchParams;
      // delete() re-encodes the whole query, so only when a listed one is there.
      if (strip.some((name) => params.has(name))) {
        strip.forEach((name) => params.delete(name));
        href = url.href;
      }
    } catch {
      return '';
    }
  return scrubText(href, 2048);
}
