// Running core.wasm under the fuzzer: an instrumented instance that returns to
// a snapshot after every input (dirty pages and globals only) and reports the
// coverage counters, and a plain instance (the real build/core.wasm) for the
// regression replay. Targets see both through the same `Harness` interface.

import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core } from "../../host/core/core.js";
import { REGION } from "../../host/core/abi.js";
import { instrument, type Instrumented, DIRTY_SHIFT } from "./instrument.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CORE_WASM = `${ROOT}build/core.wasm`;

export function readCoreWasm(path = CORE_WASM): Uint8Array {
  if (!existsSync(path)) throw new Error(`${path} is missing: npm run build:core`);
  return new Uint8Array(readFileSync(path));
}

/** What a target needs from the instance it runs on. */
export interface Harness {
  readonly core: Core;
  /** Top of the stub runtime's heap, when known (instrumented builds). */
  heapTop(): number | null;
}

export class PlainHarness implements Harness {
  readonly core: Core;
  constructor(wasm: Uint8Array = readCoreWasm()) {
    this.core = Core.loadSync(new Uint8Array(wasm));
  }
  heapTop(): number | null {
    return null;
  }
}

interface FuzzExports {
  memory: WebAssembly.Memory;
  __fuzz_save_globals(): void;
  __fuzz_restore_globals(): void;
  __fuzz_heap?: WebAssembly.Global;
}

const PAGE = 1 << DIRTY_SHIFT;

/** AFL-style hit-count classes: counter value -> one bit. */
const BUCKET = new Uint8Array(256);
for (let v = 1; v < 256; v++) BUCKET[v] = v === 1 ? 1 : v === 2 ? 2 : v === 3 ? 4 : v < 8 ? 8 : v < 16 ? 16 : v < 32 ? 32 : v < 128 ? 64 : 128;

/** Coverage seen so far by one target: per point, the hit-count classes reached. */
export class CoverageMap {
  readonly seen: Uint8Array;
  edges = 0;
  constructor(points: number) {
    this.seen = new Uint8Array(points);
  }
}

/** The instrumented core: snapshot after setup, back to it after every input. */
export class FuzzCore implements Harness {
  readonly core: Core;
  readonly info: Instrumented;
  private readonly x: FuzzExports;
  private snap: Uint8Array | null = null;
  private snapBytes = 0;
  private snapHeap: number | null = null;
  private readonly counters: Uint8Array;
  private readonly hostRegions: [number, number][];
  private readonly rxPtr: number;
  private rxUsed = 0;
  private readonly cfgPtr: number;
  private cfgUsed = 0;

  constructor(info: Instrumented) {
    this.info = info;
    this.core = Core.loadSync(info.binary);
    this.x = this.core.exports as unknown as FuzzExports;
    this.counters = new Uint8Array(this.x.memory.buffer, info.counters, info.points.length);
    // Regions the host (not the core) writes: their pages are restored after
    // every input (RX and CFG as far as they were written).
    this.hostRegions = [REGION.META, REGION.CTX].map((id) => [this.core.exports.region_ptr(id), this.core.exports.region_size(id)]);
    // RX: as far as the host wrote into it.
    this.rxPtr = this.core.exports.region_ptr(REGION.RX);
    const core = this.core;
    const handle = core.handle.bind(core);
    const inspect = core.inspect.bind(core);
    const restore = core.restore.bind(core);
    const configure = core.configure.bind(core);
    this.cfgPtr = this.core.exports.region_ptr(REGION.CFG);
    core.configure = (record) => {
      this.cfgUsed = Math.max(this.cfgUsed, record.length);
      configure(record);
    };
    core.handle = (d, ...rest) => {
      this.rxUsed = Math.max(this.rxUsed, d.length);
      return handle(d, ...rest);
    };
    core.inspect = (d) => {
      this.rxUsed = Math.max(this.rxUsed, d.length);
      return inspect(d);
    };
    core.restore = (id, r) => {
      this.rxUsed = Math.max(this.rxUsed, r.length);
      return restore(id, r);
    };
  }

