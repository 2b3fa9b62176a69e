// The binding journal (host/store/journal.ts): the file format the README
// describes, put/del sequences, recovery from every kind of damage (a torn
// tail at every byte position, a flipped byte anywhere, bad magic, unknown
// record kind, an empty or missing file, random garbage), compaction (temp
// file + rename, size drop, content kept), and real binding records of the
// core restored after damage. Recovery keeps everything up to the last good
// record, says where the damage is, and never throws.
//
// Records are checked here with zlib's crc32 and a hand-written encoder, not
// with the module's own: the format is the contract.

import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32 as zcrc32 } from "node:zlib";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal, replay, MAGIC, KIND_PUT, KIND_DEL } from "../../host/store/journal.js";
import { EFFECT } from "../../host/core/abi.js";
import { Bench, clientId, duidLL, elapsed, iaNa, iaPd, message, serverId } from "./helpers/engine.js";

// ---------------------------------------------------------------------------
// Helpers

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "d6-journal-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One record as the README says: crc32 (4) | kind (1) | binding id (4) | length (2) | payload; big-endian; crc over kind..end. */
function record(kind: number, id: number, payload: Uint8Array): Buffer {
  const body = Buffer.alloc(7 + payload.length);
  body[0] = kind;
  body.writeUInt32BE(id >>> 0, 1);
  body.writeUInt16BE(payload.length, 5);
  Buffer.from(payload).copy(body, 7);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zcrc32(body) >>> 0, 0);
  return Buffer.concat([crc, body]);
}

/** A deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function payload(seed: number, len: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
}

type Op = { kind: "put"; id: number; data: Uint8Array } | { kind: "del"; id: number };

/** A journal file built by hand from ops, and the live records after each op prefix. */
function build(ops: Op[]): { file: Buffer; offsets: number[]; liveAfter: Map<number, Uint8Array>[] } {
  const parts: Buffer[] = [Buffer.from("D6J1")];
  const offsets: number[] = [];
  const liveAfter: Map<number, Uint8Array>[] = [new Map()];
  let o = 4;
  const live = new Map<number, Uint8Array>();
  for (const op of ops) {
    const r = op.kind === "put" ? record(KIND_PUT, op.id, op.data) : record(KIND_DEL, op.id, new Uint8Array(0));
    offsets.push(o);
    o += r.length;
    parts.push(r);
    if (op.kind === "put") live.set(op.id, op.data);
    else live.delete(op.id);
    liveAfter.push(new Map(live));
  }
  return { file: Buffer.concat(parts), offsets, liveAfter };
}

const asHex = (m: Map<number, Uint8Array>) => [...m].map(([id, d]) => `${id}:${Buffer.from(d).toString("hex")}`).sort();

const OPS: Op[] = [
  { kind: "put", id: 0, data: payload(1, 40) },
  { kind: "put", id: 7, data: payload(2, 33) },
  { kind: "put", id: 0, data: payload(3, 40) }, // an update of id 0
  { kind: "del", id: 7 },
  { kind: "put", id: 0xfffffffe, data: payload(4, 1) },
  { kind: "put", id: 12, data: payload(5, 0) }, // an empty payload is a record too
  { kind: "put", id: 3, data: payload(6, 57) },
];

// ---------------------------------------------------------------------------
// Format and sequences

test("the file is the README's format: magic D6J1, then crc32 (zlib) | kind | id | length | payload, big-endian", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const j = new Journal(path);
  for (const op of OPS) op.kind === "put" ? j.put(op.id, op.data) : j.del(op.id);
  j.sync();
  j.close();
  assert.equal(MAGIC.toString("latin1"), "D6J1");
  assert.deepEqual(readFileSync(path), build(OPS).file, "byte for byte what a hand-written encoder makes");
});

