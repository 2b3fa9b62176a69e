// Choosing what a client gets on an interface.
//
// IA_NA: a 64-bit interface identifier per (interface, DUID, IAID), from a
// SipHash keyed with the persisted server secret: stable across restarts,
// unguessable from outside (RFC 7721 section 3), probed again on collision.
// It is combined with each usable prefix of the interface, as the reference
// server does: the "elected" prefix (plen <= 64, longest preferred lifetime,
// then longest prefix)
// plus every prefix longer than /64 (up to /96), or all of them with
// `assign all`.
//
// IA_PD: prefixes carved out of the interface's prefixes shorter than /64.
// A delegation is a position (the index of its first /64 "unit") and a
// length; it is applied to every such prefix. The units of the smallest
// such prefix (the border) are tracked in a bitmap per interface, the units
// holding the interface's own addresses reserved. Aligned first fit, the
// client's hint (length and value) honoured when free.

import { MAX_IFACES, LIFETIME_INFINITE, CTX_A_ADDR } from "../abi";
import { bytesEqual, bswap64 } from "../wire/bytes";
import { ifaceAddrCount, ifaceAddr, ifaceAddrPlen, ifaceAddrPreferred, ifaceAddrValid } from "./iface";
import { sipHash } from "./siphash";
import * as B from "./bindings";
import { cfgAssignAll } from "./config";
import { OPT_IA_NA } from "../wire/codes";

// ---------------------------------------------------------------- lifetimes

/** Seconds left until `until` (host clock), LIFETIME_INFINITE stays infinite. */
export function remaining(until: u32, now: u32): u32 {
  if (until == LIFETIME_INFINITE) return LIFETIME_INFINITE;
  return until > now ? until - now : 0;
}

/** The smaller of two lifetimes (LIFETIME_INFINITE is the largest). */
@inline export function minLifetime(a: u32, b: u32): u32 {
  return a < b ? a : b;
}

// ---------------------------------------------------------------- addresses (IA_NA)

/** RFC 8415 allows any prefix; the reference limits addresses to /96 or shorter. */
export const NA_MAX_PLEN: u32 = 96;
const NA_ATTEMPTS: u32 = 64;
/** Interface identifiers below this are left for routers and static hosts (::1 .. ::ff). */
const IID_RESERVED_LOW: u64 = 0x100;
/** RFC 5453: reserved interface identifiers fdff:ffff:ffff:ff80 - fdff:ffff:ffff:ffff. */
const IID_RESERVED_ANYCAST: u64 = 0xfdffffffffffff80;
/** The bits of an identifier an address in a /96 keeps (128 - NA_MAX_PLEN). */
const IID_LOW32: u64 = 0xffffffff;

/** The interface's address index whose prefix is "elected" for IA_NA (plen
 *  <= 64, usable, longest preferred lifetime), or -1. */
function electedPrefix(slot: u32, now: u32): i32 {
  let best: i32 = -1;
  let bestPref: u32 = 0;
  let bestPlen: u32 = 0;
  const n = ifaceAddrCount(slot);
  for (let i: u32 = 0; i < n; i++) {
    const plen = ifaceAddrPlen(slot, i);
    if (plen > 64) continue;
    const pref = remaining(ifaceAddrPreferred(slot, i), now);
    if (pref == 0 || remaining(ifaceAddrValid(slot, i), now) == 0) continue;
    // Longest preferred lifetime wins; on a tie the longer prefix (a /64
    // rather than the /60 it may be delegated from).
    if (best < 0 || pref > bestPref || (pref == bestPref && plen > bestPlen)) {
      best = <i32>i;
      bestPref = pref;
      bestPlen = plen;
    }
  }
  return best;
}

// The elected prefix, computed once per (interface, time) rather than for
// every address of every IA written.
let electedSlot: u32 = 0xffffffff;
let electedNow: u32 = 0;
let electedIndex: i32 = -1;

/** Computes the elected prefix of `slot` at `now` (cached until either changes
 *  or the interface is set again). */
