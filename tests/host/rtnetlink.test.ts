import { test } from "node:test";
import assert from "node:assert/strict";
import { endianness } from "node:os";
import { parseLink, parseAddress } from "../../host/net/rtnetlink.js";
import { parseIPv6 } from "../../host/util/ipv6.js";

const LE = endianness() === "LE";
const u16 = (v: number) => { const b = Buffer.alloc(2); LE ? b.writeUInt16LE(v) : b.writeUInt16BE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); LE ? b.writeUInt32LE(v) : b.writeUInt32BE(v); return b; };
function attr(type: number, data: Buffer): Buffer {
  const len = 4 + data.length;
  const pad = Buffer.alloc(((len + 3) & ~3) - len);
  return Buffer.concat([u16(len), u16(type), data, pad]);
}

test("parseLink reads ifinfomsg and IFLA_IFNAME / IFLA_ADDRESS", () => {
  const ifi = Buffer.concat([Buffer.from([0, 0]), u16(1), u32(7), u32(0x1043), u32(0)]);
  const msg = Buffer.concat([ifi, attr(3, Buffer.from("br-lan\0")), attr(1, Buffer.from([2, 0, 0, 0, 0, 1]))]);
  assert.deepEqual(parseLink(msg), { index: 7, name: "br-lan", up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 1) });
  assert.equal(parseLink(Buffer.alloc(8)), null, "too short");
  const down = parseLink(Buffer.concat([Buffer.from([0, 0]), u16(1), u32(3), u32(0), u32(0)]))!;
  assert.equal(down.up, false);
  assert.equal(down.mac, null);
});

test("parseAddress reads ifaddrmsg, IFA_LOCAL/IFA_ADDRESS, lifetimes and flags; skips IPv4", () => {
  const a = parseIPv6("2001:db8:1::1")!;
  const ifa = Buffer.from([10, 64, 0x80, 0, ...u32(4)]);
  const cache = Buffer.concat([u32(1800), u32(3600), u32(0), u32(0)]);
  const msg = Buffer.concat([ifa, attr(1, Buffer.from(a)), attr(6, cache), attr(8, u32(0x40 | 0x80))]);
  assert.deepEqual(parseAddress(msg), { index: 4, addr: a, plen: 64, preferred: 1800, valid: 3600, tentative: true, deprecated: false });
  assert.equal(parseAddress(Buffer.from([2, 24, 0, 0, ...u32(4)])), null, "IPv4");
  const truncatedAttr = Buffer.concat([ifa, u16(20), u16(1), Buffer.alloc(4)]);
  assert.equal(parseAddress(truncatedAttr), null, "an attribute running past the end is ignored");
});
