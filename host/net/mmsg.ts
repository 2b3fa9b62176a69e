// A UDP/IPv6 socket over the batched addon (native/udp6mmsg.c): one wake-up
// and one recvmmsg(2) for up to BATCH datagrams, one JavaScript call for all of
// them, and the replies queued during that call leave in one sendmmsg(2).
//
// The addon shares four arenas with us (ArrayBuffers over its own memory):
//   receive data, BATCH slots of SLOT bytes; receive metadata, BATCH x META;
//   send data and send metadata, the same.
// Metadata of a slot, in the machine's byte order:
//   0 u32 length, 4 u16 port, 6 u16 flags (1 = truncated),
//   8 u32 scope id (interface index), 12 i32 errno (send result), 16 address.
// Sends go to the send arena; the queue is flushed at the end of every receive
// batch, when it is full or holds another socket's datagrams, and on the next
// tick for sends made outside a batch (timers: Reconfigure, relaying).

import { EventEmitter } from "node:events";
import { constants as osConstants } from "node:os";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatIPv6, parseIPv6 } from "../util/ipv6.js";
import type { RemoteInfo, Udp6Socket } from "./udp.js";

interface Addon {
  arenas(): [ArrayBuffer, ArrayBuffer, ArrayBuffer, ArrayBuffer, number, number, number];
  open(): number;
  bind(fd: number, addr: Uint8Array, scope: number, port: number): number;
  option(fd: number, which: number, value: number, group?: Uint8Array): number;
  start(fd: number, cb: (n: number, fd: number) => void): number;
  close(fd: number): number;
  flush(fd: number, count: number): number;
  ifindex(name: string): number;
  ifname(index: number): string;
}

const OPT_JOIN = 1;
const OPT_LOOP = 2;
const OPT_MCAST_IF = 3;
const M_LEN = 0;
const M_PORT = 4;
const M_FLAGS = 6;
const M_SCOPE = 8;
const M_ERRNO = 12;
const M_ADDR = 16;
const FLAG_TRUNCATED = 1;
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Where scripts/build-native puts the addon, next to build/host. */
export const ADDON_PATH = fileURLToPath(new URL("../../native/udp6mmsg.node", import.meta.url));

interface Shared {
  addon: Addon;
  recvData: Buffer;
  recvMeta: DataView;
  sendData: Uint8Array;
  sendMeta: DataView;
  sendMetaBytes: Uint8Array;
  batch: number;
  slot: number;
  meta: number;
}

let shared: Shared | null = null;
let loadError: string | null = null;

/** Loads the addon once; says why not when it cannot. */
export function loadMmsg(): { ok: true } | { ok: false; why: string } {
  if (shared) return { ok: true };
  if (loadError) return { ok: false, why: loadError };
  if (!existsSync(ADDON_PATH)) {
    loadError = `${ADDON_PATH} is not built (scripts/build-native)`;
    return { ok: false, why: loadError };
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    const [rd, rm, sd, sm, batch, slot, meta] = addon.arenas();
    shared = { addon, recvData: Buffer.from(rd), recvMeta: new DataView(rm), sendData: new Uint8Array(sd), sendMeta: new DataView(sm), sendMetaBytes: new Uint8Array(sm), batch, slot, meta };
    return { ok: true };
  } catch (e) {
    loadError = `${ADDON_PATH}: ${(e as Error).message}`;
    return { ok: false, why: loadError };
  }
}

function errnoError(errno: number, what: string): Error & { code?: string; errno?: number } {
  const code = Object.entries(osConstants.errno).find(([, v]) => v === errno)?.[0] ?? `E${errno}`;
  const e = new Error(`${what} ${code}`) as Error & { code?: string; errno?: number };
  e.code = code;
  e.errno = -errno;
  return e;
}

// ------------------------------------------------------------------ addresses

const indexOfName = new Map<string, number>();
const nameOfIndex = new Map<number, string>();

function ifindex(zone: string): number {
  if (/^\d+$/.test(zone)) return Number(zone);
  let i = indexOfName.get(zone);
  if (i === undefined || i === 0) {
    i = shared!.addon.ifindex(zone);
    indexOfName.set(zone, i);
    if (i) nameOfIndex.set(i, zone);
  }
  return i;
}

