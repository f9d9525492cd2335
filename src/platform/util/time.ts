const DAY_MS = 86_400_000;
/** Largest time whose ISO string has a 4-digit year (9999-12-31T23:59:59.999Z). */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));

// `Date#toISOString` costs ~1.6 µs; a 1,000-message conversation has 2,000 dates, i.e. ~3 ms of
// CPU. Messages of one document mostly share a day, so the date part is cached and the time of
// day is formatted arithmetically (~10× faster, identical output; unit-tested against Date).
let cachedDay = Number.NaN;
let cachedDayPrefix = "";

/** Stored timestamps are epoch milliseconds; the contract returns ISO 8601 UTC with milliseconds. */
export function toIso(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_FOUR_DIGIT_YEAR_MS) {
    return new Date(ms).toISOString();
  }
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const fraction = millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : `${millis}`;
  return `${cachedDayPrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${fraction}Z`;
}
