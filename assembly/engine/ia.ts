// IA_NA and IA_PD: processing the client's IAs against the binding table and
// writing them into the reply (RFC 8415 sections 18.3.1 - 18.3.8, 21.4 -
// 21.6, 21.21 - 21.22).
//
//   IA_NA / IA_PD option data:     IA Address (5):             IA Prefix (26):
//   +-----------------------+      +----------------------+    +----------------------+
//   | IAID (4)              |      | address (16)         |    | preferred (4)        |
//   | T1 (4)                |      | preferred (4)        |    | valid (4)            |
//   | T2 (4)                |      | valid (4)            |    | prefix-length (1)    |
//   | options ...           |      | options ...          |    | prefix (16)          |
//   +-----------------------+      +----------------------+    | options ...          |
//                                                              +----------------------+

import * as A from "../abi";
import * as C from "../wire/codes";
import { ld8, ld32, st32, st8, bytesEqual, addrIsZero, bswap64 } from "../wire/bytes";
import { optFits, optCode, optLen, optData, optNext } from "../wire/options";
import { wU8, wU32, wBytes, optOpen, optClose, wPos, wPatch32 } from "../wire/writer";
import * as R from "./request";
import * as B from "./bindings";
import * as Cfg from "./config";
import { ifaceAddrCount, ifaceAddrPreferred, ifaceAddrValid, ifaceGlobal } from "./iface";
import { hostFind, hostHostId, hostLeasetime, hostName, hostNameLen } from "./hosts";
import { effectOpen } from "./effects";
import { writeStatus } from "./reply";
import { rememberClient, reconfigureDue } from "./reconfigure";
import {
  remaining, minLifetime, onLink, electFor, bindingLease, leaseSeenBefore, naPrefixUsable, naAddress, naChoose, naFree, naPrefixOf,
  pdPrefixUsable, pdCarve, carvedFirst, carvedLen, pdFits, pdPrefix, pdRelease, pdUnitOf, pdRefresh,
} from "./assign";

/** How long an Advertise's offer stays reserved for the Request (seconds). */
export const ADVERTISE_HOLD: u32 = 60;
/** How long a declined address stays blocked (the reference: 3600 s). */
export const DECLINE_HOLD: u32 = 3600;

// What is done with each IA.
export const IA_OFFER: u32 = 0; // Solicit -> Advertise
export const IA_BIND: u32 = 1; // Request, Solicit with Rapid Commit
export const IA_RENEW: u32 = 2;
export const IA_REBIND: u32 = 3;
export const IA_RELEASE: u32 = 4;
export const IA_DECLINE: u32 = 5;

const IAADDR_LEN: u32 = 24;
const IAPREFIX_LEN: u32 = 25;

const tmp: usize = memory.data(16, 8);

/** The static host entry of the client being answered (0: none), looked up once per request. */
let clientHost: usize = 0;

/** Set by processIas: how many IAs got at least one address or prefix. */
export let iasServed: u32 = 0;
/** Set by processIas: an IA changed the set of (address, hostname) pairs. */
export let leasesChanged: bool = false;

// ---------------------------------------------------------------- effects

function emitBinding(i: u32): void {
  const p = effectOpen(A.EFFECT_BINDING_PUT, 4 + B.BREC_SIZE);
  if (p == 0) return;
  st32(p, i);
  memory.copy(p + 4, B.rec(i), B.BREC_SIZE);
}

function emitBindingDel(i: u32): void {
  const p = effectOpen(A.EFFECT_BINDING_DEL, 4);
  if (p != 0) st32(p, i);
}

