// The structure-aware SEQUENCE target: a generator that reads its choices
// from the input bytes (a "choice tape": mutating the tape mutates the
// scenario, an exhausted tape reads as zeros, and zero is always the plain
// choice) and plays clients against the server: Solicit, Request, Renew,
// Rebind, Release, Decline, Confirm and Information-request with their own
// DUIDs, IAIDs, IA_NA / IA_PD and hints, wrapped in 0..3 Relay-forward layers,
// interleaved with clock ticks and interface prefix changes. Requests carry
// the server DUID learned from the core's own replies.
//
// Checked after every step, on top of the per-datagram invariants: no
// binding outlives its lifetime (nothing in the leases with valid <= 0, none
// outliving what its last Reply granted, none never granted), no two
// bindings share an address or overlapping prefixes, memory within budget.

import { createHmac } from "node:crypto";
import { CfgRecord, encodeIface, type IfaceAddress } from "../../host/core/records.js";
import { CFG, MODE, EFFECT } from "../../host/core/abi.js";
import type { Effect } from "../../host/core/core.js";
import type { Harness } from "./harness.js";
import { handleChecked, checkEffects, checkMemory, guard, iasOf, Finding, type MemoryBaseline, type Datagram } from "./invariants.js";
import { MSG, OPT, ip, opt, u16, u32, message, relayForward, iaAddr, iaPrefix, hex, unhex, findOpt, allOpts, bytesEqual, walkStrict, relayChain, type WMsg } from "./dhcpv6.js";

const readU64 = (d: Uint8Array, o: number): bigint => (BigInt(((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0) << 32n) | BigInt(((d[o + 4] << 24) | (d[o + 5] << 16) | (d[o + 6] << 8) | d[o + 7]) >>> 0);

// ---------------------------------------------------------------- the tape

export class Tape {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }
  u8(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos++] : 0;
  }
  below(n: number): number {
    if (n <= 1) return 0;
    const v = n <= 256 ? this.u8() : (this.u8() << 8) | this.u8();
    return v % n;
  }
  /** True with probability k/256; the exhausted tape says false. */
  bit(k: number): boolean {
    return this.u8() >= 256 - k;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)];
  }
  take(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u8();
    return b;
  }
}

// ---------------------------------------------------------------- the scene


export const SEQ_START = 1000;
export const SERVER_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 0x01);
export const SERVER_LL = ip("fe80::1");
export const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
export const LEASETIME = 3600;
export const SEQ_MAX_BINDINGS = 32;

/** Prefixes the interface may have: on-link /64s, PD space, overlapping ones, odd lengths. */
const POOL: [string, number][] = [
  ["2001:db8:1::1", 64],
  ["2001:db8:1:10::1", 60],
  ["2001:db8:2::1", 64],
  ["2001:db8:3:40::1", 58],
  ["2001:db8:1:18::1", 61], // inside the /60
  ["2001:db8:4::1", 48],
  ["fd00:5::1", 64],
  ["2001:db8:7::1", 80],
  ["2001:db8:8::1", 96],
  ["2001:db8:9::1", 100],
  ["2001:db8:6:4::1", 62],
  ["2001:db8:1:10::2", 60], // the same /60 again, another address
];

export function initialPrefixes(now: number): IfaceAddress[] {
  return [
    { addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: now + 3000, validUntil: now + 6000 },
    { addr: ip("2001:db8:1:10::1"), plen: 60, preferredUntil: now + 2000, validUntil: now + 4000 },
  ];
}

export function ifaceRecord(addrs: IfaceAddress[]): Uint8Array {
  return encodeIface({ slot: 0, name: "lan0", ifindex: 2, up: true, mac: SERVER_MAC, linkLocal: SERVER_LL, addrs });
}

