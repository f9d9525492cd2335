/**
 * Snapshot ETags: `"v<version>.<content hash>"`. The version is what `If-Match` checks (every
 * write bumps it, so two writers are told apart even within one millisecond); the hash makes
 * the tag change when the representation does without a write, e.g. a deleted contact.
 */
export const versionedEtag = (version: number, hash: string): string => `"v${version}.${hash}"`;

/**
 * Most entity-tags one `If-Match` may list. A client names the one version it last saw, or a
 * few; a longer list is refused (400) rather than carried to the database.
 */
export const MAX_IF_MATCH_TAGS = 16;

/** The number of entity-tags in an `If-Match` value (`*` counts as one). */
export const countEntityTags = (header: string): number => header.split(",").length;

/** What an `If-Match` header asks for: any current version (`*`), or one of these versions. */
export type Precondition = { any: true } | { versions: number[] };

/**
 * Parses `If-Match`: each strong tag `"v<version>"` or `"v<version>.<hash>"` names a version.
 * Weak tags (`W/"…"`) and tags this service never issued match nothing, as RFC 9110's strong
 * comparison requires, so they end in 412 rather than being ignored.
 */
export function parseIfMatch(header: string | undefined): Precondition | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === "*") return { any: true };
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const match = /^"v(\d{1,15})(?:\.[0-9a-f]{16})?"$/.exec(part.trim());
    if (match?.[1]) versions.push(Number(match[1]));
  }
  return { versions };
}