export function electFor(slot: u32, now: u32): i32 {
  if (slot != electedSlot || now != electedNow) {
    electedIndex = electedPrefix(slot, now);
    electedSlot = slot;
    electedNow = now;
  }
  return electedIndex;
}

/** Forgets the cached elected prefix (the interface's addresses changed). */
export function electForget(): void {
  electedSlot = 0xffffffff;
}

/** True when the interface's address `i` gives IA_NA addresses now. */
export function naPrefixUsable(slot: u32, i: u32, now: u32, all: bool): bool {
  const plen = ifaceAddrPlen(slot, i);
  if (plen > NA_MAX_PLEN) return false;
  if (remaining(ifaceAddrPreferred(slot, i), now) == 0 || remaining(ifaceAddrValid(slot, i), now) == 0) return false;
  if (all || plen > 64) return true;
  return <i32>i == electFor(slot, now);
}

/** Writes prefix (first `plen` bits of the interface's address `i`) + `iid`
 *  (in the bits the prefix leaves free) as 16 bytes at `out`. */
export function naAddress(slot: u32, i: u32, iid: u64, out: usize): void {
  const a = ifaceAddr(slot, i) + CTX_A_ADDR;
  const plen = ifaceAddrPlen(slot, i);
  memory.copy(out, a, 16);
  const hostBits = 128 - plen;
  const low = bswap64(load<u64>(a + 8));
  let keepMask: u64 = hostBits >= 64 ? 0 : ~((<u64>1 << hostBits) - 1);
  if (plen <= 64) keepMask = 0;
  store<u64>(out + 8, bswap64((low & keepMask) | (iid & ~keepMask)));
}

/** True when `iid` is one of the interface's own identifiers, or reserved. */
function iidReserved(slot: u32, iid: u64): bool {
  // In a /96 (NA_MAX_PLEN) only the low 32 bits remain: they must not be ::1..::ff
  // of that prefix, nor the interface's own address there.
  const low = iid & IID_LOW32;
  if (iid < IID_RESERVED_LOW || low < IID_RESERVED_LOW || iid >= IID_RESERVED_ANYCAST) return true;
  const n = ifaceAddrCount(slot);
  for (let i: u32 = 0; i < n; i++) {
    if ((bswap64(load<u64>(ifaceAddr(slot, i) + CTX_A_ADDR + 8)) & IID_LOW32) == low) return true;
  }
  return false;
}

/** A free interface identifier for (slot, DUID, IAID), or 0 when none was found. */
export function naChoose(slot: u32, duid: usize, duidLen: u32, iaid: u32): u64 {
  for (let attempt: u32 = 0; attempt < NA_ATTEMPTS; attempt++) {
    const iid = sipHash(duid, duidLen, (<u64>iaid) | (<u64>attempt << 32) | (<u64>slot << 48));
    if (iidReserved(slot, iid)) continue;
    if (B.bFindPosition(slot, iid) < 0) return iid;
  }
  return 0;
}

/** True when `iid` can be given to a new binding on `slot` (static host ids, Rebind adoption). */
export function naFree(slot: u32, iid: u64): bool {
  return iid != 0 && !iidReserved(slot, iid) && B.bFindPosition(slot, iid) < 0;
}

/** The index of the interface address whose prefix contains `addr` and
 *  gives IA_NA addresses, or -1. */
export function naPrefixOf(slot: u32, addr: usize, now: u32, all: bool): i32 {
  const n = ifaceAddrCount(slot);
  for (let i: u32 = 0; i < n; i++) {
    if (!naPrefixUsable(slot, i, now, all)) continue;
    const plen = ifaceAddrPlen(slot, i);
    if (prefixMatch(ifaceAddr(slot, i) + CTX_A_ADDR, addr, plen)) return <i32>i;
  }
  return -1;
}

function prefixMatch(a: usize, b: usize, plen: u32): bool {
  const whole = plen >> 3;
  if (!bytesEqual(a, b, whole)) return false;
  const rest = plen & 7;
  if (rest == 0) return true;
  const mask = <u8>(0xff00 >> rest);
  return (load<u8>(a + whole) & mask) == (load<u8>(b + whole) & mask);
}

