// The client message, parsed once into a summary: where each option the
// server acts on lies. Nothing after this walks the options again.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |    msg-type   |               transaction-id                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   .                            options                            .
//   (RFC 8415 section 8)

import { ld8, ld16, ld32 } from "../wire/bytes";
import * as C from "../wire/codes";
import { optFits, optCode, optLen, optData, optNext } from "../wire/options";
import { duidHash } from "./bindings";

/** IAID, T1, T2 (RFC 8415 sections 21.4, 21.21). */
export const IA_HEADER_LEN: u32 = 12;

export let msgType: u32 = 0;
export let xid: u32 = 0;
export let clientId: usize = 0; // option data, 0 when absent
export let clientIdLen: u32 = 0;
export let serverId: usize = 0;
export let serverIdLen: u32 = 0;
export let oro: usize = 0; // option data, 0 when absent
export let oroLen: u32 = 0;
export let iaCount: u32 = 0; // IA_NA, IA_TA and IA_PD options
export let duplicateIds: bool = false; // more than one Client ID or Server ID
export let rapidCommit: bool = false; // Rapid Commit option present (RFC 8415 21.14)
export let reconfAccept: bool = false; // Reconfigure Accept option present (21.20)
export let fqdn: usize = 0; // Client FQDN option data (RFC 4704), 0 when absent
export let fqdnLen: u32 = 0;

/** IA_NA and IA_PD options (addresses of their option headers), in message order. */
export const MAX_IAS: i32 = 16;
const ias = new StaticArray<u32>(MAX_IAS);
export let iaKept: i32 = 0; // how many of them are in `ias`

/** The i-th IA_NA / IA_PD option header kept (i < iaKept). */
@inline export function iaAt(i: i32): usize {
  return unchecked(ias[i]);
}

/** True when an IA of `code` with `iaid` is already kept. */
function iaKnown(code: u32, iaid: u32): bool {
  for (let i = 0; i < iaKept; i++) {
    const p = iaAt(i);
    if (optCode(p) == code && ld32(optData(p)) == iaid) return true;
  }
  return false;
}

/** Parses the client/server message of `len` bytes at `msg`. False when its
 *  framing is broken (short header, an option running past the end). */
export function parseRequest(msg: usize, len: u32): bool {
  clientId = 0;
  clientIdLen = 0;
  serverId = 0;
  serverIdLen = 0;
  oro = 0;
  oroLen = 0;
  iaCount = 0;
  iaKept = 0;
  hashed = false;
  duplicateIds = false;
  rapidCommit = false;
  reconfAccept = false;
  fqdn = 0;
  fqdnLen = 0;
  if (len < C.CLIENT_HEADER_LEN) return false;
  msgType = ld8(msg);
  xid = (ld8(msg + 1) << 16) | ld16(msg + 2);
  const end = msg + len;
  let p = msg + C.CLIENT_HEADER_LEN;
  while (p < end) {
    if (!optFits(p, end)) return false;
    const code = optCode(p);
    if (code == C.OPT_CLIENTID) {
      if (clientId != 0) duplicateIds = true;
      clientId = optData(p);
      clientIdLen = optLen(p);
    } else if (code == C.OPT_SERVERID) {
      if (serverId != 0) duplicateIds = true;
      serverId = optData(p);
      serverIdLen = optLen(p);
    } else if (code == C.OPT_ORO) {
      oro = optData(p);
      oroLen = optLen(p);
    } else if (code == C.OPT_IA_NA || code == C.OPT_IA_TA || code == C.OPT_IA_PD) {
      iaCount++;
      // IA_TA is not served (as the reference and Kea); IAs too short to hold IAID, T1, T2 are ignored.
      // An IAID repeated within one type (RFC 8415 21.4, 21.21: unique) is answered once.
      if (code != C.OPT_IA_TA && optLen(p) >= IA_HEADER_LEN && iaKept < MAX_IAS && !iaKnown(code, ld32(optData(p)))) unchecked((ias[iaKept++] = <u32>p));
    } else if (code == C.OPT_RAPID_COMMIT) {
      rapidCommit = true;
    } else if (code == C.OPT_RECONF_ACCEPT) {
      reconfAccept = true;
    } else if (code == C.OPT_CLIENT_FQDN) {
      fqdn = optData(p);
      fqdnLen = optLen(p);
    }
    p = optNext(p);
  }
  buildOroBits();
  return true;
}

// The ORO's codes below 256 as a bit set, built once per message.
const oroBits = new StaticArray<u64>(4);

function buildOroBits(): void {
  unchecked((oroBits[0] = 0));
  unchecked((oroBits[1] = 0));
  unchecked((oroBits[2] = 0));
  unchecked((oroBits[3] = 0));
  const n = oroLen & ~1;
  for (let i: u32 = 0; i < n; i += 2) {
    const c = ld16(oro + i);
    if (c < 256) unchecked((oroBits[c >> 6] |= <u64>1 << <u64>(c & 63)));
  }
}

/** True when the client's Option Request option lists `code`. */
export function requested(code: u32): bool {
  if (code < 256) return (unchecked(oroBits[code >> 6]) & (<u64>1 << <u64>(code & 63))) != 0;
  const n = oroLen & ~1;
  for (let i: u32 = 0; i < n; i += 2) {
    if (ld16(oro + i) == code) return true;
  }
  return false;
}

let hashOfClient: u64 = 0;
let hashed: bool = false;

/** duidHash of the Client ID, computed once per message. */
export function clientHash(): u64 {
  if (!hashed) {
    hashOfClient = duidHash(clientId, clientIdLen);
    hashed = true;
  }
  return hashOfClient;
}

/** True when the Client ID present is a plausible DUID (RFC 8415 section 11:
 *  a 2-byte type and at most 128 bytes more). */
export function clientIdValid(): bool {
  return clientId != 0 && clientIdLen >= 3 && clientIdLen <= C.DUID_MAX_LEN;
}
