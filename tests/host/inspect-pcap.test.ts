// host/util/pcap.ts: the capture reader the inspector tests and the browser
// inspector use. The frames of a real pcapng file are re-written as classic
// pcap (both byte orders, µs and ns) and re-wrapped in every supported link
// type, and must yield the same DHCPv6 datagrams.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readFrames, udpOverIpv6, dhcpv6Packets, ipv6Offset, type Frame, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, LINKTYPE_IPV6, LINKTYPE_NULL } from "../../host/util/pcap.js";
import { formatIPv6 } from "../../host/util/ipv6.js";

const CAPTURES = fileURLToPath(new URL("../../../tests/vectors/captures/", import.meta.url));
const load = (name: string) => new Uint8Array(readFileSync(CAPTURES + name));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A classic pcap file of `frames` (their data, re-framed by `wrap`). */
function pcap(frames: Frame[], linkType: number, opts: { little: boolean; nano: boolean }, wrap = (d: Uint8Array) => d): Uint8Array {
  const parts: Uint8Array[] = [];
  const h = new DataView(new ArrayBuffer(24));
  h.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, opts.little);
  h.setUint16(4, 2, opts.little);
  h.setUint16(6, 4, opts.little);
  h.setUint32(16, 262144, opts.little);
  h.setUint32(20, linkType, opts.little);
  parts.push(new Uint8Array(h.buffer));
  for (const f of frames) {
    const data = wrap(f.data);
    const r = new DataView(new ArrayBuffer(16));
    const sec = Math.floor(f.time);
    r.setUint32(0, sec, opts.little);
    r.setUint32(4, Math.round((f.time - sec) * (opts.nano ? 1e9 : 1e6)), opts.little);
    r.setUint32(8, data.length, opts.little);
    r.setUint32(12, data.length, opts.little);
    parts.push(new Uint8Array(r.buffer), data);
  }
  return Buffer.concat(parts);
}

const ipv6Of = (d: Uint8Array) => d.subarray(14); // the captures are Ethernet without VLAN tags

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
}

/** The (frame, ports, payload) of every DHCPv6 datagram, for comparisons. */
function summary(file: Uint8Array): string[] {
  return dhcpv6Packets(file).map((p) => `${p.frame} [${formatIPv6(p.src)}]:${p.srcPort} [${formatIPv6(p.dst)}]:${p.dstPort} ${hex(p.payload)}`);
}

const SOURCE = load("kea-dhcrelay-server-side.pcapng");
const FRAMES = readFrames(SOURCE);
const EXPECTED = summary(SOURCE);

test("reads the pcapng capture: 6 Ethernet frames, DHCPv6 at offset 62, times in 2026", () => {
  assert.equal(FRAMES.length, 6);
  assert.deepEqual(
    FRAMES.map((f) => f.number),
    [1, 2, 3, 4, 5, 6],
  );
  for (const f of FRAMES) {
    assert.equal(f.linkType, LINKTYPE_ETHERNET);
    assert.equal(f.data.length, f.origLen, "not truncated (README)");
    assert.ok(f.time > Date.UTC(2026, 0, 1) / 1000 && f.time < Date.UTC(2027, 0, 1) / 1000, String(f.time));
  }
  assert.ok(FRAMES[1].time >= FRAMES[0].time);
  const packets = dhcpv6Packets(SOURCE);
  assert.equal(packets.length, 6);
  for (const p of packets) {
    assert.equal(p.offset, 62);
    assert.equal(p.srcPort, 547);
    assert.equal(p.dstPort, 547);
    assert.equal(p.truncated, false);
  }
  assert.equal(formatIPv6(packets[0].src), "2001:db8:9::2");
  assert.equal(formatIPv6(packets[0].dst), "2001:db8:9::1");
  assert.equal(packets[0].payload[0], 12, "Relay-forward");
  assert.equal(packets[0].payload.length, 110);
});

test("classic pcap in both byte orders, microseconds and nanoseconds, gives the same datagrams", () => {
  for (const little of [true, false]) {
    for (const nano of [false, true]) {
      const file = pcap(FRAMES, LINKTYPE_ETHERNET, { little, nano });
      assert.deepEqual(summary(file), EXPECTED, `little=${little} nano=${nano}`);
      const frames = readFrames(file);
      assert.ok(Math.abs(frames[3].time - FRAMES[3].time) < 2e-6, `time little=${little} nano=${nano}`);
    }
  }
});