function emitRoutes(i: u32, type: u32, now: u32): void {
  const r = B.rec(i);
  const slot = <u32>load<u8>(r + B.B_SLOT);
  const first = <u32>load<u64>(r + B.B_POSITION);
  const len = <u32>load<u8>(r + B.B_PLEN);
  const n = ifaceAddrCount(slot);
  for (let k: u32 = 0; k < n; k++) {
    if (!pdPrefixUsable(slot, k, now) || !pdFits(slot, first, len)) continue;
    const p = effectOpen(type, A.ROUTE_EFFECT_SIZE);
    if (p == 0) return;
    st32(p, i);
    st32(p + 4, <u32>load<u8>(r + B.B_PEER_SLOT));
    st8(p + 8, len);
    st8(p + 9, 0);
    st8(p + 10, 0);
    st8(p + 11, 0);
    pdPrefix(slot, k, first, p + 12);
    memory.copy(p + 28, r + B.B_PEER, 16);
  }
}

/** Frees binding `i`, telling the host (journal, routes, lease file) when it was committed. */
export function releaseBinding(i: u32, now: u32): void {
  const r = B.rec(i);
  const state = load<u8>(r + B.B_STATE);
  const type = <u32>load<u8>(r + B.B_TYPE);
  const slot = <u32>load<u8>(r + B.B_SLOT);
  if (type == C.OPT_IA_PD) {
    if (state == B.B_BOUND) emitRoutes(i, A.EFFECT_ROUTE_DEL, now);
    pdRelease(slot, <u32>load<u64>(r + B.B_POSITION), load<u8>(r + B.B_PLEN));
  }
  if (state == B.B_BOUND || state == B.B_DECLINED) {
    emitBindingDel(i);
    leasesChanged = true;
  }
  B.bFree(i);
}

// ---------------------------------------------------------------- creating and committing

/** The IA's first IA Address / IA Prefix with a non-zero address (a hint), or 0. */
function firstHint(ia: usize, type: u32): usize {
  const end = optData(ia) + optLen(ia);
  let p = optData(ia) + R.IA_HEADER_LEN;
  while (p < end) {
    if (!optFits(p, end)) return 0;
    const code = optCode(p);
    if (type == C.OPT_IA_NA && code == C.OPT_IAADDR && optLen(p) >= IAADDR_LEN && !addrIsZero(optData(p))) return p;
    if (type == C.OPT_IA_PD && code == C.OPT_IAPREFIX && optLen(p) >= IAPREFIX_LEN) return p;
    p = optNext(p);
  }
  return 0;
}

/** A new binding for the IA at `ia`, with its address position or prefix
 *  chosen; -1 when the table is full or nothing is available. When `adopt`
 *  is set (Rebind of an unknown binding), only the client's own addresses
 *  are taken, if they are appropriate for the link and free; with `keepHint`
 *  (Request) the client's address is preferred when it is. */
function createBinding(slot: u32, ia: usize, now: u32, adopt: bool, keepHint: bool): i32 {
  const type = optCode(ia);
  const iaid = ld32(optData(ia));
  const host = clientHost;
  let position: u64 = 0;
  let plen: u32 = 0;
  if (type == C.OPT_IA_NA) {
    const hint = firstHint(ia, type);
    if (adopt) {
      if (hint == 0) return -1;
      const a = optData(hint);
      if (naPrefixOf(slot, a, now, Cfg.cfgAssignAll(slot)) < 0) return -1;
      position = bswap64(load<u64>(a + 8));
      if (!naFree(slot, position)) return -1;
    } else if (host != 0 && hostHostId(host) != 0) {
      position = hostHostId(host);
      if (!naFree(slot, position)) return -1;
    } else {
      // A Request naming an address we would give (its offer was dropped, or
      // another server's restart lost it) keeps that address when it is free.
      if (keepHint && hint != 0 && naPrefixOf(slot, optData(hint), now, Cfg.cfgAssignAll(slot)) >= 0) {
        const wanted = bswap64(load<u64>(optData(hint) + 8));
        if (naFree(slot, wanted)) position = wanted;
      }
      if (position == 0) position = naChoose(slot, R.clientId, R.clientIdLen, iaid);
      if (position == 0) return -1;
    }
  } else {
    const hint = firstHint(ia, type);
    let hintLen: u32 = 0;
    let hintPrefix: usize = 0;
    if (hint != 0) {
      hintLen = ld8(optData(hint) + 8);
      if (!addrIsZero(optData(hint) + 9)) hintPrefix = optData(hint) + 9;
    }
    if (adopt) {
      if (hintPrefix == 0 || pdUnitOf(slot, hintPrefix) < 0) return -1;
      if (!pdCarve(slot, hintLen, hintLen, hintPrefix, now) || carvedLen != hintLen) return -1;
    } else if (!pdCarve(slot, hintLen, Cfg.cfgPdMinLen(slot), hintPrefix, now)) {
      return -1;
    }
    position = <u64>carvedFirst;
    plen = carvedLen;
  }
  makeRoomForOffer(now);
  const b = B.bCreate(slot, type, iaid, R.clientId, R.clientIdLen, R.clientHash());
  if (b < 0) {
    if (type == C.OPT_IA_PD) pdRelease(slot, <u32>position, plen);
    return -1;
  }
  const r = B.rec(<u32>b);
  store<u64>(r + B.B_POSITION, position);
  store<u8>(r + B.B_PLEN, <u8>plen);
  if (host != 0) store<u8>(r + B.B_FLAGS, load<u8>(r + B.B_FLAGS) | B.BF_STATIC);
  if (type == C.OPT_IA_NA) B.bIndexPosition(<u32>b);
  return b;
}

