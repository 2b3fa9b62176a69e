// In-process benchmark of the core: messages per second for each message kind
// at 1k / 10k / 100k bindings in the table, linear memory per binding, the
// expiry scan (tick) cost, and the split of one datagram's cost between the
// core alone, the Core wrapper (copies, META, effects) and the daemon's whole
// onDatagram path (journal, reply buffer, send).
//
// "core handle()" loops do the least JavaScript that makes each message a
// different client: 4 bytes of the DUID are patched in RX (a Renew, whose
// IAs differ per client, is copied whole: ~110 bytes). Figures are the best
// of `reps` repetitions for the loops that leave the table as it was; the
// loops that change it (new clients, Request, Release) are timed over rounds
// that put the table back where it was (Solicit K new clients, Request them,
// Release them), so occupancy stays between N and N + 2K.

import { readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dgram from "node:dgram";
import { Core } from "../host/core/core.js";
import { encodeIface, CfgRecord } from "../host/core/records.js";
import { CFG, MODE, META, META_F_MULTICAST, LIFETIME_INFINITE } from "../host/core/abi.js";
import { parseIPv6 } from "../host/util/ipv6.js";
import { Server } from "../host/server.js";
import { loadServedConfig } from "../host/served-config.js";
import {
  MSG, OPT, INFORMATION_REQUEST, clientMessage, setClient, elapsed, oro, iaNa, iaPd, serverIdOpt, relayForward, topOptions, iaHasLease, type Template,
} from "./messages.js";

export const CORE_WASM = new URL("../../build/core.wasm", import.meta.url);

const ip = (s: string): Uint8Array => parseIPv6(s)!;
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
const SERVER_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 0x01);
const CLIENT_LL = ip("fe80::c1");
const LEASETIME = 7 * 86400; // nothing expires while the bench runs
const START_NOW = 1000;
/** Clients of the table are numbered from here; new clients of the rounds from NEW_BASE. */
const NEW_BASE = 0x40000000;

export interface Figure {
  /** Stable key, e.g. "solicit-new". */
  key: string;
  label: string;
  /** Bindings in the table while measured (null: independent of the table). */
  bindings: number | null;
  /** Measured path: core (raw export), wrapper (Core.handle + effects), server (Server.onDatagram), server+send. */
  layer: "core" | "wrapper" | "server" | "server+send";
  ops: number;
  perSec: number;
  nsEach: number;
  /** Server layers: journal compactions (each rewrites and fsyncs the whole journal) during the loop. */
  compactions?: number;
}

export interface CoreSuiteResult {
  wasmBytes: number;
  recordBytes: number;
  /** Linear memory of a fresh instance per configured capacity. */
  linearMemory: { capacity: number; bytes: number }[];
  /** Slope of linear memory over capacity (record + index). */
  bytesPerBinding: number;
  figures: Figure[];
  /** tick(): the expiry scan over the whole table, per table size. */
  tick: { bindings: number; capacity: number; usEach: number }[];
  /** Fill time per table size (Solicit + Request for N/2 clients with IA_NA + IA_PD). */
  fill: { bindings: number; clients: number; seconds: number }[];
  crossingNs: number;
}

export interface CoreSuiteOptions {
  /** Table sizes (bindings). */
  sizes: number[];
  /** Iterations of each loop (each repetition). */
  iterations: number;
  reps: number;
  /** Time budget of one loop, ms (the loop stops early when over it). */
  budgetMs: number;
  /** Table size at which the onDatagram split is measured (must be in sizes), or null to skip. */
  splitAt: number | null;
  log: (line: string) => void;
}

// ---------------------------------------------------------------- timing

/** Runs `fn(i)` for i in [0, n) in chunks until done or over budget; returns [ops, ns]. */
function timeLoop(n: number, budgetMs: number, fn: (i: number) => void): [number, number] {
  const t0 = process.hrtime.bigint();
  const limit = Number.isFinite(budgetMs) ? BigInt(Math.round(budgetMs * 1e6)) : 1n << 62n;
  let i = 0;
  while (i < n) {
    const end = Math.min(n, i + 2048);
    for (; i < end; i++) fn(i);
    if (process.hrtime.bigint() - t0 > limit) break;
  }
  return [i, Number(process.hrtime.bigint() - t0)];
}