/** The interface name of `index` (cached until forgetInterfaces), or the index as text when there is none. */
export function ifname(index: number): string {
  let n = nameOfIndex.get(index);
  if (n === undefined) {
    // Interfaces come and go: names are looked up again after a change (forgetInterfaces).
    n = shared!.addon.ifname(index) || String(index);
    nameOfIndex.set(index, n);
  }
  return n;
}

/** Forgets cached interface names and indexes (call after links change). */
export function forgetInterfaces(): void {
  indexOfName.clear();
  nameOfIndex.clear();
  dests.clear();
  sources.clear();
  last.scope = -1;
}

interface Dest {
  addr: Uint8Array;
  scope: number;
}
const dests = new Map<string, Dest>();
const DESTS_MAX = 4096;

function dest(text: string): Dest | null {
  let d = dests.get(text);
  if (d) return d;
  const addr = parseIPv6(text);
  if (!addr) return null;
  const pct = text.indexOf("%");
  d = { addr, scope: pct >= 0 ? ifindex(text.slice(pct + 1)) : 0 };
  if (dests.size >= DESTS_MAX) dests.clear();
  dests.set(text, d);
  return d;
}

/** Source texts by address + scope (a client sends several messages); the last one is kept apart. */
const sources = new Map<string, string>();
const SOURCES_MAX = 4096;
const last = { w0: -1, w1: -1, w2: -1, w3: -1, scope: -1, text: "" };

function sourceText(meta: DataView, at: number, scope: number): string {
  const w0 = meta.getUint32(at, false);
  const w1 = meta.getUint32(at + 4, false);
  const w2 = meta.getUint32(at + 8, false);
  const w3 = meta.getUint32(at + 12, false);
  if (w0 === last.w0 && w1 === last.w1 && w2 === last.w2 && w3 === last.w3 && scope === last.scope) return last.text;
  const key = `${w0},${w1},${w2},${w3},${scope}`;
  let t = sources.get(key);
  if (t === undefined) {
    const bytes = new Uint8Array(meta.buffer, at, 16);
    t = formatIPv6(bytes);
    if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80 && scope) t += `%${ifname(scope)}`;
    if (sources.size >= SOURCES_MAX) sources.clear();
    sources.set(key, t);
  }
  last.w0 = w0;
  last.w1 = w1;
  last.w2 = w2;
  last.w3 = w3;
  last.scope = scope;
  last.text = t;
  return t;
}

// ---------------------------------------------------------------- send queue

type SendCb = ((err: Error | null) => void) | undefined;
let queued = 0;
let queuedFd = -1;
const queuedCbs: SendCb[] = [];
let inBatch = false;
let flushScheduled = false;

/** Run before a batch's datagrams leave (and at the end of every receive batch). */
const beforeSendHooks = new Set<() => void>();

/** Registers `fn` to run before queued datagrams are sent; returns its removal. */
export function beforeBatchedSend(fn: () => void): () => void {
  beforeSendHooks.add(fn);
  return () => beforeSendHooks.delete(fn);
}

function runBeforeSend(): void {
  for (const fn of beforeSendHooks) fn();
}

function flushQueue(): void {
  if (queued === 0) return;
  runBeforeSend();
  const s = shared!;
  const fd = queuedFd;
  const n = queued;
  queued = 0;
  queuedFd = -1;
  const failed = s.addon.flush(fd, n);
  for (let i = 0; i < n; i++) {
    const cb = queuedCbs[i];
    queuedCbs[i] = undefined;
    if (!cb && failed === 0) continue;
    const errno = failed === 0 ? 0 : s.sendMeta.getInt32(i * s.meta + M_ERRNO, LE);
    if (cb) cb(errno ? errnoError(errno, "send") : null);
  }
}

function scheduleFlush(): void {
  if (inBatch || flushScheduled) return;
  flushScheduled = true;
  process.nextTick(() => {
    flushScheduled = false;
    flushQueue();
  });
}

// -------------------------------------------------------------------- socket

export class MmsgSocket extends EventEmitter implements Udp6Socket {
  readonly copiesOnSend = true;
  readonly batched = true;
  private fd: number;
  private closed = false;

