// The binding table, in linear memory: fixed-size records, allocated once
// when the capacity is configured, found by (interface, IA type, IAID, DUID)
// through a keyed hash index, and by (interface, host part) for IA_NA.
// Nothing is allocated per packet. Memory: BREC_SIZE bytes per binding plus
// its share of the indexes (see bReserve).
//
// The id and position indexes are open addressing (linear probing) over u64
// slots, each holding the record's index + 1 and 32 bits of its key's hash: a
// lookup reads records only when those bits match, so at 100k bindings, where
// every record is a cache (and TLB) miss, a lookup touches one record, not a
// chain, and a miss (a new client, a free address) touches none.

import { sipHash } from "./siphash";
import { bytesEqual } from "../wire/bytes";

// ---------------------------------------------------------------- record layout
export const BREC_SIZE: u32 = 384;
export const B_STATE: usize = 0; // u8 B_*
export const B_TYPE: usize = 1; // u8 OPT_IA_NA or OPT_IA_PD
export const B_SLOT: usize = 2; // u8 interface slot
export const B_FLAGS: usize = 3; // u8 BF_*
export const B_IAID: usize = 4; // u32
export const B_EXPIRES: usize = 8; // u32 host clock: end of validity (bound), of the offer (advertised), of the block (declined)
export const B_NEXT_ID: usize = 12; // u32 index + 1 of the next free record (free records only)
export const B_NEXT_POS: usize = 16; // u32: unused (was a position chain link)
export const B_LEASETIME: usize = 20; // u32 valid lifetime last granted
export const B_POSITION: usize = 24; // u64 IA_NA: interface identifier; IA_PD: prefix index
export const B_PLEN: usize = 32; // u8 IA_PD: delegated prefix length
export const B_DUID_LEN: usize = 33; // u8
export const B_HOSTNAME_LEN: usize = 34; // u8
export const B_PEER_SLOT: usize = 35; // u8: interface the client (or its relay) is reached through
export const B_PEER: usize = 40; // 16 bytes: client address, or its first relay's (route next hop for IA_PD)
export const B_RECONF_KEY: usize = 56; // 16 bytes (RFC 8415 section 20.4)
export const B_REPLAY: usize = 72; // u64 replay detection counter
export const B_DUID: usize = 80; // DUID_MAX bytes
export const DUID_MAX: u32 = 130;
export const B_HOSTNAME: usize = 210; // HOSTNAME_MAX bytes (ASCII, first label of the Client FQDN)
export const HOSTNAME_MAX: u32 = 63;
// Reconfigure (RFC 8415 sections 18.2.11, 20.4) and the client's relay path.
export const B_RECONF_SENT: usize = 276; // u8 transmissions of the pending Reconfigure
export const B_RELAY_HOPS: usize = 277; // u8 relay layers to reach the client: 0, 1, or RELAY_PATH_UNKNOWN
export const B_RELAY_IFID_LEN: usize = 278; // u8
export const B_RELAY_HOPCOUNT: usize = 279; // u8 hop-count of that relay layer
export const B_RECONF_NEXT: usize = 280; // u32 host clock of the next transmission, 0 = none pending
export const B_PEER_PORT: usize = 284; // u16 port to reach B_PEER on
export const B_RELAY_LINK: usize = 288; // 16 bytes: the relay layer's link-address
export const B_RELAY_PEER: usize = 304; // 16 bytes: the relay layer's peer-address (the client)
export const B_RELAY_IFID: usize = 320; // RELAY_IFID_MAX bytes: the relay layer's Interface-ID
export const RELAY_IFID_MAX: u32 = 32;
export const RELAY_PATH_UNKNOWN: u8 = 255; // more than one relay, or an Interface-ID too long to keep
export const B_OFFER_SEQ: usize = 352; // u32: sequence number of the offer in the offer queue
export const B_KEY_TIME: usize = 360; // u64: when the reconfigure key was delivered (its replay value); 0 = none
export const B_NEXT_CLIENT: usize = 368; // u32 index + 1 of the next record in the same client bucket
export const B_HASH: usize = 376; // u64 duidHash of the DUID (set when indexed; rebuilt from the DUID on restore)

