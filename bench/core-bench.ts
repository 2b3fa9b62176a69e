// In-process benchmark of the core: Information-request in, Reply out, and
// the cost of one host<->core crossing. Prints figures; asserts nothing.
//   npm run bench            (after npm run build)

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core } from "../host/core/core.js";
import { encodeIface, CfgRecord } from "../host/core/records.js";
import { CFG, MODE } from "../host/core/abi.js";
import { parseIPv6 } from "../host/util/ipv6.js";

const wasm = readFileSync(fileURLToPath(new URL("../../build/core.wasm", import.meta.url)));
const core = Core.loadSync(wasm);

core.setIface(encodeIface({ slot: 0, ifindex: 2, up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 1), linkLocal: parseIPv6("fe80::1"), addrs: [] }));
core.configure(
  new CfgRecord()
    .iface(0)
    .u8(CFG.MODE, MODE.server)
    .item(CFG.DNS, parseIPv6("2001:db8:1::53")!)
    .text(CFG.DOMAIN, "lab.example")
    .item(CFG.NTP_ADDR, parseIPv6("2001:db8:1::123")!)
    .bytes(),
);

// dhclient -6 -S's Information-request (captures/kea-dhclient-inforeq.pcapng, frame 1).
const INFO_REQUEST = Buffer.from("0b7b23c60001000a00030001be4ab3be836e00060008001700180027001f000800020000", "hex");
// The same, relayed once (hop 0, link 2001:db8:1::1, peer fe80::1, Interface-ID "eth0").
const RELAYED = (() => {
  const hdr = Buffer.alloc(34);
  hdr[0] = 12;
  Buffer.from(parseIPv6("2001:db8:1::1")!).copy(hdr, 2);
  Buffer.from(parseIPv6("fe80::1")!).copy(hdr, 18);
  const ifid = Buffer.from("00120004657468300009", "hex");
  const len = Buffer.alloc(2);
  len.writeUInt16BE(INFO_REQUEST.length);
  return Buffer.concat([hdr, ifid, len, INFO_REQUEST]);
})();
const SRC = parseIPv6("fe80::bc4a:b3ff:febe:836e")!;

function rate(name: string, n: number, fn: () => void): number {
  for (let i = 0; i < Math.min(n, 10000); i++) fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0);
  const perSec = (n / ns) * 1e9;
  console.log(`${name.padEnd(44)} ${perSec.toFixed(0).padStart(12)} /s   ${(ns / n).toFixed(1).padStart(8)} ns each`);
  return perSec;
}

const N = Number(process.env.BENCH_N ?? 1_000_000);
const raw = core.exports;
// One call through the host API fills META (interface, multicast flag) for the raw loops.
if (typeof core.handle(INFO_REQUEST, 0, SRC, 546, true, 1) === "number") throw new Error("the core did not answer the Information-request");
const rx = core.rx;
console.log(`core.wasm ${wasm.length} bytes, linear memory ${core.memoryBytes()} bytes`);
rate("crossing: abi_version()", N * 5, () => raw.abi_version());
rx.set(INFO_REQUEST);
rate("core handle(): Information-request -> Reply", N, () => {
  raw.handle(INFO_REQUEST.length);
});
rate("host+core: Core.handle() incl. copies", N / 2, () => {
  core.handle(INFO_REQUEST, 0, SRC, 546, true, 1);
});
core.handle(RELAYED, 0, SRC, 547, false, 1);
rx.set(RELAYED);
rate("core handle(): relayed Information-request", N, () => {
  raw.handle(RELAYED.length);
});
console.log(`linear memory after: ${core.memoryBytes()} bytes; counters ${JSON.stringify(core.counters())}`);