/** Server mode on slot 0, a few DNS/domain/NTP items, finite lease time. */
export function serverConfig(maxBindings: number): Uint8Array {
  return new CfgRecord()
    .item(CFG.SECRET, SECRET)
    .u32(CFG.MAX_BINDINGS, maxBindings)
    .iface(0)
    .u8(CFG.MODE, MODE.server)
    .item(CFG.DNS, ip("2001:db8:1::53"))
    .item(CFG.DNS, ip("2001:db8:1::54"))
    .text(CFG.DOMAIN, "lab.example")
    .text(CFG.DOMAIN, "corp.example")
    .item(CFG.NTP_ADDR, ip("2001:db8:1::123"))
    .text(CFG.NTP_FQDN, "ntp.example")
    .item(CFG.SNTP, ip("2001:db8:1::124"))
    .u32(CFG.LEASETIME, LEASETIME)
    .bytes();
}

/** Static hosts of the variant configurations: the DUID-LL the generator
 *  gives its first client when the tape's MAC bytes are zero, and a MAC. */
const STATIC_DUID = Uint8Array.of(0, 3, 0, 1, 0x0a, 0, 0, 0, 0, 0);
function hostItem(sub: [number, ArrayLike<number>][]): Uint8Array {
  return Uint8Array.from(sub.flatMap(([k, v]) => [k, v.length, ...Array.from(v)]));
}

/** Configuration variants a tape may ask for (marker byte CONFIG_MARKER, then
 *  the variant). All keep the setup's binding capacity, so memory does not grow. */
export const CONFIG_MARKER = 0xc5;
export function variantConfig(v: number): Uint8Array | null {
  const r = new CfgRecord().item(CFG.SECRET, SECRET).u32(CFG.MAX_BINDINGS, SEQ_MAX_BINDINGS);
  const k = v % 6;
  if (k === 1) {
    r.item(CFG.HOST, hostItem([[1, STATIC_DUID], [3, u32(0).concat(u32(0x1234))], [4, [0x70, 0x63, 0x31]], [5, u32(600)]]));
    r.item(CFG.HOST, hostItem([[1, Uint8Array.of(0, 3, 0, 1, 0x0a, 1, 0, 0, 0, 0)], [3, u32(0).concat(u32(0x1234))]])); // the same host id twice
  }
  r.iface(0).u8(CFG.MODE, MODE.server).item(CFG.DNS, ip("2001:db8:1::53")).text(CFG.DOMAIN, "lab.example");
  if (k === 0) return null; // the setup's configuration
  if (k === 1) r.u8(CFG.ASSIGN_ALL, 1).u32(CFG.LEASETIME, 600);
  if (k === 2) r.u8(CFG.NA, 0).u8(CFG.PD_MIN_LEN, 60).u8(CFG.RAPID_COMMIT, 0);
  if (k === 3) r.u8(CFG.PD, 0).u8(CFG.RECONFIGURE, 0).u32(CFG.LEASETIME, 60);
  if (k === 4) r.u32(CFG.RATE_CLIENT, 0).u32(CFG.RATE_IFACE, 3).u8(CFG.PD_MIN_LEN, 64);
  if (k === 5) r.u32(CFG.RATE_CLIENT, 0).u32(CFG.LEASETIME, 86400 * 400).u8(CFG.PD_MIN_LEN, 48);
  return r.bytes();
}

export function setupSequence(h: Harness): void {
  h.core.setIface(ifaceRecord(initialPrefixes(SEQ_START)), SEQ_START);
  h.core.configure(serverConfig(SEQ_MAX_BINDINGS));
}

interface Client {
  duid: Uint8Array;
  ll: Uint8Array;
  /** Leases last seen for (IA type, IAID). */
  known: Map<string, { addr: Uint8Array; plen: number }[]>;
}

const MSG_CHOICES = [MSG.SOLICIT, MSG.REQUEST, MSG.RENEW, MSG.REBIND, MSG.RELEASE, MSG.DECLINE, MSG.CONFIRM, MSG.INFORMATION_REQUEST] as const;
const NA_IAIDS = [1, 2, 0, 0xffffffff];
const PD_IAIDS = [2, 3, 1, 0x80000000];
const ORO_CODES = [23, 24, 31, 32, 56, 82, 83, 21, 22];
const TICKS = [1, 10, 59, 60, 61, 300, 999, 1000, 1001, 1799, 1800, 2000, 3599, 3600, 3601, 7200];
const BIG_TICKS = [4000, 6000, 6001, 10000, 86400];