export const B_FREE: u8 = 0;
export const B_ADVERTISED: u8 = 1; // offered in an Advertise, not yet requested
export const B_BOUND: u8 = 2;
export const B_DECLINED: u8 = 3; // the client declined the address: blocked until B_EXPIRES

export const BF_RECONF_ACCEPT: u8 = 1; // the client sent Reconfigure Accept
export const BF_STATIC: u8 = 2; // from a `config host` entry

const NONE: u32 = 0;

let base: usize = 0; // first record
let capacity: u32 = 0;
let used: u32 = 0;
let idSlots: usize = 0; // u64[idMask + 1]: (index + 1) << 32 | the key's idHash; 0 = empty
let idMask: u32 = 0;
let posSlots: usize = 0; // u64[idMask + 1]: IA_NA records by (slot, position), as idSlots
let dedupe: usize = 0; // u32[nBuckets]: scratch set of clients (bDedupe*)
// Offers (advertised records) in the order they were made, so that the oldest
// can be dropped first when offers crowd the table (a Solicit flood): a ring
// of (index, sequence) pairs; an entry whose record no longer carries that
// sequence is stale and skipped.
let offers: usize = 0; // u64[capacity]
let clientBuckets: usize = 0; // u32[nBuckets]: all records of a client (interface, DUID)
let offerHead: u32 = 0;
let offerCount: u32 = 0;
let offerSeq: u32 = 0;
let advertised: u32 = 0; // records in state B_ADVERTISED
let nBuckets: u32 = 0; // power of two >= capacity
let freeHead: u32 = NONE; // index + 1

export function bCapacity(): u32 {
  return capacity;
}

export function bUsed(): u32 {
  return used;
}

@inline export function rec(i: u32): usize {
  return base + <usize>i * BREC_SIZE;
}

/** Allocates the table for `cap` bindings. Only growth is possible; records
 *  and their indices survive (the old area is not reused: the stub runtime
 *  never frees, so grow rarely). Returns false when memory cannot grow. */
export function bReserve(cap: u32): bool {
  if (cap <= capacity) return true;
  let nb: u32 = 16;
  while (nb < cap) nb <<= 1;
  // The id index stays at most 2/3 full, so that probes stay short.
  let ns: u32 = 16;
  while (ns < cap + (cap >> 1)) ns <<= 1;
  const size = <usize>cap * BREC_SIZE + <usize>ns * 16 + <usize>nb * 8 + <usize>cap * 8;
  if (size > 0x7fff0000) return false;
  const pages = <i32>((size + 0xffff) >> 16);
  const start = memory.grow(pages);
  if (start < 0) return false;
  const newBase = <usize>start << 16;
  // Fresh pages are zero already (and not resident until touched): no fill.
  if (capacity != 0) memory.copy(newBase, base, <usize>capacity * BREC_SIZE);
  const old = capacity;
  base = newBase;
  capacity = cap;
  nBuckets = nb;
  idMask = ns - 1;
  idSlots = newBase + <usize>cap * BREC_SIZE;
  posSlots = idSlots + <usize>ns * 8;
  dedupe = posSlots + <usize>ns * 8;
  offers = dedupe + <usize>nb * 4;
  clientBuckets = offers + <usize>cap * 8;
  rebuild(old);
  return true;
}

/** Rebuilds the free list and both indexes from the records' states. */
function rebuild(_oldCapacity: u32): void {
  memory.fill(idSlots, 0, (<usize>idMask + 1) * 8);
  memory.fill(posSlots, 0, (<usize>idMask + 1) * 8);
  memory.fill(clientBuckets, 0, <usize>nBuckets * 4);
  freeHead = NONE;
  used = 0;
  offerHead = 0;
  offerCount = 0;
  advertised = 0;
  for (let i: i32 = <i32>capacity - 1; i >= 0; i--) {
    const r = rec(<u32>i);
    if (load<u8>(r + B_STATE) == B_FREE) {
      store<u32>(r + B_NEXT_ID, freeHead);
      freeHead = <u32>i + 1;
    } else {
      used++;
      linkId(<u32>i, duidHash(r + B_DUID, load<u8>(r + B_DUID_LEN)));
      if (load<u8>(r + B_TYPE) == 3) linkPos(<u32>i);
      if (load<u8>(r + B_STATE) == B_ADVERTISED) queueOffer(<u32>i);
    }
  }
}

