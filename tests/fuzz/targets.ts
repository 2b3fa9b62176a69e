// The fuzz targets: what an input means, how the core is set up before it,
// and the seeds. The fuzzer (fuzz.ts) and the regression replay
// (tests/host/fuzz-regressions.test.ts) run inputs through the same code.
//
//   inspect   any bytes -> inspect()
//   handle    [flags][source][datagram] -> handle() in server mode
//   sequence  a choice tape -> a scenario of clients, ticks and prefix changes (sequence.ts)
//   relay     as handle, on relay and hybrid interfaces (relay.ts)

import { readdirSync, readFileSync, existsSync } from "node:fs";
import { dhcpv6Packets } from "../../host/util/pcap.js";
import type { Harness } from "./harness.js";
import { ROOT } from "./harness.js";
import { checkInspect, handleChecked, checkMemory, memoryBaseline, type MemoryBaseline, type Datagram, type Outcome } from "./invariants.js";
import { Scene, Tape, setupSequence, serverConfig, ifaceRecord, initialPrefixes, SEQ_START, SERVER_MAC, CONFIG_MARKER, type Trace } from "./sequence.js";
import { MSG, OPT, ip, opt, u16, u32, message, relayForward, iaAddr, iaPrefix } from "./dhcpv6.js";
import { Rng } from "./mutate.js";
import { encodeIface, CfgRecord } from "../../host/core/records.js";
import { CFG, MODE } from "../../host/core/abi.js";

export const CAPTURES = `${ROOT}tests/vectors/captures/`;

export interface Target {
  readonly name: string;
  readonly maxLen: number;
  /** Where the DHCPv6 message starts in an input (-1: not a message). */
  readonly dhcpOffset: number;
  /** Configures a fresh instance; returns the memory baseline. */
  setup(h: Harness): MemoryBaseline;
  /** Runs one input; throws a Finding when an invariant breaks. */
  run(h: Harness, input: Uint8Array, base: MemoryBaseline, trace?: Trace): void;
  seeds(): Uint8Array[];
}

/** DHCPv6 payloads of every capture in tests/vectors/captures. */
export function capturePackets(): { payload: Uint8Array; multicast: boolean }[] {
  if (!existsSync(CAPTURES)) return [];
  const out: { payload: Uint8Array; multicast: boolean }[] = [];
  for (const f of readdirSync(CAPTURES).filter((n) => n.endsWith(".pcapng") || n.endsWith(".pcap")).sort()) {
    for (const p of dhcpv6Packets(new Uint8Array(readFileSync(CAPTURES + f)))) out.push({ payload: p.payload, multicast: p.dst[0] === 0xff });
  }
  return out;
}

// ---------------------------------------------------------------- inspect

export const inspectTarget: Target = {
  name: "inspect",
  maxLen: 65536,
  dhcpOffset: 0,
  setup(h) {
    return memoryBaseline(h);
  },
  run(h, input, base) {
    checkInspect(h, input);
    checkMemory(h, base, "inspect");
  },
  seeds() {
    return [...capturePackets().map((p) => p.payload), ...syntheticMessages()];
  },
};

// ---------------------------------------------------------------- handle (server mode)

/** Slots a datagram may arrive on: 0 is served, 1 is configured disabled, 2
 *  is an interface without configuration, 31 unknown, 40 out of range. */
const SLOTS = [0, 0, 0, 0, 1, 2, 31, 40];
const SOURCES = ["fe80::c1", "2001:db8:1::99", "2001:db8:9::2", "::", "ff02::1:2", "fe80::1"];
const PORTS = [546, 547, 10000, 0];
const NOWS = [SEQ_START, SEQ_START + 1, SEQ_START + 1999, SEQ_START + 2001, SEQ_START + 3999, SEQ_START + 4001, SEQ_START + 6001, SEQ_START + 100000];


/** Input layout: byte 0 = bit 0 multicast, bits 1-3 slot choice, bits 4-6
 *  clock choice; byte 1 = bits 0-2 source address, bits 3-4 source port;
 *  then the datagram. */
export function handleDatagram(input: Uint8Array): Datagram {
  const f = input[0] ?? 0;
  const s = input[1] ?? 0;
  return {
    bytes: input.subarray(2, 2 + 65535),
    multicast: (f & 1) !== 0,
    ifslot: SLOTS[(f >> 1) & 7],
    now: NOWS[(f >> 4) & 7],
    src: ip(SOURCES[(s & 7) % SOURCES.length]),
    srcPort: PORTS[(s >> 3) & 3],
  };
}

export function handleInput(datagram: Uint8Array, multicast = true, source = 0): Uint8Array {
  return Uint8Array.from([multicast ? 1 : 0, source, ...datagram]);
}

