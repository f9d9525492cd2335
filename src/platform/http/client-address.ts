/*
 * Who is on the other end, for throttling: the client address Cloudflare puts in
 * `cf-connecting-ip`. An IPv6 client usually holds a whole /64 (one customer line, one data
 * centre host), and can pick any address in it at will, so IPv6 clients are counted per /64.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

const isIpv4 = (text: string) =>
  IPV4.test(text) && text.split(".").every((part) => Number(part) <= 255);

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
export function ipv6Groups(text: string): number[] | undefined {
  let address = text.toLowerCase();
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  // A trailing dotted IPv4 (`::ffff:192.0.2.1`) is the last two groups.
  const lastColon = address.lastIndexOf(":");
  const tail = address.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIpv4(tail)) return undefined;
    const [a, b, c, d] = tail.split(".").map(Number) as [number, number, number, number];
    address = `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

/**
 * The throttling identity of a client address: an IPv4 address as it is, an IPv6 address as its
 * /64 (`2001:db8:1:2::/64`; IPv4-mapped IPv6 as the IPv4 address), "unknown" without one.
 */
export function clientKey(address: string | undefined): string {
  const text = address?.trim() ?? "";
  if (text === "") return "unknown";
  if (isIpv4(text)) return text;
  const groups = ipv6Groups(text);
  if (!groups) return `unparsed:${text.slice(0, 64)}`;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}
