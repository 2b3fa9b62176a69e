// The binding journal: an append-only file of the core's binding records,
// written before the Reply that confirms them leaves (crash safety: a record
// handed to write(2) survives the process being killed), replayed at start-up,
// and compacted into a fresh file (temp + rename) when it grows.
//
// File: magic "D6J1", then records:
//   u32 crc32 (of what follows up to the end of the record)
//   u8  kind (1 put, 2 delete)
//   u32 binding id
//   u16 payload length
//   payload (the core's binding record, opaque here)
// All numbers big-endian. Reading stops at the first truncated or corrupt
// record; the file is cut there (with a warning) and writing goes on after it.

import { openSync, writeSync, closeSync, readFileSync, renameSync, fsyncSync, existsSync, ftruncateSync, rmSync } from "node:fs";
import { crc32 } from "./crc32.js";

export const MAGIC = Buffer.from("D6J1");
const HEADER = 11; // crc 4, kind 1, id 4, length 2
export const KIND_PUT = 1;
export const KIND_DEL = 2;
/** Compact when the file is this many times larger than the live records (and over MIN_COMPACT bytes). */
const COMPACT_RATIO = 4;
const MIN_COMPACT = 1 << 20;
const EMPTY = new Uint8Array(0);

export interface ReplayResult {
  records: Map<number, Uint8Array>;
  /** Bytes of the valid prefix of the file. */
  goodBytes: number;
  /** Set when the file was truncated or corrupt after goodBytes. */
  damage: string | null;
}

/** Reads a journal: the live records by binding id, as views into `data` (no
 *  copy per record). Pure: does not touch the file. */
