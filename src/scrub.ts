// URL scrubbing (pure): no e-mail address, no listed parameter, and no
// fragment (it may hold tokens) leaves the page, unless hash routing is on.
const EMAIL = /[^\s/?#&=:;@]+(@|%40)[^\s/?#&=:;@]+\.[a-z]{2,}/gi;

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
  return href.replace(EMAIL, 'redacted').slice(0, 2048);
}