export function setupServer(h: Harness): void {
  h.core.setIface(ifaceRecord(initialPrefixes(SEQ_START)), SEQ_START);
  h.core.setIface(encodeIface({ slot: 1, name: "guest0", ifindex: 3, up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 2), linkLocal: ip("fe80::2"), addrs: [] }), SEQ_START);
  h.core.setIface(encodeIface({ slot: 2, name: "wan0", ifindex: 4, up: true, mac: null, linkLocal: ip("fe80::3"), addrs: [] }), SEQ_START);
  const cfg = serverConfig(256);
  const rec = new CfgRecord().iface(1).u8(CFG.MODE, MODE.disabled).bytes();
  const all = new Uint8Array(cfg.length + rec.length);
  all.set(cfg);
  all.set(rec, cfg.length);
  h.core.configure(all);
}

/** One handle-target input with every invariant checked; the outcome. */
export function runHandle(h: Harness, input: Uint8Array, base: MemoryBaseline): Outcome {
  const out = handleChecked(h, handleDatagram(input), { finiteLifetimes: true });
  checkMemory(h, base, "handle");
  return out;
}

export const handleTarget: Target = {
  name: "handle",
  maxLen: 2 + 65535,
  dhcpOffset: 2,
  setup(h) {
    setupServer(h);
    return memoryBaseline(h);
  },
  run(h, input, base) {
    runHandle(h, input, base);
  },
  seeds() {
    return [...capturePackets().map((p) => handleInput(p.payload, p.multicast)), ...syntheticMessages().map((m) => handleInput(m))];
  },
};

// ---------------------------------------------------------------- sequence

export const sequenceTarget: Target = {
  name: "sequence",
  maxLen: 1024,
  dhcpOffset: -1,
  setup(h) {
    setupSequence(h);
    return memoryBaseline(h);
  },
  run(h, input, base, trace = null) {
    new Scene(h, base, trace).run(new Tape(input));
  },
  seeds() {
    const rng = new Rng(6);
    const out: Uint8Array[] = [new Uint8Array(0), new Uint8Array(16)];
    for (let v = 1; v < 6; v++) out.push(Uint8Array.of(CONFIG_MARKER, v, ...rng.bytes(120)));
    for (const n of [8, 16, 32, 64, 128, 256, 512]) for (let k = 0; k < 4; k++) out.push(rng.bytes(n));
    return out;
  },
};

// ---------------------------------------------------------------- synthetic seeds

const SERVER_DUID = Uint8Array.of(0, 3, 0, 1, ...SERVER_MAC);

/** Well-formed messages of every type the server handles, direct and relayed,
 *  with the server DUID the handle target's core uses. */
export function syntheticMessages(): Uint8Array[] {
  const cid = opt(OPT.CLIENTID, [0, 3, 0, 1, 0x0a, 0, 0, 0, 0, 1]);
  const sid = opt(OPT.SERVERID, SERVER_DUID);
  const oro = opt(OPT.ORO, [23, 24, 31, 32, 56, 82, 83].flatMap(u16));
  const el = opt(OPT.ELAPSED_TIME, [0, 0]);
  const na = opt(OPT.IA_NA, [...u32(1), ...u32(0), ...u32(0)]);
  const naHint = opt(OPT.IA_NA, [...u32(1), ...u32(0), ...u32(0), ...iaAddr(ip("2001:db8:1::1234"), 0, 0)]);
  const pd = opt(OPT.IA_PD, [...u32(2), ...u32(0), ...u32(0), ...iaPrefix(62, new Uint8Array(16), 0, 0)]);
  const msgs = [
    message(MSG.SOLICIT, 1, cid, el, oro, na, pd),
    message(MSG.SOLICIT, 2, cid, el, na, pd, opt(OPT.RAPID_COMMIT, [])),
    message(MSG.REQUEST, 3, cid, sid, el, oro, naHint, pd),
    message(MSG.RENEW, 4, cid, sid, el, naHint, pd),
    message(MSG.REBIND, 5, cid, el, naHint, pd),
    message(MSG.RELEASE, 6, cid, sid, el, naHint, pd),
    message(MSG.DECLINE, 7, cid, sid, el, naHint),
    message(MSG.CONFIRM, 8, cid, el, naHint),
    message(MSG.INFORMATION_REQUEST, 9, cid, el, oro),
    message(MSG.INFORMATION_REQUEST, 10, el),
  ];
  const relayed = msgs.slice(0, 4).map((m, i) =>
    relayForward(0, ip("2001:db8:1::1"), ip("fe80::c1"), m, ...(i % 2 ? [opt(OPT.INTERFACE_ID, [1, 2, 3])] : []), ...(i === 3 ? [opt(OPT.RELAY_SOURCE_PORT, u16(10000))] : [])),
  );
  const twice = relayForward(1, ip("2001:db8:9::2"), ip("2001:db8:9::3"), relayed[0]);
  return [...msgs, ...relayed, twice];
}
