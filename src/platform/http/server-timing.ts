const ms = (value: number) => Math.round(value * 100) / 100;

/** `d1;dur=…` once per D1 round trip, in order, then `total;dur=…` for the whole request. */
export function serverTimingHeader(d1RoundTrips: readonly number[], totalMs: number): string {
  return [...d1RoundTrips.map((d) => `d1;dur=${ms(d)}`), `total;dur=${ms(totalMs)}`].join(", ");
}
