// The running configuration. `configure` parses a CFG record (see abi.ts)
// into the inactive copy and switches to it only when the whole record is
// valid, so a bad configuration never disturbs the running one. Option
// payloads (DNS, domain search list, NTP, SNTP, raw) are encoded to wire form
// here, once; replies only copy them.

import * as A from "../abi";
import * as C from "../wire/codes";
import { ld16, ld32, ld8, st16 } from "../wire/bytes";
import { dnameEncode } from "../wire/dname";
import { optFramingError } from "../wire/options";
import { textStart, textStr, textU32 } from "../text";
import { hostsBegin, hostsAdd, hostsActivate } from "./hosts";
import { bReserve } from "./bindings";
import { sipKey } from "./siphash";

// Per-slot scalar fields.
const F_PRESENT: i32 = 0;
const F_MODE: i32 = 1;
const F_LEASETIME: i32 = 2;
const F_REFRESH: i32 = 3;
const F_SOL_MAX_RT: i32 = 4;
const F_INF_MAX_RT: i32 = 5;
const F_NA: i32 = 6;
const F_PD: i32 = 7;
const F_PD_MIN_LEN: i32 = 8;
const F_ASSIGN_ALL: i32 = 9;
const F_RAPID_COMMIT: i32 = 10;
const F_MASTER: i32 = 11;
const F_HOP_LIMIT: i32 = 12;
const F_CLIENT_LLADDR: i32 = 13;
const F_RECONFIGURE: i32 = 14;
const F_RATE_IFACE: i32 = 15;
const F_RATE_CLIENT: i32 = 16;
// Encoded options: offset and length in the slot's blob, one pair per kind.
const F_BLOB: i32 = 17;
export const BLOB_DNS: i32 = 0; // option 23 (empty: use the link-local address)
export const BLOB_DOMAIN: i32 = 1; // option 24
export const BLOB_NTP: i32 = 2; // option 56
export const BLOB_SNTP: i32 = 3; // option 31
export const BLOB_RAW: i32 = 4; // dhcpv6_raw options, verbatim
export const BLOB_REMOTE_ID: i32 = 5; // option 37 added when relaying
const BLOB_KINDS: i32 = 6;
const FIELDS: i32 = F_BLOB + 2 * BLOB_KINDS;

/** Messages per second one client may send before it is dropped: far above
 *  what a well-behaved client sends, far below a flood. */
export const RATE_CLIENT_DEFAULT: u32 = 20;

/** Upper bound of CFG_MAX_BINDINGS: 1M bindings is 328 MB of records. */
const MAX_BINDINGS_LIMIT: u32 = 1 << 20;

/** The reference's lease time (odhcpd): 3600 s. */
export const LEASETIME_DEFAULT: u32 = 3600;
/** odhcpd refuses lease times under 60 s. */
export const LEASETIME_MIN: u32 = 60;
/** The Information Refresh Time odhcpd sends (= IRT_MINIMUM). */
export const REFRESH_DEFAULT: u32 = C.IRT_MINIMUM;

const SLOT_BLOB: u32 = 8192;
const MAX_DUID: u32 = C.DUID_MAX_LEN;

// Two copies: [active] serves, the other is built by configure.
const fields = new StaticArray<u32>(2 * <i32>A.MAX_IFACES * FIELDS);
const blobs: usize = memory.data(<i32>(2 * A.MAX_IFACES * SLOT_BLOB), 16);
const duids: usize = memory.data(<i32>(2 * MAX_DUID), 16);
const duidLens = new StaticArray<u32>(2);
let active: i32 = 0;
const SECRET_LEN: u32 = 16;
const secretBuf: usize = memory.data(<i32>SECRET_LEN, 8);
let secretGiven: bool = false;
let maxBindings: u32 = A.DEFAULT_MAX_BINDINGS;