/**
 * Like timeLoop, but yields to the event loop every `chunk` iterations, as the
 * daemon does between batches of datagrams (libuv reads at most 32 datagrams
 * per socket wake-up): deferred work (setImmediate, send callbacks) runs and
 * is counted.
 */
async function timeLoopAsync(n: number, budgetMs: number, fn: (i: number) => void, chunk = 32): Promise<[number, number]> {
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(budgetMs * 1e6));
  let i = 0;
  while (i < n) {
    const end = Math.min(n, i + chunk);
    for (; i < end; i++) fn(i);
    await new Promise((r) => setImmediate(r));
    if (process.hrtime.bigint() - t0 > limit) break;
  }
  return [i, Number(process.hrtime.bigint() - t0)];
}

// ---------------------------------------------------------------- a core with a table

class Table {
  readonly core: Core;
  readonly raw: Core["exports"];
  rx!: Uint8Array;
  private meta!: DataView;
  now = START_NOW;
  serverDuid: number[] = [];
  clients = 0;
  /** Renew messages of a sample of the table's clients, spread over the whole table. */
  renews: Uint8Array[] = [];
  solicitNaPd: Template;
  requestNaPd!: Template;
  releaseNaPd!: Template;
  nextNew = NEW_BASE;

  constructor(core: Core, readonly capacity: number) {
    this.core = core;
    this.raw = core.exports;
    core.setIface(encodeIface({ slot: 0, name: "bench0", ifindex: 2, up: true, mac: SERVER_MAC, linkLocal: ip("fe80::1"), addrs: BENCH_ADDRS }));
    this.configure(false);
    this.solicitNaPd = clientMessage(MSG.SOLICIT, 0x10101, 0, elapsed(), oro(23, 24), iaNa(), iaPd());
    // One call through the host API fills META's inputs (slot 0, multicast, source) for the raw loops.
    const r = core.handle(INFORMATION_REQUEST, 0, CLIENT_LL, 546, true, this.now);
    if (typeof r === "number") throw new Error(`the core did not answer an Information-request (${r})`);
    this.rx = core.rx; // views are fresh after a call (memory grew in configure)
    this.meta = core.meta;
    this.learnServerId();
  }

  private learnServerId(): void {
    const adv = this.exchange(this.solicitNaPd, 0x7fffffff);
    const sid = topOptions(adv).find((o) => o.code === OPT.SERVERID);
    if (!sid) throw new Error("Advertise without a Server Identifier");
    this.serverDuid = Array.from(sid.bytes.subarray(4));
    this.requestNaPd = clientMessage(MSG.REQUEST, 0x20202, 0, serverIdOpt(this.serverDuid), elapsed(), oro(23, 24), iaNa(), iaPd());
    this.releaseNaPd = clientMessage(MSG.RELEASE, 0x30303, 0, serverIdOpt(this.serverDuid), elapsed(), iaNa(), iaPd());
    // Give the probe client's offer back (it is a binding of its own).
    this.exchange(this.releaseNaPd, 0x7fffffff);
  }

  /**
   * The bench's configuration. The per-client rate limit (default 20 messages
   * per second per DUID) is off unless `limiter`: the loops send each client
   * far more often than that, with a clock that does not move.
   */
  configure(limiter: boolean): void {
    const r = new CfgRecord().item(CFG.SECRET, SECRET).u32(CFG.MAX_BINDINGS, this.capacity);
    r.iface(0).u8(CFG.MODE, MODE.server).item(CFG.DNS, ip("2001:db8:1::53")).text(CFG.DOMAIN, "lab.example").u32(CFG.LEASETIME, LEASETIME);
    if (!limiter) r.u32(CFG.RATE_CLIENT, 0);
    this.core.configure(r.bytes());
  }

  setNow(now: number): void {
    this.now = now;
    this.meta.setUint32(META.IN_NOW, now, true);
  }

  /** Puts `t` in RX for client `c`, handles it, returns a copy of the reply (throws on no reply). */
  exchange(t: Template, c: number): Uint8Array {
    this.rx.set(t.bytes);
    if (t.clientAt >= 0) setClient(this.rx, t.clientAt, c);
    const n = this.raw.handle(t.bytes.length);
    if (n <= 0) throw new Error(`no reply to message type ${t.bytes[0]} for client ${c}: ${n}`);
    return this.core.tx.slice(0, n);
  }

