// The `relay` target: handle() on any bytes arriving on the interfaces of a
// relay / hybrid configuration (README "Relay and hybrid mode"):
//
//   slot 0  lan0   relay, client-facing, DNS rewrite, Remote-ID, Client Link-Layer Address
//   slot 3  lan1   relay, client-facing, nothing else (messages go through untouched)
//   slot 1  wan0   relay, master (upstream: takes Relay-replies only)
//   slot 2  lan2   hybrid without a global prefix: relays
//   slot 4  lan3   hybrid with a global prefix and DNS: serves (the server invariants
//                  apply); a Relay-reply naming it still goes down, DNS rewritten
//
// Input layout as the handle target (targets.ts handleDatagram), the slot
// chosen among the above. What a relay sends is checked against what it got:
// a Relay-forward carries the datagram byte for byte, with the hop count,
// link-address, peer-address and Interface-ID the README gives; a Relay-reply
// from upstream goes down as its inner message (DNS rewritten only in an
// unauthenticated Advertise/Reply of lan0) to its peer-address.

import { CfgRecord, encodeIface } from "../../host/core/records.js";
import { CFG, MODE, DST_UPSTREAM, DST_UPSTREAM_ONE, STAT_NAMES } from "../../host/core/abi.js";
import type { Harness } from "./harness.js";
import { Finding, guard, checkEffects, checkMemory, memoryBaseline, inspectErrors, handleChecked, type Datagram, type MemoryBaseline } from "./invariants.js";
import { handleDatagram, handleInput, syntheticMessages, capturePackets, type Target } from "./targets.js";
import { MSG, OPT, ip, be16, opt, u32, relayForward, hex, bytesEqual } from "./dhcpv6.js";
import { SEQ_START, SECRET } from "./sequence.js";


const LONG = SEQ_START + 1_000_000;

interface Slot {
  slot: number;
  name: string;
  ifindex: number;
  mode: number;
  master?: boolean;
  dns?: Uint8Array;
  global?: Uint8Array; // its global address (valid for the whole run), if any
}

const SLOT_DEFS: Slot[] = [
  { slot: 0, name: "lan0", ifindex: 10, mode: MODE.relay, dns: ip("2001:db8:1::53"), global: ip("2001:db8:10::1") },
  { slot: 1, name: "wan0", ifindex: 11, mode: MODE.relay, master: true, global: ip("2001:db8:9::2") },
  { slot: 2, name: "lan2", ifindex: 12, mode: MODE.hybrid },
  { slot: 3, name: "lan1", ifindex: 13, mode: MODE.relay, global: ip("2001:db8:13::1") },
  { slot: 4, name: "lan3", ifindex: 14, mode: MODE.hybrid, dns: ip("2001:db8:14::53"), global: ip("2001:db8:14::1") },
];
const REMOTE_ID = [...u32(32473), 0x72, 0x69, 0x64];

/** Arrival slots, picked by bits 1-3 of the input's first byte. */
const ARRIVALS = [0, 0, 3, 1, 1, 2, 4, 31];

export function setupRelay(h: Harness): void {
  const r = new CfgRecord().item(CFG.SECRET, SECRET);
  for (const d of SLOT_DEFS) {
    h.core.setIface(
      encodeIface({
        slot: d.slot,
        name: d.name,
        ifindex: d.ifindex,
        up: true,
        mac: Uint8Array.of(2, 0, 0, 0, 1, d.slot),
        linkLocal: ip(`fe80::${d.slot + 1}`),
        addrs: d.global ? [{ addr: d.global, plen: 64, preferredUntil: LONG, validUntil: LONG }] : [],
      }),
      SEQ_START,
    );
    r.iface(d.slot).u8(CFG.MODE, d.mode);
    if (d.master) r.u8(CFG.MASTER, 1);
    if (d.dns) r.item(CFG.DNS, d.dns);
    if (d.slot === 0) r.item(CFG.REMOTE_ID, Uint8Array.from(REMOTE_ID)).u8(CFG.CLIENT_LLADDR, 1);
    if (d.slot === 4) r.text(CFG.DOMAIN, "lan3.example").u32(CFG.LEASETIME, 3600);
  }
  h.core.configure(r.bytes());
}

export function relayDatagram(input: Uint8Array): Datagram {
  const d = handleDatagram(input);
  return { ...d, ifslot: ARRIVALS[((input[0] ?? 0) >> 1) & 7] };
}

const fail = (m: string): never => {
  throw new Finding("invariant", m);
};

