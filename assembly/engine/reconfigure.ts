// Reconfigure (RFC 8415 sections 18.2.11, 18.3.11, 20.4): the reconfigure
// key handed to clients that sent Reconfigure Accept, and the authenticated
// Reconfigure sent to them when the interface's prefixes change, retransmitted
// (REC_TIMEOUT, doubling, REC_MAX_RC times) until the client renews.
//
// Authentication option (21.11) with the reconfigure key protocol (20.4):
//   protocol 3, algorithm 1 (HMAC-MD5), RDM 0 (monotonic counter),
//   replay detection (8), type (1 = key, 2 = HMAC-MD5 digest), 16 bytes.
// The key is 16 bytes from SipHash keyed with the server's persisted random
// secret over the client's DUID, the clock and a counter: unpredictable
// without the secret, different for every delivery, and no randomness needed
// inside the core.

import * as A from "../abi";
import * as C from "../wire/codes";
import { st16, st32 } from "../wire/bytes";
import { optLen, optData } from "../wire/options";
import { wStart, wU8, wU24, wU64, wBytes, wZeros, wOption, optOpen, optClose, wPos, wOk, wLength } from "../wire/writer";
import * as B from "./bindings";
import * as R from "./request";
import * as Cfg from "./config";
import { sipHash } from "./siphash";
import { hmacMd5, MD5_LEN } from "../auth/md5";
import { duidFor, duidPtr, duidLen } from "./duid";
import { effectOpen } from "./effects";
import { hopCount, hopHeader, hopInterfaceId, hopHasSourcePort } from "../relay/hops";

/** RFC 8415 section 7.6 */
export const REC_TIMEOUT: u32 = 2;
export const REC_MAX_RC: u32 = 8;

const AUTH_PROTO_RECONFIGURE_KEY: u32 = 3;
const AUTH_ALG_HMAC_MD5: u32 = 1;
const AUTH_RDM_MONOTONIC: u32 = 0;
const AUTH_INFO_KEY: u32 = 1;
const AUTH_INFO_HMAC_MD5: u32 = 2;
const RECONF_KEY_LEN: u32 = 16;

// ---------------------------------------------------------------- replay detection

let replaySec: u32 = 0;
let replaySeq: u32 = 0;

/** A replay detection value greater than every one before (RDM 0): the
 *  host clock (persisted, never going back) and a sequence within it. */
export function nextReplay(now: u32): u64 {
  if (now > replaySec) {
    replaySec = now;
    replaySeq = 0;
  }
  const seq = replaySeq;
  replaySeq++;
  return (<u64>replaySec << 32) | <u64>seq;
}

// ---------------------------------------------------------------- key delivery

const key: usize = memory.data(<i32>RECONF_KEY_LEN, 8);
let keyCounter: u64 = 0;
let keyTime: u64 = 0; // the replay value of the Reply delivering the chosen key
/** A key was chosen for the reply being built; commit() stores it in each binding. */
export let keyChosen: bool = false;

/** True when the client offered Reconfigure Accept and `slot` reconfigures. */
export function reconfigureWanted(slot: u32): bool {
  return R.reconfAccept && Cfg.cfgReconfigure(slot);
}

/** Chooses a fresh key for the client of the request being answered. */
export function chooseKey(now: u32): void {
  keyCounter++;
  const tag = (<u64>now << 32) ^ keyCounter;
  store<u64>(key, sipHash(R.clientId, R.clientIdLen, tag ^ 0x7265636f6e663100));
  store<u64>(key + 8, sipHash(R.clientId, R.clientIdLen, tag ^ 0x7265636f6e663200));
  keyTime = nextReplay(now);
  keyChosen = true;
}

export function forgetKey(): void {
  keyChosen = false;
}