  constructor() {
    super();
    if (!shared) throw new Error("the batched UDP addon is not loaded");
    const fd = shared.addon.open();
    if (fd < 0) throw errnoError(-fd, "socket");
    this.fd = fd;
  }

  bind(o: { port: number; address: string }, cb: () => void): void {
    const s = shared!;
    const d = dest(o.address);
    const r = d ? s.addon.bind(this.fd, d.addr, d.scope, o.port) : -(osConstants.errno.EINVAL ?? 22);
    process.nextTick(() => {
      if (this.closed) return;
      if (r < 0) {
        this.emit("error", errnoError(-r, `bind [${o.address}]:${o.port}`));
        return;
      }
      const started = s.addon.start(this.fd, (n) => this.onBatch(n));
      if (started < 0) {
        this.emit("error", errnoError(-started, "poll"));
        return;
      }
      cb();
    });
  }

  addMembership(group: string, iface: string): void {
    const g = parseIPv6(group);
    const scope = ifindex(iface.slice(iface.indexOf("%") + 1));
    if (!g) throw new Error(`addMembership: ${group} is not an IPv6 address`);
    const r = shared!.addon.option(this.fd, OPT_JOIN, scope, g);
    if (r < 0) throw errnoError(-r, `addMembership ${group} on ${iface}`);
  }

  setMulticastLoopback(on: boolean): void {
    const r = shared!.addon.option(this.fd, OPT_LOOP, on ? 1 : 0);
    if (r < 0) throw errnoError(-r, "setMulticastLoopback");
  }

  setMulticastInterface(iface: string): void {
    const r = shared!.addon.option(this.fd, OPT_MCAST_IF, ifindex(iface.slice(iface.indexOf("%") + 1)));
    if (r < 0) throw errnoError(-r, `setMulticastInterface ${iface}`);
  }

  send(bytes: Uint8Array, port: number, dst: string, cb?: (err: Error | null) => void): void {
    const s = shared!;
    const d = dest(dst);
    if (this.closed || !d || bytes.length > s.slot) {
      const why = this.closed ? "the socket is closed" : !d ? `${dst} is not an IPv6 address` : `${bytes.length} bytes do not fit a datagram`;
      if (cb) process.nextTick(() => cb(new Error(`send: ${why}`)));
      return;
    }
    if (queued > 0 && (queuedFd !== this.fd || queued === s.batch)) flushQueue();
    const i = queued++;
    queuedFd = this.fd;
    s.sendData.set(bytes, i * s.slot);
    const m = i * s.meta;
    s.sendMeta.setUint32(m + M_LEN, bytes.length, LE);
    s.sendMeta.setUint16(m + M_PORT, port, LE);
    s.sendMeta.setUint32(m + M_SCOPE, d.scope, LE);
    s.sendMetaBytes.set(d.addr, m + M_ADDR);
    queuedCbs[i] = cb;
    scheduleFlush();
  }

  close(): void {
    if (this.closed) return;
    if (queuedFd === this.fd) flushQueue();
    this.closed = true;
    shared!.addon.close(this.fd);
  }

  private onBatch(n: number): void {
    if (n < 0) {
      this.emit("error", errnoError(-n, "recvmmsg"));
      return;
    }
    const s = shared!;
    inBatch = true;
    try {
      for (let i = 0; i < n && !this.closed; i++) {
        const m = i * s.meta;
        if (s.recvMeta.getUint16(m + M_FLAGS, LE) & FLAG_TRUNCATED) continue; // cannot happen: a slot holds any UDP payload
        const len = s.recvMeta.getUint32(m + M_LEN, LE);
        const scope = s.recvMeta.getUint32(m + M_SCOPE, LE);
        const rinfo: RemoteInfo = { address: sourceText(s.recvMeta, m + M_ADDR, scope), port: s.recvMeta.getUint16(m + M_PORT, LE) };
        this.emit("message", s.recvData.subarray(i * s.slot, i * s.slot + len), rinfo);
      }
    } finally {
      inBatch = false;
      runBeforeSend();
      flushQueue();
    }
  }
}