/** A trace line per step, for reports (only kept when asked). */
export type Trace = string[] | null;

export class Scene {
  now = SEQ_START;
  prefixes: IfaceAddress[] = initialPrefixes(SEQ_START);
  clients: Client[] = [];
  serverDuid: Uint8Array | null = null;
  /** (duid, IA type, IAID) -> end of the validity the last Reply granted. */
  granted = new Map<string, number>();
  /** Client DUID (hex) -> the reconfigure key its last key-carrying Reply delivered. */
  keys = new Map<string, Uint8Array>();
  /** Every key each client was given, oldest first. */
  oldKeys = new Map<string, Uint8Array[]>();
  /** Client DUID (hex) -> highest replay detection value it has seen from us. */
  replays = new Map<string, bigint>();
  xid = 0x100;

  constructor(
    readonly h: Harness,
    readonly base: MemoryBaseline,
    readonly trace: Trace = null,
  ) {}

  log(s: string): void {
    this.trace?.push(`t=${this.now} ${s}`);
  }

  run(tape: Tape, maxSteps = 64): void {
    if (tape.bytes[0] === CONFIG_MARKER && tape.bytes.length > 1) {
      tape.u8();
      const cfg = variantConfig(tape.u8());
      if (cfg) {
        this.log(`configuration variant ${tape.bytes[1] % 6}`);
        guard("configure", () => this.h.core.configure(cfg));
      }
    }
    for (let step = 0; step < maxSteps && !tape.done; step++) {
      const k = tape.below(32);
      if (k < 20) this.send(tape, false);
      else if (k < 24) this.tick(tape.pick(TICKS));
      else if (k < 26) this.tick(tape.pick(BIG_TICKS));
      else if (k < 29) this.changePrefixes(tape);
      else this.send(tape, true);
      checkMemory(this.h, this.base, `step ${step}`);
      this.checkLeases(`step ${step}`);
    }
    this.checkLeaseFile();
  }

  /** The lease file (odhcpd format): one `# ifname duid iaid hostname expiry
   *  assigned length addr/len...` line per binding of the leases JSON, the
   *  same DUID, IAID and expiry, addresses as in the JSON. */
  checkLeaseFile(): void {
    const WALL = 1_800_000_000;
    const text = guard("leasefile", () => this.h.core.leaseFile(this.now, WALL));
    const json = this.h.core.leasesJson(this.now) as { device: Record<string, { leases: LeaseJson[] }> };
    const want = new Map<string, LeaseJson>();
    // keyed by device, DUID, IAID and IA type (the lease file says 128 for IA_NA)
    for (const [dev, d] of Object.entries(json.device)) for (const l of d.leases) want.set(`${dev} ${l.duid} ${l.iaid.toString(16)} ${l["ipv6-addr"] ? "na" : "pd"}`, l);
    const lines = text.split("\n").filter((l) => l.startsWith("# "));
    if (lines.length !== want.size) throw new Finding("invariant", `lease file has ${lines.length} binding lines, the leases JSON ${want.size} bindings`);
    for (const line of lines) {
      const f = line.slice(2).split(" ");
      const l = want.get(`${f[0]} ${f[1]} ${f[2]} ${f[6] === "128" ? "na" : "pd"}`);
      if (!l) throw new Finding("invariant", `lease file line without a binding in the leases JSON: ${line}`);
      const expiry = Number(f[4]);
      if (expiry !== WALL + l.valid) throw new Finding("invariant", `lease file expiry ${expiry} for ${f[1]}/${f[2]}, the JSON says valid ${l.valid} (${WALL + l.valid})`);
      const addrs = f.slice(7).map((a) => a.split("/")[0]).sort();
      const jaddrs = [...(l["ipv6-addr"] ?? []), ...(l["ipv6-prefix"] ?? [])].map((a) => a.address).sort();
      if (addrs.join(" ") !== jaddrs.join(" ")) throw new Finding("invariant", `lease file addresses ${addrs.join(",")} for ${f[1]}/${f[2]}, the JSON ${jaddrs.join(",")}`);
    }
  }

