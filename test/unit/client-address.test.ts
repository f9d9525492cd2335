import { describe, expect, it } from "vitest";
import { clientKey } from "../../src/platform/http/client-address";

describe("clientKey", () => {
  it.each([
    [undefined, "unknown"],
    ["", "unknown"],
    ["203.0.113.7", "203.0.113.7"],
    ["2001:db8:aa:1::1", "2001:db8:aa:1::/64"],
    ["2001:0DB8:00aa:0001:ffff:0:0:9", "2001:db8:aa:1::/64"],
    ["2001:db8:aa:1:1:2:3:4", "2001:db8:aa:1::/64"],
    ["2001:db8::", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::ffff:192.0.2.33", "192.0.2.33"],
    ["::ffff:c000:221", "192.0.2.33"],
    ["999.1.1.1", "unparsed:999.1.1.1"],
    ["1:2:3:4:5:6:7:8:9", "unparsed:1:2:3:4:5:6:7:8:9"],
    ["1::2::3", "unparsed:1::2::3"],
  ])("%j → %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