test("Linux cooked v1 and v2, raw IP, IPv6 and BSD loopback link types", () => {
  const sll = (d: Uint8Array) => concat([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x86, 0xdd], ipv6Of(d));
  const sll2 = (d: Uint8Array) => concat([0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0], ipv6Of(d));
  const raw = (d: Uint8Array) => ipv6Of(d);
  const loopLinux = (d: Uint8Array) => concat([10, 0, 0, 0], ipv6Of(d));
  const loopMac = (d: Uint8Array) => concat([30, 0, 0, 0], ipv6Of(d));
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_LINUX_SLL, { little: true, nano: false }, sll)), EXPECTED, "SLL");
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_LINUX_SLL2, { little: true, nano: false }, sll2)), EXPECTED, "SLL2");
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_RAW, { little: true, nano: false }, raw)), EXPECTED, "RAW");
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_IPV6, { little: true, nano: false }, raw)), EXPECTED, "IPV6");
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_NULL, { little: true, nano: false }, loopLinux)), EXPECTED, "NULL, AF_INET6 10");
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_NULL, { little: true, nano: false }, loopMac)), EXPECTED, "NULL, AF_INET6 30");
  for (const p of dhcpv6Packets(pcap(FRAMES, LINKTYPE_LINUX_SLL2, { little: true, nano: false }, sll2))) assert.equal(p.offset, 20 + 48);
});

test("VLAN tags and IPv6 extension headers are skipped", () => {
  const vlan = (d: Uint8Array) => concat(d.subarray(0, 12), [0x81, 0x00, 0x00, 0x05], d.subarray(12));
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false }, vlan)), EXPECTED, "802.1Q");
  // a Hop-by-Hop header (8 bytes: next 17, length 0, PadN) and a Destination Options header
  const ext = (d: Uint8Array) => {
    const ip = Uint8Array.from(ipv6Of(d));
    const plen = ((ip[4] << 8) | ip[5]) + 16;
    const hdr = Uint8Array.from(ip.subarray(0, 40));
    hdr[4] = plen >> 8;
    hdr[5] = plen & 0xff;
    hdr[6] = 0; // Hop-by-Hop
    return concat(d.subarray(0, 14), hdr, [60, 0, 1, 4, 0, 0, 0, 0], [17, 0, 1, 4, 0, 0, 0, 0], ip.subarray(40));
  };
  const packets = dhcpv6Packets(pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false }, ext));
  assert.deepEqual(
    packets.map((p) => `${p.frame} [${formatIPv6(p.src)}]:${p.srcPort} [${formatIPv6(p.dst)}]:${p.dstPort} ${hex(p.payload)}`),
    EXPECTED,
  );
  assert.equal(packets[0].offset, 62 + 16);
});

test("non-first fragments, IPv4, other ports and other link types are not DHCPv6", () => {
  const frag = (d: Uint8Array) => {
    const ip = Uint8Array.from(ipv6Of(d));
    ip[6] = 44; // Fragment header, offset 8 (not the first fragment)
    return concat(d.subarray(0, 14), ip.subarray(0, 40), [17, 0, 0, 8 << 3, 0, 0, 0, 1], ip.subarray(40));
  };
  assert.deepEqual(dhcpv6Packets(pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false }, frag)), []);
  const ipv4 = (d: Uint8Array) => concat(d.subarray(0, 12), [0x08, 0x00], d.subarray(14));
  assert.deepEqual(dhcpv6Packets(pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false }, ipv4)), []);
  const dns = (d: Uint8Array) => {
    const c = Uint8Array.from(d);
    c[54] = 0; // source port 53
    c[55] = 53;
    c[56] = 0; // destination port 53
    c[57] = 53;
    return c;
  };
  const frames = readFrames(pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false }, dns));
  assert.equal(udpOverIpv6(frames[0])?.srcPort, 53, "still UDP");
  assert.deepEqual(dhcpv6Packets(pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false }, dns)), []);
  assert.equal(ipv6Offset(147, FRAMES[0].data), -1, "unknown link type");
  assert.deepEqual(dhcpv6Packets(pcap(FRAMES, 147, { little: true, nano: false })), []);
});

test("a frame captured short gives the bytes present, marked truncated", () => {
  const short = FRAMES.map((f) => ({ ...f, data: f.data.subarray(0, 62 + 20) }));
  const packets = dhcpv6Packets(pcap(short, LINKTYPE_ETHERNET, { little: true, nano: false }));
  assert.equal(packets.length, 6);
  for (const p of packets) {
    assert.equal(p.truncated, true);
    assert.equal(p.payload.length, 20);
  }
});

test("Ethernet padding after the IPv6 payload is not part of the datagram", () => {
  const padded = (d: Uint8Array) => concat(d, [0, 0, 0, 0]);
  assert.deepEqual(summary(pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false }, padded)), EXPECTED);
});

test("broken files are refused with the reason", () => {
  assert.throws(() => readFrames(new Uint8Array([1, 2, 3])), /too short/);
  assert.throws(() => readFrames(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0])), /unknown file format \(magic 0xdeadbeef\)/);
  assert.throws(() => readFrames(SOURCE.subarray(0, SOURCE.length - 2)), /pcapng block at byte \d+ has bad length/);
  const p = pcap(FRAMES, LINKTYPE_ETHERNET, { little: true, nano: false });
  assert.throws(() => readFrames(p.subarray(0, p.length - 1)), /pcap record at byte \d+ declares \d+ bytes/);
  const badBom = Uint8Array.from(SOURCE);
  badBom[8] = 0;
  assert.throws(() => readFrames(badBom), /byte-order magic/);
});