  // ------------------------------------------------------------ steps

  tick(dt: number): void {
    this.now += dt;
    this.log(`tick +${dt}`);
    const fx = guard("tick", () => this.h.core.tick(this.now));
    checkEffects(this.h, "tick");
    this.checkSends(fx, "tick");
  }

  changePrefixes(tape: Tape): void {
    const op = tape.below(4);
    const life = (): [number, number] => {
      const pref = this.now + tape.pick([3000, 0, 30, 600, 2000, 100000]);
      return [pref, pref + tape.pick([3000, 0, 60, 1000])];
    };
    const fromPool = (): IfaceAddress => {
      const [a, plen] = tape.pick(POOL);
      const [p, v] = life();
      return { addr: ip(a), plen, preferredUntil: p, validUntil: v };
    };
    if (op === 0 && this.prefixes.length < 8) {
      const p = fromPool();
      // the kernel never holds the same address twice
      if (!this.prefixes.some((q) => q.plen === p.plen && q.addr.every((b, i) => b === p.addr[i]))) this.prefixes.push(p);
    }
    else if (op === 1 && this.prefixes.length > 0) this.prefixes.splice(tape.below(this.prefixes.length), 1);
    else if (op === 2 && this.prefixes.length > 0) {
      const i = tape.below(this.prefixes.length);
      const [p, v] = life();
      this.prefixes[i] = { ...this.prefixes[i], preferredUntil: p, validUntil: v };
    } else {
      const n = tape.below(4);
      this.prefixes = [];
      for (let k = 0; k < n; k++) {
        const p = fromPool();
        if (!this.prefixes.some((q) => q.plen === p.plen && q.addr.every((b, i) => b === p.addr[i]))) this.prefixes.push(p);
      }
    }
    this.log(`prefixes ${this.prefixes.map((p) => `${hex(p.addr)}/${p.plen}@${p.preferredUntil}/${p.validUntil}`).join(" ")}`);
    const rec = ifaceRecord(this.prefixes);
    const fx = guard("set_iface", () => this.h.core.setIface(rec, this.now));
    checkEffects(this.h, "set_iface");
    this.checkSends(fx, "set_iface");
  }

