// Loading core.wasm and talking to it: views over its fixed regions and one
// method per export. Works in Node and in the browser (no Node imports).

import { ABI_VERSION, REGION, META, META_F_MULTICAST, STAT_NAMES, EFFECT } from "./abi.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  region_ptr(id: number): number;
  region_size(id: number): number;
  configure(len: number): number;
  set_iface(now: number): number;
  handle(len: number): number;
  inspect?(len: number): number;
  out_len(): number;
  tick(now: number): number;
  effects_len(): number;
  restore(id: number): number;
  restore_done(): number;
  leasefile(now: number, wallNow: bigint): number;
  leases_json(now: number): number;
  bindings_capacity(): number;
  bindings_used(): number;
  binding_ptr(id: number): number;
  binding_size(): number;
  resync_routes(now: number): number;
}

/** One effect record (see assembly/abi.ts EFFECT_*). */
export type Effect =
  | { type: typeof EFFECT.BINDING_PUT; id: number; record: Uint8Array }
  | { type: typeof EFFECT.BINDING_DEL; id: number }
  | { type: typeof EFFECT.ROUTE_ADD | typeof EFFECT.ROUTE_DEL; id: number; ifslot: number; plen: number; prefix: Uint8Array; via: Uint8Array }
  | { type: typeof EFFECT.LEASES_CHANGED }
  | { type: typeof EFFECT.RESYNC }
  | { type: typeof EFFECT.SEND; ifslot: number; port: number; addr: Uint8Array; datagram: Uint8Array };

export interface Reply {
  length: number; // bytes in tx
  ifslot: number;
  port: number;
  kind: number;
  addr: Uint8Array; // 16 bytes (a copy)
}

const NO_EFFECTS: Effect[] = [];

export class Core {
  readonly exports: CoreExports;
  private buffer: ArrayBuffer;
  private ptr: number[] = [];
  private size: number[] = [];
  rx!: Uint8Array;
  tx!: Uint8Array;
  meta!: DataView;
  ctx!: Uint8Array;
  cfg!: Uint8Array;
  out!: Uint8Array;
  stats!: Uint32Array;
  effectsView!: Uint8Array;
  private srcView!: Uint8Array; // META in: source address
  private dstView!: Uint8Array; // META out: destination address

