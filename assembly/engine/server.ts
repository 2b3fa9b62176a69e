// The server's entry point for one datagram: classify, unwrap the relay
// layers, validate (RFC 8415 section 16), answer. Every datagram that gets no
// reply is counted under the reason it was dropped.

import * as A from "../abi";
import * as C from "../wire/codes";
import { ld8, addrIsZero, prefixContains } from "../wire/bytes";
import { unwrapRelays, innerMessage, innerLength, hopCount, hopHeader, hopHasSourcePort, UNWRAP_OK, UNWRAP_HOP_LIMIT } from "../relay/hops";
import { relayForward, relayReply } from "../relay/agent";
import { ifaceAllows, clientAllows, clientAllowsHash } from "./ratelimit";
import * as R from "./request";
import { cfgPresent, cfgMode, cfgMaster } from "./config";
import { ifaceUp, ifaceGlobal, ifaceAddrCount, ifaceAddr, ifaceAddrPlen } from "./iface";
import { duidFor, duidMatches } from "./duid";
import { replyInformation, replyUseMulticast, replySolicit, replyBindings, replyRelease, replyConfirm } from "./reply";
import { IA_BIND, IA_RENEW, IA_REBIND, IA_RELEASE, IA_DECLINE, leasesChanged } from "./ia";
import { effectsReset, effectOpen } from "./effects";

@inline function bump(stat: u32): void {
  const p = A.STATS + <usize>stat * 4;
  store<u32>(p, load<u32>(p) + 1);
}

function drop(stat: u32): i32 {
  bump(stat);
  return -<i32>stat;
}

/** Message types only a server or relay sends (RFC 8415 section 16: a server
 *  discards them). */
function isServerToClient(type: u32): bool {
  return type == C.MSG_ADVERTISE || type == C.MSG_REPLY || type == C.MSG_RECONFIGURE || type == C.MSG_RELAY_REPL;
}

/** The reply goes back where the request came from: to the client on port
 *  546, or to the first relay on 547 (or on its source port when it sent a
 *  Relay Source Port option, RFC 8357 section 5.2). */
function setDestination(slot: u32): void {
  memory.copy(A.META + A.META_OUT_DST_ADDR, A.META + A.META_IN_SRC_ADDR, 16);
  store<u32>(A.META + A.META_OUT_IFSLOT, slot);
  store<u16>(A.META + A.META_OUT_DST_KIND, <u16>A.DST_UNICAST);
  let port: u32 = C.PORT_CLIENT;
  if (hopCount() > 0) port = hopHasSourcePort(0) ? <u32>load<u16>(A.META + A.META_IN_SRC_PORT) : C.PORT_SERVER;
  store<u16>(A.META + A.META_OUT_DST_PORT, <u16>port);
}

/** Like `sent`, and tells the host the leases changed when they did. */
function committed(slot: u32, len: u32): i32 {
  if (leasesChanged) effectOpen(A.EFFECT_LEASES_CHANGED, 0);
  return sent(slot, len);
}

function sent(slot: u32, len: u32): i32 {
  if (len == 0) return drop(A.STAT_DROP_TOO_BIG);
  setDestination(slot);
  bump(A.STAT_TX);
  return <i32>len;
}

/** True when `slot` relays rather than serves: relay mode, or hybrid mode
 *  without a global prefix of its own (the reference's hybrid rule). */
function relaying(slot: u32, now: u32): bool {
  const m = cfgMode(slot);
  if (m == A.MODE_RELAY) return true;
  if (m != A.MODE_HYBRID) return false;
  return cfgMaster(slot) || ifaceGlobal(slot, now) == 0;
}

/** The relay agent's path: Relay-replies on an upstream (master) interface go
 *  down to the client, everything else on a client-facing one goes up. */
function relay(slot: u32, len: u32, now: u32): i32 {
  let n: i32;
  if (cfgMaster(slot)) {
    n = relayReply(len);
    if (n > 0) bump(A.STAT_RELAYED_DOWN);
  } else {
    if (ld8(A.RX) == C.MSG_RELAY_REPL) return drop(A.STAT_DROP_RELAY_REPLY); // only from upstream
    n = relayForward(slot, len, now);
    if (n > 0) bump(A.STAT_RELAYED_UP);
  }
  if (n <= 0) return drop(<u32>-n);
  bump(A.STAT_TX);
  return n;
}

/** The configured, serving interface with a prefix holding `link` (16 bytes),
 *  or `fallback` when none does or `link` is unspecified. */
function linkSlot(link: usize, fallback: u32, now: u32): u32 {
  if (addrIsZero(link)) return fallback;
  for (let s: u32 = 0; s < A.MAX_IFACES; s++) {
    if (!cfgPresent(s) || cfgMode(s) == A.MODE_DISABLED || relaying(s, now)) continue;
    const n = ifaceAddrCount(s);
    for (let i: u32 = 0; i < n; i++) {
      if (prefixContains(ifaceAddr(s, i), ifaceAddrPlen(s, i), link)) return s;
    }
  }
  return fallback;
}