test("put/del sequences: reopening replays the live records, a delete of an id that is not live writes nothing", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const r = rng(42);
  const model = new Map<number, Uint8Array>();
  let j = new Journal(path);
  for (let round = 0; round < 20; round++) {
    for (let k = 0; k < 50; k++) {
      const id = Math.floor(r() * 30);
      if (r() < 0.65) {
        const data = payload(round * 1000 + k, Math.floor(r() * 400));
        j.put(id, data);
        model.set(id, data);
      } else {
        const size = statSync(path).size;
        const had = model.has(id);
        j.del(id);
        model.delete(id);
        if (!had) assert.equal(statSync(path).size, size, `del(${id}) of an id that is not live writes nothing`);
      }
    }
    j.close();
    j = new Journal(path);
    assert.equal(j.replayed.damage, null, `round ${round}: no damage`);
    assert.equal(j.replayed.goodBytes, statSync(path).size, `round ${round}: every byte good`);
    assert.deepEqual(asHex(j.replayed.records), asHex(model), `round ${round}: the live records`);
  }
  j.close();
});

test("a missing file is created holding only the magic (mode 0600); an empty file is a fresh journal, not damage", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const j = new Journal(path);
  assert.equal(j.replayed.damage, null);
  assert.equal(j.replayed.records.size, 0);
  j.close();
  assert.deepEqual(readFileSync(path), Buffer.from("D6J1"));
  assert.equal(statSync(path).mode & 0o777, 0o600, "the journal is private");

  writeFileSync(path, Buffer.alloc(0));
  assert.deepEqual(replay(new Uint8Array(0)), { records: new Map(), goodBytes: 0, damage: null });
  const k = new Journal(path);
  assert.equal(k.replayed.damage, null, "an empty file (e.g. created, then power lost) is no damage");
  k.put(5, payload(9, 10));
  k.close();
  const again = new Journal(path);
  assert.deepEqual(asHex(again.replayed.records), asHex(new Map([[5, payload(9, 10)]])), "and writing goes on after the magic");
  again.close();
});

// ---------------------------------------------------------------------------
// Damage

test("a torn tail, cut at every byte position of the last record: everything before it is kept, the damage is named, writing goes on after the last good record", (t) => {
  const dir = tmp(t);
  const { file, offsets, liveAfter } = build(OPS);
  const last = offsets[offsets.length - 1];
  const before = liveAfter[OPS.length - 1];
  for (let cut = last; cut < file.length; cut++) {
    const data = file.subarray(0, cut);
    const r = replay(data);
    assert.deepEqual(asHex(r.records), asHex(before), `cut at ${cut}: the records before the last one`);
    assert.equal(r.goodBytes, last, `cut at ${cut}: good up to the last record's start`);
    if (cut === last) assert.equal(r.damage, null, "cut exactly at a record boundary: a clean file");
    else {
      assert.match(r.damage ?? "", new RegExp(`^truncated record( header)? at byte ${last}$`), `cut at ${cut}: the damage says where`);
      assert.match(r.damage ?? "", cut - last < 11 ? /header/ : /^truncated record at/, `cut at ${cut}: header or payload`);
    }

    // The same through Journal: never throws, cuts the file, appends after the good part.
    const path = join(dir, `cut-${cut}.journal`);
    writeFileSync(path, data);
    const j = new Journal(path);
    assert.equal(statSync(path).size, last, `cut at ${cut}: the torn tail is cut off the file`);
    const extra = payload(cut, 20);
    j.put(99, extra);
    j.close();
    const k = new Journal(path);
    assert.equal(k.replayed.damage, null, `cut at ${cut}: after recovery and a write, the file is clean`);
    assert.deepEqual(asHex(k.replayed.records), asHex(new Map([...before, [99, extra]])), `cut at ${cut}: recovered records and the new one`);
    k.close();
  }
  // Cut inside an earlier record too: the records before that one.
  for (let i = 0; i < offsets.length; i++) {
    const r = replay(file.subarray(0, offsets[i] + 3));
    assert.deepEqual(asHex(r.records), asHex(liveAfter[i]), `cut 3 bytes into record ${i}`);
  }
});

