import { ipv6Groups } from "./client-address";

/*
 * Whether a URL may receive webhooks: an absolute https URL whose host is a public name or a
 * public address. Refused: other schemes, credentials in the URL, loopback, private,
 * link-local (cloud metadata lives there), carrier-grade NAT, multicast, reserved and
 * documentation ranges, and names that only mean something inside a network (localhost,
 * *.internal, single labels). The URL parser already turns decimal, octal and hex IPv4 forms
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`) into dotted quads, so they are judged as such.
 * Workers cannot reach private networks anyway; this keeps the promise explicit and testable.
 */

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** IPv4 ranges (address, prefix length) that are not public unicast. */
const IPV4_REFUSED: [number, number][] = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, cloud metadata (169.254.169.254)
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0000200, 24], // documentation
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xc6336400, 24], // documentation
  [0xcb007100, 24], // documentation
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

function ipv4Number(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const inRange = (ip: number, [base, bits]: [number, number]) =>
  bits === 0 || Math.floor(ip / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

const refusedIpv4 = (ip: number) => IPV4_REFUSED.some((range) => inRange(ip, range));

function refusedIpv6(groups: number[]): boolean {
  const [a = 0, b = 0] = groups;
  if (groups.every((g) => g === 0)) return true; // ::
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true; // ::1
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address: judge that.
  const embedded = (groups[6] ?? 0) * 65536 + (groups[7] ?? 0);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return refusedIpv4(embedded);
  if (a === 0x64 && b === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    return refusedIpv4(embedded);
  }
  if ((a & 0xfe00) === 0xfc00) return true; // unique local (fc00::/7)
  if ((a & 0xffc0) === 0xfe80) return true; // link-local (fe80::/10)
  if ((a & 0xff00) === 0xff00) return true; // multicast
  if (a === 0x2001 && b === 0x0db8) return true; // documentation
  return false;
}

const LOOPBACK_NAMES = new Set([
  "localhost",
  "localhost.localdomain",
  "ip6-localhost",
  "ip6-loopback",
]);
const INTERNAL_NAMES = new Set(["metadata", "metadata.google.internal", "instance-data"]);

/** Loopback only: what `WEBHOOK_ALLOW_LOOPBACK` lets through in local development. */
function isLoopback(host: string): boolean {
  if (LOOPBACK_NAMES.has(host) || host.endsWith(".localhost")) return true;
  const v4 = ipv4Number(host);
  if (v4 !== undefined) return Math.floor(v4 / 2 ** 24) === 127;
  const v6 = host.startsWith("[") ? ipv6Groups(host.slice(1, -1)) : undefined;
  return v6?.slice(0, 7).every((g) => g === 0) === true && v6[7] === 1;
}

export function checkWebhookUrl(raw: string, options: { allowLoopback: boolean }): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry credentials" };
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (
    options.allowLoopback &&
    isLoopback(host) &&
    (url.protocol === "http:" || url.protocol === "https:")
  ) {
    return { ok: true, url };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "must be an https URL" };
  if (isLoopback(host)) return { ok: false, reason: "must not point at this machine (loopback)" };
  const v4 = ipv4Number(host);
  if (v4 !== undefined) {
    return refusedIpv4(v4)
      ? { ok: false, reason: "must not point at a private, link-local or reserved address" }
      : { ok: true, url };
  }
  if (host.startsWith("[")) {
    const groups = ipv6Groups(host.slice(1, -1));
    if (!groups || refusedIpv6(groups)) {
      return { ok: false, reason: "must not point at a private, link-local or reserved address" };
    }
    return { ok: true, url };
  }
  if (INTERNAL_NAMES.has(host) || host.endsWith(".internal") || host.endsWith(".local")) {
    return { ok: false, reason: "must not point at an internal name" };
  }
  if (!host.includes(".")) return { ok: false, reason: "must name a public host" };
  return { ok: true, url };
}
