import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIPv6, formatIPv6, isLinkLocal, onPrefix } from "../../host/util/ipv6.js";

test("parses and formats RFC 5952 forms", () => {
  const cases: [string, string][] = [
    ["2001:db8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["::", "::"],
    ["::1", "::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1::1", "2001:0:0:1::1"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["FF02::1:2", "ff02::1:2"],
  ];
  for (const [input, want] of cases) {
    const b = parseIPv6(input);
    assert.ok(b, input);
    assert.equal(formatIPv6(b), want, input);
  }
});

test("rejects what is not an IPv6 address", () => {
  for (const bad of ["", "1::2::3", "2001:db8::zz", "1:2:3:4:5:6:7:8:9", "12345::", "1.2.3.4", "::1.2.3", "1:2:3:4:5:6:7"]) {
    assert.equal(parseIPv6(bad), null, bad);
  }
});

test("link-local is fe80::/10", () => {
  assert.equal(isLinkLocal(parseIPv6("fe80::1")!), true);
  assert.equal(isLinkLocal(parseIPv6("febf::1")!), true);
  assert.equal(isLinkLocal(parseIPv6("fec0::1")!), false);
  assert.equal(isLinkLocal(parseIPv6("2001:db8::1")!), false);
});

test("onPrefix compares the first plen bits", () => {
  const p = parseIPv6("2001:db8:1:40::1")!;
  assert.equal(onPrefix(p, 58, parseIPv6("2001:db8:1:7f::9")!), true);
  assert.equal(onPrefix(p, 58, parseIPv6("2001:db8:1:80::9")!), false);
  assert.equal(onPrefix(p, 64, parseIPv6("2001:db8:1:40:ffff::")!), true);
  assert.equal(onPrefix(p, 0, parseIPv6("::1")!), true);
});