/** Offers may take at most half of the table; when they reach that, or the
 *  table is full, the oldest offer goes first (a Solicit flood can never
 *  push out committed bindings, nor keep new clients out for long). */
function makeRoomForOffer(now: u32): void {
  const limit = max<u32>(1, B.bCapacity() / 2);
  while (B.bAdvertised() >= limit || B.bFull()) {
    const oldest = B.bOldestOffer();
    if (oldest < 0) return;
    releaseBinding(<u32>oldest, now);
  }
}

/** The lease time for the binding's client: its static host's, else the interface's. */
function leasetimeFor(slot: u32): u32 {
  const host = clientHost;
  if (host != 0 && hostLeasetime(host) != 0) return hostLeasetime(host);
  return Cfg.cfgLeasetime(slot);
}

/** Copies the client's hostname (static host name, else the first label of
 *  its Client FQDN option, RFC 4704) into the record. True when it changed. */
function updateHostname(r: usize): bool {
  const host = clientHost;
  let src: usize = 0;
  let n: u32 = 0;
  if (host != 0 && hostNameLen(host) != 0) {
    src = hostName(host);
    n = hostNameLen(host);
  } else if (R.fqdn != 0 && R.fqdnLen >= 2) {
    const l = ld8(R.fqdn + 1); // flags (1), then the name's first label
    if (l > 0 && l <= B.HOSTNAME_MAX && <u32>2 + l <= R.fqdnLen) {
      src = R.fqdn + 2;
      n = l;
      for (let k: u32 = 0; k < n; k++) {
        const c = ld8(src + k);
        const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d;
        if (!ok) return false; // not a usable host name: keep what we had
      }
    }
  }
  if (src == 0) return false;
  if (<u32>load<u8>(r + B.B_HOSTNAME_LEN) == n && bytesEqual(r + B.B_HOSTNAME, src, n)) return false;
  memory.copy(r + B.B_HOSTNAME, src, n);
  store<u8>(r + B.B_HOSTNAME_LEN, <u8>n);
  return true;
}

// ---------------------------------------------------------------- writing IAs

let minPreferred: u32 = 0;
let maxValid: u32 = 0;
let written: u32 = 0;

