/** Optional text comes back as `null` when empty, never as "" and never omitted. */
export const textOrNull = (value: string | null | undefined): string | null =>
  value === null || value === undefined || value.trim() === "" ? null : value;