/** Stores the chosen key, and how to reach the client, in binding record `r`. */
export function rememberClient(r: usize): void {
  if (keyChosen) {
    // The new key replaces the old one for the whole client (20.4.2), also in
    // its bindings this Reply does not mention: a Reconfigure pending on them
    // must be authenticated with the key the client holds now.
    const i = <u32>((r - B.rec(0)) / B.BREC_SIZE);
    let j = B.bClientFirst(i);
    while (j != 0) {
      const o = B.rec(j - 1);
      if (j - 1 == i || (load<u8>(o + B.B_STATE) == B.B_BOUND && B.bSameClient(i, j - 1))) {
        memory.copy(o + B.B_RECONF_KEY, key, RECONF_KEY_LEN);
        store<u64>(o + B.B_KEY_TIME, keyTime);
        store<u8>(o + B.B_FLAGS, load<u8>(o + B.B_FLAGS) | B.BF_RECONF_ACCEPT);
      }
      j = B.bClientNext(j);
    }
  }
  // The client renewed: nothing pending any more.
  store<u32>(r + B.B_RECONF_NEXT, 0);
  store<u8>(r + B.B_RECONF_SENT, 0);
  // The way back: directly, or through one relay (deeper chains are not kept).
  const hops = hopCount();
  if (hops == 0) {
    store<u8>(r + B.B_RELAY_HOPS, 0);
    store<u16>(r + B.B_PEER_PORT, <u16>C.PORT_CLIENT);
  } else {
    const h = hopHeader(0);
    const iid = hopInterfaceId(0);
    const iidLen = iid != 0 ? optLen(iid) : 0;
    if (hops > 1 || iidLen > B.RELAY_IFID_MAX) {
      store<u8>(r + B.B_RELAY_HOPS, B.RELAY_PATH_UNKNOWN);
    } else {
      store<u8>(r + B.B_RELAY_HOPS, 1);
      store<u8>(r + B.B_RELAY_HOPCOUNT, load<u8>(h + 1));
      memory.copy(r + B.B_RELAY_LINK, h + C.RELAY_LINK_ADDR_OFF, 16);
      memory.copy(r + B.B_RELAY_PEER, h + C.RELAY_PEER_ADDR_OFF, 16);
      store<u8>(r + B.B_RELAY_IFID_LEN, <u8>iidLen);
      if (iidLen != 0) memory.copy(r + B.B_RELAY_IFID, optData(iid), iidLen);
    }
    const port = hopHasSourcePort(0) ? <u32>load<u16>(A.META + A.META_IN_SRC_PORT) : C.PORT_SERVER;
    store<u16>(r + B.B_PEER_PORT, <u16>port);
  }
}

/** Reconfigure Accept (21.20) in a reply to a client that offered it. */
export function writeReconfAccept(slot: u32): void {
  if (reconfigureWanted(slot)) wOption(C.OPT_RECONF_ACCEPT, 0, 0);
}

/** The Authentication option carrying the chosen key (20.4.2). */
export function writeKeyDelivery(now: u32): void {
  if (!keyChosen) return;
  optOpen(C.OPT_AUTH);
  wU8(AUTH_PROTO_RECONFIGURE_KEY);
  wU8(AUTH_ALG_HMAC_MD5);
  wU8(AUTH_RDM_MONOTONIC);
  wU64(keyTime);
  wU8(AUTH_INFO_KEY);
  wBytes(key, RECONF_KEY_LEN);
  optClose();
}

// ---------------------------------------------------------------- sending Reconfigures

/** Schedules one Reconfigure per client (not per binding: the reference's
 *  defect) for every bound client on `slot` that holds a reconfigure key. */
export function scheduleReconfigures(slot: u32, now: u32): void {
  if (!Cfg.cfgReconfigure(slot)) return;
  B.bDedupeReset();
  const cap = B.bCapacity();
  for (let i: u32 = 0; i < cap; i++) {
    const r = B.rec(i);
    if (load<u8>(r + B.B_STATE) != B.B_BOUND || <u32>load<u8>(r + B.B_SLOT) != slot) continue;
    if ((load<u8>(r + B.B_FLAGS) & B.BF_RECONF_ACCEPT) == 0 || load<u8>(r + B.B_RELAY_HOPS) == B.RELAY_PATH_UNKNOWN) continue;
    // One per client, authenticated with the key it got last (20.4: a new
    // key replaces the old one, also when it came with another IA).
    const prev = B.bDedupeAdd(i);
    if (prev >= 0) {
      const p = B.rec(<u32>prev);
      if (load<u64>(r + B.B_KEY_TIME) <= load<u64>(p + B.B_KEY_TIME)) continue;
      store<u32>(p + B.B_RECONF_NEXT, 0);
      B.bDedupeReplace(i);
    }
    store<u8>(r + B.B_RECONF_SENT, 0);
    store<u32>(r + B.B_RECONF_NEXT, now);
  }
}