/** The options of a message's top level, framed exactly, or a failure. */
function topOptions(b: Uint8Array, start: number, what: string): { code: number; off: number; data: Uint8Array }[] {
  const out: { code: number; off: number; data: Uint8Array }[] = [];
  let p = start;
  while (p < b.length) {
    if (p + 4 > b.length) fail(`${what}: option header truncated at ${p}`);
    const len = be16(b, p + 2);
    if (p + 4 + len > b.length) fail(`${what}: option ${be16(b, p)} at ${p} overruns (${len})`);
    out.push({ code: be16(b, p), off: p, data: b.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

export function runRelay(h: Harness, input: Uint8Array, base: MemoryBaseline): void {
  const d = relayDatagram(input);
  const def = SLOT_DEFS.find((s) => s.slot === d.ifslot);
  if (def && def.mode === MODE.hybrid && def.global) {
    // a hybrid interface with a prefix serves: the server's invariants
    handleChecked(h, d, { finiteLifetimes: true });
    checkMemory(h, base, "relay/serve");
    return;
  }
  const core = h.core;
  const before = core.counters();
  const r = guard("handle", () => core.handle(d.bytes, d.ifslot, d.src, d.srcPort, d.multicast, d.now));
  const after = core.counters();
  checkEffects(h, "handle");
  checkMemory(h, base, "relay");
  const moved = STAT_NAMES.filter((n) => n !== "rx" && after[n] !== before[n]);
  if (after.rx - before.rx !== 1) fail(`rx moved by ${after.rx - before.rx}`);
  if (typeof r === "number") {
    if (r === 0) {
      if (moved.length) fail(`no output, no drop, but counters moved: ${moved.join(" ")}`);
      return;
    }
    const name = STAT_NAMES[-r];
    if (!name?.startsWith("drop_") || moved.length !== 1 || moved[0] !== name) fail(`drop ${r} (${name}), counters moved: ${moved.join(" ")}`);
    return;
  }
  const out = core.tx.slice(0, r.length);
  const master = def?.master === true;
  const dir = master ? "relayed_down" : "relayed_up";
  if (moved.sort().join(" ") !== [dir, "tx"].sort().join(" ")) fail(`relayed ${r.length} bytes, counters moved: ${moved.join(" ")}`);
  if (!def) fail(`output for a datagram on unconfigured slot ${d.ifslot}`);
  if (master) checkDown(h, d, out, r);
  else checkUp(h, d, def!, out, r);
}

/** A Relay-forward going upstream. */
function checkUp(h: Harness, d: Datagram, def: Slot, out: Uint8Array, r: { ifslot: number; port: number; kind: number; addr: Uint8Array }): void {
  const inType = d.bytes[0];
  if ([MSG.ADVERTISE, MSG.REPLY, MSG.RECONFIGURE, MSG.RELAY_REPL].includes(inType as 2)) fail(`relayed up a message of type ${inType} from the client side`);
  // A client's message fans out to every upstream target (kind 1); another
  // relay's goes to the first one only (kind 2), so loops cannot multiply.
  const wantKind = inType === MSG.RELAY_FORW ? DST_UPSTREAM_ONE : DST_UPSTREAM;
  if (r.kind !== wantKind || r.port !== 547 || r.ifslot !== d.ifslot) fail(`Relay-forward sent kind ${r.kind} port ${r.port} slot ${r.ifslot}, expected kind ${wantKind}`);
  if (out.length < 34 || out[0] !== MSG.RELAY_FORW) fail(`relayed up something that is not a Relay-forward: ${hex(out.subarray(0, 40))}`);
  const hop = inType === MSG.RELAY_FORW ? d.bytes[1] + 1 : 0;
  if (out[1] !== hop) fail(`Relay-forward hop-count ${out[1]}, expected ${hop}`);
  if (hop >= 32) fail(`Relay-forward with hop-count ${hop}`);
  const link = out.subarray(2, 18);
  const wantLink = hop === 0 && def.global ? def.global : new Uint8Array(16);
  if (!bytesEqual(link, wantLink)) fail(`Relay-forward link-address ${hex(link)}, expected ${hex(wantLink)}`);
  if (!bytesEqual(out.subarray(18, 34), d.src)) fail(`Relay-forward peer-address is not the sender`);
  const opts = topOptions(out, 34, "Relay-forward");
  const rm = opts.filter((o) => o.code === OPT.RELAY_MSG);
  if (rm.length !== 1 || !bytesEqual(rm[0].data, d.bytes)) fail(`Relay-forward does not carry the datagram byte for byte`);
  const iid = opts.filter((o) => o.code === OPT.INTERFACE_ID);
  if (iid.length !== 1 || !bytesEqual(iid[0].data, Uint8Array.from(u32(def.ifindex)))) fail(`Relay-forward Interface-ID ${iid.map((o) => hex(o.data)).join(",")}, expected the ifindex ${def.ifindex}`);
  const json = guard("inspect(Relay-forward)", () => h.core.inspect(out)) as { truncated?: boolean };
  const a = rm[0].off;
  const b = a + 4 + rm[0].data.length;
  // the client's own bytes may hold anything: errors inside the Relay Message are theirs
  const errs = inspectErrors(json).filter((e) => {
    const { off, len } = e as { off: number; len: number };
    return !(off >= a + 4 && off + len <= b);
  });
  if (!json.truncated && errs.length) fail(`Relay-forward re-decodes with errors: ${JSON.stringify(errs.slice(0, 3))}`);
}

/** A Relay-reply from upstream, going down as its inner message. */
function checkDown(_h: Harness, d: Datagram, out: Uint8Array, r: { ifslot: number; port: number; kind: number; addr: Uint8Array }): void {
  const inb = d.bytes;
  if (inb[0] !== MSG.RELAY_REPL || inb.length < 34) fail(`relayed down a datagram of type ${inb[0]}`);
  const opts = topOptions(inb, 34, "accepted Relay-reply");
  const rm = opts.filter((o) => o.code === OPT.RELAY_MSG);
  if (rm.length !== 1) fail(`relayed down a Relay-reply with ${rm.length} Relay Message options`);
  const iid = opts.find((o) => o.code === OPT.INTERFACE_ID);
  // any client-facing relay or hybrid interface (a serving hybrid one too: the
  // Relay-reply may answer what it relayed before it had a prefix)
  const target = SLOT_DEFS.find((s) => !s.master && (s.mode === MODE.relay || s.mode === MODE.hybrid) && iid && bytesEqual(iid.data, Uint8Array.from(u32(s.ifindex))));
  if (!target) fail(`relayed down with Interface-ID ${iid ? hex(iid.data) : "none"}, which names no client-facing interface`);
  if (r.ifslot !== target!.slot) fail(`relayed down on slot ${r.ifslot}, Interface-ID names ${target!.slot}`);
  if (!bytesEqual(r.addr, inb.subarray(18, 34))) fail(`relayed down to ${hex(r.addr)}, not the peer-address`);
  const inner = rm[0].data;
  const port = inner[0] === MSG.RELAY_REPL ? 547 : 546;
  if (r.port !== port || r.kind !== 0) fail(`relayed down to port ${r.port} kind ${r.kind}, expected ${port}`);
  const type = inner[0];
  const rewritable = target!.dns && (type === MSG.REPLY || type === MSG.ADVERTISE);
  if (!rewritable) {
    if (!bytesEqual(out, inner)) fail(`relayed down bytes differ from the Relay Message (type ${type}, no rewrite)`);
    return;
  }
  // The core looks for Authentication up to the first option that does not
  // frame: found, the message goes down untouched; not found, a message that
  // does not frame is dropped (so it cannot be here).
  const lenient: number[] = [];
  for (let p = 4; p + 4 <= inner.length && p + 4 + be16(inner, p + 2) <= inner.length; p += 4 + be16(inner, p + 2)) lenient.push(be16(inner, p));
  if (lenient.includes(OPT.AUTH)) {
    if (!bytesEqual(out, inner)) fail(`rewrote a message carrying Authentication`);
    return;
  }
  const io = topOptions(inner, 4, "relayed down a rewritten message whose framing is broken");
  if (!bytesEqual(out.subarray(0, 4), inner.subarray(0, 4))) fail(`rewrite changed the message header`);
  const oo = topOptions(out, 4, "rewritten message");
  const keep = (l: { code: number; data: Uint8Array }[]) => l.filter((o) => o.code !== OPT.DNS_SERVERS).map((o) => `${o.code}:${hex(o.data)}`);
  if (keep(oo).join(" ") !== keep(io).join(" ")) fail(`rewrite changed options other than DNS`);
  const dns = oo.filter((o) => o.code === OPT.DNS_SERVERS);
  const had = io.some((o) => o.code === OPT.DNS_SERVERS);
  if (dns.length !== (had ? 1 : 0) || (had && !bytesEqual(dns[0].data, target!.dns!))) fail(`rewritten DNS: ${dns.map((o) => hex(o.data)).join(",")}`);
}

export const relayTarget: Target = {
  name: "relay",
  maxLen: 2 + 65535,
  dhcpOffset: 2,
  setup(h) {
    setupRelay(h);
    return memoryBaseline(h);
  },
  run(h, input, base) {
    runRelay(h, input, base);
  },
  seeds() {
    const msgs = [...capturePackets().map((p) => p.payload), ...syntheticMessages()];
    const out: Uint8Array[] = [];
    for (const m of msgs) out.push(handleInput(m, true, 0)); // to lan0 from a client link-local
    // Relay-replies from upstream for each client-facing interface
    for (const ifindex of [10, 13, 12, 11, 99]) {
      const inner = Uint8Array.from([MSG.REPLY, 0, 0, 1, ...opt(OPT.SERVERID, [0, 3, 0, 1, 2, 0, 0, 0, 0, 9]), ...opt(OPT.DNS_SERVERS, ip("2001:db8:9::53")), ...opt(OPT.DOMAIN_LIST, [3, 0x6c, 0x61, 0x62, 0])]);
      const rr = relayForward(0, ip("2001:db8:10::1"), ip("fe80::c1"), inner, opt(OPT.INTERFACE_ID, u32(ifindex)));
      rr[0] = MSG.RELAY_REPL;
      out.push(Uint8Array.from([3 << 1 /* arrives on wan0 */, 2 | (1 << 3), ...rr]));
    }
    // a relayed message arriving at a relay (hop-count + 1)
    out.push(handleInput(relayForward(3, ip("2001:db8:9::7"), ip("fe80::c1"), msgs[0]), false, 2 | (1 << 3)));
    return out;
  },
};
