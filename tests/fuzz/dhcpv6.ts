// DHCPv6 bytes for the fuzzer, written independently of the core: builders,
// a strict walker (every length exact, RFC 8415 section 21.1) and a lenient
// tree (parse anything, re-serialize with correct lengths) that the
// structure-aware mutations work on.

import { parseIPv6 } from "../../host/util/ipv6.js";

/** A literal IPv6 address as 16 bytes (throws on a typo). */
export function ip(text: string): Uint8Array {
  const b = parseIPv6(text);
  if (!b) throw new Error(`not an IPv6 address: ${text}`);
  return b;
}

export const MSG = {
  SOLICIT: 1,
  ADVERTISE: 2,
  REQUEST: 3,
  CONFIRM: 4,
  RENEW: 5,
  REBIND: 6,
  REPLY: 7,
  RELEASE: 8,
  DECLINE: 9,
  RECONFIGURE: 10,
  INFORMATION_REQUEST: 11,
  RELAY_FORW: 12,
  RELAY_REPL: 13,
} as const;

export const OPT = {
  CLIENTID: 1,
  SERVERID: 2,
  IA_NA: 3,
  IA_TA: 4,
  IAADDR: 5,
  ORO: 6,
  PREFERENCE: 7,
  ELAPSED_TIME: 8,
  RELAY_MSG: 9,
  AUTH: 11,
  UNICAST: 12,
  STATUS_CODE: 13,
  RAPID_COMMIT: 14,
  USER_CLASS: 15,
  VENDOR_CLASS: 16,
  VENDOR_OPTS: 17,
  INTERFACE_ID: 18,
  RECONF_MSG: 19,
  RECONF_ACCEPT: 20,
  DNS_SERVERS: 23,
  DOMAIN_LIST: 24,
  IA_PD: 25,
  IAPREFIX: 26,
  SNTP: 31,
  INFO_REFRESH_TIME: 32,
  CLIENT_FQDN: 39,
  NTP_SERVER: 56,
  SOL_MAX_RT: 82,
  INF_MAX_RT: 83,
  RELAY_SOURCE_PORT: 135,
} as const;

export const RELAY_HEADER_LEN = 34;
export const CLIENT_HEADER_LEN = 4;
export const HOP_COUNT_LIMIT = 32;

// ---------------------------------------------------------------- builders

export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
export const be16 = (d: Uint8Array, o: number): number => (d[o] << 8) | d[o + 1];
export const be32 = (d: Uint8Array, o: number): number => ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;

export function opt(code: number, data: ArrayLike<number>): number[] {
  return [...u16(code), ...u16(data.length), ...Array.from(data)];
}

export function message(type: number, xid: number, ...options: number[][]): Uint8Array {
  return Uint8Array.from([type, (xid >> 16) & 0xff, (xid >> 8) & 0xff, xid & 0xff, ...options.flat()]);
}

export function relayForward(hop: number, link: ArrayLike<number>, peer: ArrayLike<number>, inner: ArrayLike<number>, ...options: number[][]): Uint8Array {
  return Uint8Array.from([MSG.RELAY_FORW, hop, ...Array.from(link), ...Array.from(peer), ...options.flat(), ...opt(OPT.RELAY_MSG, inner)]);
}

export function iaNa(iaid: number, t1: number, t2: number, ...subs: number[][]): number[] {
  return opt(OPT.IA_NA, [...u32(iaid), ...u32(t1), ...u32(t2), ...subs.flat()]);
}
export function iaPd(iaid: number, t1: number, t2: number, ...subs: number[][]): number[] {
  return opt(OPT.IA_PD, [...u32(iaid), ...u32(t1), ...u32(t2), ...subs.flat()]);
}
export function iaAddr(addr: ArrayLike<number>, pref: number, valid: number): number[] {
  return opt(OPT.IAADDR, [...Array.from(addr), ...u32(pref), ...u32(valid)]);
}
export function iaPrefix(plen: number, prefix: ArrayLike<number>, pref: number, valid: number): number[] {
  return opt(OPT.IAPREFIX, [...u32(pref), ...u32(valid), plen, ...Array.from(prefix)]);
}