  /** Binds `clients` clients (IA_NA + IA_PD each: two bindings per client), keeping Renews of `sample` of them. */
  fill(clients: number, sample: number): void {
    const stride = Math.max(1, Math.floor(clients / Math.max(1, sample)));
    for (let c = 0; c < clients; c++) {
      this.exchange(this.solicitNaPd, c);
      const reply = this.exchange(this.requestNaPd, c);
      if (c % stride === 0 && this.renews.length < sample) {
        const ias = topOptions(reply).filter((o) => o.code === OPT.IA_NA || o.code === OPT.IA_PD);
        if (ias.length !== 2 || !ias.every((o) => iaHasLease(o.bytes))) throw new Error(`client ${c} did not get an address and a prefix (table full?)`);
        this.renews.push(clientMessage(MSG.RENEW, 0x50505, c, serverIdOpt(this.serverDuid), elapsed(), oro(23, 24), ...ias.map((o) => Array.from(o.bytes))).bytes);
      }
    }
    this.clients += clients;
  }
}

/** Interface addresses: a /64 for IA_NA and a /48 to delegate /64s from (65535 of them). */
const BENCH_ADDRS = [
  { addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: LIFETIME_INFINITE, validUntil: LIFETIME_INFINITE },
  { addr: ip("2001:db8:100::1"), plen: 48, preferredUntil: LIFETIME_INFINITE, validUntil: LIFETIME_INFINITE },
];

/** Pseudo-random client numbers in [0, n) (xorshift, fixed seed: the same order every run). */
function randomClients(n: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let x = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % n;
  }
  return out;
}

// ---------------------------------------------------------------- the suite

