// Loading core.wasm and talking to it: views over its fixed regions and one
// method per export. Works in Node and in the browser (no Node imports).

import { ABI_VERSION, REGION, META, META_F_MULTICAST, STAT_NAMES } from "./abi.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  region_ptr(id: number): number;
  region_size(id: number): number;
  configure(len: number): number;
  set_iface(): number;
  handle(len: number): number;
  inspect?(len: number): number;
  out_len(): number;
}

export interface Reply {
  length: number; // bytes in tx
  ifslot: number;
  port: number;
  kind: number;
  addr: Uint8Array; // 16 bytes (a copy)
}

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

  private constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as CoreExports;
    const v = this.exports.abi_version();
    if (v !== ABI_VERSION) throw new Error(`core.wasm ABI version ${v}, host expects ${ABI_VERSION}: rebuild with npm run build`);
    for (let id = 0; id <= REGION.STATS; id++) {
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
  }

  private fresh(): void {
    if (this.exports.memory.buffer !== this.buffer) this.makeViews();
  }

  /** Bytes of linear memory in use by the instance. */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  private outText(): string {
    this.fresh();
    return new TextDecoder().decode(this.out.subarray(0, this.exports.out_len()));
  }

  /** Applies a configuration record; throws with the core's reason when it is refused. */
  configure(record: Uint8Array): void {
    this.fresh();
    if (record.length > this.cfg.length) throw new Error(`configuration record of ${record.length} bytes exceeds ${this.cfg.length}`);
    this.cfg.set(record);
    const r = this.exports.configure(record.length);
    if (r !== 0) throw new Error(`core refused the configuration: ${this.outText()}`);
  }

  /** Stores one interface context record (see ctx.ts for the encoder). */
  setIface(record: Uint8Array): void {
    this.fresh();
    this.ctx.fill(0);
    this.ctx.set(record);
    if (this.exports.set_iface() !== 0) throw new Error("core refused the interface record");
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
    new Uint8Array(m.buffer, m.byteOffset + META.IN_SRC_ADDR, 16).set(src);
    const r = this.exports.handle(datagram.length);
    if (r <= 0) return r;
    this.fresh();
    return {
      length: r,
      ifslot: m.getUint32(META.OUT_IFSLOT, true),
      port: m.getUint16(META.OUT_DST_PORT, true),
      kind: m.getUint16(META.OUT_DST_KIND, true),
      addr: new Uint8Array(m.buffer.slice(m.byteOffset + META.OUT_DST_ADDR, m.byteOffset + META.OUT_DST_ADDR + 16)),
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

  /** Counters by name. */
  counters(): Record<string, number> {
    this.fresh();
    const o: Record<string, number> = {};
    STAT_NAMES.forEach((name, i) => (o[name] = this.stats[i]));
    return o;
  }
}