const MSG_MAX: u32 = 1024;
const msg: usize = memory.data(<i32>MSG_MAX, 8);

/** Sends binding `i`'s pending Reconfigure when it is due (called by tick). */
export function reconfigureDue(i: u32, now: u32): void {
  const r = B.rec(i);
  const next = load<u32>(r + B.B_RECONF_NEXT);
  if (next == 0 || next > now) return;
  const sent = <u32>load<u8>(r + B.B_RECONF_SENT);
  if (sent >= REC_MAX_RC) {
    store<u32>(r + B.B_RECONF_NEXT, 0); // gave up: the client will renew at T1
    return;
  }
  const n = buildReconfigure(r, now);
  if (n == 0) {
    store<u32>(r + B.B_RECONF_NEXT, 0);
    return;
  }
  const p = effectOpen(A.EFFECT_SEND, A.SEND_EFFECT_HEADER + n);
  if (p == 0) return; // effect list full: retried next tick
  st32(p, <u32>load<u8>(r + B.B_PEER_SLOT));
  st16(p + 4, <u32>load<u16>(r + B.B_PEER_PORT));
  st16(p + 6, 0);
  memory.copy(p + 8, r + B.B_PEER, 16);
  memory.copy(p + A.SEND_EFFECT_HEADER, msg, n);
  store<u8>(r + B.B_RECONF_SENT, <u8>(sent + 1));
  // RFC 8415 18.2.11 / 15: IRT = REC_TIMEOUT, doubling.
  store<u32>(r + B.B_RECONF_NEXT, now + (REC_TIMEOUT << sent));
  const stats = A.STATS + <usize>A.STAT_RECONFIGURE * 4;
  store<u32>(stats, load<u32>(stats) + 1);
}

/** Writes the Reconfigure for binding record `r` into `msg` (inside a
 *  Relay-reply when the client is behind a relay). Returns its length. */
function buildReconfigure(r: usize, now: u32): u32 {
  const relayed = load<u8>(r + B.B_RELAY_HOPS) == 1;
  wStart(msg, MSG_MAX);
  if (relayed) {
    wU8(C.MSG_RELAY_REPL);
    wU8(load<u8>(r + B.B_RELAY_HOPCOUNT));
    wBytes(r + B.B_RELAY_LINK, 16);
    wBytes(r + B.B_RELAY_PEER, 16);
    const iidLen = <u32>load<u8>(r + B.B_RELAY_IFID_LEN);
    if (iidLen != 0) wOption(C.OPT_INTERFACE_ID, r + B.B_RELAY_IFID, iidLen);
    optOpen(C.OPT_RELAY_MSG);
  }
  const start = wPos();
  wU8(C.MSG_RECONFIGURE);
  wU24(0); // RFC 8415 18.3.11: transaction-id 0
  duidFor(<u32>load<u8>(r + B.B_PEER_SLOT));
  wOption(C.OPT_SERVERID, duidPtr(), duidLen());
  wOption(C.OPT_CLIENTID, r + B.B_DUID, load<u8>(r + B.B_DUID_LEN));
  optOpen(C.OPT_RECONF_MSG);
  wU8(C.MSG_RENEW);
  optClose();
  optOpen(C.OPT_AUTH);
  wU8(AUTH_PROTO_RECONFIGURE_KEY);
  wU8(AUTH_ALG_HMAC_MD5);
  wU8(AUTH_RDM_MONOTONIC);
  const replay = nextReplay(now);
  wU64(replay);
  wU8(AUTH_INFO_HMAC_MD5);
  const digest = wPos();
  wZeros(MD5_LEN);
  optClose();
  const end = wPos();
  if (relayed) optClose();
  if (!wOk()) return 0;
  store<u64>(r + B.B_REPLAY, replay);
  // 20.4.1: HMAC-MD5 over the whole Reconfigure with the digest zeroed.
  hmacMd5(r + B.B_RECONF_KEY, RECONF_KEY_LEN, start, <u32>(end - start), digest);
  return wLength();
}