/** Writes one IA Address / IA Prefix with lifetimes capped by the lease time. */
function writeLease(type: u32, addr: usize, plen: u32, pref: u32, valid: u32, lease: u32): void {
  pref = minLifetime(pref, lease);
  valid = minLifetime(valid, lease);
  if (pref > valid) pref = valid;
  if (type == C.OPT_IA_NA) {
    optOpen(C.OPT_IAADDR);
    wBytes(addr, 16);
    wU32(pref);
    wU32(valid);
  } else {
    optOpen(C.OPT_IAPREFIX);
    wU32(pref);
    wU32(valid);
    wU8(plen);
    wBytes(addr, 16);
  }
  optClose();
  if (pref < minPreferred) minPreferred = pref;
  if (valid == A.LIFETIME_INFINITE || maxValid == A.LIFETIME_INFINITE) maxValid = A.LIFETIME_INFINITE;
  else if (valid > maxValid) maxValid = valid;
  written++;
}

/** Writes the binding's current addresses or prefixes. */
function writeLeases(i: u32, now: u32, lease: u32): void {
  const r = B.rec(i);
  const slot = <u32>load<u8>(r + B.B_SLOT);
  const type = <u32>load<u8>(r + B.B_TYPE);
  const n = ifaceAddrCount(slot);
  for (let k: u32 = 0; k < n; k++) {
    const plen = bindingLease(r, k, now, tmp);
    if (plen == 0 || leaseSeenBefore(r, k, now, tmp, plen)) continue;
    writeLease(type, tmp, plen, remaining(ifaceAddrPreferred(slot, k), now), remaining(ifaceAddrValid(slot, k), now), lease);
  }
}

/** True when the binding currently gives `addr` (IA_NA) or `prefix/plen` (IA_PD). */
function bindingHolds(i: u32, addr: usize, plen: u32, now: u32): bool {
  const r = B.rec(i);
  const n = ifaceAddrCount(<u32>load<u8>(r + B.B_SLOT));
  for (let k: u32 = 0; k < n; k++) {
    if (bindingLease(r, k, now, tmp) == plen && bytesEqual(tmp, addr, 16)) return true;
  }
  return false;
}

/** The client's addresses / prefixes we do not give (any more) go back with
 *  lifetimes 0 (RFC 8415 sections 18.3.4 and 18.3.5). `b` is -1 when there
 *  is no binding at all. */
function writeStale(ia: usize, b: i32, now: u32): void {
  const type = optCode(ia);
  const end = optData(ia) + optLen(ia);
  let p = optData(ia) + R.IA_HEADER_LEN;
  while (p < end) {
    if (!optFits(p, end)) return;
    const code = optCode(p);
    const d = optData(p);
    if (type == C.OPT_IA_NA && code == C.OPT_IAADDR && optLen(p) >= IAADDR_LEN && !addrIsZero(d)) {
      if (b < 0 || !bindingHolds(<u32>b, d, 128, now)) {
        optOpen(C.OPT_IAADDR);
        wBytes(d, 16);
        wU32(0);
        wU32(0);
        optClose();
      }
    } else if (type == C.OPT_IA_PD && code == C.OPT_IAPREFIX && optLen(p) >= IAPREFIX_LEN && ld8(d + 8) - 1 < 128 && !addrIsZero(d + 9)) {
      // (a length of 0 or over 128 is not a prefix: not echoed, RFC 8415 21.22)
      if (b < 0 || !bindingHolds(<u32>b, d + 9, ld8(d + 8), now)) {
        optOpen(C.OPT_IAPREFIX);
        wU32(0);
        wU32(0);
        wU8(ld8(d + 8));
        wBytes(d + 9, 16);
        optClose();
      }
    }
    p = optNext(p);
  }
}

// What the leases an IA lists are (iaListing).
const L_ANY: u32 = 1; // it lists at least one address / prefix
const L_HELD: u32 = 2; // one of them is binding b's

function iaListing(ia: usize, b: u32, now: u32): u32 {
  const type = optCode(ia);
  const end = optData(ia) + optLen(ia);
  let p = optData(ia) + R.IA_HEADER_LEN;
  let f: u32 = 0;
  while (p < end && optFits(p, end)) {
    const code = optCode(p);
    const d = optData(p);
    let a: usize = 0;
    let plen: u32 = 128;
    if (type == C.OPT_IA_NA && code == C.OPT_IAADDR && optLen(p) >= IAADDR_LEN) a = d;
    if (type == C.OPT_IA_PD && code == C.OPT_IAPREFIX && optLen(p) >= IAPREFIX_LEN) {
      a = d + 9;
      plen = ld8(d + 8);
    }
    if (a != 0 && !addrIsZero(a)) {
      f |= L_ANY;
      if (bindingHolds(b, a, plen, now)) f |= L_HELD;
    }
    p = optNext(p);
  }
  return f;
}

