import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/platform/http/outbound-url";

const check = (url: string, allowLoopback = false) => checkWebhookUrl(url, { allowLoopback });

describe("checkWebhookUrl", () => {
  it.each([
    "https://hooks.example.com/in",
    "https://hooks.example.com:8443/in?token=x",
    "https://8.8.8.8/hook",
    "https://[2606:4700::1111]/hook",
    "https://xn--bcher-kva.example/hook",
    "https://hooks.example.com./in",
    "https://[::ffff:8.8.8.8]/hook",
    "https://[64:ff9b::8.8.8.8]/hook",
    "https://[2002:808:808::1]/hook",
    "https://[2a00:1450:4001::200e]/hook",
  ])("accepts %s", (url) => {
    expect(check(url).ok).toBe(true);
  });

  it.each([
    ["not a URL", "/relative/path"],
    ["another scheme", "http://hooks.example.com/in"],
    ["ftp", "ftp://hooks.example.com/in"],
    ["credentials", "https://user:pw@hooks.example.com/in"],
    ["localhost", "https://localhost/in"],
    ["a localhost alias", "https://api.localhost/in"],
    ["localhost with a trailing dot", "https://localhost./in"],
    ["IPv4 loopback", "https://127.0.0.1/in"],
    ["loopback elsewhere in 127/8", "https://127.1.2.3/in"],
    ["decimal IPv4", "https://2130706433/in"],
    ["octal IPv4", "https://0177.0.0.1/in"],
    ["hex IPv4", "https://0x7f.0.0.1/in"],
    ["short IPv4", "https://127.1/in"],
    ["private 10/8", "https://10.0.0.8/in"],
    ["private 172.16/12", "https://172.20.1.1/in"],
    ["private 192.168/16", "https://192.168.1.10/in"],
    ["link-local metadata", "https://169.254.169.254/latest/meta-data"],
    ["carrier-grade NAT", "https://100.64.0.1/in"],
    ["this network", "https://0.0.0.0/in"],
    ["multicast", "https://224.0.0.1/in"],
    ["IPv6 loopback", "https://[::1]/in"],
    ["IPv6 unspecified", "https://[::]/in"],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/in"],
    ["IPv4-mapped private", "https://[::ffff:10.1.2.3]/in"],
    ["NAT64 metadata", "https://[64:ff9b::a9fe:a9fe]/in"],
    ["unique local", "https://[fd00:ec2::254]/in"],
    ["link-local IPv6", "https://[fe80::1]/in"],
    ["GCP metadata name", "https://metadata.google.internal/computeMetadata/v1/"],
    ["an .internal name", "https://vault.corp.internal/in"],
    ["a single label", "https://intranet/in"],
    ["localhost with two trailing dots", "https://localhost../in"],
    ["localhost with three trailing dots", "https://localhost.../in"],
    ["a localhost alias with trailing dots", "https://api.localhost../in"],
    ["IPv4 loopback with trailing dots", "https://127.0.0.1../in"],
    ["private IPv4 with trailing dots", "https://10.0.0.8..../in"],
    ["GCP metadata name with trailing dots", "https://metadata.google.internal../in"],
    ["an .internal name with trailing dots", "https://vault.corp.internal../in"],
    ["IPv4-compatible loopback", "https://[::127.0.0.1]/in"],
    ["IPv4-compatible metadata", "https://[::169.254.169.254]/in"],
    ["IPv4-translated loopback", "https://[::ffff:0:127.0.0.1]/in"],
    ["IPv4-translated private", "https://[::ffff:0:10.0.0.1]/in"],
    ["local-use NAT64", "https://[64:ff9b:1::a9fe:a9fe]/in"],
    ["local-use NAT64, public IPv4", "https://[64:ff9b:1::808:808]/in"],
    ["6to4 of loopback", "https://[2002:7f00:1::]/in"],
    ["6to4 of metadata", "https://[2002:a9fe:a9fe::1]/in"],
    ["6to4 of private", "https://[2002:c0a8:101::1]/in"],
    ["site-local", "https://[fec0::1]/in"],
    ["discard-only", "https://[100::1]/in"],
    ["Teredo", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/in"],
    ["IPv6 documentation (3fff::/20)", "https://[3fff::1]/in"],
    ["IPv6 benchmarking", "https://[2001:2::1]/in"],
    ["not global unicast (::/8)", "https://[::1:2:3]/in"],
    ["IPv4 broadcast", "https://255.255.255.255/in"],
    ["IPv4 6to4 relay anycast", "https://192.88.99.1/in"],
  ])("refuses %s", (_, url) => {
    const verdict = check(url);
    expect(verdict.ok, url).toBe(false);
  });

  it("WEBHOOK_ALLOW_LOOPBACK lets local receivers in, nothing private", () => {
    for (const url of [
      "http://127.0.0.1:8799/hook",
      "http://localhost:8799/hook",
      "http://[::1]:8799/x",
    ]) {
      expect(check(url, true).ok, url).toBe(true);
    }
    for (const url of [
      "http://10.0.0.1:8799/hook",
      "https://169.254.169.254/",
      "http://hooks.example.com/in",
    ]) {
      expect(check(url, true).ok, url).toBe(false);
    }
  });
});