/** True when `addr` is on the link: inside any valid prefix of the interface. */
export function onLink(slot: u32, addr: usize, now: u32): bool {
  const n = ifaceAddrCount(slot);
  for (let i: u32 = 0; i < n; i++) {
    if (remaining(ifaceAddrValid(slot, i), now) == 0) continue;
    if (prefixMatch(ifaceAddr(slot, i) + CTX_A_ADDR, addr, ifaceAddrPlen(slot, i))) return true;
  }
  return false;
}

// ---------------------------------------------------------------- prefixes (IA_PD)

/** The reference's default delegated length. */
export const PD_DEFAULT_LEN: u32 = 62;
/** The bitmap covers at most 2^20 /64 units (a /44 border: 262144 /62s);
 *  128 KiB per interface, touched only for interfaces that delegate. */
const PD_MAX_UNIT_BITS: u32 = 20;
const PD_UNITS_MAX: u32 = 1 << PD_MAX_UNIT_BITS;
const MAP_BYTES: u32 = PD_UNITS_MAX / 8;

const maps: usize = memory.data(<i32>(MAX_IFACES * MAP_BYTES), 8);
const borders = new StaticArray<u32>(<i32>MAX_IFACES); // border prefix length, 0 = no PD space
// Per interface and delegation length: no aligned free run of that length
// starts below this unit, so first fit starts here (O(1) amortised instead of
// a scan from 0 that grows with the delegations). Taking only makes runs less
// free; a release lowers the hints it touches.
const HINT_LENS: i32 = 65;
const fitHint = new StaticArray<u32>(<i32>MAX_IFACES * HINT_LENS);

@inline function hintAt(slot: u32, len: u32): i32 {
  return <i32>slot * HINT_LENS + <i32>len;
}
const dirty = new StaticArray<bool>(<i32>MAX_IFACES);

@inline function map(slot: u32): usize {
  return maps + <usize>slot * MAP_BYTES;
}

/** Marks the interface's PD space for a rebuild (its addresses changed). */
export function pdInvalidate(slot: u32): void {
  if (slot < MAX_IFACES) unchecked((dirty[slot] = true));
  electForget();
}

/** Invalidates every interface (after restore or a capacity change). */
export function pdInvalidateAll(): void {
  for (let s: u32 = 0; s < MAX_IFACES; s++) unchecked((dirty[s] = true));
}

/** True when the interface's address `i` is a prefix we delegate from now. */
export function pdPrefixUsable(slot: u32, i: u32, now: u32): bool {
  const plen = ifaceAddrPlen(slot, i);
  return plen > 0 && plen < 64 && remaining(ifaceAddrValid(slot, i), now) != 0 && remaining(ifaceAddrPreferred(slot, i), now) != 0;
}

/** Number of /64 units in the interface's PD space (0: nothing to delegate). */
function units(slot: u32): u32 {
  const b = unchecked(borders[slot]);
  if (b == 0) return 0;
  const bits: u32 = 64 - b;
  return bits >= PD_MAX_UNIT_BITS ? PD_UNITS_MAX : <u32>1 << bits;
}

@inline function bitGet(slot: u32, u: u32): bool {
  return (load<u8>(map(slot) + (u >> 3)) & (<u8>1 << <u8>(u & 7))) != 0;
}

function bitsSet(slot: u32, first: u32, count: u32, on: bool): void {
  const m = map(slot);
  for (let u = first; u < first + count; u++) {
    const p = m + (u >> 3);
    const bit = <u8>1 << <u8>(u & 7);
    store<u8>(p, on ? load<u8>(p) | bit : load<u8>(p) & ~bit);
  }
}