function queueOffer(i: u32): void {
  advertised++;
  if (offerCount == capacity) offerPop(); // cannot happen with one entry per live offer, but stay bounded
  offerSeq++;
  store<u32>(rec(i) + B_OFFER_SEQ, offerSeq);
  store<u64>(offers + (<usize>((offerHead + offerCount) % capacity) << 3), (<u64>offerSeq << 32) | <u64>i);
  offerCount++;
}

function offerPop(): u64 {
  const e = load<u64>(offers + (<usize>offerHead << 3));
  offerHead = (offerHead + 1) % capacity;
  offerCount--;
  return e;
}

/** Number of records holding an offer. */
export function bAdvertised(): u32 {
  return advertised;
}

/** The oldest record still holding an offer, or -1. */
export function bOldestOffer(): i32 {
  while (offerCount > 0) {
    const e = offerPop();
    const i = <u32>e;
    const r = rec(i);
    if (load<u8>(r + B_STATE) == B_ADVERTISED && load<u32>(r + B_OFFER_SEQ) == <u32>(e >> 32)) return <i32>i;
  }
  return -1;
}

/** An offer becomes a binding (state bound). */
export function bBind(i: u32): void {
  const r = rec(i);
  if (load<u8>(r + B_STATE) == B_ADVERTISED) advertised--;
  store<u8>(r + B_STATE, B_BOUND);
}

// ---------------------------------------------------------------- keys

@inline function idKey(slot: u32, type: u32, iaid: u32): u64 {
  return (<u64>iaid) | (<u64>type << 32) | (<u64>slot << 48);
}

/** The keyed hash of a DUID that places its bindings in the index (hash
 *  once per request; the IA is mixed in cheaply). */
export function duidHash(duid: usize, duidLen: u32): u64 {
  return sipHash(duid, duidLen, 0x6475696400000000);
}

/** 64 bits folded into 32 well-mixed ones. */
@inline function fold(x: u64): u32 {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93;
  x ^= x >> 32;
  return <u32>x;
}

/** The hash of a client (interface, DUID hash `h`). */
@inline function clientMix(h: u64, slot: u32): u32 {
  return fold(h ^ (<u64>slot * 0xc2b2ae3d27d4eb4f));
}

/** The 32-bit hash of a key in the id index: its low bits choose the home
 *  slot, all of them are kept in the slot as a tag. */
@inline function idHash(h: u64, slot: u32, type: u32, iaid: u32): u32 {
  return fold(h ^ (idKey(slot, type, iaid) * 0x9e3779b97f4a7c15));
}

@inline function slotAt(slots: usize, p: u32): usize {
  return slots + (<usize>p << 3);
}

@inline function recIdHash(r: usize): u32 {
  return idHash(load<u64>(r + B_HASH), load<u8>(r + B_SLOT), load<u8>(r + B_TYPE), load<u32>(r + B_IAID));
}

/** The 32-bit hash of (slot, position) in the position index. */
/** IA_NA positions (interface identifiers) hash by their low 32 bits only: an
 *  address in a prefix as long as /96 (NA_MAX_PLEN) keeps only those, so two
 *  identifiers equal there clash, and must be found in one probe chain. */
const POS_CLASH_MASK: u64 = 0xffffffff;

@inline function posHash(slot: u32, position: u64): u32 {
  return fold((position & POS_CLASH_MASK) ^ (<u64>slot * 0x9e3779b97f4a7c15));
}

@inline function clientBucketOf(h: u64, slot: u32): usize {
  return clientBuckets + (<usize>(clientMix(h, slot) & (nBuckets - 1)) << 2);
}

/** Links record `i`, whose DUID hashes to `h`, into the id index and its client's chain. */
function linkId(i: u32, h: u64): void {
  const r = rec(i);
  const slot = <u32>load<u8>(r + B_SLOT);
  store<u64>(r + B_HASH, h);
  oaInsert(idSlots, recIdHash(r), i);
  const c = clientBucketOf(h, slot);
  store<u32>(r + B_NEXT_CLIENT, load<u32>(c));
  store<u32>(c, i + 1);
}

/** Where the probe of oaNext goes on. */
let probeAt: u32 = 0;