// Scratch lists for one section while it is parsed.
const SCRATCH: u32 = 4096;
const scratchDns: usize = memory.data(<i32>SCRATCH);
const scratchDomain: usize = memory.data(<i32>SCRATCH);
const scratchNtp: usize = memory.data(<i32>SCRATCH);
const scratchSntp: usize = memory.data(<i32>SCRATCH);
const scratchRaw: usize = memory.data(<i32>SCRATCH);
const scratchRemoteId: usize = memory.data(<i32>SCRATCH);
let lenRemoteId: u32 = 0;
let lenDns: u32 = 0;
let lenDomain: u32 = 0;
let lenNtp: u32 = 0;
let lenSntp: u32 = 0;
let lenRaw: u32 = 0;

@inline function fieldIndex(copy: i32, slot: u32, f: i32): i32 {
  return (copy * <i32>A.MAX_IFACES + <i32>slot) * FIELDS + f;
}

@inline function get(slot: u32, f: i32): u32 {
  return unchecked(fields[fieldIndex(active, slot, f)]);
}

function setField(copy: i32, slot: u32, f: i32, v: u32): void {
  unchecked((fields[fieldIndex(copy, slot, f)] = v));
}

@inline function blobBase(copy: i32, slot: u32): usize {
  return blobs + (<usize>copy * A.MAX_IFACES + slot) * SLOT_BLOB;
}

// ---------------------------------------------------------------- reading the running configuration

@inline export function cfgPresent(slot: u32): bool {
  return slot < A.MAX_IFACES && get(slot, F_PRESENT) != 0;
}

@inline export function cfgMode(slot: u32): u32 {
  return get(slot, F_MODE);
}

@inline export function cfgLeasetime(slot: u32): u32 {
  return get(slot, F_LEASETIME);
}

@inline export function cfgRefresh(slot: u32): u32 {
  return get(slot, F_REFRESH);
}

@inline export function cfgSolMaxRt(slot: u32): u32 {
  return get(slot, F_SOL_MAX_RT);
}

@inline export function cfgInfMaxRt(slot: u32): u32 {
  return get(slot, F_INF_MAX_RT);
}

@inline export function cfgNa(slot: u32): bool {
  return get(slot, F_NA) != 0;
}

@inline export function cfgPd(slot: u32): bool {
  return get(slot, F_PD) != 0;
}

@inline export function cfgPdMinLen(slot: u32): u32 {
  return get(slot, F_PD_MIN_LEN);
}

@inline export function cfgAssignAll(slot: u32): bool {
  return get(slot, F_ASSIGN_ALL) != 0;
}

@inline export function cfgRapidCommit(slot: u32): bool {
  return get(slot, F_RAPID_COMMIT) != 0;
}

@inline export function cfgMaster(slot: u32): bool {
  return get(slot, F_MASTER) != 0;
}

@inline export function cfgHopLimit(slot: u32): u32 {
  return get(slot, F_HOP_LIMIT);
}

@inline export function cfgRateIface(slot: u32): u32 {
  return get(slot, F_RATE_IFACE);
}

@inline export function cfgRateClient(slot: u32): u32 {
  return get(slot, F_RATE_CLIENT);
}

@inline export function cfgReconfigure(slot: u32): bool {
  return get(slot, F_RECONFIGURE) != 0;
}

@inline export function cfgClientLladdr(slot: u32): bool {
  return get(slot, F_CLIENT_LLADDR) != 0;
}

/** Address of the encoded option(s) of `kind` for `slot`. */
@inline export function cfgBlob(slot: u32, kind: i32): usize {
  return blobBase(active, slot) + get(slot, F_BLOB + 2 * kind);
}

@inline export function cfgBlobLen(slot: u32, kind: i32): u32 {
  return get(slot, F_BLOB + 2 * kind + 1);
}

/** Configured server DUID (length 0 when none is configured). */
@inline export function cfgDuid(): usize {
  return duids + <usize>active * MAX_DUID;
}

@inline export function cfgDuidLen(): u32 {
  return unchecked(duidLens[active]);
}

// ---------------------------------------------------------------- parsing a CFG record