  private constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as CoreExports;
    const v = this.exports.abi_version();
    if (v !== ABI_VERSION) throw new Error(`core.wasm ABI version ${v}, host expects ${ABI_VERSION}: rebuild with npm run build`);
    for (const id of Object.values(REGION)) {
      this.ptr[id] = this.exports.region_ptr(id);
      this.size[id] = this.exports.region_size(id);
    }
    this.buffer = this.exports.memory.buffer;
    this.makeViews();
  }

  static async load(bytes: BufferSource): Promise<Core> {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new Core(instance);
  }

  static loadSync(bytes: BufferSource): Core {
    const module = new WebAssembly.Module(bytes);
    return new Core(new WebAssembly.Instance(module, {}));
  }

  /** Views over memory.buffer are detached when memory grows: re-create them. */
  private makeViews(): void {
    const b = this.exports.memory.buffer;
    this.buffer = b;
    const view = (id: number) => new Uint8Array(b, this.ptr[id], this.size[id]);
    this.rx = view(REGION.RX);
    this.tx = view(REGION.TX);
    this.meta = new DataView(b, this.ptr[REGION.META], this.size[REGION.META]);
    this.ctx = view(REGION.CTX);
    this.cfg = view(REGION.CFG);
    this.out = view(REGION.OUT);
    this.stats = new Uint32Array(b, this.ptr[REGION.STATS], this.size[REGION.STATS] / 4);
    this.effectsView = view(REGION.EFFECTS);
    this.srcView = new Uint8Array(b, this.ptr[REGION.META] + META.IN_SRC_ADDR, 16);
    this.dstView = new Uint8Array(b, this.ptr[REGION.META] + META.OUT_DST_ADDR, 16);
  }

  private fresh(): void {
    if (this.exports.memory.buffer !== this.buffer) this.makeViews();
  }

  /** Bytes of linear memory in use by the instance. */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  private outText(len = this.exports.out_len()): string {
    this.fresh();
    return new TextDecoder().decode(this.out.subarray(0, len));
  }

  /** Applies a configuration record; throws with the core's reason when it is refused. */
  configure(record: Uint8Array): void {
    this.fresh();
    if (record.length > this.cfg.length) throw new Error(`configuration record of ${record.length} bytes exceeds ${this.cfg.length}`);
    this.cfg.set(record);
    const r = this.exports.configure(record.length);
    if (r !== 0) throw new Error(`core refused the configuration: ${this.outText()}`);
  }

  /**
   * Stores one interface context record (encodeIface) at host time `now`.
   * Returns the effects: when the interface's prefixes changed, the routes of
   * its delegations move (ROUTE_DEL, ROUTE_ADD); Reconfigures follow on tick.
   */
  setIface(record: Uint8Array, now = 0): Effect[] {
    this.fresh();
    this.ctx.fill(0);
    this.ctx.set(record);
    if (this.exports.set_iface(now >>> 0) < 0) throw new Error("core refused the interface record");
    return this.effects();
  }

  /**
   * Hands one datagram to the core. Returns the reply (its bytes are in
   * `tx`, valid until the next call), null when there is nothing to send,
   * or a negative drop reason.
   */
  handle(datagram: Uint8Array, ifslot: number, src: Uint8Array, srcPort: number, multicast: boolean, now: number): Reply | number {
    this.fresh();
    if (datagram.length > this.rx.length) return -2;
    this.rx.set(datagram);
    const m = this.meta;
    m.setUint32(META.IN_IFSLOT, ifslot, true);
    m.setUint32(META.IN_FLAGS, multicast ? META_F_MULTICAST : 0, true);
    m.setUint32(META.IN_NOW, now >>> 0, true);
    m.setUint16(META.IN_SRC_PORT, srcPort, true);
    this.srcView.set(src);
    const r = this.exports.handle(datagram.length);
    if (r <= 0) return r;
    this.fresh();
    const mm = this.meta;
    return {
      length: r,
      ifslot: mm.getUint32(META.OUT_IFSLOT, true),
      port: mm.getUint16(META.OUT_DST_PORT, true),
      kind: mm.getUint16(META.OUT_DST_KIND, true),
      addr: this.dstView.slice(),
    };
  }

  /** The core's structured decode of any bytes (see assembly/inspect). */
  inspect(bytes: Uint8Array): unknown {
    if (!this.exports.inspect) throw new Error("this core.wasm has no inspect export");
    this.fresh();
    const n = Math.min(bytes.length, this.rx.length);
    this.rx.set(bytes.subarray(0, n));
    const len = this.exports.inspect(n);
    this.fresh();
    return JSON.parse(new TextDecoder().decode(this.out.subarray(0, len)));
  }

  /** The effects of the last handle/tick, decoded (payloads copied). */
  effects(): Effect[] {
    const n = this.exports.effects_len();
    if (n === 0) return NO_EFFECTS;
    this.fresh();
    const e = this.effectsView;
    const dv = new DataView(e.buffer, e.byteOffset, n);
    const out: Effect[] = [];
    for (let o = 0; o + 4 <= n; ) {
      const type = dv.getUint16(o);
      const len = dv.getUint16(o + 2);
      const p = o + 4;
      if (p + len > n) break;
      if (type === EFFECT.BINDING_PUT) out.push({ type, id: dv.getUint32(p), record: e.slice(p + 4, p + len) });
      else if (type === EFFECT.BINDING_DEL) out.push({ type, id: dv.getUint32(p) });
      else if (type === EFFECT.ROUTE_ADD || type === EFFECT.ROUTE_DEL)
        out.push({ type, id: dv.getUint32(p), ifslot: dv.getUint32(p + 4), plen: e[p + 8], prefix: e.slice(p + 12, p + 28), via: e.slice(p + 28, p + 44) });
      else if (type === EFFECT.LEASES_CHANGED || type === EFFECT.RESYNC) out.push({ type });
      else if (type === EFFECT.SEND && len >= 24)
        out.push({ type, ifslot: dv.getUint32(p), port: dv.getUint16(p + 4), addr: e.slice(p + 8, p + 24), datagram: e.slice(p + 24, p + len) });
      o = p + len;
    }
    return out;
  }

  /** Advances the core's clock: expired bindings are freed. Returns their effects. */
  tick(now: number): Effect[] {
    this.exports.tick(now >>> 0);
    return this.effects();
  }

  /** ROUTE_ADD effects for every bound delegation (after a restart). */
  resyncRoutes(now: number): Effect[] {
    this.exports.resync_routes(now >>> 0);
    return this.effects();
  }

  /** Restores one journaled binding record; call restoreDone() after the last. */
  restore(id: number, record: Uint8Array): boolean {
    this.fresh();
    if (record.length > this.rx.length) return false;
    this.rx.set(record);
    return this.exports.restore(id) === 0;
  }

  /** Rebuilds the core's indexes after restore(); returns the number of bindings. */
  restoreDone(): number {
    return this.exports.restore_done();
  }

  /** The lease file text (odhcpd format). */
  leaseFile(now: number, wallNow: number): string {
    const len = this.exports.leasefile(now >>> 0, BigInt(Math.floor(wallNow)));
    return this.outText(len);
  }

  /** The bindings as JSON in the shape of odhcpd's `ubus call dhcp ipv6leases`. */
  leasesJson(now: number): unknown {
    const len = this.exports.leases_json(now >>> 0);
    return JSON.parse(this.outText(len));
  }

  /** Every committed binding record (bound or declined) by id: what a compacted journal holds. */
  committedRecords(): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    for (const [id, rec] of this.committed()) out.set(id, rec.slice());
    return out;
  }

  /**
   * The same, without copies: each record is a view into the core's memory,
   * valid until the next call into the core (a journal compaction reads each once).
   */
  *committed(): Generator<[number, Uint8Array]> {
    const cap = this.exports.bindings_capacity();
    const size = this.exports.binding_size();
    const mem = new Uint8Array(this.exports.memory.buffer);
    for (let id = 0; id < cap; id++) {
      const p = this.exports.binding_ptr(id);
      if (p !== 0) yield [id, mem.subarray(p, p + size)];
    }
  }

  bindings(): { used: number; capacity: number } {
    return { used: this.exports.bindings_used(), capacity: this.exports.bindings_capacity() };
  }

  /** How many bindings are committed (what the journal holds): `used` less the offers not yet requested. */
  committedCount(): number {
    const cap = this.exports.bindings_capacity();
    let n = 0;
    for (let id = 0; id < cap; id++) if (this.exports.binding_ptr(id) !== 0) n++;
    return n;
  }

  /** Counters by name. */
  counters(): Record<string, number> {
    this.fresh();
    const o: Record<string, number> = {};
    STAT_NAMES.forEach((name, i) => (o[name] = this.stats[i]));
    return o;
  }
}