/** The next record whose key's hash is `x` in the index at `slots`, from
 *  slot `probeAt` on (set it to x & idMask to start); -1 at the end of the
 *  probe. The caller checks the record's key (other keys share the hash). */
@inline function oaNext(slots: usize, x: u32): i32 {
  while (true) {
    const e = load<u64>(slotAt(slots, probeAt));
    if (e == 0) return -1;
    probeAt = (probeAt + 1) & idMask;
    if (<u32>e == x) return <i32>(<u32>(e >> 32) - 1);
  }
}

/** Puts record `i`, whose key hashes to `x`, into the index at `slots`
 *  (idMask + 1 slots, never full: they outnumber the records). */
function oaInsert(slots: usize, x: u32, i: u32): void {
  let p = x & idMask;
  while (load<u64>(slotAt(slots, p)) != 0) p = (p + 1) & idMask;
  store<u64>(slotAt(slots, p), (<u64>(i + 1) << 32) | <u64>x);
}

/** Removes record `i` (key hash `x`) from the index at `slots`, shifting
 *  back the entries that probed past it (no tombstones: probes stay as short
 *  as the load allows). */
function oaRemove(slots: usize, x: u32, i: u32): void {
  const want = (<u64>(i + 1) << 32) | <u64>x;
  let hole = x & idMask;
  while (load<u64>(slotAt(slots, hole)) != want) {
    if (load<u64>(slotAt(slots, hole)) == 0) return; // not indexed
    hole = (hole + 1) & idMask;
  }
  let q = hole;
  while (true) {
    q = (q + 1) & idMask;
    const e = load<u64>(slotAt(slots, q));
    if (e == 0) break;
    // The entry at q stays when its home lies cyclically in (hole, q].
    const home = <u32>e & idMask;
    if (hole <= q ? hole < home && home <= q : hole < home || home <= q) continue;
    store<u64>(slotAt(slots, hole), e);
    hole = q;
  }
  store<u64>(slotAt(slots, hole), 0);
}

/** Unlinks `i` from the chain starting at bucket `b` whose next links are at `next`. */
function unlinkFrom(b: usize, i: u32, next: usize): void {
  while (load<u32>(b) != NONE) {
    const j = load<u32>(b) - 1;
    if (j == i) {
      store<u32>(b, load<u32>(rec(i) + next));
      return;
    }
    b = rec(j) + next;
  }
}

function unlinkId(i: u32): void {
  const r = rec(i);
  oaRemove(idSlots, recIdHash(r), i);
  unlinkFrom(clientBucketOf(load<u64>(r + B_HASH), load<u8>(r + B_SLOT)), i, B_NEXT_CLIENT);
}

/** The first record (index + 1, 0 = none) of the chain holding `i`'s client;
 *  follow with bClientNext and check bSameClient (other clients share buckets). */
export function bClientFirst(i: u32): u32 {
  const r = rec(i);
  return load<u32>(clientBucketOf(load<u64>(r + B_HASH), load<u8>(r + B_SLOT)));
}

export function bClientNext(j: u32): u32 {
  return load<u32>(rec(j - 1) + B_NEXT_CLIENT);
}

/** True when records `i` and `j` belong to the same client (interface and DUID). */
export function bSameClient(i: u32, j: u32): bool {
  const a = rec(i);
  const b = rec(j);
  const n = <u32>load<u8>(a + B_DUID_LEN);
  return load<u8>(a + B_SLOT) == load<u8>(b + B_SLOT) && <u32>load<u8>(b + B_DUID_LEN) == n && bytesEqual(a + B_DUID, b + B_DUID, n);
}

@inline function recPosHash(r: usize): u32 {
  return posHash(load<u8>(r + B_SLOT), load<u64>(r + B_POSITION));
}

function linkPos(i: u32): void {
  oaInsert(posSlots, recPosHash(rec(i)), i);
}

function unlinkPos(i: u32): void {
  oaRemove(posSlots, recPosHash(rec(i)), i);
}

// ---------------------------------------------------------------- a set of clients

/** Empties the client set (per pass: a prefix change). */
export function bDedupeReset(): void {
  if (nBuckets != 0) memory.fill(dedupe, 0, <usize>nBuckets * 4);
}

/** Adds the client (interface, DUID) of record `i` to the set. Returns -1
 *  when the client is new, else the record that stands for it (open
 *  addressing over nBuckets >= capacity). */
