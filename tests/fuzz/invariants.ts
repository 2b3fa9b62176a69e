// The invariants checked on every fuzz input, and the checked wrappers around
// the core's exports that the targets call. A broken invariant throws a
// Finding; a trap inside the WebAssembly (WebAssembly.RuntimeError) is one.

import { STAT_NAMES, EFFECT } from "../../host/core/abi.js";
import type { Reply } from "../../host/core/core.js";
import type { Harness } from "./harness.js";
import {
  MSG, OPT, HOP_COUNT_LIMIT, walkStrict, relayChain, findOpt, allOpts, bytesEqual, hex, be32, FramingError,
  type WMsg, type WOpt,
} from "./dhcpv6.js";

export type FindingKind = "trap" | "invariant" | "memory" | "error";

export class Finding extends Error {
  constructor(
    readonly kind: FindingKind,
    message: string,
    /** What makes two findings the same bug (default: the message without numbers and hex). */
    private readonly key: string | null = null,
  ) {
    super(message);
  }
  /** A short stable key, to count distinct findings. */
  get signature(): string {
    const words = (this.key ?? this.message.replace(/\(reply [0-9a-f]*\)/g, "")).split(/\s+/).map((w) => (/\d/.test(w) ? "N" : w));
    return `${this.kind}: ${words.join(" ").slice(0, 160)}`;
  }
}

