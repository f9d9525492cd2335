import ipaddr from "ipaddr.js";

/*
 * Whether a URL may receive webhooks: an absolute https URL whose host is a public name or a
 * public address. Refused: other schemes, credentials in the URL, every address that is not
 * global unicast (ipaddr.js names the IANA special-purpose ranges, IPv4 and IPv6), IPv6 forms
 * that carry a refused IPv4 address, and names that only mean something inside a network
 * (localhost, *.internal, single labels). The URL parser already turns decimal, octal and hex
 * IPv4 forms (`2130706433`, `0177.0.0.1`, `0x7f.1`) into dotted quads, and IPv6 into its
 * canonical form, so every spelling of an address is judged as that address. Names are not
 * resolved: a Worker sees no DNS answers, so a public name that resolves to a private address
 * cannot be told apart here (and a Worker cannot reach private networks in any case).
 */

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

const publicIpv4 = (address: IPv4) => address.range() === "unicast";

/** Global unicast (2000::/3): every public IPv6 address is allocated from it. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
/** The well-known NAT64 prefix (RFC 6052): its last 32 bits are a public IPv4 address. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

/** The IPv4 address in bits `from`..`from + 31` of an IPv6 address. */
function ipv4At(address: IPv6, from: number): IPv4 {
  const bytes = address.toByteArray().slice(from / 8, from / 8 + 4);
  return new ipaddr.IPv4(bytes);
}

/**
 * An IPv6 address is public when it is global unicast and in no special-purpose range, or when
 * it is one of the forms that reach an IPv4 address (IPv4-mapped, well-known NAT64, 6to4) and
 * that IPv4 address is public. Every other form is refused whatever it embeds: IPv4-compatible
 * (`::a.b.c.d`, deprecated), IPv4-translated (`::ffff:0:a.b.c.d`), local-use NAT64
 * (`64:ff9b:1::/48`, a network's own), Teredo, site-local, discard-only, documentation…
 */
function publicIpv6(address: IPv6): boolean {
  const range = address.range();
  if (range === "ipv4Mapped") return publicIpv4(address.toIPv4Address());
  if (range === "rfc6052")
    return address.match(NAT64_WELL_KNOWN) && publicIpv4(ipv4At(address, 96));
  if (range === "6to4") return publicIpv4(ipv4At(address, 16));
  return range === "unicast" && address.match(GLOBAL_UNICAST);
}

const LOOPBACK_NAMES = new Set([
  "localhost",
  "localhost.localdomain",
  "ip6-localhost",
  "ip6-loopback",
]);
const INTERNAL_NAMES = new Set(["metadata", "metadata.google.internal", "instance-data"]);

/** The address a host names literally (a dotted quad, or IPv6 in brackets), if it is one. */
function addressOf(host: string): IPv4 | IPv6 | undefined {
  if (host.startsWith("[") && host.endsWith("]")) {
    const inner = host.slice(1, -1);
    return ipaddr.IPv6.isValid(inner) ? ipaddr.IPv6.parse(inner) : undefined;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(host) ? ipaddr.IPv4.parse(host) : undefined;
}

/** Loopback only: what `WEBHOOK_ALLOW_LOOPBACK` lets through in local development. */
function isLoopback(host: string): boolean {
  if (LOOPBACK_NAMES.has(host) || host.endsWith(".localhost")) return true;
  return addressOf(host)?.range() === "loopback";
}

export function checkWebhookUrl(raw: string, options: { allowLoopback: boolean }): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry credentials" };
  // Trailing dots (any number: the URL parser keeps all but one of an address's) name the
  // same host as none, so the host is judged without them.
  const host = url.hostname.toLowerCase().replace(/\.+$/, "");
  if (
    options.allowLoopback &&
    isLoopback(host) &&
    (url.protocol === "http:" || url.protocol === "https:")
  ) {
    return { ok: true, url };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "must be an https URL" };
  if (isLoopback(host)) return { ok: false, reason: "must not point at this machine (loopback)" };
  const address = addressOf(host);
  if (address) {
    const isPublic = address instanceof ipaddr.IPv4 ? publicIpv4(address) : publicIpv6(address);
    return isPublic
      ? { ok: true, url }
      : { ok: false, reason: "must not point at a private, link-local or reserved address" };
  }
  // The URL parser writes every IPv6 host in a form the check reads; anything else is refused.
  if (host.startsWith("[")) return { ok: false, reason: "must name a public host" };
  if (INTERNAL_NAMES.has(host) || host.endsWith(".internal") || host.endsWith(".local")) {
    return { ok: false, reason: "must not point at an internal name" };
  }
  if (!host.includes(".")) return { ok: false, reason: "must name a public host" };
  return { ok: true, url };
}