  static create(wasm: Uint8Array = readCoreWasm()): FuzzCore {
    return new FuzzCore(instrument(wasm));
  }

  heapTop(): number | null {
    return this.x.__fuzz_heap ? (this.x.__fuzz_heap.value as number) : null;
  }

  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** Takes the snapshot every later input starts from (call after setup). */
  snapshot(): void {
    this.liveCounters().fill(0);
    this.x.__fuzz_save_globals();
    this.dirty().fill(0);
    this.rxUsed = 0;
    this.cfgUsed = 0;
    this.snap = new Uint8Array(this.x.memory.buffer).slice();
    this.snapBytes = this.snap.length;
    this.snapHeap = this.heapTop();
  }

  /** False when memory grew since the snapshot (the instance must be rebuilt). */
  canRestore(): boolean {
    return this.snap !== null && this.memoryBytes() === this.snapBytes;
  }

  get snapshotHeap(): number | null {
    return this.snapHeap;
  }

  private dirty(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.info.dirty, Math.ceil(this.memoryBytes() / PAGE));
  }

  private liveCounters(): Uint8Array {
    if (this.counters.buffer !== this.x.memory.buffer) return new Uint8Array(this.x.memory.buffer, this.info.counters, this.info.points.length);
    return this.counters;
  }

  /** Returns to the snapshot: pages the core or the host wrote, and every global. */
  restore(): void {
    if (!this.snap || !this.canRestore()) throw new Error("restore: no usable snapshot");
    const mem = new Uint8Array(this.x.memory.buffer);
    const d = this.dirty();
    for (const [ptr, size] of this.hostRegions) d.fill(1, ptr >>> DIRTY_SHIFT, (ptr + size + PAGE - 1) >>> DIRTY_SHIFT);
    if (this.rxUsed > 0) d.fill(1, this.rxPtr >>> DIRTY_SHIFT, (this.rxPtr + this.rxUsed + PAGE - 1) >>> DIRTY_SHIFT);
    if (this.cfgUsed > 0) d.fill(1, this.cfgPtr >>> DIRTY_SHIFT, (this.cfgPtr + this.cfgUsed + PAGE - 1) >>> DIRTY_SHIFT);
    this.rxUsed = 0;
    this.cfgUsed = 0;
    const snap = this.snap;
    for (let p = d.indexOf(1); p >= 0; p = d.indexOf(1, p + 1)) {
      const a = p * PAGE;
      mem.set(snap.subarray(a, a + PAGE), a);
    }
    d.fill(0);
    this.x.__fuzz_restore_globals();
  }

  /** Byte-for-byte comparison with the snapshot (checks restore itself). */
  differsFromSnapshot(): number {
    if (!this.snap) return -1;
    const mem = new Uint8Array(this.x.memory.buffer);
    if (mem.length !== this.snap.length) return 0;
    // the area's counters are cleared by collect(); compare everything else
    const c0 = this.info.counters;
    const c1 = c0 + this.info.points.length;
    for (let i = 0; i < mem.length; i++) {
      if (i === c0) i = c1;
      if (mem[i] !== this.snap[i]) return i;
    }
    return -1;
  }

  /** Folds the counters of the last input into `map`; returns the number of new
   *  (point, hit class) pairs, and clears the counters. */
  collect(map: CoverageMap): number {
    const c = this.liveCounters();
    const seen = map.seen;
    let fresh = 0;
    for (let i = 0; i < c.length; i++) {
      const v = c[i];
      if (v === 0) continue;
      const b = BUCKET[v];
      const s = seen[i];
      if ((b & ~s) !== 0) {
        if (s === 0) map.edges++;
        seen[i] = s | b;
        fresh++;
      }
    }
    c.fill(0);
    return fresh;
  }

  /** Clears the counters without looking at them. */
  clearCoverage(): void {
    this.liveCounters().fill(0);
  }
}