export function replay(data: Uint8Array): ReplayResult {
  const records = new Map<number, Uint8Array>();
  if (data.length === 0) return { records, goodBytes: 0, damage: null };
  if (data.length < MAGIC.length || !MAGIC.equals(Buffer.from(data.subarray(0, MAGIC.length)))) {
    return { records, goodBytes: 0, damage: "not a binding journal (bad magic)" };
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let o = MAGIC.length;
  while (o < data.length) {
    if (o + HEADER > data.length) return { records, goodBytes: o, damage: `truncated record header at byte ${o}` };
    const len = dv.getUint16(o + 9);
    const end = o + HEADER + len;
    if (end > data.length) return { records, goodBytes: o, damage: `truncated record at byte ${o}` };
    if (crc32(data, o + 4, end) !== dv.getUint32(o)) return { records, goodBytes: o, damage: `checksum mismatch at byte ${o}` };
    const kind = data[o + 4];
    const id = dv.getUint32(o + 5);
    if (kind === KIND_PUT) records.set(id, data.subarray(o + HEADER, end));
    else if (kind === KIND_DEL) records.delete(id);
    else return { records, goodBytes: o, damage: `unknown record kind ${kind} at byte ${o}` };
    o = end;
  }
  return { records, goodBytes: o, damage: null };
}

/** Writes one record at `o` of `b` (which has room); returns its length. */
function encodeRecordAt(b: Buffer, o: number, kind: number, id: number, payload: Uint8Array): number {
  b[o + 4] = kind;
  b.writeUInt32BE(id >>> 0, o + 5);
  b.writeUInt16BE(payload.length, o + 9);
  b.set(payload, o + HEADER);
  const end = o + HEADER + payload.length;
  b.writeUInt32BE(crc32(b, o + 4, end), o);
  return end - o;
}

/** Ids below this are tracked in a typed array (4 bytes each); the binding
 *  table holds at most 1048576. Others (never written by the core) in a Map. */
const DENSE_IDS = 1 << 20;

/**
 * The payload size of every live record by binding id: what compaction would
 * keep. One u32 per id (size + 1, 0 = none) instead of a Map entry per binding.
 */
class LiveSizes {
  private dense = new Uint32Array(0);
  private sparse: Map<number, number> | null = null;
  /** Bytes a compacted file would hold. */
  bytes = MAGIC.length;

  get(id: number): number | undefined {
    if (id < DENSE_IDS) return id < this.dense.length && this.dense[id] !== 0 ? this.dense[id] - 1 : undefined;
    return this.sparse?.get(id);
  }

  /** Sets (size) or removes (null) the record of `id`. */
  set(id: number, size: number | null): void {
    const old = this.get(id);
    if (old !== undefined) this.bytes -= HEADER + old;
    if (size !== null) this.bytes += HEADER + size;
    if (id < DENSE_IDS) {
      if (id >= this.dense.length) {
        if (size === null) return;
        const grown = new Uint32Array(Math.min(DENSE_IDS, Math.max(id + 1, this.dense.length * 2, 1024)));
        grown.set(this.dense);
        this.dense = grown;
      }
      this.dense[id] = size === null ? 0 : size + 1;
    } else if (size === null) this.sparse?.delete(id);
    else (this.sparse ??= new Map()).set(id, size);
  }
}

/** Compaction writes in chunks of about this size (one write(2) each). */
const CHUNK = 64 * 1024;

export class Journal {
  private fd: number;
  private size: number;
  private live = new LiveSizes();
  /** One record's bytes for put/del (written synchronously, so reused). */
  private scratch = Buffer.alloc(HEADER + 512);

  /** Opens (creating if needed) the journal at `path` and replays it. */
  constructor(readonly path: string, private fsync = false) {
    const data = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const r = replay(data);
    this.opened = r;
    if (r.goodBytes === 0 && data.length > 0) {
      // Not ours, or unreadable from the first byte: keep it aside, start anew.
      renameSync(path, `${path}.bad-${Date.now()}`);
    }
    this.fd = openSync(path, existsSync(path) ? "r+" : "w+", 0o600);
    if (r.goodBytes === 0) {
      ftruncateSync(this.fd, 0);
      writeSync(this.fd, MAGIC, 0, MAGIC.length, 0);
      this.size = MAGIC.length;
    } else {
      if (r.goodBytes < data.length) ftruncateSync(this.fd, r.goodBytes);
      this.size = r.goodBytes;
    }
    for (const [id, rec] of r.records) this.live.set(id, rec.length);
  }

  /** What the file held at opening (records are views into its bytes). */
  get replayed(): ReplayResult {
    return this.opened;
  }

  private opened: ReplayResult;

  /** The replayed records, handed over once: the journal keeps no copy of them. */
  takeReplayed(): ReplayResult {
    const r = this.opened;
    this.opened = { records: new Map(), goodBytes: r.goodBytes, damage: r.damage };
    return r;
  }

  /** Records held back by hold(), written by flush() in one write(2). */
  private held: Buffer | null = null;
  private heldBytes = 0;

  private append(kind: number, id: number, payload: Uint8Array): void {
    if (this.held) {
      if (this.held.length < this.heldBytes + HEADER + payload.length) {
        const grown = Buffer.alloc(Math.max(this.held.length * 2, this.heldBytes + HEADER + payload.length));
        grown.set(this.held.subarray(0, this.heldBytes));
        this.held = grown;
      }
      this.heldBytes += encodeRecordAt(this.held, this.heldBytes, kind, id, payload);
      return;
    }
    if (this.scratch.length < HEADER + payload.length) this.scratch = Buffer.alloc(HEADER + payload.length);
    const n = encodeRecordAt(this.scratch, 0, kind, id, payload);
    writeSync(this.fd, this.scratch, 0, n, this.size);
    this.size += n;
  }

  /**
   * Holds back the records of the following put/del until flush(), which
   * writes them in one write(2): a batch of datagrams costs one write, and
   * its replies leave after it (the caller flushes before sending).
   */
  hold(): void {
    this.held ??= this.heldSpare ?? Buffer.alloc(16 * 1024);
  }

  private heldSpare: Buffer | null = null;

  /** Writes what hold() kept back (then syncs, with fsync); a no-op when nothing is held. */
  flush(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.heldSpare = held;
    if (this.heldBytes === 0) return;
    const n = this.heldBytes;
    this.heldBytes = 0;
    writeSync(this.fd, held, 0, n, this.size);
    this.size += n;
    this.sync();
  }

  /** Records a binding; returns when the bytes are handed to the kernel (and on disk with fsync). */
  put(id: number, record: Uint8Array): void {
    this.append(KIND_PUT, id, record);
    this.live.set(id, record.length);
  }

  del(id: number): void {
    if (this.live.get(id) === undefined) return;
    this.append(KIND_DEL, id, EMPTY);
    this.live.set(id, null);
  }

  /** Makes what was written durable (fsync), when the journal was opened with fsync. */
  sync(): void {
    if (this.fsync && !this.held) fsyncSync(this.fd); // held records: flush() syncs after writing them
  }

  /** True when the file is large enough, compared with what is live, to compact. */
  wantsCompaction(): boolean {
    return this.size + this.heldBytes > MIN_COMPACT && this.size + this.heldBytes > COMPACT_RATIO * this.live.bytes;
  }

  /**
   * Rewrites the journal with only `records` (the core's live bindings; views
   * are fine, each is read once): temp file, fsync, rename. Records are
   * written in chunks, with no copy kept.
   */
  compact(records: Iterable<[number, Uint8Array]>): void {
    this.flush();
    const tmp = `${this.path}.tmp`;
    rmSync(tmp, { force: true }); // a stale one would lend the journal its mode
    const fd = openSync(tmp, "wx", 0o600);
    const live = new LiveSizes();
    let size = 0;
    try {
      let chunk = Buffer.alloc(CHUNK);
      chunk.set(MAGIC);
      let used = MAGIC.length;
      const flush = () => {
        writeSync(fd, chunk, 0, used, size);
        size += used;
        used = 0;
      };
      for (const [id, rec] of records) {
        const n = HEADER + rec.length;
        if (used + n > chunk.length) flush();
        if (n > chunk.length) chunk = Buffer.alloc(n);
        used += encodeRecordAt(chunk, used, KIND_PUT, id, rec);
        live.set(id, rec.length);
      }
      flush();
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, "r+");
    this.size = size;
    this.live = live;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