export function bDedupeAdd(i: u32): i32 {
  const b = dedupeBucket(i);
  if (b == 0) return -1;
  const j = load<u32>(b);
  if (j == NONE) {
    store<u32>(b, i + 1);
    return -1;
  }
  return <i32>(j - 1);
}

/** Makes record `i` stand for its client in the set instead of the one there. */
export function bDedupeReplace(i: u32): void {
  const b = dedupeBucket(i);
  if (b != 0) store<u32>(b, i + 1);
}

/** The bucket of the set holding `i`'s client, or the empty one it would go
 *  to; 0 when the set is full. */
function dedupeBucket(i: u32): usize {
  const r = rec(i);
  const n = <u32>load<u8>(r + B_DUID_LEN);
  const h = <u32>sipHash(r + B_DUID, n, <u64>load<u8>(r + B_SLOT) | 0xded0000);
  for (let probe: u32 = 0; probe < nBuckets; probe++) {
    const b = dedupe + (<usize>((h + probe) & (nBuckets - 1)) << 2);
    const j = load<u32>(b);
    if (j == NONE) return b;
    const o = rec(j - 1);
    if (<u32>load<u8>(o + B_DUID_LEN) == n && load<u8>(o + B_SLOT) == load<u8>(r + B_SLOT) && bytesEqual(o + B_DUID, r + B_DUID, n)) return b;
  }
  return 0;
}

// ---------------------------------------------------------------- operations

/** The binding of (slot, IA type, IAID, DUID), or -1; `h` is duidHash(DUID). Declined records are
 *  not found: they no longer belong to a client. */
export function bFind(slot: u32, type: u32, iaid: u32, duid: usize, duidLen: u32, h: u64): i32 {
  if (capacity == 0 || duidLen > DUID_MAX) return -1;
  const x = idHash(h, slot, type, iaid);
  probeAt = x & idMask;
  for (let j = oaNext(idSlots, x); j >= 0; j = oaNext(idSlots, x)) {
    const r = rec(<u32>j);
    if (
      load<u32>(r + B_IAID) == iaid &&
      load<u8>(r + B_TYPE) == type &&
      load<u8>(r + B_SLOT) == slot &&
      load<u8>(r + B_DUID_LEN) == duidLen &&
      load<u8>(r + B_STATE) != B_DECLINED &&
      bytesEqual(r + B_DUID, duid, duidLen)
    ) {
      return j;
    }
  }
  return -1;
}

// ---------------------------------------------------------------- prefetching

// bFind's loads of one request's IAs, issued together: the index slots of all
// keys, then the records they point to. Each load is independent of the
// others, so their cache misses overlap instead of following one another (in
// a table larger than the cache every record is a miss to memory). Only a
// hint: nothing depends on what is loaded but the sum, kept so that the loads
// are not optimised away.
const PREFETCH_MAX: i32 = 16;
const pending = new StaticArray<u32>(PREFETCH_MAX);
let nPending: i32 = 0;
let touched: u64 = 0;

/** Queues the key (slot, type, iaid, DUID hash `h`) and loads its home slot. */
export function bPrefetchKey(slot: u32, type: u32, iaid: u32, h: u64): void {
  if (capacity == 0 || nPending >= PREFETCH_MAX) return;
  // A new client's records go at the head of its client chain.
  if (nPending == 0) touched += <u64>load<u32>(clientBucketOf(h, slot));
  const x = idHash(h, slot, type, iaid);
  unchecked((pending[nPending++] = x));
  touched += load<u64>(slotAt(idSlots, x & idMask));
}

/** Loads the records of the keys queued since the last call: the lines a
 *  lookup and an Advertise read, or with `whole` every line (a commit writes
 *  and journals the whole record). */
export function bPrefetchRecords(whole: bool): void {
  let sum: u64 = 0;
  for (let k = 0; k < nPending; k++) {
    const x = unchecked(pending[k]);
    probeAt = x & idMask;
    const j = oaNext(idSlots, x);
    if (j < 0) continue;
    const r = rec(<u32>j);
    sum += load<u64>(r) + load<u64>(r + B_DUID);
    if (whole) {
      for (let o: usize = 128; o < <usize>BREC_SIZE; o += 64) sum += load<u64>(r + o);
    }
  }
  nPending = 0;
  touched += sum;
}