test("a flipped byte anywhere in any record: replay stops at that record with a damage message and keeps every record before it", () => {
  const { file, offsets, liveAfter } = build(OPS);
  let checked = 0;
  for (let i = 0; i < offsets.length; i++) {
    const end = i + 1 < offsets.length ? offsets[i + 1] : file.length;
    for (let p = offsets[i]; p < end; p++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(file);
        bad[p] ^= mask;
        let r;
        assert.doesNotThrow(() => (r = replay(bad)), `byte ${p} ^ ${mask}`);
        r = r!;
        assert.equal(r.goodBytes, offsets[i], `byte ${p} ^ 0x${mask.toString(16)} (record ${i}): good up to the record's start`);
        assert.deepEqual(asHex(r.records), asHex(liveAfter[i]), `byte ${p} ^ 0x${mask.toString(16)}: the records before record ${i}`);
        assert.match(r.damage ?? "", new RegExp(`(checksum mismatch|truncated record|unknown record kind \\d+) at byte ${offsets[i]}$`), `byte ${p}: damage named`);
        // A flip in the checksum, kind, id or payload is a checksum mismatch.
        if (p - offsets[i] !== 9 && p - offsets[i] !== 10) assert.match(r.damage!, /checksum mismatch/, `byte ${p} (not the length): checksum mismatch`);
        checked++;
      }
    }
  }
  assert.ok(checked > 600, `${checked} flips checked`);
});

test("bad magic: no records, 'bad magic' damage; opening it never throws and starts a fresh journal", (t) => {
  const dir = tmp(t);
  const { file } = build(OPS);
  for (const [what, data] of [
    ["D6J2 (another version)", Buffer.concat([Buffer.from("D6J2"), file.subarray(4)])],
    ["a flipped magic byte", Buffer.concat([Buffer.from("D7J1"), file.subarray(4)])],
    ["shorter than the magic", Buffer.from("D6")],
    ["a text file", Buffer.from("config dhcp 'lan'\n")],
  ] as const) {
    const r = replay(data);
    assert.deepEqual([r.records.size, r.goodBytes], [0, 0], what);
    assert.match(r.damage ?? "", /bad magic/, what);
    const path = join(dir, `magic-${what.replace(/\W+/g, "_")}.journal`);
    writeFileSync(path, data);
    const j = new Journal(path);
    assert.match(j.replayed.damage ?? "", /bad magic/);
    j.put(1, payload(1, 8));
    j.close();
    const k = new Journal(path);
    assert.equal(k.replayed.damage, null, `${what}: after opening, a valid journal`);
    assert.deepEqual([...k.replayed.records.keys()], [1]);
    k.close();
  }
});

test("an unknown record kind with a valid checksum: damage named, the records before it kept, the rest cut off", (t) => {
  const dir = tmp(t);
  const { file, liveAfter } = build(OPS.slice(0, 3));
  for (const kind of [0, 3, 7, 0xff]) {
    const data = Buffer.concat([file, record(kind, 4, payload(kind, 12)), record(KIND_PUT, 5, payload(5, 12))]);
    const r = replay(data);
    assert.equal(r.damage, `unknown record kind ${kind} at byte ${file.length}`);
    assert.equal(r.goodBytes, file.length);
    assert.deepEqual(asHex(r.records), asHex(liveAfter[3]), "the records before it; nothing after it");
    const path = join(dir, `kind-${kind}.journal`);
    writeFileSync(path, data);
    new Journal(path).close();
    assert.equal(statSync(path).size, file.length, "opening cuts the file at the unknown record");
  }
});