function resetSection(): void {
  lenDns = 0;
  lenDomain = 0;
  lenNtp = 0;
  lenSntp = 0;
  lenRaw = 0;
  lenRemoteId = 0;
}

function initSlot(copy: i32, slot: u32): void {
  for (let f = 0; f < FIELDS; f++) setField(copy, slot, f, 0);
  setField(copy, slot, F_PRESENT, 1);
  setField(copy, slot, F_MODE, A.MODE_SERVER);
  setField(copy, slot, F_LEASETIME, LEASETIME_DEFAULT);
  setField(copy, slot, F_REFRESH, REFRESH_DEFAULT);
  setField(copy, slot, F_SOL_MAX_RT, C.MAX_RT_DEFAULT);
  setField(copy, slot, F_INF_MAX_RT, C.MAX_RT_DEFAULT);
  setField(copy, slot, F_NA, 1);
  setField(copy, slot, F_PD, 1);
  setField(copy, slot, F_RAPID_COMMIT, 1);
  setField(copy, slot, F_HOP_LIMIT, C.HOP_COUNT_LIMIT);
  setField(copy, slot, F_RECONFIGURE, 1);
  setField(copy, slot, F_RATE_CLIENT, RATE_CLIENT_DEFAULT);
}

/** Appends `len` bytes to a scratch list; false when it is full. */
function append(scratch: usize, used: u32, src: usize, len: u32): bool {
  return used + len <= SCRATCH && (memory.copy(scratch + used, src, len), true);
}

/** Writes one encoded blob (an option header + payload, or raw bytes) into the slot. */
function storeBlob(copy: i32, slot: u32, kind: i32, at: u32, code: u32, src: usize, len: u32): u32 {
  if (len == 0) return at;
  const base = blobBase(copy, slot);
  const hdr: u32 = code == 0 ? 0 : C.OPT_HEADER_LEN;
  if (at + hdr + len > SLOT_BLOB || len > 0xffff) return 0xffffffff;
  if (code != 0) {
    st16(base + at, code);
    st16(base + at + 2, len);
  }
  memory.copy(base + at + hdr, src, len);
  setField(copy, slot, F_BLOB + 2 * kind, at);
  setField(copy, slot, F_BLOB + 2 * kind + 1, hdr + len);
  return at + hdr + len;
}

/** Encodes the section's scratch lists into the slot's blob. */
function finishSection(copy: i32, slot: u32): bool {
  let at: u32 = 0;
  at = storeBlob(copy, slot, BLOB_DNS, at, C.OPT_DNS_SERVERS, scratchDns, lenDns);
  if (at == 0xffffffff) return false;
  at = storeBlob(copy, slot, BLOB_DOMAIN, at, C.OPT_DOMAIN_LIST, scratchDomain, lenDomain);
  if (at == 0xffffffff) return false;
  at = storeBlob(copy, slot, BLOB_NTP, at, C.OPT_NTP_SERVER, scratchNtp, lenNtp);
  if (at == 0xffffffff) return false;
  at = storeBlob(copy, slot, BLOB_SNTP, at, C.OPT_SNTP_SERVERS, scratchSntp, lenSntp);
  if (at == 0xffffffff) return false;
  at = storeBlob(copy, slot, BLOB_RAW, at, 0, scratchRaw, lenRaw);
  if (at == 0xffffffff) return false;
  at = storeBlob(copy, slot, BLOB_REMOTE_ID, at, C.OPT_REMOTE_ID, scratchRemoteId, lenRemoteId);
  return at != 0xffffffff;
}

function fail(code: i32, what: string, key: u32, offset: u32): i32 {
  textStart();
  textStr(what);
  textStr(" (configuration key ");
  textU32(key);
  textStr(" at byte ");
  textU32(offset);
  textStr(")");
  return -code;
}

/** Parses the CFG record of `len` bytes. Returns 0 and makes it the running
 *  configuration, or -(CFGERR_*) with a message in OUT; then nothing changes. */
