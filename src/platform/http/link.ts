/**
 * `Link: <url>; rel="next"` (RFC 8288) for the page after this one: the request's own URL with
 * the cursor replaced, so every filter and the limit carry over.
 */
export function nextLinkHeader(requestUrl: string, cursor: string): string {
  const url = new URL(requestUrl);
  url.searchParams.set("cursor", cursor);
  return `<${url.toString()}>; rel="next"`;
}