function rangeFree(slot: u32, first: u32, count: u32): bool {
  const m = map(slot);
  let u = first;
  const end = first + count;
  while (u < end && (u & 63) != 0) {
    if (bitGet(slot, u)) return false;
    u++;
  }
  while (u + 64 <= end) {
    if (load<u64>(m + (u >> 3)) != 0) return false;
    u += 64;
  }
  while (u < end) {
    if (bitGet(slot, u)) return false;
    u++;
  }
  return true;
}

/** Recomputes the border and the bitmap of `slot` when marked dirty. */
export function pdRefresh(slot: u32, now: u32): void {
  if (!unchecked(dirty[slot])) return;
  unchecked((dirty[slot] = false));
  let border: u32 = 0;
  const n = ifaceAddrCount(slot);
  for (let i: u32 = 0; i < n; i++) {
    if (pdPrefixUsable(slot, i, now) && ifaceAddrPlen(slot, i) > border) border = ifaceAddrPlen(slot, i);
  }
  unchecked((borders[slot] = border));
  for (let l = 0; l < HINT_LENS; l++) unchecked((fitHint[hintAt(slot, l)] = 0));
  const total = units(slot);
  if (total == 0) return;
  memory.fill(map(slot), 0, (total + 7) >> 3);
  const umask: u64 = <u64>total - 1;
  // The interface's own /64s are not delegated.
  for (let i: u32 = 0; i < n; i++) {
    const hi = bswap64(load<u64>(ifaceAddr(slot, i) + CTX_A_ADDR));
    if (pdContains(slot, ifaceAddr(slot, i) + CTX_A_ADDR)) bitsSet(slot, <u32>(hi & umask), 1, true);
  }
  // Live delegations keep their units.
  const cap = B.bCapacity();
  for (let i: u32 = 0; i < cap; i++) {
    const r = B.rec(i);
    if (load<u8>(r + B.B_STATE) == B.B_FREE || load<u8>(r + B.B_TYPE) != 25 || load<u8>(r + B.B_SLOT) != slot) continue;
    const first = <u32>load<u64>(r + B.B_POSITION);
    const count = pdUnitCount(load<u8>(r + B.B_PLEN));
    if (count != 0 && first + count <= total) bitsSet(slot, first, count, true);
  }
}

/** True when `addr` lies inside one of the interface's PD prefixes. */
function pdContains(slot: u32, addr: usize): bool {
  const n = ifaceAddrCount(slot);
  for (let i: u32 = 0; i < n; i++) {
    const plen = ifaceAddrPlen(slot, i);
    if (plen > 0 && plen < 64 && prefixMatch(ifaceAddr(slot, i) + CTX_A_ADDR, addr, plen)) return true;
  }
  return false;
}

/** /64 units in a delegation of length `len`, 0 when not representable. */
export function pdUnitCount(len: u32): u32 {
  if (len > 64 || <u32>64 - len > PD_MAX_UNIT_BITS) return 0;
  return <u32>1 << (64 - len);
}

/** True when a delegation (first unit, length) fits in the interface's space now. */
export function pdFits(slot: u32, first: u32, len: u32): bool {
  const count = pdUnitCount(len);
  const b = unchecked(borders[slot]);
  return b != 0 && len > b && count != 0 && first + count <= units(slot) && (first & (count - 1)) == 0;
}

export let carvedFirst: u32 = 0;
export let carvedLen: u32 = 0;

/** Finds room for a delegation: the hinted prefix (16 bytes at `hint`, or 0)
 *  if it is free, else aligned first fit from `len`, lengthened up to /64.
 *  Sets carvedFirst/carvedLen; false when nothing fits. */