export function configure(len: u32): i32 {
  if (len > A.CFG_SIZE) return fail(A.CFGERR_TOO_BIG, "configuration record too large", 0, 0);
  const copy = 1 - active;
  for (let s: u32 = 0; s < A.MAX_IFACES; s++) setField(copy, s, F_PRESENT, 0);
  unchecked((duidLens[copy] = 0));
  hostsBegin(copy);
  secretGiven = false;
  let wantBindings = maxBindings;
  let slot: i32 = -1;
  resetSection();
  const end = A.CFG + len;
  let p = A.CFG;
  while (p < end) {
    if (p + 4 > end || p + 4 + ld16(p + 2) > end) return fail(A.CFGERR_FRAMING, "truncated item", 0, <u32>(p - A.CFG));
    const key = ld16(p);
    const n = ld16(p + 2);
    const v = p + 4;
    const off = <u32>(p - A.CFG);
    if (key == A.CFG_IFACE) {
      if (n != 4 || ld32(v) >= A.MAX_IFACES) return fail(A.CFGERR_VALUE, "bad interface slot", key, off);
      if (slot >= 0 && !finishSection(copy, <u32>slot)) return fail(A.CFGERR_TOO_BIG, "options too large", key, off);
      slot = <i32>ld32(v);
      initSlot(copy, <u32>slot);
      resetSection();
    } else if (key == A.CFG_SERVER_DUID) {
      if (n < 2 || n > MAX_DUID) return fail(A.CFGERR_VALUE, "DUID must be 2 to 130 bytes", key, off);
      memory.copy(duids + <usize>copy * MAX_DUID, v, n);
      unchecked((duidLens[copy] = n));
    } else if (key == A.CFG_SECRET) {
      if (n != SECRET_LEN) return fail(A.CFGERR_VALUE, "secret must be 16 bytes", key, off);
      memory.copy(secretBuf, v, SECRET_LEN);
      secretGiven = true;
    } else if (key == A.CFG_MAX_BINDINGS) {
      if (n != 4 || ld32(v) == 0 || ld32(v) > MAX_BINDINGS_LIMIT) return fail(A.CFGERR_VALUE, "binding capacity out of range", key, off);
      wantBindings = ld32(v);
    } else if (key == A.CFG_HOST) {
      if (!hostsAdd(copy, v, n)) return fail(A.CFGERR_VALUE, "invalid static host", key, off);
    } else if (slot < 0) {
      return fail(A.CFGERR_VALUE, "item outside an interface section", key, off);
    } else if (!item(copy, <u32>slot, key, v, n)) {
      return fail(A.CFGERR_VALUE, "invalid value", key, off);
    }
    p = v + n;
  }
  if (slot >= 0 && !finishSection(copy, <u32>slot)) return fail(A.CFGERR_TOO_BIG, "options too large", 0, len);
  if (!bReserve(wantBindings)) return fail(A.CFGERR_TOO_BIG, "cannot allocate the binding table", A.CFG_MAX_BINDINGS, 0);
  maxBindings = wantBindings;
  if (secretGiven) sipKey(secretBuf);
  hostsActivate(copy);
  active = copy;
  return 0;
}