  private client(tape: Tape): Client {
    const i = tape.below(this.clients.length + 1);
    if (i < this.clients.length || this.clients.length >= 8) return this.clients[i % this.clients.length];
    const n = this.clients.length;
    const kind = tape.below(6);
    let duid: Uint8Array;
    const mac = Uint8Array.of(0x0a, n, tape.u8(), tape.u8(), tape.u8(), tape.u8());
    if (kind === 0) duid = Uint8Array.of(0, 3, 0, 1, ...mac);
    else if (kind === 1) duid = Uint8Array.of(0, 1, 0, 1, ...u32(0x329be0df), ...mac);
    else if (kind === 2) duid = Uint8Array.of(0, 2, ...u32(32473), n, ...tape.take(3));
    else if (kind === 3) duid = Uint8Array.of(0, 4, n, ...tape.take(15));
    else if (kind === 4) duid = Uint8Array.of(0, 5 + n, ...tape.take(1 + tape.below(128)));
    else duid = n > 0 ? this.clients[tape.below(n)].duid : Uint8Array.of(0, 3, 0, 1, ...mac); // a second client with the same DUID
    const c: Client = { duid, ll: Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x08, n, 0, 0xff, 0xfe, 0, 0, 0xc1), known: new Map() };
    this.clients.push(c);
    return c;
  }

  private hints(c: Client, tape: Tape, type: number, iaid: number, solicit: boolean): number[][] {
    const key = `${type}/${iaid}`;
    const mode = tape.below(solicit ? 8 : 4); // 0: the known leases (none for a Solicit), then other hints
    const known = c.known.get(key) ?? [];
    if (mode === 0) {
      if (solicit) return [];
      return known.map((l) => (type === OPT.IA_NA ? iaAddr(l.addr, 0, 0) : iaPrefix(l.plen, l.addr, 0, 0)));
    }
    if (mode === 1) return [];
    if (type === OPT.IA_NA) {
      const [a, plen] = tape.pick(POOL);
      const addr = ip(a);
      if (plen <= 120) addr.set(tape.take(8), 8);
      return [iaAddr(tape.bit(32) ? new Uint8Array(16) : addr, tape.pick([0, 100, 0xffffffff]), tape.pick([0, 200, 0xffffffff]))];
    }
    const plen = tape.pick([56, 60, 62, 63, 64, 48, 0, 128, 61, 59]);
    if (mode === 2) return [iaPrefix(plen, new Uint8Array(16), 0, 0)];
    const [a] = tape.pick(POOL);
    const p = ip(a);
    p[7] = tape.u8();
    p.fill(0, 8);
    return [iaPrefix(plen, p, 0, 0)];
  }

  send(tape: Tape, corrupt: boolean): void {
    const type = tape.pick(MSG_CHOICES);
    const c = this.client(tape);
    const f = tape.u8(); // option flags; 0 = the plain message
    const opts: number[][] = [];
    const ias: { type: number; iaid: number }[] = [];
    if (!(f & 1) || tape.bit(8)) opts.push(opt(OPT.CLIENTID, c.duid));
    const wantsSid = type === MSG.REQUEST || type === MSG.RENEW || type === MSG.RELEASE || type === MSG.DECLINE;
    if (wantsSid !== !!(f & 2)) {
      const s = this.serverDuid ?? Uint8Array.of(0, 3, 0, 1, ...SERVER_MAC);
      const which = tape.below(8);
      const sid = which === 7 ? Uint8Array.of(...s.subarray(0, s.length - 1), s[s.length - 1] ^ 1) : which === 6 ? s.subarray(0, 2) : s;
      opts.push(opt(OPT.SERVERID, sid));
    }
    opts.push(opt(OPT.ELAPSED_TIME, u16(tape.below(4) * 100)));
    if (f & 4) opts.push(opt(OPT.ORO, ORO_CODES.filter(() => tape.bit(128)).flatMap(u16)));
    if (type !== MSG.INFORMATION_REQUEST || f & 8) {
      const which = tape.below(4); // 0: IA_NA + IA_PD, 1: IA_NA, 2: IA_PD, 3: two of each
      const solicit = type === MSG.SOLICIT;
      const n = which === 3 ? 2 : 1;
      for (let k = 0; k < n; k++) {
        if (which !== 2) {
          const iaid = k === 0 ? tape.pick(NA_IAIDS) : NA_IAIDS[1];
          ias.push({ type: OPT.IA_NA, iaid });
          opts.push(opt(OPT.IA_NA, [...u32(iaid), ...u32(0), ...u32(0), ...this.hints(c, tape, OPT.IA_NA, iaid, solicit).flat()]));
        }
        if (which !== 1) {
          const iaid = k === 0 ? tape.pick(PD_IAIDS) : PD_IAIDS[1];
          ias.push({ type: OPT.IA_PD, iaid });
          opts.push(opt(OPT.IA_PD, [...u32(iaid), ...u32(0), ...u32(0), ...this.hints(c, tape, OPT.IA_PD, iaid, solicit).flat()]));
        }
      }
    }
    if (f & 16) opts.push(opt(OPT.RAPID_COMMIT, []));
    if (f & 32) opts.push(opt(OPT.RECONF_ACCEPT, []));
    if (f & 64) {
      const names = [[4, 0x68, 0x6f, 0x73, 0x74], [3, 0x61, 0x2d, 0x62, 0], [5, 0x68, 0x5f, 0x73, 0x74, 0x31], [63, ...new Array(63).fill(0x61)], [0]];
      opts.push(opt(OPT.CLIENT_FQDN, [tape.below(8), ...tape.pick(names)]));
    }
    if (f & 128) opts.push(opt(OPT.VENDOR_CLASS, [...u32(311), ...u16(4), 1, 2, 3, 4]));

    this.xid = (this.xid + 1 + tape.u8()) & 0xffffff;
    let bytes = message(type, this.xid, ...opts);
    const layers = tape.below(4);
    let src = c.ll;
    let srcPort = 546;
    for (let l = 0; l < layers; l++) {
      // built inside-out: the first wrap is the relay nearest the client (hop 0)
      const ro: number[][] = [];
      const g = tape.u8();
      if (g & 1) ro.push(opt(OPT.INTERFACE_ID, [0x65, 0x74, 0x68, l]));
      if (g & 2) ro.push(opt(OPT.RELAY_SOURCE_PORT, u16(10000 + l)));
      const hop = g & 4 ? tape.u8() & 0x3f : l;
      const link = g & 8 ? new Uint8Array(16) : ip(l === 0 ? "2001:db8:1::1" : "2001:db8:9::2");
      const peer = l === 0 ? c.ll : ip("2001:db8:9::2");
      bytes = relayForward(hop, link, peer, bytes, ...ro);
      src = ip(`2001:db8:9::${l + 2}`);
      srcPort = g & 2 ? 10000 + l : 547;
    }
    if (corrupt) {
      const at = tape.below(bytes.length);
      const how = tape.below(3);
      if (how === 0) bytes[at] ^= 1 << tape.below(8);
      else if (how === 1) bytes = bytes.slice(0, at);
      else bytes = Uint8Array.from([...bytes.subarray(0, at), ...tape.take(1 + tape.below(8)), ...bytes.subarray(at)]);
    }
    const multicast = !(tape.u8() >= 224); // mostly multicast, as clients send
    const d: Datagram = { bytes, ifslot: 0, src, srcPort, multicast, now: this.now };
    const out = handleChecked(this.h, d, { finiteLifetimes: true });
    this.log(`send type ${type} client ${hex(c.duid)} layers ${layers}${corrupt ? " corrupted" : ""} ${multicast ? "mc" : "uc"} -> ${out.code} ${out.reply ? hex(out.reply) : ""}`);
    if (!out.inner) return;

    const sid = findOpt(out.inner.options, OPT.SERVERID);
    if (sid) this.serverDuid = sid.data.slice();
    this.takeKey(out.inner);
    // The reply says what was answered (a corrupted request may carry another DUID or type).
    const sent = out.request!;
    const rtype = sent.type;
    const owner = findOpt(out.inner.options, OPT.CLIENTID);
    const committed = out.inner.type === MSG.REPLY && owner !== undefined && (rtype === MSG.REQUEST || rtype === MSG.RENEW || rtype === MSG.REBIND || rtype === MSG.SOLICIT);
    for (const ia of iasOf(out.inner)) {
      const key = `${ia.code}/${ia.iaid}`;
      const live = ia.leases.filter((l) => l.valid > 0);
      if (rtype === MSG.RELEASE || rtype === MSG.DECLINE) continue;
      if (live.length === 0) continue;
      c.known.set(key, live.map((l) => ({ addr: unhex(l.addr), plen: l.plen })));
      if (committed) {
        const until = this.now + Math.max(...live.map((l) => l.valid));
        this.granted.set(`${hex(owner!.data)}/${key}`, until);
      }
    }
    if (type === MSG.RELEASE || type === MSG.DECLINE) for (const ia of ias) c.known.delete(`${ia.type}/${ia.iaid}`);
  }

  // ------------------------------------------------------------ Reconfigure (RFC 8415 18.2.11, 20.4)

  /** A key delivery (Authentication, protocol 3, HMAC-MD5, RDM 0, type 1) in a reply. */
  private takeKey(m: WMsg): void {
    const owner = findOpt(m.options, OPT.CLIENTID);
    for (const a of m.options.filter((o) => o.code === OPT.AUTH)) {
      const d = a.data;
      if (d.length < 11) continue;
      const replay = readU64(d, 3);
      if (owner) this.seeReplay(hex(owner.data), replay, "key delivery");
      if (d[0] === 3 && d[11] === 1) {
        if (m.type !== MSG.REPLY) throw new Finding("invariant", `reconfigure key delivered in message type ${m.type} (RFC 8415 20.4.2: in a Reply)`);
        if (d.length !== 28 || d[1] !== 1 || d[2] !== 0) throw new Finding("invariant", `reconfigure key option malformed: ${hex(d)}`);
        if (!owner) throw new Finding("invariant", `reconfigure key in a reply without Client ID`);
        const who = hex(owner.data);
        this.keys.set(who, d.slice(12, 28));
        const old = this.oldKeys.get(who) ?? [];
        old.push(d.slice(12, 28));
        this.oldKeys.set(who, old);
        this.log(`key ${old.length} delivered to ${who}: ${hex(d.subarray(12, 28))}`);
      }
    }
  }

  private seeReplay(who: string, replay: bigint, what: string): void {
    const last = this.replays.get(who);
    if (last !== undefined && replay <= last) throw new Finding("invariant", `${what} to ${who}: replay detection ${replay} not above ${last} (RDM 0 must increase)`);
    this.replays.set(who, replay);
  }

  /** Every Reconfigure the core asks to send: well-formed, to a client that
   *  got a key, authenticated with that key, replay detection increasing. */
  checkSends(fx: Effect[], where: string): void {
    for (const e of fx) {
      if (e.type !== EFFECT.SEND) continue;
      let m: WMsg;
      let inner: WMsg;
      let layers: WMsg[];
      try {
        m = walkStrict(e.datagram, true);
        ({ layers, inner } = relayChain(m));
      } catch (err) {
        throw new Finding("invariant", `${where}: SEND datagram does not frame: ${String(err)} (${hex(e.datagram)})`);
      }
      if (layers.some((l) => l.type !== MSG.RELAY_REPL)) throw new Finding("invariant", `${where}: SEND wraps its message in a layer that is not Relay-reply`);
      if (inner.type !== MSG.RECONFIGURE) throw new Finding("invariant", `${where}: SEND of message type ${inner.type}`);
      if (inner.xid !== 0) throw new Finding("invariant", `${where}: Reconfigure with transaction-id ${inner.xid} (RFC 8415 18.3.11: 0)`);
      if (layers.length === 0 && e.port !== 546) throw new Finding("invariant", `${where}: Reconfigure to a client on port ${e.port}`);
      const cid = allOpts(inner.options, OPT.CLIENTID);
      const sid = allOpts(inner.options, OPT.SERVERID);
      const rm = allOpts(inner.options, OPT.RECONF_MSG);
      const auth = allOpts(inner.options, OPT.AUTH);
      if (cid.length !== 1 || sid.length !== 1 || rm.length !== 1 || auth.length !== 1) throw new Finding("invariant", `${where}: Reconfigure with ${cid.length} Client ID, ${sid.length} Server ID, ${rm.length} Reconfigure Message, ${auth.length} Authentication options`);
      if (this.serverDuid && !bytesEqual(sid[0].data, this.serverDuid)) throw new Finding("invariant", `${where}: Reconfigure with another Server ID`);
      if (rm[0].data.length !== 1 || ![MSG.RENEW, MSG.REBIND, MSG.INFORMATION_REQUEST].includes(rm[0].data[0] as 5)) throw new Finding("invariant", `${where}: Reconfigure Message ${hex(rm[0].data)}`);
      const who = hex(cid[0].data);
      const a = auth[0].data;
      if (a.length !== 28 || a[0] !== 3 || a[1] !== 1 || a[2] !== 0 || a[11] !== 2) throw new Finding("invariant", `${where}: Reconfigure Authentication ${hex(a)}`);
      const key = this.keys.get(who);
      if (!key) throw new Finding("invariant", `${where}: Reconfigure to ${who}, which never received a reconfigure key`);
      // 20.4.1: HMAC-MD5 over the Reconfigure with the digest zeroed
      const authOff = inner.options.find((o) => o.code === OPT.AUTH)!.off - inner.off;
      const body = inner.bytes.slice();
      body.fill(0, authOff + 4 + 12, authOff + 4 + 28);
      const mac = (k: Uint8Array) => Uint8Array.from(createHmac("md5", k).update(body).digest());
      if (!bytesEqual(mac(key), a.subarray(12, 28))) {
        const all = this.oldKeys.get(who) ?? [];
        const n = all.findIndex((k) => bytesEqual(mac(k), a.subarray(12, 28)));
        const which = n >= 0 ? `key ${n + 1} of ${all.length} (superseded)` : "no key the client was given";
        throw new Finding("invariant", `${where}: Reconfigure to ${who} authenticates with ${which}, not the client's current key`, `Reconfigure authenticates with ${n >= 0 ? "a superseded key" : "an unknown key"}`);
      }
      this.seeReplay(who, readU64(a, 3), `${where}: Reconfigure`);
      this.log(`reconfigure to ${who} via ${layers.length} relay(s)`);
    }
  }

  // ------------------------------------------------------------ leases

  checkLeases(where: string): void {
    const json = guard("leases_json", () => this.h.core.leasesJson(this.now)) as {
      device?: Record<string, { leases?: LeaseJson[] }>;
    };
    if (!json || typeof json !== "object" || !json.device) throw new Finding("invariant", `${where}: leases JSON without "device"`);
    if (this.trace && process.env.FUZZ_TRACE_LEASES) this.log(`leases ${JSON.stringify(json)}`);
    const addrs = new Map<string, string>();
    const prefixes: { net: bigint; plen: number; who: string; text: string }[] = [];
    for (const dev of Object.values(json.device)) {
      for (const l of dev.leases ?? []) {
        const isNa = Array.isArray(l["ipv6-addr"]);
        const type = isNa ? OPT.IA_NA : OPT.IA_PD;
        const who = `${l.duid}/${type}/${l.iaid}`;
        if (typeof l.valid !== "number") throw new Finding("invariant", `${where}: binding ${who} without a numeric valid`);
        if (l.valid === -1) throw new Finding("invariant", `${where}: binding ${who} has an infinite lifetime, none configured`);
        if (l.valid <= 0) throw new Finding("invariant", `${where}: binding ${who} is still present ${-l.valid} s after its valid lifetime ended`);
        const until = this.granted.get(who);
        if (until === undefined) throw new Finding("invariant", `${where}: bound binding ${who} that no Reply ever granted`);
        if (this.now + l.valid > until) throw new Finding("invariant", `${where}: binding ${who} valid until ${this.now + l.valid}, but its last Reply granted until ${until}`);
        for (const a of l["ipv6-addr"] ?? []) {
          const prev = addrs.get(a.address);
          if (prev !== undefined && prev !== who) throw new Finding("invariant", `${where}: address ${a.address} held by ${prev} and ${who}`);
          addrs.set(a.address, who);
        }
        for (const p of l["ipv6-prefix"] ?? []) {
          const net = addrBig(p.address);
          const plen = p["prefix-length"] ?? 128;
          for (const q of prefixes) {
            if (q.who === who) continue; // one binding under two overlapping interface prefixes
            const n = Math.min(plen, q.plen);
            if (net >> BigInt(128 - n) === q.net >> BigInt(128 - n)) throw new Finding("invariant", `${where}: prefix ${p.address}/${plen} of ${who} overlaps prefix ${q.text} of ${q.who}`);
          }
          prefixes.push({ net, plen, who, text: `${p.address}/${plen}` });
        }
      }
    }
  }
}

interface LeaseJson {
  duid: string;
  iaid: number;
  valid: number;
  "ipv6-addr"?: { address: string }[];
  "ipv6-prefix"?: { address: string; "prefix-length"?: number }[];
}

function addrBig(text: string): bigint {
  return ip(text).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}