/** The IA_NA record on `slot` whose position clashes with `position` (the same
 *  low 32 bits: the same address in a /96; positions given out never clash), or -1. */
export function bFindPosition(slot: u32, position: u64): i32 {
  if (capacity == 0) return -1;
  const x = posHash(slot, position);
  probeAt = x & idMask;
  for (let j = oaNext(posSlots, x); j >= 0; j = oaNext(posSlots, x)) {
    const r = rec(<u32>j);
    if (((load<u64>(r + B_POSITION) ^ position) & POS_CLASH_MASK) == 0 && load<u8>(r + B_SLOT) == slot) return j;
  }
  return -1;
}

/** True when no record is free. */
export function bFull(): bool {
  return freeHead == NONE;
}

/** Takes a free record for (slot, type, iaid, duid) and indexes it by id
 *  (`h` is duidHash(duid)). The caller sets the position (then bIndexPosition for IA_NA). -1 when full. */
export function bCreate(slot: u32, type: u32, iaid: u32, duid: usize, duidLen: u32, h: u64): i32 {
  if (freeHead == NONE || duidLen > DUID_MAX) return -1;
  const i = freeHead - 1;
  const r = rec(i);
  freeHead = load<u32>(r + B_NEXT_ID);
  memory.fill(r, 0, BREC_SIZE);
  store<u8>(r + B_STATE, B_ADVERTISED);
  store<u8>(r + B_TYPE, <u8>type);
  store<u8>(r + B_SLOT, <u8>slot);
  store<u32>(r + B_IAID, iaid);
  store<u8>(r + B_DUID_LEN, <u8>duidLen);
  memory.copy(r + B_DUID, duid, duidLen);
  linkId(i, h);
  used++;
  queueOffer(i);
  return <i32>i;
}

/** Indexes an IA_NA record by its position (after the position was set). */
export function bIndexPosition(i: u32): void {
  linkPos(i);
}

/** Removes an IA_NA record from the position index (before the position changes). */
export function bUnindexPosition(i: u32): void {
  unlinkPos(i);
}

/** Turns a binding into a declined block: no longer the client's, but its
 *  position stays taken until `until`. */
export function bDecline(i: u32, until: u32): void {
  const r = rec(i);
  if (load<u8>(r + B_STATE) == B_ADVERTISED) advertised--;
  unlinkId(i);
  store<u8>(r + B_STATE, B_DECLINED);
  store<u32>(r + B_EXPIRES, until);
  store<u8>(r + B_DUID_LEN, 0);
  store<u8>(r + B_HOSTNAME_LEN, 0);
  linkId(i, duidHash(r + B_DUID, 0)); // indexed under the empty DUID, never matched by bFind
}

/** Frees record `i`. */
export function bFree(i: u32): void {
  const r = rec(i);
  if (load<u8>(r + B_STATE) == B_FREE) return;
  if (load<u8>(r + B_STATE) == B_ADVERTISED) advertised--;
  unlinkId(i);
  if (load<u8>(r + B_TYPE) == 3) unlinkPos(i);
  memory.fill(r, 0, BREC_SIZE);
  store<u32>(r + B_NEXT_ID, freeHead);
  freeHead = i + 1;
  used--;
}

/** Writes a whole record into slot `i` (restore at start-up); call
 *  bRebuild once after the last one. False when `i` is out of range or
 *  taken, or the record is not a live binding. */
export function bRestore(i: u32, src: usize): bool {
  if (i >= capacity || load<u8>(rec(i) + B_STATE) != B_FREE) return false;
  const st = load<u8>(src + B_STATE);
  const type = load<u8>(src + B_TYPE);
  if ((st != B_BOUND && st != B_DECLINED) || (type != 3 && type != 25) || load<u8>(src + B_SLOT) >= 32) return false;
  if (load<u8>(src + B_DUID_LEN) > <u8>DUID_MAX || load<u8>(src + B_HOSTNAME_LEN) > <u8>HOSTNAME_MAX) return false;
  memory.copy(rec(i), src, BREC_SIZE);
  return true;
}

/** Rebuilds the free list and the indexes after restores. */
export function bRebuild(): void {
  rebuild(capacity);
}