export async function runCoreSuite(o: CoreSuiteOptions): Promise<CoreSuiteResult> {
  const wasm = readFileSync(CORE_WASM);
  const fresh = () => Core.loadSync(wasm);
  const figures: Figure[] = [];
  const res: CoreSuiteResult = { wasmBytes: wasm.length, recordBytes: 0, linearMemory: [], bytesPerBinding: 0, figures, tick: [], fill: [], crossingNs: 0 };
  const add = (f: Omit<Figure, "perSec" | "nsEach">, ns: number) => {
    const fig: Figure = { ...f, perSec: (f.ops / ns) * 1e9, nsEach: ns / f.ops };
    figures.push(fig);
    o.log(
      `  ${(f.bindings === null ? "-" : String(f.bindings)).padStart(7)}  ${f.layer.padEnd(11)} ${f.label.padEnd(56)} ${fig.perSec.toFixed(0).padStart(10)} /s ${fig.nsEach.toFixed(0).padStart(8)} ns` +
        (f.compactions ? `  (${f.compactions} journal compactions)` : ""),
    );
  };
  /** Best of reps for a loop that leaves the table unchanged. */
  const best = (n: number, fn: (i: number) => void): [number, number] => {
    let bestOps = 0;
    let bestNs = Infinity;
    timeLoop(Math.min(n, 5000), o.budgetMs, fn); // warm-up
    for (let r = 0; r < o.reps; r++) {
      const [ops, ns] = timeLoop(n, o.budgetMs, fn);
      if (ops > 0 && ns / ops < bestNs / Math.max(1, bestOps)) {
        bestOps = ops;
        bestNs = ns;
      }
    }
    return [bestOps, bestNs];
  };

  // The boundary itself.
  {
    const core = fresh();
    const [ops, ns] = best(o.iterations * 5, () => core.exports.abi_version());
    res.crossingNs = ns / ops;
    o.log(`  crossing (abi_version): ${res.crossingNs.toFixed(1)} ns`);
  }

  for (const size of o.sizes) {
    const clients = Math.max(1, Math.floor(size / 2));
    const k = Math.max(16, Math.min(5000, Math.floor(size / 10)));
    const capacity = size + 2 * k + 64;
    const t = new Table(fresh(), capacity);
    res.linearMemory.push({ capacity, bytes: t.core.memoryBytes() });
    res.recordBytes = t.raw.binding_size();
    const t0 = process.hrtime.bigint();
    t.fill(clients, Math.min(clients, 20000));
    const fillS = Number(process.hrtime.bigint() - t0) / 1e9;
    res.fill.push({ bindings: t.raw.bindings_used(), clients, seconds: fillS });
    const used = t.raw.bindings_used();
    o.log(`  table: ${used} bindings (${clients} clients x IA_NA+IA_PD) in a capacity of ${capacity}, filled in ${fillS.toFixed(2)} s; linear memory ${t.core.memoryBytes()} B`);
    const rx = t.rx;
    const handle = t.raw.handle;
    let bad = 0;
    const check = (what: string) => {
      if (bad) throw new Error(`${what}: ${bad} messages got no reply`);
    };

    // Information-request (stateless).
    rx.set(INFORMATION_REQUEST);
    let [ops, ns] = best(o.iterations, () => {
      if (handle(INFORMATION_REQUEST.length) <= 0) bad++;
    });
    check("Information-request");
    add({ key: "information-request", label: "Information-request -> Reply", bindings: used, layer: "core", ops }, ns);

    // The per-client rate limiter's own cost: Information-requests of 2^20 different clients
    // (each well under its 20/s), with the limiter off and on (the daemon's default).
    if (size === o.sizes[0]) {
      const inf = clientMessage(MSG.INFORMATION_REQUEST, 0x60606, 0, elapsed(), oro(23, 24));
      for (const limiter of [false, true]) {
        t.configure(limiter);
        rx.set(inf.bytes);
        [ops, ns] = best(o.iterations, (i) => {
          setClient(rx, inf.clientAt, i & 0xfffff);
          if (handle(inf.bytes.length) <= 0) bad++;
        });
        check(`Information-request (limiter ${limiter ? "on" : "off"})`);
        add(
          {
            key: limiter ? "information-request-limiter" : "information-request-distinct",
            label: `Information-request, 2^20 clients, rate limit ${limiter ? "on (20/s)" : "off"}`,
            bindings: used,
            layer: "core",
            ops,
          },
          ns,
        );
      }
      t.configure(false);
    }

    // Solicit from a bound client: lookup, the IAs written from the binding.
    const rnd = randomClients(clients, 1 << 16);
    const sol = t.solicitNaPd;
    rx.set(sol.bytes);
    [ops, ns] = best(o.iterations, (i) => {
      setClient(rx, sol.clientAt, rnd[i & 0xffff]);
      if (handle(sol.bytes.length) <= 0) bad++;
    });
    check("Solicit (known)");
    add({ key: "solicit-known", label: "Solicit/Advertise NA+PD, bound client", bindings: used, layer: "core", ops }, ns);

    // Renew of bound clients (spread over the table): lookup, commit, BINDING_PUT effect.
    const renews = t.renews;
    const rr = randomClients(renews.length, 1 << 16);
    [ops, ns] = best(o.iterations, (i) => {
      const m = renews[rr[i & 0xffff]];
      rx.set(m);
      if (handle(m.length) <= 0) bad++;
    });
    check("Renew");
    add({ key: "renew", label: "Renew/Reply NA+PD", bindings: used, layer: "core", ops }, ns);

    // Relay-forward: the Solicit of a bound client and the Information-request, relayed once.
    const relSol = relayForward(sol, ip("2001:db8:1::2"), ip("fe80::c1"));
    rx.set(relSol.bytes);
    [ops, ns] = best(o.iterations, (i) => {
      setClient(rx, relSol.clientAt, rnd[i & 0xffff]);
      if (handle(relSol.bytes.length) <= 0) bad++;
    });
    check("relayed Solicit");
    add({ key: "relay-solicit", label: "Relay-forward(Solicit NA+PD, bound client)", bindings: used, layer: "core", ops }, ns);
    const relInf = relayForward({ bytes: INFORMATION_REQUEST, clientAt: -1 }, ip("2001:db8:1::2"), ip("fe80::c1"));
    rx.set(relInf.bytes);
    [ops, ns] = best(o.iterations, () => {
      if (handle(relInf.bytes.length) <= 0) bad++;
    });
    check("relayed Information-request");
    add({ key: "relay-information-request", label: "Relay-forward(Information-request)", bindings: used, layer: "core", ops }, ns);

    // Rounds with new clients: Solicit (allocation: host part, PD carve), Request (commit), Release.
    const req = t.requestNaPd;
    const rel = t.releaseNaPd;
    const newOps = Math.max(k, Math.floor(o.iterations / 4));
    let nsSol = 0;
    let nsReq = 0;
    let nsRel = 0;
    let done = 0;
    const roundBudget = Date.now() + o.budgetMs * 3;
    while (done < newOps && (done === 0 || Date.now() < roundBudget)) {
      const base = t.nextNew;
      t.nextNew += k;
      rx.set(sol.bytes);
      const [n1, d1] = timeLoop(k, Infinity, (i) => {
        setClient(rx, sol.clientAt, base + i);
        if (handle(sol.bytes.length) <= 0) bad++;
      });
      check("Solicit (new)");
      rx.set(req.bytes);
      const [, d2] = timeLoop(k, Infinity, (i) => {
        setClient(rx, req.clientAt, base + i);
        if (handle(req.bytes.length) <= 0) bad++;
      });
      check("Request (new)");
      // The last Reply must carry both leases (else the table was full and the figures lie).
      const last = t.exchange(req, base + k - 1);
      if (!topOptions(last).filter((x) => x.code === OPT.IA_NA || x.code === OPT.IA_PD).every((x) => iaHasLease(x.bytes)))
        throw new Error(`at ${used} bindings a new client got no address or prefix`);
      rx.set(rel.bytes);
      const [, d3] = timeLoop(k, Infinity, (i) => {
        setClient(rx, rel.clientAt, base + i);
        if (handle(rel.bytes.length) <= 0) bad++;
      });
      check("Release");
      nsSol += d1;
      nsReq += d2;
      nsRel += d3;
      done += n1;
    }
    if (t.raw.bindings_used() !== used) throw new Error(`the rounds left ${t.raw.bindings_used()} bindings, expected ${used}`);
    add({ key: "solicit-new", label: "Solicit/Advertise NA+PD, new client", bindings: used, layer: "core", ops: done }, nsSol);
    add({ key: "request-new", label: "Request/Reply NA+PD, new binding", bindings: used, layer: "core", ops: done }, nsReq);
    add({ key: "release", label: "Release/Reply NA+PD", bindings: used, layer: "core", ops: done }, nsRel);

    // The expiry scan the daemon runs every second.
    {
      const reps = 20;
      const s = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) t.raw.tick(t.now);
      const us = Number(process.hrtime.bigint() - s) / 1e3 / reps;
      res.tick.push({ bindings: used, capacity, usEach: us });
      o.log(`  ${String(used).padStart(7)}  core        tick(): expiry scan of the table ${us.toFixed(1).padStart(33)} us each`);
    }

    if (o.splitAt === size) await split(t, rnd, o, add, used, capacity);
  }

  if (res.linearMemory.length >= 2) {
    const a = res.linearMemory[0];
    const b = res.linearMemory[res.linearMemory.length - 1];
    res.bytesPerBinding = (b.bytes - a.bytes) / (b.capacity - a.capacity);
  } else {
    res.bytesPerBinding = res.linearMemory[0].bytes / res.linearMemory[0].capacity;
  }
  return res;
}

