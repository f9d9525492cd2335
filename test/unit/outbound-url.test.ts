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