/** Opens an IA option in the reply; returns where T1 is, for patching. */
function openIa(type: u32, iaid: u32): usize {
  optOpen(type);
  wU32(iaid);
  const t = wPos();
  wU32(0);
  wU32(0);
  return t;
}

function noneStatus(type: u32): u32 {
  return type == C.OPT_IA_NA ? C.STATUS_NO_ADDRS_AVAIL : C.STATUS_NO_PREFIX_AVAIL;
}

/** An IA with only a status code (T1 = T2 = 0). */
function writeIaStatus(type: u32, iaid: u32, status: u32): void {
  openIa(type, iaid);
  writeStatus(status);
  optClose();
}

/** T1 = 0.5 and T2 = 0.8 of the shortest preferred lifetime (the reference's
 *  rule, RFC 8415 section 21.4 recommendations); infinite stays infinite. */
function patchTimers(t: usize): void {
  let t1: u32 = 0;
  let t2: u32 = 0;
  if (minPreferred == A.LIFETIME_INFINITE) {
    t1 = A.LIFETIME_INFINITE;
    t2 = A.LIFETIME_INFINITE;
  } else if (minPreferred > 0) {
    t1 = minPreferred / 2;
    t2 = <u32>((<u64>minPreferred * 4) / 5);
    if (t1 == 0) t1 = 1;
    if (t2 < t1) t2 = t1;
  }
  wPatch32(t, t1);
  wPatch32(t + 4, t2);
}

/** A Reply lists the client's leases we do not give with lifetimes 0 (RFC
 *  8415 18.3.4, 18.3.5); an Advertise leaves unusable hints out (18.3.9:
 *  it holds what the server would assign). */
let echoStale: bool = false;

/** Writes the IA of binding `b` (with stale client entries when echoStale); a status when empty. */
function writeBoundIa(ia: usize, b: u32, now: u32, lease: u32): void {
  const type = optCode(ia);
  const t = openIa(type, ld32(optData(ia)));
  minPreferred = A.LIFETIME_INFINITE;
  maxValid = 0;
  written = 0;
  writeLeases(b, now, lease);
  const served = written;
  if (echoStale) writeStale(ia, <i32>b, now);
  if (served == 0) {
    writeStatus(noneStatus(type));
    minPreferred = 0;
  } else {
    iasServed++;
  }
  patchTimers(t);
  optClose();
}

// ---------------------------------------------------------------- processing

/** Commits binding `b`: bound, expiry from what was offered, journaled;
 *  routes for a new delegation. */
function commit(b: u32, now: u32, lease: u32): void {
  const r = B.rec(b);
  const wasBound = load<u8>(r + B.B_STATE) == B.B_BOUND;
  B.bBind(b);
  memory.copy(r + B.B_PEER, A.META + A.META_IN_SRC_ADDR, 16);
  store<u8>(r + B.B_PEER_SLOT, <u8>load<u32>(A.META + A.META_IN_IFSLOT));
  rememberClient(r);
  const hostnameChanged = updateHostname(r);
  store<u32>(r + B.B_LEASETIME, lease);
  const expires = maxValid == A.LIFETIME_INFINITE ? A.LIFETIME_INFINITE : now + maxValid;
  store<u32>(r + B.B_EXPIRES, expires);
  if (!wasBound) {
    if (load<u8>(r + B.B_TYPE) == C.OPT_IA_PD) emitRoutes(b, A.EFFECT_ROUTE_ADD, now);
    leasesChanged = true;
  } else if (hostnameChanged) {
    leasesChanged = true;
  }
  emitBinding(b);
}