// ---------------------------------------------------------------- the split: core, wrapper, daemon path

type Add = (f: Omit<Figure, "perSec" | "nsEach">, ns: number) => void;

/**
 * The same messages through (1) the raw export (above), (2) Core.handle() +
 * Core.effects(), (3) the daemon's Server.onDatagram with a socket whose send
 * does nothing, (4) the same with a real UDP send to a loopback sink. (3) and
 * (4) use a Server built without netlink (its private constructor, routes
 * stubbed: nothing leaves this process but loopback datagrams).
 */
async function split(t: Table, rnd: Uint32Array, o: CoreSuiteOptions, add: Add, used: number, capacity: number): Promise<void> {
  const core = t.core;
  const n = Math.max(1000, Math.floor(o.iterations / 2));
  const sol = Buffer.from(t.solicitNaPd.bytes);
  const inf = Buffer.from(INFORMATION_REQUEST);
  const renews = t.renews.map((m) => Buffer.from(m));
  const rr = randomClients(renews.length, 1 << 16);
  const cases: { key: string; label: string; msg: (i: number) => Buffer }[] = [
    { key: "information-request", label: "Information-request -> Reply", msg: () => inf },
    {
      key: "solicit-known",
      label: "Solicit/Advertise NA+PD, bound client",
      msg: (i) => {
        setClient(sol, t.solicitNaPd.clientAt, rnd[i & 0xffff]);
        return sol;
      },
    },
    { key: "renew", label: "Renew/Reply NA+PD", msg: (i) => renews[rr[i & 0xffff]] },
  ];
  for (const c of cases) {
    let bad = 0;
    const [ops, ns] = timeLoop(n, o.budgetMs, (i) => {
      const r = core.handle(c.msg(i), 0, CLIENT_LL, 546, true, t.now);
      if (typeof r === "number") bad++;
      core.effects();
    });
    if (bad) throw new Error(`Core.handle: ${bad} messages got no reply`);
    add({ key: c.key, label: c.label, bindings: used, layer: "wrapper", ops }, ns);
  }

  // The daemon's path: a Server around this very core (same table), built without netlink or sockets.
  const dir = mkdtempSync(join(tmpdir(), "odhcpd-bench-"));
  const uci = join(dir, "dhcp");
  writeFileSync(join(dir, "secret"), SECRET, { mode: 0o600 });
  writeFileSync(
    uci,
    `config odhcpd 'odhcpd'\n\toption max_bindings '${capacity}'\n\nconfig dhcp 'bench'\n\toption ifname 'bench0'\n\toption dhcpv6 'server'\n` +
      `\tlist dns '2001:db8:1::53'\n\tlist domain 'lab.example'\n\toption leasetime '7d'\n\toption dhcpv6_client_ratelimit '0'\n`,
  );
  type ServerInternals = {
    onDatagram(d: unknown): void;
    routes: { close(): void };
    slots: Map<string, number>;
    journal: { compact(records: Map<number, Uint8Array>): void };
    close(): void;
  };
  const ServerCtor = Server as unknown as new (core: Core, cfg: unknown, opts: { configPath: string; stateDir: string }) => ServerInternals;
  const server = new ServerCtor(core, loadServedConfig(uci), { configPath: uci, stateDir: dir });
  server.routes.close();
  server.routes = { close() {}, add() {}, del() {} } as unknown as ServerInternals["routes"]; // never touch this machine's routes
  // The journal holds the table, as after a restart of a daemon with these bindings.
  server.journal.compact(core.committedRecords());
  let compactions = 0;
  const compact = server.journal.compact.bind(server.journal);
  server.journal.compact = (records) => {
    compactions++;
    compact(records);
  };
  const slot = server.slots.get("bench0");
  if (slot !== 0) throw new Error(`the bench expected interface slot 0, the server chose ${slot}`);
  // Same interface context as the table's (configure does not drop it); the secret is the table's,
  // so the bindings are found as before.
  if (typeof core.handle(sol, 0, CLIENT_LL, 546, true, t.now) === "number") throw new Error("no reply after the server's configure");
  let sent = 0;
  const nullSocket = {
    send(_b: Uint8Array, _p: number, _a: string, _cb?: (e: Error | null) => void) {
      sent++;
    },
  };
  const sink = dgram.createSocket("udp6");
  const out = dgram.createSocket("udp6");
  try {
    // The replies go to a loopback port nobody reads (the kernel drops them after
    // delivery): the cost of the send syscall without a receiver in this process.
    await new Promise<void>((resolve) => sink.bind(0, "::1", resolve));
    const port = sink.address().port;
    sink.close();
    const realSocket = {
      send(b: Uint8Array, _p: number, _a: string, cb?: (e: Error | null) => void) {
        sent++;
        out.send(b, port, "::1", cb);
      },
    };
    const src = ip("fe80::c1");
    for (const [layer, sock] of [
      ["server", nullSocket],
      ["server+send", realSocket],
    ] as const) {
      for (const c of cases) {
        const one = (i: number) => server.onDatagram({ data: c.msg(i), slot: 0, ifname: "bench0", multicast: true, src, srcPort: 546, socket: sock });
        await timeLoopAsync(Math.min(n, 2000), o.budgetMs, one); // warm-up
        sent = 0;
        compactions = 0;
        const [ops, ns] = await timeLoopAsync(n, o.budgetMs, one);
        if (sent !== ops) throw new Error(`Server.onDatagram sent ${sent} replies for ${ops} datagrams (${c.key})`);
        add({ key: c.key, label: c.label, bindings: used, layer, ops, compactions }, ns);
      }
    }
    await new Promise((r) => setTimeout(r, 50)); // let the daemon's deferred work (journal compaction) finish
  } finally {
    out.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
