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

import { openSync, writeSync, closeSync, readFileSync, renameSync, fsyncSync, existsSync, ftruncateSync, statSync, rmSync } from "node:fs";
import { crc32 } from "./crc32.js";

export const MAGIC = Buffer.from("D6J1");
const HEADER = 11; // crc 4, kind 1, id 4, length 2
export const KIND_PUT = 1;
export const KIND_DEL = 2;
/** Compact when the file is this many times larger than the live records (and over MIN_COMPACT bytes). */
const COMPACT_RATIO = 4;
const MIN_COMPACT = 1 << 20;

export interface ReplayResult {
  records: Map<number, Uint8Array>;
  /** Bytes of the valid prefix of the file. */
  goodBytes: number;
  /** Set when the file was truncated or corrupt after goodBytes. */
  damage: string | null;
}

/** Reads a journal: the live records by binding id. Pure: does not touch the file. */
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
    if (kind === KIND_PUT) records.set(id, data.slice(o + HEADER, end));
    else if (kind === KIND_DEL) records.delete(id);
    else return { records, goodBytes: o, damage: `unknown record kind ${kind} at byte ${o}` };
    o = end;
  }
  return { records, goodBytes: o, damage: null };
}

function encodeRecord(kind: number, id: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(HEADER + payload.length);
  b[4] = kind;
  b.writeUInt32BE(id >>> 0, 5);
  b.writeUInt16BE(payload.length, 9);
  b.set(payload, HEADER);
  b.writeUInt32BE(crc32(b, 4), 0);
  return b;
}

export class Journal {
  private fd: number;
  private size: number;
  private live = new Map<number, number>(); // id -> payload size
  private liveBytes = MAGIC.length; // what a compacted file would hold

  private setLive(id: number, size: number | null): void {
    const old = this.live.get(id);
    if (old !== undefined) this.liveBytes -= HEADER + old;
    if (size === null) this.live.delete(id);
    else {
      this.live.set(id, size);
      this.liveBytes += HEADER + size;
    }
  }

  /** Opens (creating if needed) the journal at `path` and replays it. */
  constructor(readonly path: string, private fsync = false) {
    const data = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const r = replay(data);
    this.replayed = r;
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
    for (const [id, rec] of r.records) this.setLive(id, rec.length);
  }

  readonly replayed: ReplayResult;

  private append(buf: Buffer): void {
    writeSync(this.fd, buf, 0, buf.length, this.size);
    this.size += buf.length;
  }

  /** Records a binding; returns when the bytes are handed to the kernel (and on disk with fsync). */
  put(id: number, record: Uint8Array): void {
    this.append(encodeRecord(KIND_PUT, id, record));
    this.setLive(id, record.length);
  }

  del(id: number): void {
    if (!this.live.has(id)) return;
    this.append(encodeRecord(KIND_DEL, id, new Uint8Array(0)));
    this.setLive(id, null);
  }

  /** Makes what was written durable (fsync), when the journal was opened with fsync. */
  sync(): void {
    if (this.fsync) fsyncSync(this.fd);
  }

  /** True when the file is large enough, compared with what is live, to compact. */
  wantsCompaction(): boolean {
    return this.size > MIN_COMPACT && this.size > COMPACT_RATIO * this.liveBytes;
  }

  /** Rewrites the journal with only `records` (the core's live bindings): temp file, fsync, rename. */
  compact(records: Map<number, Uint8Array>): void {
    const tmp = `${this.path}.tmp`;
    rmSync(tmp, { force: true }); // a stale one would lend the journal its mode
    const fd = openSync(tmp, "wx", 0o600);
    let size = 0;
    const write = (b: Buffer) => {
      writeSync(fd, b, 0, b.length, size);
      size += b.length;
    };
    write(MAGIC);
    for (const [id, rec] of records) write(encodeRecord(KIND_PUT, id, rec));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, "r+");
    this.size = statSync(this.path).size;
    this.live = new Map();
    this.liveBytes = MAGIC.length;
    for (const [id, r] of records) this.setLive(id, r.length);
  }

  close(): void {
    closeSync(this.fd);
  }
}