/** Processes every IA of the request in `mode` (IA_*), writing them into the reply. */
export function processIas(slot: u32, mode: u32, now: u32): void {
  iasServed = 0;
  leasesChanged = false;
  clientHost = hostFind(R.clientId, R.clientIdLen);
  electFor(slot, now);
  pdRefresh(slot, now);
  const lease = leasetimeFor(slot);
  echoStale = mode != IA_OFFER;
  for (let k = 0; k < R.iaKept; k++) {
    const ia = R.iaAt(k);
    B.bPrefetchKey(slot, optCode(ia), ld32(optData(ia)), R.clientHash());
  }
  B.bPrefetchRecords(mode != IA_OFFER);
  for (let k = 0; k < R.iaKept; k++) {
    const ia = R.iaAt(k);
    const type = optCode(ia);
    const iaid = ld32(optData(ia));
    const enabled = type == C.OPT_IA_NA ? Cfg.cfgNa(slot) : Cfg.cfgPd(slot);
    let b = B.bFind(slot, type, iaid, R.clientId, R.clientIdLen, R.clientHash());

    if (mode == IA_RELEASE || mode == IA_DECLINE) {
      // RFC 8415 18.3.7 / 18.3.8: only unknown IAs appear in the Reply, with
      // NoBinding. An IA listing only leases that are not its binding's
      // changes nothing (one listing none at all ends its binding).
      if (b < 0) {
        writeIaStatus(type, iaid, C.STATUS_NO_BINDING);
      } else if (iaListing(ia, <u32>b, now) == L_ANY) {
        // not the binding's leases
      } else if (mode == IA_RELEASE) {
        releaseBinding(<u32>b, now);
      } else if (type == C.OPT_IA_NA) {
        B.bDecline(<u32>b, now + DECLINE_HOLD);
        emitBinding(<u32>b);
        leasesChanged = true;
      }
      continue;
    }

    if (!enabled) {
      if (mode == IA_RENEW || mode == IA_REBIND) {
        writeIaStatus(type, iaid, C.STATUS_NO_BINDING);
      } else {
        writeIaStatus(type, iaid, noneStatus(type));
      }
      continue;
    }

    if (mode == IA_RENEW && (b < 0 || load<u8>(B.rec(<u32>b) + B.B_STATE) == B.B_ADVERTISED)) {
      // RFC 8415 18.3.4: no binding (an offer never requested is none) -> NoBinding.
      writeIaStatus(type, iaid, C.STATUS_NO_BINDING);
      continue;
    }
    if (b < 0) {
      // Solicit/Request: a new binding. Rebind (18.3.5): keep the client's
      // own addresses when they suit the link and are free.
      b = createBinding(slot, ia, now, mode == IA_REBIND, mode == IA_BIND);
      if (b < 0) {
        if (mode == IA_REBIND) {
          if (firstHint(ia, type) != 0) {
            // Not appropriate for the link (or taken): lifetimes 0.
            const t = openIa(type, iaid);
            writeStale(ia, -1, now);
            optClose();
            wPatch32(t, 0);
          } else {
            writeIaStatus(type, iaid, C.STATUS_NO_BINDING);
          }
        } else {
          writeIaStatus(type, iaid, noneStatus(type));
        }
        continue;
      }
    } else if (load<u8>(B.rec(<u32>b) + B.B_TYPE) == C.OPT_IA_PD && !pdFits(slot, <u32>load<u64>(B.rec(<u32>b) + B.B_POSITION), load<u8>(B.rec(<u32>b) + B.B_PLEN))) {
      // The interface's prefixes shrank under this delegation: the client's
      // old prefix goes back with lifetime 0 and a new one is carved.
      releaseBinding(<u32>b, now);
      b = createBinding(slot, ia, now, false, false);
      if (b < 0) {
        const t = openIa(type, iaid);
        writeStale(ia, -1, now);
        writeStatus(noneStatus(type));
        optClose();
        wPatch32(t, 0);
        continue;
      }
    }

    writeBoundIa(ia, <u32>b, now, lease);
    const r = B.rec(<u32>b);
    if (written == 0) {
      // Nothing to give on this link right now; an offer is not kept.
      if (load<u8>(r + B.B_STATE) == B.B_ADVERTISED) releaseBinding(<u32>b, now);
      continue;
    }
    if (mode == IA_OFFER) {
      if (load<u8>(r + B.B_STATE) == B.B_ADVERTISED) {
        store<u32>(r + B.B_EXPIRES, now + ADVERTISE_HOLD);
        updateHostname(r);
      }
    } else {
      commit(<u32>b, now, lease);
    }
  }
}

