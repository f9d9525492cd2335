/**
 * Strong ETags derived from a row's version counter: `"v<version>"`. Every write bumps the
 * version, so two writers can be told apart even within one millisecond.
 */
export const etagFor = (version: number): string => `"v${version}"`;

/** What an `If-Match` header asks for: any current version (`*`), or one of these versions. */
export type Precondition = { any: true } | { versions: number[] };

/**
 * Parses `If-Match`. Weak tags (`W/"…"`) and tags this service never issued match nothing, as
 * RFC 9110's strong comparison requires, so they end in 412 rather than being ignored.
 */
export function parseIfMatch(header: string | undefined): Precondition | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === "*") return { any: true };
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const match = /^"v(\d{1,15})"$/.exec(part.trim());
    if (match?.[1]) versions.push(Number(match[1]));
  }
  return { versions };
}
