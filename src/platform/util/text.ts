/** Optional text comes back as `null` when empty, never as "" and never omitted. */
export const textOrNull = (value: string | null | undefined): string | null =>
  value === null || value === undefined || value.trim() === "" ? null : value;

/** "First Last", without the parts that are empty; null when nothing is left. */
export function fullName(firstName: string, lastName: string | null): string | null {
  return textOrNull([firstName, lastName].filter((part) => part?.trim()).join(" "));
}