/** Confirm (RFC 8415 18.3.3): Success when every address the client lists is
 *  on the link, NotOnLink otherwise; -1 (no reply) when it lists no address
 *  at all, or the link has no prefix to judge by (none yet, or all expired). */
export function confirmStatus(slot: u32, now: u32): i32 {
  if (ifaceGlobal(slot, now) == 0) return -1;
  let seen = false;
  for (let k = 0; k < R.iaKept; k++) {
    const ia = R.iaAt(k);
    if (optCode(ia) != C.OPT_IA_NA) continue;
    const end = optData(ia) + optLen(ia);
    let p = optData(ia) + R.IA_HEADER_LEN;
    while (p < end) {
      if (!optFits(p, end)) break;
      if (optCode(p) == C.OPT_IAADDR && optLen(p) >= IAADDR_LEN) {
        seen = true;
        if (!onLink(slot, optData(p), now)) return <i32>C.STATUS_NOT_ON_LINK;
      }
      p = optNext(p);
    }
  }
  return seen ? <i32>C.STATUS_SUCCESS : -1;
}


/** ROUTE_ADD effects for every bound delegation. */
export function routesOfAll(now: u32): void {
  const cap = B.bCapacity();
  for (let i: u32 = 0; i < cap; i++) {
    const r = B.rec(i);
    if (load<u8>(r + B.B_STATE) == B.B_BOUND && load<u8>(r + B.B_TYPE) == C.OPT_IA_PD) {
      pdRefresh(<u32>load<u8>(r + B.B_SLOT), now);
      emitRoutes(i, A.EFFECT_ROUTE_ADD, now);
    }
  }
}

/** Frees every expired offer, binding and decline (RFC 8415 section 18.3
 *  lifetimes; the reference leaked them). */
export function expire(now: u32): void {
  leasesChanged = false;
  const cap = B.bCapacity();
  for (let i: u32 = 0; i < cap; i++) {
    const r = B.rec(i);
    const st = load<u8>(r + B.B_STATE);
    if (st == B.B_FREE) continue;
    const exp = load<u32>(r + B.B_EXPIRES);
    if (exp != A.LIFETIME_INFINITE && exp <= now) releaseBinding(i, now);
    else if (st == B.B_BOUND) reconfigureDue(i, now);
  }
}

/** Before `slot`'s prefixes change: the routes of its bound delegations go. */
export function routesBeforeChange(slot: u32, now: u32): void {
  forBoundDelegations(slot, A.EFFECT_ROUTE_DEL, now);
}

/** After they changed: routes for the delegations that still fit (the
 *  others are re-carved when their client renews). */
export function routesAfterChange(slot: u32, now: u32): void {
  pdRefresh(slot, now);
  forBoundDelegations(slot, A.EFFECT_ROUTE_ADD, now);
}

function forBoundDelegations(slot: u32, type: u32, now: u32): void {
  const cap = B.bCapacity();
  for (let i: u32 = 0; i < cap; i++) {
    const r = B.rec(i);
    if (load<u8>(r + B.B_STATE) == B.B_BOUND && load<u8>(r + B.B_TYPE) == C.OPT_IA_PD && <u32>load<u8>(r + B.B_SLOT) == slot) emitRoutes(i, type, now);
  }
}

