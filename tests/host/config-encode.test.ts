// encode.ts: the typed configuration -> CFG record. The record is decoded
// here, independently, and checked item by item.

import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeConfig } from "../../host/config/encode.js";
import { parseConfig } from "../../host/config/schema.js";
import { CFG } from "../../host/core/abi.js";

const FILE = "/etc/config/dhcp";
const NAMES = new Map<number, string>(Object.entries(CFG).map(([k, v]) => [v, k]));

/** Decodes a CFG record into [key name, value as hex] pairs; fails on broken framing. */
function items(rec: Uint8Array): [string, string][] {
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  const out: [string, string][] = [];
  let p = 0;
  while (p < rec.length) {
    assert.ok(p + 4 <= rec.length, `truncated item header at ${p}`);
    const key = dv.getUint16(p);
    const len = dv.getUint16(p + 2);
    assert.ok(p + 4 + len <= rec.length, `item at ${p} overruns the record`);
    out.push([NAMES.get(key) ?? `key${key}`, Buffer.from(rec.subarray(p + 4, p + 4 + len)).toString("hex")]);
    p += 4 + len;
  }
  return out;
}

const ascii = (s: string): string => Buffer.from(s, "ascii").toString("hex");
const u32 = (n: number): string => n.toString(16).padStart(8, "0");

function encode(text: string, slots: Record<string, number>): [string, string][] {
  return items(encodeConfig(parseConfig(text, FILE).config, new Map(Object.entries(slots))));
}

test("every interface key, in order, with its value", () => {
  const text = [
    "config odhcpd",
    "\toption duid '00:03:00:01:02:00:5e:10:00:01'",
    "config dhcp lan",
    "\toption ifname br-lan",
    "\toption dhcpv6 hybrid",
    "\tlist dns 2001:db8::53",
    "\tlist dns 192.168.1.1",
    "\tlist dns fd00::1",
    "\tlist domain home.",
    "\tlist domain example.org",
    "\tlist ntp ntp1.example.org",
    "\tlist ntp 2001:db8::123",
    "\tlist ntp 2001:db8::124",
    "\toption dhcpv6_raw '0015000400010203'",
    "\toption leasetime 2h",
    "\toption dhcpv6_refresh 900",
    "\toption dhcpv6_sol_max_rt 120",
    "\toption dhcpv6_inf_max_rt 3600",
  ].join("\n");
  assert.deepEqual(encode(text, { "br-lan": 5 }), [
    ["SERVER_DUID", "0003000102005e100001"],
    ["IFACE", u32(5)],
    ["MODE", "03"],
    ["DNS", "20010db8000000000000000000000053"],
    ["DNS", "fd000000000000000000000000000001"],
    ["DOMAIN", ascii("home")],
    ["DOMAIN", ascii("example.org")],
    ["NTP_FQDN", ascii("ntp1.example.org")],
    ["NTP_ADDR", "20010db8000000000000000000000123"],
    ["NTP_ADDR", "20010db8000000000000000000000124"],
    ["SNTP", "20010db8000000000000000000000123"],
    ["SNTP", "20010db8000000000000000000000124"],
    ["RAW", "0015000400010203"],
    ["LEASETIME", u32(7200)],
    ["REFRESH_TIME", u32(900)],
    ["SOL_MAX_RT", u32(120)],
    ["INF_MAX_RT", u32(3600)],
  ]);
});

test("only what is configured is sent: a bare section is IFACE and MODE", () => {
  assert.deepEqual(encode("config dhcp lan\n", { lan: 0 }), [
    ["IFACE", u32(0)],
    ["MODE", "01"],
  ]);
});

test("each mode's value; ignore and dhcpv6 disabled are emitted as MODE disabled", () => {
  const text = [
    "config dhcp a",
    "\toption dhcpv6 server",
    "config dhcp b",
    "\toption dhcpv6 relay",
    "config dhcp c",
    "\toption dhcpv6 disabled",
    "config dhcp d",
    "\toption ignore 1",
    "\tlist dns 2001:db8::1",
  ].join("\n");
  assert.deepEqual(encode(text, { a: 1, b: 2, c: 3, d: 4 }), [
    ["IFACE", u32(1)],
    ["MODE", "01"],
    ["IFACE", u32(2)],
    ["MODE", "02"],
    ["IFACE", u32(3)],
    ["MODE", "00"],
    ["IFACE", u32(4)],
    ["MODE", "00"],
    ["DNS", "20010db8000000000000000000000001"],
  ]);
});

test("devices without a slot (not present yet) are skipped", () => {
  const text = "config dhcp lan\n\toption ifname br-lan\nconfig dhcp guest\n\toption ifname br-guest\n\toption leasetime 1h\n";
  assert.deepEqual(encode(text, { "br-guest": 7, "eth9": 1 }), [
    ["IFACE", u32(7)],
    ["MODE", "01"],
    ["LEASETIME", u32(3600)],
  ]);
  assert.deepEqual(encode(text, {}), []);
});

test("the server DUID is global: first, even with no interface present", () => {
  assert.deepEqual(encode("config odhcpd\n\toption duid 0001aabb\nconfig dhcp lan\n", {}), [["SERVER_DUID", "0001aabb"]]);
});

test("infinite lease time is 0xffffffff", () => {
  assert.deepEqual(encode("config dhcp lan\n\toption leasetime infinite\n", { lan: 31 }), [
    ["IFACE", u32(31)],
    ["MODE", "01"],
    ["LEASETIME", "ffffffff"],
  ]);
});

test("interfaces keep file order whatever their slots", () => {
  const rec = encode("config dhcp z\nconfig dhcp a\nconfig dhcp m\n", { a: 0, m: 1, z: 2 });
  assert.deepEqual(rec.filter(([k]) => k === "IFACE").map(([, v]) => v), [u32(2), u32(0), u32(1)]);
});

test("a slot outside the core's range, or two devices on one slot, is a programming error", () => {
  const cfg = parseConfig("config dhcp a\nconfig dhcp b\n", FILE).config;
  assert.throws(() => encodeConfig(cfg, new Map([["a", 32]])), { message: "interface slot 32 of device 'a' is outside 0..31" });
  assert.throws(() => encodeConfig(cfg, new Map([["a", -1]])), { message: "interface slot -1 of device 'a' is outside 0..31" });
  assert.throws(() => encodeConfig(cfg, new Map([["a", 1.5]])), { message: "interface slot 1.5 of device 'a' is outside 0..31" });
  assert.throws(() => encodeConfig(cfg, new Map([["a", 3], ["b", 3]])), { message: "devices 'a' and 'b' have the same interface slot 3" });
});