test("random garbage never throws: replay and Journal stop at the first bad record, the good prefix is a whole number of records", (t) => {
  const dir = tmp(t);
  const r = rng(7);
  const { file } = build(OPS);
  for (let n = 0; n < 2000; n++) {
    const len = Math.floor(r() * 300);
    const junk = Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256)));
    // Half of them after a valid prefix (the magic and some records).
    const data = n % 2 ? Buffer.concat([file.subarray(0, Math.floor(r() * file.length)), junk]) : junk;
    let res!: ReturnType<typeof replay>;
    assert.doesNotThrow(() => (res = replay(data)), `input ${n}`);
    assert.ok(res.goodBytes <= data.length);
    if (res.goodBytes < data.length) assert.ok(res.damage, `input ${n}: bytes left over must come with a damage message`);
    if (res.goodBytes > 0) assert.equal(replay(data.subarray(0, res.goodBytes)).damage, null, `input ${n}: the good prefix replays cleanly`);
    if (n % 50 === 0) {
      const path = join(dir, `junk-${n}.journal`);
      writeFileSync(path, data);
      assert.doesNotThrow(() => new Journal(path).close(), `Journal on input ${n}`);
    }
  }
});

// ---------------------------------------------------------------------------
// Compaction

test("compaction: wanted once the file is over 1 MiB and 4x its live content; temp file + rename, the size drops, the content is kept, writing goes on", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const j = new Journal(path);
  const live = new Map<number, Uint8Array>();
  let n = 0;
  while (!j.wantsCompaction()) {
    const id = n % 8;
    const data = payload(n, 384);
    j.put(id, data);
    live.set(id, data);
    if (n % 5 === 4) {
      j.del(id);
      live.delete(id);
    }
    n++;
    assert.ok(n < 10_000, "compaction was never wanted");
  }
  const big = statSync(path);
  assert.ok(big.size > 1 << 20, `wanted only past 1 MiB (${big.size} bytes after ${n} records)`);
  writeFileSync(`${path}.tmp`, "left over from a crash during an earlier compaction", { mode: 0o600 });

  j.compact(live);
  const small = statSync(path);
  assert.ok(!existsSync(`${path}.tmp`), "no temp file left");
  assert.notEqual(small.ino, big.ino, "a new file took the journal's name (rename), the old one was not rewritten in place");
  assert.equal(small.size, 4 + [...live.values()].reduce((s, d) => s + 11 + d.length, 0), "magic + one record per live binding");
  assert.equal(small.mode & 0o777, 0o600);
  assert.ok(!j.wantsCompaction(), "nothing more to compact");
  const more = payload(1e6, 384);
  j.put(100, more);
  j.del([...live.keys()][0]);
  live.delete([...live.keys()][0]);
  live.set(100, more);
  j.close();
  const k = new Journal(path);
  assert.equal(k.replayed.damage, null);
  assert.deepEqual(asHex(k.replayed.records), asHex(live), "after compaction and more writes, the live records");
  k.close();
});

test("a small journal is never compacted, however much of it is dead", (t) => {
  const dir = tmp(t);
  const j = new Journal(join(dir, "bindings.journal"));
  for (let n = 0; n < 1000; n++) j.put(0, payload(n, 384));
  assert.equal(j.wantsCompaction(), false, "under 1 MiB");
  j.close();
});

test("a stale temp file from a crash during compaction does not disturb opening", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const { file, liveAfter } = build(OPS);
  writeFileSync(path, file);
  writeFileSync(`${path}.tmp`, file.subarray(0, 20));
  const j = new Journal(path);
  assert.equal(j.replayed.damage, null);
  assert.deepEqual(asHex(j.replayed.records), asHex(liveAfter[OPS.length]));
  j.close();
});

// ---------------------------------------------------------------------------
// With the core's real binding records

