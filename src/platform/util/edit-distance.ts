import { distance } from "fastest-levenshtein";

/**
 * Levenshtein distance in characters (Unicode code points, so an emoji counts once), with
 * fastest-levenshtein's bit-parallel algorithm. It compares UTF-16 code units, so each distinct
 * code point of the two texts is first given a code unit of its own.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const units = new Map<string, string>();
  const recode = (text: string) => {
    let out = "";
    for (const point of text) {
      let unit = units.get(point);
      if (unit === undefined) {
        unit = String.fromCharCode(units.size);
        units.set(point, unit);
      }
      out += unit;
    }
    return out;
  };
  const [x, y] = [recode(a), recode(b)];
  // More than 65,536 distinct characters cannot be recoded; compare code units then.
  return units.size > 0xffff ? distance(a, b) : distance(x, y);
}