/** Runs `fn`; a trap or any exception becomes a Finding that says where. */
export function guard<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Finding) throw e;
    if (e instanceof WebAssembly.RuntimeError) throw new Finding("trap", `${where}: trap: ${e.message}`);
    throw new Finding("error", `${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const fail = (msg: string): never => {
  throw new Finding("invariant", msg);
};

// ---------------------------------------------------------------- memory

export interface MemoryBaseline {
  bytes: number;
  heap: number | null;
}

export function memoryBaseline(h: Harness): MemoryBaseline {
  return { bytes: h.core.memoryBytes(), heap: h.heapTop() };
}

/** Linear memory stays within its budget: no growth after configure, and the
 *  stub runtime's heap does not move (nothing allocated per call). */
export function checkMemory(h: Harness, base: MemoryBaseline, where: string): void {
  const bytes = h.core.memoryBytes();
  if (bytes !== base.bytes) throw new Finding("memory", `${where}: linear memory grew from ${base.bytes} to ${bytes} bytes`);
  const heap = h.heapTop();
  if (base.heap !== null && heap !== base.heap) throw new Finding("memory", `${where}: the runtime heap moved from ${base.heap} to ${heap} (allocation per call)`);
}

// ---------------------------------------------------------------- inspect

interface InspectMsg {
  options?: InspectOpt[];
  errors?: unknown[];
}
interface InspectOpt {
  code: number;
  options?: InspectOpt[];
  msg?: InspectMsg;
  errors?: unknown[];
}

/** Every error the inspector reported, anywhere in its JSON. */
export function inspectErrors(json: unknown): unknown[] {
  const out: unknown[] = [];
  const walkMsg = (m: InspectMsg | undefined) => {
    if (!m) return;
    out.push(...(m.errors ?? []));
    for (const o of m.options ?? []) walkOpt(o);
  };
  const walkOpt = (o: InspectOpt) => {
    out.push(...(o.errors ?? []));
    for (const c of o.options ?? []) walkOpt(c);
    walkMsg(o.msg);
  };
  walkMsg((json as { msg?: InspectMsg }).msg);
  return out;
}

/** The inspector on any bytes: no trap, valid JSON with a "msg"; when it
 *  reports no error at all, the bytes really frame (every option length
 *  exact, recursively). */
export function checkInspect(h: Harness, bytes: Uint8Array): unknown {
  const json = guard("inspect", () => h.core.inspect(bytes)) as { msg?: unknown; truncated?: boolean };
  if (typeof json !== "object" || json === null || !("msg" in json)) fail(`inspect: JSON without "msg"`);
  if (json.truncated) return json;
  if (inspectErrors(json).length === 0) {
    try {
      walkStrict(bytes.subarray(0, 65536), true);
    } catch (e) {
      if (e instanceof FramingError) fail(`inspect reports no error, but the bytes do not frame: ${e.message}`);
      throw e;
    }
  }
  return json;
}

// ---------------------------------------------------------------- handle

export interface Datagram {
  bytes: Uint8Array;
  ifslot: number;
  src: Uint8Array;
  srcPort: number;
  multicast: boolean;
  now: number;
}

export interface Outcome {
  code: number; // handle's result: reply length, 0, or -STAT_DROP_*
  reply: Uint8Array | null; // a copy
  dest: Reply | null;
  msg: WMsg | null; // the reply, walked
  inner: WMsg | null; // the client/server message inside the Relay-reply chain
  request: WMsg | null; // the client message that was answered (inside its Relay-forward chain)
}

export interface CheckOptions {
  /** No lifetime in a reply may be infinite (the configuration has none). */
  finiteLifetimes?: boolean;
}

/** handle() with every per-datagram invariant checked. */
export function handleChecked(h: Harness, d: Datagram, opts: CheckOptions = {}): Outcome {
  const core = h.core;
  const before = core.counters();
  const r = guard("handle", () => core.handle(d.bytes, d.ifslot, d.src, d.srcPort, d.multicast, d.now));
  const after = core.counters();
  const code = typeof r === "number" ? r : r.length;
  checkCounters(before, after, code, d.bytes.length);
  checkEffects(h, "handle");
  if (typeof r === "number") return { code, reply: null, dest: null, msg: null, inner: null, request: null };
  const reply = core.tx.slice(0, r.length);
  const { msg, inner, request } = checkReply(h, d, reply, r, opts);
  return { code, reply, dest: r, msg, inner, request };
}

/** rx counts every datagram; a reply counts in tx, a drop in the counter its
 *  code names, and nothing else moves. */
function checkCounters(before: Record<string, number>, after: Record<string, number>, code: number, len: number): void {
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  if (len > 65536) return; // the host wrapper refuses it before the core sees it
  if (delta("rx") !== 1) fail(`counter rx moved by ${delta("rx")}, not 1`);
  const moved = STAT_NAMES.filter((n) => n !== "rx" && delta(n) !== 0);
  if (code > 0) {
    if (moved.length !== 1 || moved[0] !== "tx" || delta("tx") !== 1) fail(`reply of ${code} bytes, but counters moved: ${moved.map((n) => `${n}+${delta(n)}`).join(" ")}`);
  } else if (code === 0) {
    if (moved.length !== 0) fail(`no reply and no drop, but counters moved: ${moved.join(" ")}`);
  } else {
    const name = STAT_NAMES[-code];
    if (!name || !name.startsWith("drop_")) fail(`handle returned ${code}, which names no drop counter`);
    if (moved.length !== 1 || moved[0] !== name || delta(name) !== 1) fail(`drop ${code} (${name}), but counters moved: ${moved.map((n) => `${n}+${delta(n)}`).join(" ")}`);
  }
}

/** The effect records of the last handle/tick frame exactly. */
export function checkEffects(h: Harness, where: string): void {
  const core = h.core;
  const n = core.exports.effects_len();
  const view = core.effectsView;
  if (n > view.length) fail(`${where}: effects_len ${n} > region ${view.length}`);
  const recSize = core.exports.binding_size();
  const expect: Record<number, number> = {
    [EFFECT.BINDING_PUT]: 4 + recSize,
    [EFFECT.BINDING_DEL]: 4,
    [EFFECT.ROUTE_ADD]: 44,
    [EFFECT.ROUTE_DEL]: 44,
    [EFFECT.LEASES_CHANGED]: 0,
    [EFFECT.RESYNC]: 0,
    [EFFECT.SEND]: -1, // 24-byte header and a datagram
  };
  let o = 0;
  while (o < n) {
    if (o + 4 > n) fail(`${where}: effect header truncated at ${o}/${n}`);
    const type = (view[o] << 8) | view[o + 1];
    const len = (view[o + 2] << 8) | view[o + 3];
    if (!(type in expect)) fail(`${where}: effect type ${type} at ${o}`);
    if (expect[type] >= 0 && len !== expect[type]) fail(`${where}: effect ${type} of ${len} bytes, expected ${expect[type]}`);
    if (type === EFFECT.SEND && len < 24 + 4) fail(`${where}: SEND effect of ${len} bytes`);
    if (o + 4 + len > n) fail(`${where}: effect ${type} overruns effects_len`);
    if (type === EFFECT.BINDING_PUT) {
      const state = view[o + 8];
      if (state !== 2 && state !== 3) fail(`${where}: BINDING_PUT of a record in state ${state} (not bound or declined)`);
    }
    o += 4 + len;
  }
}

const ANSWERABLE = new Set<number>([MSG.SOLICIT, MSG.REQUEST, MSG.CONFIRM, MSG.RENEW, MSG.REBIND, MSG.RELEASE, MSG.DECLINE, MSG.INFORMATION_REQUEST]);

/** A reply the RFC allows for that request, that re-decodes cleanly. */
function checkReply(h: Harness, d: Datagram, reply: Uint8Array, dest: Reply, opts: CheckOptions): { msg: WMsg; inner: WMsg; request: WMsg } {
  // What was answered must itself have been acceptable.
  let req: WMsg;
  let chain: { layers: WMsg[]; inner: WMsg };
  try {
    req = walkStrict(d.bytes, false);
    chain = relayChain(req);
  } catch (e) {
    if (e instanceof FramingError) return fail(`answered a datagram whose framing is broken: ${e.message}`);
    throw e;
  }
  const { layers, inner } = chain;
  const relayed = layers.length > 0;
  if (layers.some((l) => l.type !== MSG.RELAY_FORW)) fail(`answered a chain with a Relay-reply layer`);
  if (layers.length > HOP_COUNT_LIMIT) fail(`answered ${layers.length} relay layers (limit ${HOP_COUNT_LIMIT})`);
  layers.forEach((l, i) => {
    if ((l.hop ?? 0) >= HOP_COUNT_LIMIT) fail(`answered relay layer ${i} with hop-count ${l.hop}`);
  });
  if (!ANSWERABLE.has(inner.type)) fail(`answered message type ${inner.type}`);
  const cids = allOpts(inner.options, OPT.CLIENTID);
  const sids = allOpts(inner.options, OPT.SERVERID);
  if (cids.length > 1 || sids.length > 1) fail(`answered a message with ${cids.length} Client IDs and ${sids.length} Server IDs`);
  if (inner.type !== MSG.INFORMATION_REQUEST && cids.length !== 1) fail(`answered message type ${inner.type} without a Client ID`);
  if (cids.length === 1 && (cids[0].data.length < 3 || cids[0].data.length > 130)) fail(`answered a Client ID of ${cids[0].data.length} bytes`);
  if (!relayed && !d.multicast && [MSG.SOLICIT, MSG.REBIND, MSG.CONFIRM, MSG.INFORMATION_REQUEST].includes(inner.type as 1)) fail(`answered a unicast message type ${inner.type}`);
  if ([MSG.REQUEST, MSG.RENEW, MSG.RELEASE, MSG.DECLINE].includes(inner.type as 3) && sids.length !== 1) fail(`answered message type ${inner.type} without a Server ID`);
  if ([MSG.SOLICIT, MSG.REBIND, MSG.CONFIRM].includes(inner.type as 1) && sids.length > 0) fail(`answered message type ${inner.type} carrying a Server ID`);
  if (inner.type === MSG.INFORMATION_REQUEST && [OPT.IA_NA, OPT.IA_TA, OPT.IA_PD].some((c) => findOpt(inner.options, c))) fail(`answered an Information-request carrying an IA`);

  // The reply: framing, chain, type, transaction id, identifiers.
  let msg: WMsg;
  let rchain: { layers: WMsg[]; inner: WMsg };
  try {
    msg = walkStrict(reply, true);
    rchain = relayChain(msg);
  } catch (e) {
    if (e instanceof FramingError) return fail(`reply framing: ${e.message} (reply ${hex(reply)})`);
    throw e;
  }
  if (rchain.layers.length !== layers.length) fail(`reply has ${rchain.layers.length} relay layers, request ${layers.length}`);
  rchain.layers.forEach((l, i) => {
    const q = layers[i];
    if (l.type !== MSG.RELAY_REPL) fail(`reply layer ${i} is type ${l.type}, not Relay-reply`);
    if (l.hop !== q.hop || !bytesEqual(l.link!, q.link!) || !bytesEqual(l.peer!, q.peer!)) fail(`reply layer ${i}: hop/link/peer not copied from the Relay-forward`);
    const qi = findOpt(q.options, OPT.INTERFACE_ID);
    const ri = allOpts(l.options, OPT.INTERFACE_ID);
    if (qi && (ri.length !== 1 || !bytesEqual(ri[0].data, qi.data))) fail(`reply layer ${i}: Interface-ID not echoed`);
    if (!qi && ri.length > 0) fail(`reply layer ${i}: Interface-ID the relay did not send`);
    const other = l.options.filter((o) => o.code !== OPT.RELAY_MSG && o.code !== OPT.INTERFACE_ID);
    if (other.length > 0) fail(`reply layer ${i}: unexpected options ${other.map((o) => o.code).join(",")}`);
  });
  const rin = rchain.inner;
  const allowed = inner.type === MSG.SOLICIT ? (findOpt(inner.options, OPT.RAPID_COMMIT) ? [MSG.ADVERTISE, MSG.REPLY] : [MSG.ADVERTISE]) : [MSG.REPLY];
  if (!allowed.includes(rin.type as 2)) fail(`message type ${inner.type} answered with type ${rin.type}`);
  if (rin.xid !== inner.xid) fail(`reply xid ${rin.xid} != request xid ${inner.xid}`);
  const rsids = allOpts(rin.options, OPT.SERVERID);
  if (rsids.length !== 1) fail(`reply carries ${rsids.length} Server IDs`);
  const rcids = allOpts(rin.options, OPT.CLIENTID);
  if (cids.length === 1 && (rcids.length !== 1 || !bytesEqual(rcids[0].data, cids[0].data))) fail(`reply does not echo the Client ID`);
  if (cids.length === 0 && rcids.length !== 0) fail(`reply carries a Client ID the request did not`);
  if (sids.length === 1 && !bytesEqual(sids[0].data, rsids[0].data)) fail(`answered a Server ID that is not ours (${hex(sids[0].data)} vs ${hex(rsids[0].data)})`);
  if (opts.finiteLifetimes) checkFinite(rin);

  // Where it goes.
  const port = relayed ? (findOpt(layers[0].options, OPT.RELAY_SOURCE_PORT) ? d.srcPort : 547) : 546;
  if (dest.port !== port) fail(`reply sent to port ${dest.port}, expected ${port}`);
  if (!bytesEqual(dest.addr, d.src)) fail(`reply sent to ${hex(dest.addr)}, not to the source ${hex(d.src)}`);
  if (dest.ifslot !== d.ifslot) fail(`reply sent on slot ${dest.ifslot}, received on ${d.ifslot}`);
  if (dest.kind !== 0) fail(`reply destination kind ${dest.kind}`);

  // The core's own inspector reads it without a single error.
  const json = guard("inspect(reply)", () => h.core.inspect(reply)) as { truncated?: boolean };
  if (json.truncated) fail(`inspect(reply) truncated`);
  // Opaque bytes the server must echo verbatim (RFC 8415 sections 11 and
  // 21.18: DUIDs and Interface-IDs are opaque) may carry what the inspector
  // calls errors; they are the client's or relay's, already checked equal.
  const echoed: [number, number][] = [];
  for (const o of allOpts(rin.options, OPT.CLIENTID)) echoed.push([o.off, o.off + 4 + o.data.length]);
  for (const l of rchain.layers) for (const o of allOpts(l.options, OPT.INTERFACE_ID)) echoed.push([o.off, o.off + 4 + o.data.length]);
  const errs = inspectErrors(json).filter((e) => {
    const { off, len } = e as { off: number; len: number };
    return !echoed.some(([a, b]) => off >= a && off + len <= b);
  });
  if (errs.length > 0) {
    const texts = [...new Set(errs.map((e) => String((e as { error: string }).error).replace(/\d+/g, "N")))].sort();
    throw new Finding("invariant", `reply re-decodes with errors: ${JSON.stringify(errs.slice(0, 3))} (reply ${hex(reply)})`, `reply re-decodes with errors: ${texts.join("; ")}`);
  }
  return { msg, inner: rin, request: inner };
}

function checkFinite(m: WMsg): void {
  for (const ia of m.options.filter((o) => o.code === OPT.IA_NA || o.code === OPT.IA_PD)) {
    for (const l of ia.children ?? []) {
      const lt = leaseOf(ia.code, l);
      if (lt && (lt.valid === 0xffffffff || lt.preferred === 0xffffffff)) fail(`infinite lifetime in a reply, none configured`);
    }
  }
}

// ---------------------------------------------------------------- IAs of a reply

export interface Lease {
  addr: string; // hex of the 16 bytes
  plen: number;
  preferred: number;
  valid: number;
}

export function leaseOf(iaCode: number, o: WOpt): Lease | null {
  if (iaCode === OPT.IA_NA && o.code === OPT.IAADDR && o.data.length >= 24)
    return { addr: hex(o.data.subarray(0, 16)), plen: 128, preferred: be32(o.data, 16), valid: be32(o.data, 20) };
  if (iaCode === OPT.IA_PD && o.code === OPT.IAPREFIX && o.data.length >= 25)
    return { addr: hex(o.data.subarray(9, 25)), plen: o.data[8], preferred: be32(o.data, 0), valid: be32(o.data, 4) };
  return null;
}

export interface IaView {
  code: number;
  iaid: number;
  status: number | null;
  leases: Lease[];
}

export function iasOf(m: WMsg): IaView[] {
  return m.options
    .filter((o) => (o.code === OPT.IA_NA || o.code === OPT.IA_PD) && o.data.length >= 12)
    .map((o) => {
      const st = findOpt(o.children ?? [], OPT.STATUS_CODE);
      return {
        code: o.code,
        iaid: be32(o.data, 0),
        status: st && st.data.length >= 2 ? (st.data[0] << 8) | st.data[1] : null,
        leases: (o.children ?? []).map((c) => leaseOf(o.code, c)).filter((l): l is Lease => l !== null),
      };
    });
}