test("real binding records: a journal written from the core's effects, torn or corrupted, restores into a fresh core every binding before the damage", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const b = new Bench();
  const j = new Journal(path);
  const apply = (effects: { type: number; id?: number; record?: Uint8Array }[]) => {
    for (const e of effects) {
      if (e.type === EFFECT.BINDING_PUT) j.put(e.id!, e.record!);
      if (e.type === EFFECT.BINDING_DEL) j.del(e.id!);
    }
  };
  const duids: string[] = [];
  for (let c = 1; c <= 6; c++) {
    const duid = duidLL(c);
    duids.push(Buffer.from(duid).toString("hex"));
    apply(b.send(message(1, c, clientId(duid), elapsed(), iaNa(1), iaPd(2, { plen: 64 }))).effects);
    apply(b.send(message(3, c, clientId(duid), serverId(), elapsed(), iaNa(1), iaPd(2, { plen: 64 }))).effects);
  }
  apply(b.send(message(8, 77, clientId(duidLL(3)), serverId(), elapsed(), iaNa(1), iaPd(2, { plen: 64 }))).effects); // client 3 releases
  j.close();
  const file = readFileSync(path);
  const clean = replay(file);
  assert.equal(clean.damage, null);
  assert.equal(clean.records.size, 10, "5 clients x (IA_NA + IA_PD) are live");

  /** DUIDs (hex) of the leases a fresh core shows after restoring `data`. */
  const restoredDuids = (data: Uint8Array): { duids: string[]; damage: string | null } => {
    const r = replay(data);
    const fresh = new Bench();
    for (const [id, rec] of r.records) assert.ok(fresh.core.restore(id, rec), `record ${id} restores`);
    fresh.core.restoreDone();
    const json = fresh.core.leasesJson(fresh.now) as { device: Record<string, { leases: { duid: string }[] }> };
    const got = Object.values(json.device).flatMap((d) => d.leases.map((l) => l.duid));
    return { duids: [...new Set(got)].sort(), damage: r.damage };
  };
  assert.deepEqual(restoredDuids(file).duids, duids.filter((_, i) => i !== 2).sort(), "clean: every client but the released one");

  // Torn in the middle of the last record (client 3's second deletion): client 3's IA_PD comes back, as it was before.
  const torn = restoredDuids(file.subarray(0, file.length - 3));
  assert.match(torn.damage ?? "", /truncated/);
  assert.deepEqual(torn.duids, duids.slice().sort(), "torn last record: the deletion it held is lost, nothing else");

  // A flipped byte in the 4th client's Request records: clients 1-3 only (the records after the damage are dropped).
  const offsets: number[] = [];
  for (let o = 4; o < file.length; o += 11 + file.readUInt16BE(o + 9)) offsets.push(o);
  const fourthPut = offsets[6]; // puts 0-5: clients 1-3 (NA, PD each)
  const bad = Buffer.from(file);
  bad[fourthPut + 100] ^= 0x40;
  const flipped = restoredDuids(bad);
  assert.equal(flipped.damage, `checksum mismatch at byte ${fourthPut}`);
  assert.deepEqual(flipped.duids, duids.slice(0, 3).sort(), "clients 1-3 restored, 4-6 (after the damage) not");

  // Truncated to nothing but the magic, or empty: no bindings, no exception.
  assert.deepEqual(restoredDuids(file.subarray(0, 4)).duids, []);
  assert.deepEqual(restoredDuids(new Uint8Array(0)).duids, []);
  truncateSync(path, 0);
});

// ---------------------------------------------------------------------------
// What the journal keeps in memory

test("the replayed records are handed over once: afterwards the journal holds none of them (damage and size stay known)", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const { file, liveAfter } = build(OPS);
  writeFileSync(path, Buffer.concat([file, Buffer.from([1, 2, 3])])); // a torn tail
  const j = new Journal(path);
  const r = j.takeReplayed();
  assert.deepEqual(asHex(r.records), asHex(liveAfter[OPS.length]), "the live records, once");
  assert.match(r.damage ?? "", /truncated/);
  assert.equal(j.replayed.records.size, 0, "the journal no longer holds them");
  assert.equal(j.replayed.damage, r.damage);
  assert.equal(j.replayed.goodBytes, r.goodBytes);
  assert.equal(j.takeReplayed().records.size, 0, "a second take has nothing");
  // The live set is still known: deleting a replayed binding writes a record, an unknown id writes nothing.
  const before = statSync(path).size;
  j.del(0xfffffffe);
  assert.equal(statSync(path).size, before + 11, "a replayed binding (id above the dense range too) is deleted in the file");
  j.del(0xfffffffe);
  j.del(4242);
  assert.equal(statSync(path).size, before + 11, "deleting what is not live writes nothing");
  j.close();
  const expect = new Map(liveAfter[OPS.length]);
  expect.delete(0xfffffffe);
  assert.deepEqual(asHex(new Journal(path).replayed.records), asHex(expect));
});

