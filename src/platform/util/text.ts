/** Optional text comes back as `null` when empty, never as "" and never omitted. */
export const textOrNull = (value: string | null | undefined): string | null =>
  value === null || value === undefined || value.trim() === "" ? null : value;

/** "First Last", without the parts that are empty; null when nothing is left. */
export function fullName(firstName: string, lastName: string | null): string | null {
  return textOrNull([firstName, lastName].filter((part) => part?.trim()).join(" "));
}

/**
 * A whole name split the way ingestion makes a contact of it: at the first space, "Test Customer
 * Name" → Test / Customer Name. Takes a trimmed name.
 */
export function splitFullName(name: string): { firstName: string; lastName: string | null } {
  const space = name.indexOf(" ");
  return space < 0
    ? { firstName: name, lastName: null }
    : { firstName: name.slice(0, space), lastName: name.slice(space + 1).trim() || null };
}