/** One interface-section item. False when its value is invalid. */
function item(copy: i32, slot: u32, key: u32, v: usize, n: u32): bool {
  if (key == A.CFG_MODE) {
    if (n != 1 || ld8(v) > A.MODE_HYBRID) return false;
    setField(copy, slot, F_MODE, ld8(v));
  } else if (key == A.CFG_DNS) {
    if (n != 16 || !append(scratchDns, lenDns, v, 16)) return false;
    lenDns += 16;
  } else if (key == A.CFG_SNTP) {
    if (n != 16 || !append(scratchSntp, lenSntp, v, 16)) return false;
    lenSntp += 16;
  } else if (key == A.CFG_DOMAIN) {
    const w = dnameEncode(v, n, scratchDomain + lenDomain, SCRATCH - lenDomain);
    if (w == 0) return false;
    lenDomain += w;
  } else if (key == A.CFG_NTP_ADDR) {
    // RFC 5908 section 4: suboption 1, NTP server address.
    if (n != 16 || lenNtp + 20 > SCRATCH) return false;
    st16(scratchNtp + lenNtp, C.NTP_SUBOPT_SRV_ADDR);
    st16(scratchNtp + lenNtp + 2, 16);
    memory.copy(scratchNtp + lenNtp + 4, v, 16);
    lenNtp += 20;
  } else if (key == A.CFG_NTP_FQDN) {
    // RFC 5908 section 4: suboption 3, NTP server FQDN.
    if (lenNtp + 4 > SCRATCH) return false;
    const w = dnameEncode(v, n, scratchNtp + lenNtp + 4, SCRATCH - lenNtp - 4);
    if (w == 0) return false;
    st16(scratchNtp + lenNtp, C.NTP_SUBOPT_SRV_FQDN);
    st16(scratchNtp + lenNtp + 2, w);
    lenNtp += 4 + w;
  } else if (key == A.CFG_RAW) {
    if (n == 0 || optFramingError(v, v + n) != 0 || !append(scratchRaw, lenRaw, v, n)) return false;
    lenRaw += n;
  } else if (key == A.CFG_LEASETIME) {
    if (n != 4 || ld32(v) < LEASETIME_MIN) return false;
    setField(copy, slot, F_LEASETIME, ld32(v));
  } else if (key == A.CFG_REFRESH_TIME) {
    if (n != 4 || ld32(v) < C.IRT_MINIMUM) return false;
    setField(copy, slot, F_REFRESH, ld32(v));
  } else if (key == A.CFG_SOL_MAX_RT || key == A.CFG_INF_MAX_RT) {
    if (n != 4 || ld32(v) < C.MAX_RT_MIN || ld32(v) > C.MAX_RT_MAX) return false;
    setField(copy, slot, key == A.CFG_SOL_MAX_RT ? F_SOL_MAX_RT : F_INF_MAX_RT, ld32(v));
  } else if (key == A.CFG_NA || key == A.CFG_PD || key == A.CFG_ASSIGN_ALL || key == A.CFG_RAPID_COMMIT) {
    if (n != 1 || ld8(v) > 1) return false;
    const f = key == A.CFG_NA ? F_NA : key == A.CFG_PD ? F_PD : key == A.CFG_ASSIGN_ALL ? F_ASSIGN_ALL : F_RAPID_COMMIT;
    setField(copy, slot, f, ld8(v));
  } else if (key == A.CFG_MASTER || key == A.CFG_CLIENT_LLADDR || key == A.CFG_RECONFIGURE) {
    if (n != 1 || ld8(v) > 1) return false;
    setField(copy, slot, key == A.CFG_MASTER ? F_MASTER : key == A.CFG_RECONFIGURE ? F_RECONFIGURE : F_CLIENT_LLADDR, ld8(v));
  } else if (key == A.CFG_HOP_LIMIT) {
    if (n != 1 || ld8(v) < 1 || ld8(v) > C.HOP_COUNT_LIMIT) return false;
    setField(copy, slot, F_HOP_LIMIT, ld8(v));
  } else if (key == A.CFG_REMOTE_ID) {
    // RFC 4649: enterprise number (4) and a non-empty remote-id.
    if (n < 5 || !append(scratchRemoteId, 0, v, n)) return false;
    lenRemoteId = n;
  } else if (key == A.CFG_RATE_IFACE || key == A.CFG_RATE_CLIENT) {
    if (n != 4) return false;
    setField(copy, slot, key == A.CFG_RATE_IFACE ? F_RATE_IFACE : F_RATE_CLIENT, ld32(v));
  } else if (key == A.CFG_PD_MIN_LEN) {
    if (n != 1 || ld8(v) < 1 || ld8(v) > 64) return false;
    setField(copy, slot, F_PD_MIN_LEN, ld8(v));
  } else {
    return false; // unknown key: the host and core disagree on the ABI
  }
  return true;
}
