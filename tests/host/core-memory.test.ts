// Nothing in the core allocates per packet (the stub runtime never frees, so
// any allocation would show as linear memory growing): 100 000 datagrams
// through `handle` and 100 000 through `inspect` leave memory as it was.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core } from "../../host/core/core.js";
import { encodeIface, CfgRecord } from "../../host/core/records.js";
import { CFG } from "../../host/core/abi.js";
import { dhcpv6Packets, type UdpPacket } from "../../host/util/pcap.js";
import { parseIPv6 } from "../../host/util/ipv6.js";

const CORE_WASM = fileURLToPath(new URL("../../core.wasm", import.meta.url));
const CAPTURES = fileURLToPath(new URL("../../../tests/vectors/captures/", import.meta.url));
const ROUNDS = 100_000;

function packets(): UdpPacket[] {
  const all: UdpPacket[] = [];
  for (const f of readdirSync(CAPTURES).filter((n) => n.endsWith(".pcapng")).sort()) {
    all.push(...dhcpv6Packets(new Uint8Array(readFileSync(CAPTURES + f))));
  }
  return all;
}

function serverCore(): Core {
  const core = Core.loadSync(readFileSync(CORE_WASM));
  core.setIface(
    encodeIface({
      slot: 0,
      ifindex: 2,
      up: true,
      mac: Uint8Array.of(0x02, 0, 0, 0, 0, 1),
      linkLocal: parseIPv6("fe80::1")!,
      addrs: [],
    }),
  );
  core.configure(new CfgRecord().iface(0).u8(CFG.MODE, 1).bytes());
  return core;
}

const PACKETS = packets();
const isMulticast = (a: Uint8Array) => a[0] === 0xff;

test("the captures give a varied set of datagrams to replay", () => {
  assert.ok(PACKETS.length >= 200, String(PACKETS.length));
  const types = new Set(PACKETS.map((p) => p.payload[0]));
  for (const t of [1, 2, 3, 7, 8, 10, 11, 12, 13]) assert.ok(types.has(t), `message type ${t}`);
  assert.ok(PACKETS.some((p) => isMulticast(p.dst)));
});

test("100k datagrams through handle do not grow linear memory", () => {
  const core = serverCore();
  // one warm-up pass: anything sized once at first use is sized now
  PACKETS.forEach((p, i) => core.handle(p.payload, 0, p.src, p.srcPort, isMulticast(p.dst), 1000 + i));
  const before = core.memoryBytes();
  const rx0 = core.counters().rx;
  let replies = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const p = PACKETS[i % PACKETS.length];
    // vary the source so that stateful paths see new clients too
    const src = Uint8Array.from(p.src);
    src[15] ^= i & 0xff;
    src[14] ^= (i >> 8) & 0xff;
    const r = core.handle(p.payload, 0, src, p.srcPort, isMulticast(p.dst), 2000 + (i >> 6));
    if (typeof r !== "number") replies++;
  }
  assert.equal(core.counters().rx - rx0, ROUNDS, "every datagram reached the core");
  assert.ok(replies > 0, "some datagrams were answered");
  assert.equal(core.memoryBytes(), before);
});

test("100k datagrams through inspect do not grow linear memory", () => {
  const core = serverCore();
  const before = core.memoryBytes();
  let options = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const p = PACKETS[i % PACKETS.length].payload;
    // every 7th one cut short, to take the error paths too
    const bytes = i % 7 === 3 ? p.subarray(0, (i >> 3) % p.length) : p;
    const r = core.inspect(bytes) as { msg: { options: unknown[] } };
    options += r.msg.options.length;
  }
  assert.ok(options > ROUNDS, "the datagrams were decoded");
  assert.equal(core.memoryBytes(), before);
});