/** Handles the datagram of `len` bytes in RX (see abi.ts for META). */
export function handle(len: u32): i32 {
  effectsReset();
  bump(A.STAT_RX);
  const slot = load<u32>(A.META + A.META_IN_IFSLOT);
  if (len == 0 || len > A.MAX_DATAGRAM) return drop(A.STAT_DROP_MALFORMED);
  if (!ifaceUp(slot) || !cfgPresent(slot) || cfgMode(slot) == A.MODE_DISABLED) return drop(A.STAT_DROP_UNKNOWN_IFACE);
  const multicast = (load<u32>(A.META + A.META_IN_FLAGS) & A.META_F_MULTICAST) != 0;
  const now = load<u32>(A.META + A.META_IN_NOW);
  if (!ifaceAllows(slot, now)) return drop(A.STAT_DROP_RATE_LIMIT);
  if (relaying(slot, now)) {
    // Per client only for a client's own messages: a server's Relay-replies
    // and another relay's Relay-forwards carry many clients from one address.
    const t = ld8(A.RX);
    const fromClient = !cfgMaster(slot) && t != C.MSG_RELAY_FORW && t != C.MSG_RELAY_REPL;
    if (fromClient && !clientAllows(slot, A.META + A.META_IN_SRC_ADDR, 16, now)) return drop(A.STAT_DROP_RATE_LIMIT);
    return relay(slot, len, now);
  }

  if (isServerToClient(ld8(A.RX))) return drop(A.STAT_DROP_NOT_FOR_SERVER);
  const u = unwrapRelays(A.RX, len);
  if (u == UNWRAP_HOP_LIMIT) return drop(A.STAT_DROP_HOP_LIMIT);
  if (u != UNWRAP_OK) return drop(A.STAT_DROP_MALFORMED);
  if (!R.parseRequest(innerMessage(), innerLength())) return drop(A.STAT_DROP_MALFORMED);
  const relayed = hopCount() > 0;
  const type = R.msgType;
  if (isServerToClient(type) || type > C.MSG_TYPE_MAX_KNOWN) return drop(A.STAT_DROP_NOT_FOR_SERVER);
  if (R.duplicateIds) return drop(A.STAT_DROP_INVALID);
  if (R.clientId != 0 && !R.clientIdValid()) return drop(A.STAT_DROP_CLIENT_ID);
  if (R.serverId != 0 && (R.serverIdLen < 3 || R.serverIdLen > C.DUID_MAX_LEN)) return drop(A.STAT_DROP_SERVER_ID);
  // Per client: its DUID (relayed clients all come from their relay's address).
  if (R.clientId != 0 ? !clientAllowsHash(slot, R.clientHash(), now) : !clientAllows(slot, A.META + A.META_IN_SRC_ADDR, 16, now)) {
    return drop(A.STAT_DROP_RATE_LIMIT);
  }
  duidFor(slot);
  // Behind relays, the link is the configured interface whose prefix holds
  // the innermost relay's link-address (else the arrival interface).
  const link = relayed ? linkSlot(hopHeader(hopCount() - 1) + C.RELAY_LINK_ADDR_OFF, slot, now) : slot;

  if (type == C.MSG_INFORMATION_REQUEST) {
    // RFC 8415 section 16.12 and the reference: multicast only, unless relayed.
    if (!relayed && !multicast) return drop(A.STAT_DROP_UNICAST);
    if (R.serverId != 0 && !duidMatches(R.serverId, R.serverIdLen)) return drop(A.STAT_DROP_SERVER_ID);
    if (R.iaCount != 0) return drop(A.STAT_DROP_INVALID);
    return sent(slot, replyInformation(link));
  }
  // Every stateful message needs a valid Client ID (RFC 8415 sections 16.2 - 16.10).
  if (R.clientId == 0) return drop(A.STAT_DROP_CLIENT_ID);
  if (type == C.MSG_REQUEST || type == C.MSG_RENEW || type == C.MSG_RELEASE || type == C.MSG_DECLINE) {
    // Sections 16.4, 16.6, 16.8, 16.9: our Server ID required.
    if (R.serverId == 0 || !duidMatches(R.serverId, R.serverIdLen)) return drop(A.STAT_DROP_SERVER_ID);
    // Section 18.3.2 ff.: unicast without our permission -> UseMulticast.
    if (!relayed && !multicast) return sent(slot, replyUseMulticast());
    if (type == C.MSG_REQUEST) return committed(slot, replyBindings(link, IA_BIND, now));
    if (type == C.MSG_RENEW) return committed(slot, replyBindings(link, IA_RENEW, now));
    return committed(slot, replyRelease(link, type == C.MSG_RELEASE ? IA_RELEASE : IA_DECLINE, now));
  }
  if (type == C.MSG_SOLICIT || type == C.MSG_CONFIRM || type == C.MSG_REBIND) {
    // Sections 16.2, 16.5, 16.7: no Server ID; multicast only (as the reference).
    if (!relayed && !multicast) return drop(A.STAT_DROP_UNICAST);
    if (R.serverId != 0) return drop(A.STAT_DROP_SERVER_ID);
    if (type == C.MSG_SOLICIT) return committed(slot, replySolicit(link, now));
    if (type == C.MSG_REBIND) return committed(slot, replyBindings(link, IA_REBIND, now));
    const n = replyConfirm(link, now);
    return n == 0 ? drop(A.STAT_DROP_INVALID) : sent(slot, n);
  }
  return drop(A.STAT_DROP_NOT_FOR_SERVER);
}

