// URL scrubbing (pure): no e-mail address, no listed parameter, and no
// fragment (it may hold tokens) leaves the page, unless hash routing is on.
const EMAIL = /[^\s/?#&=:;@]+(@|%40)[^\s/?#&=:;@]+\.[a-z]{2,}/gi;

export function scrubUrl(href: string, strip: string[], keepHash?: boolean): string {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return '';
  }
  if (!keepHash) url.hash = '';
  if (strip.length) {
    const params = url.searchParams;
    let changed = false;
    strip.forEach((name) => {
      if (params.has(name)) {
        params.delete(name);
        changed = true;
      }
    });
    // Rebuild the query only when needed: URLSearchParams re-encodes it.
    if (changed) url.search = params.toString();
  }
  return url.href.replace(EMAIL, 'redacted').slice(0, 2048);
}