export const hex = (b: ArrayLike<number>): string => Buffer.from(Uint8Array.from(b as ArrayLike<number>)).toString("hex");
export const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

// ---------------------------------------------------------------- strict walk

export interface WOpt {
  code: number;
  off: number; // of the option header, in the datagram
  data: Uint8Array;
  children?: WOpt[];
  msg?: WMsg;
}

export interface WMsg {
  type: number;
  off: number;
  bytes: Uint8Array;
  xid?: number;
  hop?: number;
  link?: Uint8Array;
  peer?: Uint8Array;
  options: WOpt[];
}

/** Containers whose data holds options after a fixed header. */
export const CONTAINERS: Record<number, number> = { [OPT.IA_NA]: 12, [OPT.IA_TA]: 4, [OPT.IA_PD]: 12, [OPT.IAADDR]: 24, [OPT.IAPREFIX]: 25 };

export class FramingError extends Error {}

/** Every option fits exactly in its container, recursively: Relay Messages of
 *  relay messages always, and with `deep` also IAs, IA addresses and IA
 *  prefixes. Throws FramingError on the first problem. */
export function walkStrict(bytes: Uint8Array, deep = true, base = 0, depth = 0): WMsg {
  if (bytes.length === 0) throw new FramingError(`empty message at ${base}`);
  const type = bytes[0];
  const relay = type === MSG.RELAY_FORW || type === MSG.RELAY_REPL;
  const hl = relay ? RELAY_HEADER_LEN : CLIENT_HEADER_LEN;
  if (bytes.length < hl) throw new FramingError(`header of ${bytes.length} bytes at ${base}`);
  const m: WMsg = { type, off: base, bytes, options: [] };
  if (relay) {
    m.hop = bytes[1];
    m.link = bytes.subarray(2, 18);
    m.peer = bytes.subarray(18, 34);
  } else {
    m.xid = (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  }
  m.options = walkOptions(bytes, hl, bytes.length, base, relay, depth, deep);
  return m;
}

function walkOptions(b: Uint8Array, p: number, end: number, base: number, relay: boolean, depth: number, deep: boolean): WOpt[] {
  const out: WOpt[] = [];
  while (p < end) {
    if (p + 4 > end) throw new FramingError(`option header truncated at ${base + p}`);
    const code = be16(b, p);
    const len = be16(b, p + 2);
    if (p + 4 + len > end) throw new FramingError(`option ${code} at ${base + p}: length ${len} > ${end - p - 4} remaining`);
    const data = b.subarray(p + 4, p + 4 + len);
    const o: WOpt = { code, off: base + p, data };
    const fixed = CONTAINERS[code];
    if (deep && fixed !== undefined && len >= fixed) o.children = walkOptions(b, p + 4 + fixed, p + 4 + len, base, false, depth, deep);
    if (relay && code === OPT.RELAY_MSG) {
      if (depth > 40) throw new FramingError("relay nesting beyond 40");
      o.msg = walkStrict(data, deep, base + p + 4, depth + 1);
    }
    out.push(o);
    p += 4 + len;
  }
  return out;
}

/** The Relay-forward chain of a message, outermost first, and the client message inside. */
export function relayChain(m: WMsg): { layers: WMsg[]; inner: WMsg } {
  const layers: WMsg[] = [];
  let cur = m;
  while (cur.type === MSG.RELAY_FORW || cur.type === MSG.RELAY_REPL) {
    layers.push(cur);
    const rm = cur.options.filter((o) => o.code === OPT.RELAY_MSG);
    if (rm.length !== 1 || !rm[0].msg) throw new FramingError(`relay layer ${layers.length} has ${rm.length} Relay Message options`);
    cur = rm[0].msg;
  }
  return { layers, inner: cur };
}

export const findOpt = (opts: WOpt[], code: number): WOpt | undefined => opts.find((o) => o.code === code);
export const allOpts = (opts: WOpt[], code: number): WOpt[] => opts.filter((o) => o.code === code);
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

// ---------------------------------------------------------------- lenient tree

/** A message as a tree that any bytes parse into (what does not frame is kept
 *  as a raw tail) and that serializes with every length recomputed. */
export interface TMsg {
  header: Uint8Array; // 4 or 34 bytes (fewer when the datagram was short)
  options: TOpt[];
  tail: Uint8Array; // bytes that did not frame as options
}
export interface TOpt {
  code: number;
  data: Uint8Array; // for containers: the fixed header only
  children?: TOpt[];
  childTail?: Uint8Array;
  msg?: TMsg; // Relay Message of a relay message
}

export function parseTree(b: Uint8Array, depth = 0): TMsg {
  const relay = b.length > 0 && (b[0] === MSG.RELAY_FORW || b[0] === MSG.RELAY_REPL);
  const hl = Math.min(b.length, relay ? RELAY_HEADER_LEN : CLIENT_HEADER_LEN);
  const { options, tail } = parseTreeOptions(b, hl, b.length, relay, depth);
  return { header: b.slice(0, hl), options, tail };
}

function parseTreeOptions(b: Uint8Array, p: number, end: number, relay: boolean, depth: number): { options: TOpt[]; tail: Uint8Array } {
  const options: TOpt[] = [];
  while (p + 4 <= end) {
    const code = be16(b, p);
    const len = be16(b, p + 2);
    if (p + 4 + len > end) break;
    const data = b.subarray(p + 4, p + 4 + len);
    const fixed = CONTAINERS[code];
    if (relay && code === OPT.RELAY_MSG && depth < 40) {
      options.push({ code, data: new Uint8Array(0), msg: parseTree(data, depth + 1) });
    } else if (fixed !== undefined && len >= fixed) {
      const sub = parseTreeOptions(data, fixed, len, false, depth);
      options.push({ code, data: data.slice(0, fixed), children: sub.options, childTail: sub.tail });
    } else {
      options.push({ code, data: data.slice() });
    }
    p += 4 + len;
  }
  return { options, tail: b.slice(p, end) };
}

export function serializeTree(m: TMsg): Uint8Array {
  const out = new Uint8Array(msgSize(m));
  writeMsg(m, out, 0);
  return out;
}

function msgSize(m: TMsg): number {
  let n = m.header.length + m.tail.length;
  for (const o of m.options) n += 4 + bodySize(o);
  return n;
}

function bodySize(o: TOpt): number {
  if (o.msg) return msgSize(o.msg);
  let n = o.data.length + (o.childTail?.length ?? 0);
  if (o.children) for (const c of o.children) n += 4 + bodySize(c);
  return n;
}

function writeMsg(m: TMsg, out: Uint8Array, p: number): number {
  out.set(m.header, p);
  p += m.header.length;
  for (const o of m.options) p = writeOpt(o, out, p);
  out.set(m.tail, p);
  return p + m.tail.length;
}

/** Writes one option; a body longer than 0xffff keeps its bytes but says 0xffff. */
function writeOpt(o: TOpt, out: Uint8Array, p: number): number {
  const len = Math.min(bodySize(o), 0xffff);
  out[p] = o.code >> 8;
  out[p + 1] = o.code & 0xff;
  out[p + 2] = len >> 8;
  out[p + 3] = len & 0xff;
  p += 4;
  if (o.msg) return writeMsg(o.msg, out, p);
  out.set(o.data, p);
  p += o.data.length;
  if (o.children) for (const c of o.children) p = writeOpt(c, out, p);
  if (o.childTail) {
    out.set(o.childTail, p);
    p += o.childTail.length;
  }
  return p;
}

/** Every option list in the tree (message level, containers, nested messages). */
export function optionLists(m: TMsg): TOpt[][] {
  const lists: TOpt[][] = [m.options];
  for (const o of m.options) {
    if (o.msg) lists.push(...optionLists(o.msg));
    if (o.children) collectChildren(o, lists);
  }
  return lists;
}

function collectChildren(o: TOpt, lists: TOpt[][]): void {
  if (!o.children) return;
  lists.push(o.children);
  for (const c of o.children) collectChildren(c, lists);
}

/** Every message in the tree, outermost first. */
export function messages(m: TMsg): TMsg[] {
  const out = [m];
  for (const o of m.options) if (o.msg) out.push(...messages(o.msg));
  return out;
}