export function pdCarve(slot: u32, len: u32, minLen: u32, hint: usize, now: u32): bool {
  pdRefresh(slot, now);
  const b = unchecked(borders[slot]);
  if (b == 0) return false;
  if (len == 0 || len > 64) len = PD_DEFAULT_LEN;
  if (len < minLen) len = minLen;
  if (len <= b) len = b + 1; // the whole prefix cannot go: it holds our own /64
  const total = units(slot);
  if (hint != 0 && pdContains(slot, hint)) {
    const count = pdUnitCount(len);
    const first = <u32>(bswap64(load<u64>(hint)) & (<u64>total - 1));
    if (count != 0 && (first & (count - 1)) == 0 && first + count <= total && rangeFree(slot, first, count)) {
      return pdTake(slot, first, len);
    }
  }
  for (let l = len; l <= 64; l++) {
    const count = pdUnitCount(l);
    if (count == 0 || count > total) continue;
    const h = hintAt(slot, l);
    for (let first: u32 = (unchecked(fitHint[h]) + count - 1) & ~(count - 1); first + count <= total; first += count) {
      if (rangeFree(slot, first, count)) {
        unchecked((fitHint[h] = first + count));
        return pdTake(slot, first, l);
      }
    }
    unchecked((fitHint[h] = total)); // nothing of this length is free
  }
  return false;
}

function pdTake(slot: u32, first: u32, len: u32): bool {
  bitsSet(slot, first, pdUnitCount(len), true);
  carvedFirst = first;
  carvedLen = len;
  return true;
}

/** Returns a delegation's units to the free pool. */
export function pdRelease(slot: u32, first: u32, len: u32): void {
  const count = pdUnitCount(len);
  if (count != 0 && first + count <= units(slot) && !unchecked(dirty[slot])) {
    bitsSet(slot, first, count, false);
    for (let l: u32 = 64 - PD_MAX_UNIT_BITS; l <= 64; l++) {
      const c = pdUnitCount(l);
      const start = first & ~(c - 1);
      const h = hintAt(slot, l);
      if (start < unchecked(fitHint[h])) unchecked((fitHint[h] = start));
    }
  }
}

/** Writes the delegated prefix (16 bytes) for delegation (first, len) under
 *  the interface's PD prefix `i`. */
export function pdPrefix(slot: u32, i: u32, first: u32, out: usize): void {
  const a = ifaceAddr(slot, i) + CTX_A_ADDR;
  const plen = ifaceAddrPlen(slot, i);
  const hi = bswap64(load<u64>(a));
  const keep: u64 = plen == 0 ? 0 : ~((<u64>1 << (64 - plen)) - 1);
  store<u64>(out, bswap64((hi & keep) | <u64>first));
  store<u64>(out + 8, 0);
}

/** The unit index of a prefix inside the interface's PD space, or -1. */
export function pdUnitOf(slot: u32, prefix: usize): i64 {
  if (!pdContains(slot, prefix) || units(slot) == 0) return -1;
  return <i64>(bswap64(load<u64>(prefix)) & (<u64>units(slot) - 1));
}



// ---------------------------------------------------------------- a binding's leases

/** The lease binding record `r` has under the interface's address `k` right
 *  now: its address (IA_NA) or delegated prefix (IA_PD) written at `out`, and
 *  its prefix length returned (128 for an address); 0 when `k` gives none. */
export function bindingLease(r: usize, k: u32, now: u32, out: usize): u32 {
  const slot = <u32>load<u8>(r + B.B_SLOT);
  const position = load<u64>(r + B.B_POSITION);
  if (load<u8>(r + B.B_TYPE) == OPT_IA_NA) {
    if (!naPrefixUsable(slot, k, now, cfgAssignAll(slot))) return 0;
    naAddress(slot, k, position, out);
    return 128;
  }
  const len = <u32>load<u8>(r + B.B_PLEN);
  if (!pdPrefixUsable(slot, k, now) || !pdFits(slot, <u32>position, len)) return 0;
  pdPrefix(slot, k, <u32>position, out);
  return len;
}

const seen: usize = memory.data(16, 8);

/** True when an interface address before `k` already gives the binding the
 *  same lease (two addresses of the router in one prefix): written once. */
export function leaseSeenBefore(r: usize, k: u32, now: u32, lease: usize, plen: u32): bool {
  for (let j: u32 = 0; j < k; j++) {
    if (bindingLease(r, j, now, seen) == plen && bytesEqual(seen, lease, 16)) return true;
  }
  return false;
}