test("compaction from a stream of views (as the core hands them, no copies): many chunks, every record exact, nothing wanted after", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const j = new Journal(path);
  const n = 700; // 700 x 395 bytes: several write chunks
  const table = new Uint8Array(n * 384);
  for (let id = 0; id < n; id++) table.set(payload(id + 1, 384), id * 384);
  // Churn until compaction is wanted: the same ids rewritten, some deleted.
  for (let round = 0; !j.wantsCompaction(); round++) {
    for (let id = 0; id < n; id++) j.put(id, payload(round * n + id, 384));
    assert.ok(round < 20, "compaction was never wanted");
  }
  for (let id = 0; id < n; id += 3) j.del(id);
  const kept = new Map<number, Uint8Array>();
  function* views(): Generator<[number, Uint8Array]> {
    for (let id = 1; id < n; id++) if (id % 3 !== 0) yield [id, table.subarray(id * 384, (id + 1) * 384)];
  }
  for (const [id, v] of views()) kept.set(id, v.slice());
  j.compact(views());
  assert.equal(statSync(path).size, 4 + kept.size * (11 + 384), "magic + one record per live binding");
  assert.ok(!j.wantsCompaction());
  j.put(n + 5, payload(99, 384)); // writing goes on at the end of the compacted file
  kept.set(n + 5, payload(99, 384));
  j.del(1); // a compacted record is live: its deletion is written
  kept.delete(1);
  j.close();
  const again = new Journal(path);
  assert.equal(again.replayed.damage, null);
  assert.deepEqual(asHex(again.replayed.records), asHex(kept));
  again.close();
});

test("records of different sizes one after another (the write buffer is reused and grows): each exact", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const j = new Journal(path);
  const sizes = [384, 3, 1000, 0, 600, 384, 65535, 17];
  const model = new Map<number, Uint8Array>();
  sizes.forEach((len, i) => {
    const d = payload(1000 + i, len);
    j.put(i % 5, d);
    model.set(i % 5, d);
  });
  j.close();
  const r = replay(readFileSync(path));
  assert.equal(r.damage, null);
  assert.deepEqual(asHex(r.records), asHex(model));
});

test("hold/flush: records of a batch reach the file only at flush, in one piece, in order, exactly as unbatched ones; compaction and close flush first", (t) => {
  const dir = tmp(t);
  const path = join(dir, "bindings.journal");
  const j = new Journal(path);
  j.put(1, payload(1, 384));
  const before = statSync(path).size;
  j.hold();
  const model = new Map<number, Uint8Array>([[1, payload(1, 384)]]);
  for (let i = 0; i < 100; i++) {
    // 100 records of 384 B outgrow the first 16 KiB held buffer
    const d = payload(500 + i, 384);
    j.put(2 + (i % 60), d);
    model.set(2 + (i % 60), d);
  }
  j.del(1);
  model.delete(1);
  assert.equal(statSync(path).size, before, "nothing written while held");
  j.flush();
  const after = readFileSync(path);
  assert.equal(after.length, before + 100 * (11 + 384) + 11, "every held record written");
  assert.deepEqual(asHex(replay(after).records), asHex(model));
  j.flush(); // nothing held: no-op
  assert.equal(statSync(path).size, after.length);

  j.hold();
  j.put(7, payload(7, 10));
  model.set(7, payload(7, 10));
  j.close(); // flushes
  assert.deepEqual(asHex(replay(readFileSync(path)).records), asHex(model));

  const k = new Journal(path);
  k.hold();
  k.put(8, payload(8, 20));
  model.set(8, payload(8, 20));
  k.compact(model); // flushes, then rewrites from what the caller gives
  k.close();
  assert.deepEqual(asHex(replay(readFileSync(path)).records), asHex(model));
});
