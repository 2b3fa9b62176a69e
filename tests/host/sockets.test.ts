import { test } from "node:test";
import assert from "node:assert/strict";
import { wantedSockets } from "../../host/net/sockets.js";
import { parseIPv6 } from "../../host/util/ipv6.js";

const a = (s: string) => parseIPv6(s)!;

test("one multicast socket per interface, one unicast socket per address", () => {
  const specs = wantedSockets([
    { slot: 0, ifname: "br-lan", addrs: [a("fe80::1"), a("2001:db8:1::1")] },
    { slot: 3, ifname: "eth1", addrs: [] },
  ]);
  assert.deepEqual(
    specs.map((s) => [s.key, s.slot, s.multicast, s.bindAddr]),
    [
      ["mc br-lan", 0, true, "ff02::1:2%br-lan"],
      ["uc fe80::1%br-lan", 0, false, "fe80::1%br-lan"],
      ["uc 2001:db8:1::1", 0, false, "2001:db8:1::1"],
      ["mc eth1", 3, true, "ff02::1:2%eth1"],
    ],
  );
});

test("the same link-local address on two interfaces gives two distinct sockets", () => {
  const specs = wantedSockets([
    { slot: 0, ifname: "a", addrs: [a("fe80::1")] },
    { slot: 1, ifname: "b", addrs: [a("fe80::1")] },
  ]);
  const keys = specs.map((s) => s.key);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(keys.includes("uc fe80::1%a") && keys.includes("uc fe80::1%b"));
});

test("no interfaces, no sockets", () => {
  assert.deepEqual(wantedSockets([]), []);
});

test("serving interfaces share one ff05::1:3 socket joined on each of them", () => {
  const specs = wantedSockets([
    { slot: 0, ifname: "lan", addrs: [], server: true },
    { slot: 1, ifname: "wan", addrs: [], server: false },
    { slot: 2, ifname: "guest", addrs: [], server: true },
  ]);
  const site = specs.filter((s) => s.group === "ff05::1:3");
  assert.equal(site.length, 1);
  assert.deepEqual(site[0].joinIfs, ["lan", "guest"]);
  assert.equal(site[0].bindAddr, "ff05::1:3");
  assert.equal(specs.filter((s) => s.group === "ff02::1:2").length, 3);
});
