// The relay agent (RFC 8415 section 19): client messages arriving on a
// client-facing interface go upstream wrapped in a Relay-forward; a
// Relay-reply arriving on an upstream (master) interface is unwrapped and its
// message sent to the client (or the next relay) it names.
//
// Relay-forward we write: hop-count 0 for a client's message, the incoming
// hop-count + 1 for another relay's (dropped at the hop limit);
// link-address = a global address of the client-facing interface (never the
// upstream's: the reference's defect), or 0 when it has none or the message
// came from another relay (section 19.1.2) - the Interface-ID then
// identifies the link; peer-address = the sender; Interface-ID = the
// client-facing interface's ifindex (4 bytes, as the reference); optional
// Remote-ID (RFC 4649) and Client Link-Layer Address (RFC 6939).

import * as A from "../abi";
import * as C from "../wire/codes";
import { ld8, ld32, addrIsLinkLocal } from "../wire/bytes";
import { optFits, optCode, optLen, optData, optNext } from "../wire/options";
import { wStart, wU8, wU16, wU32, wBytes, wZeros, wOption, optOpen, optClose, wOk, wLength } from "../wire/writer";
import * as Cfg from "../engine/config";
import { ifaceUp, ifaceIndex, ifaceGlobal } from "../engine/iface";

/** Message types a relay never forwards from the client side (section 19.1). */
export function neverFromClients(type: u32): bool {
  return type == C.MSG_ADVERTISE || type == C.MSG_REPLY || type == C.MSG_RECONFIGURE || type == C.MSG_RELAY_REPL;
}

/** RFC 6939 section 4: hardware type 1 and the MAC from an EUI-64 link-local
 *  address (the universal/local bit flipped back, ff:fe removed); 0 when the
 *  address is not of that form. Writes 6 bytes at `out`. */
function macFromLinkLocal(src: usize, out: usize): bool {
  if (!addrIsLinkLocal(src)) return false;
  if (ld8(src + 11) != 0xff || ld8(src + 12) != 0xfe) return false;
  store<u8>(out, <u8>(ld8(src + 8) ^ 0x02));
  store<u8>(out + 1, <u8>ld8(src + 9));
  store<u8>(out + 2, <u8>ld8(src + 10));
  store<u8>(out + 3, <u8>ld8(src + 13));
  store<u8>(out + 4, <u8>ld8(src + 14));
  store<u8>(out + 5, <u8>ld8(src + 15));
  return true;
}

const mac: usize = memory.data(8, 8);

/** Wraps the `len` bytes in RX, received on client-facing `slot`, into a
 *  Relay-forward in TX. Returns its length, or -(STAT_*) when dropped. */
export function relayForward(slot: u32, len: u32, now: u32): i32 {
  const type = ld8(A.RX);
  if (neverFromClients(type)) return -<i32>A.STAT_DROP_NOT_FOR_SERVER;
  let hop: u32 = 0;
  if (type == C.MSG_RELAY_FORW) {
    if (len < C.RELAY_HEADER_LEN) return -<i32>A.STAT_DROP_MALFORMED;
    hop = ld8(A.RX + 1) + 1;
  } else if (len < C.CLIENT_HEADER_LEN) {
    return -<i32>A.STAT_DROP_MALFORMED;
  }
  // Section 19.1.2 drops an incoming hop-count >= HOP_COUNT_LIMIT; we stop one
  // earlier so that no Relay-forward we write carries the limit itself (hop
  // counts 0..31, which every server, ours included, accepts).
  if (hop >= Cfg.cfgHopLimit(slot)) return -<i32>A.STAT_DROP_HOP_LIMIT;
  const src = A.META + A.META_IN_SRC_ADDR;
  wStart(A.TX, A.TX_SIZE);
  wU8(C.MSG_RELAY_FORW);
  wU8(hop);
  const link = hop == 0 ? ifaceGlobal(slot, now) : 0;
  if (link != 0) wBytes(link, 16);
  else wZeros(16);
  wBytes(src, 16);
  optOpen(C.OPT_INTERFACE_ID);
  wU32(ifaceIndex(slot));
  optClose();
  const rid = Cfg.cfgBlobLen(slot, Cfg.BLOB_REMOTE_ID);
  if (rid != 0) wBytes(Cfg.cfgBlob(slot, Cfg.BLOB_REMOTE_ID), rid);
  if (hop == 0 && Cfg.cfgClientLladdr(slot) && macFromLinkLocal(src, mac)) {
    optOpen(C.OPT_CLIENT_LINKLAYER_ADDR);
    wU16(C.HWTYPE_ETHERNET);
    wBytes(mac, 6);
    optClose();
  }
  wOption(C.OPT_RELAY_MSG, A.RX, len);
  if (!wOk()) return -<i32>A.STAT_DROP_TOO_BIG;
  store<u32>(A.META + A.META_OUT_IFSLOT, slot);
  // A client's message goes to every upstream target; another relay's goes to
  // one only: with several targets and a loop, copies would multiply per hop.
  store<u16>(A.META + A.META_OUT_DST_KIND, <u16>(hop == 0 ? A.DST_UPSTREAM : A.DST_UPSTREAM_ONE));
  store<u16>(A.META + A.META_OUT_DST_PORT, <u16>C.PORT_SERVER);
  memory.fill(A.META + A.META_OUT_DST_ADDR, 0, 16);
  return <i32>wLength();
}

/** The relay-mode (client-facing, not master) slot whose ifindex is the
 *  4-byte Interface-ID at `p`, or -1. */
function slotOfInterfaceId(p: usize, n: u32): i32 {
  if (n != 4) return -1;
  const index = ld32(p);
  for (let s: u32 = 0; s < A.MAX_IFACES; s++) {
    if (!Cfg.cfgPresent(s) || Cfg.cfgMaster(s) || !ifaceUp(s)) continue;
    const m = Cfg.cfgMode(s);
    if ((m == A.MODE_RELAY || m == A.MODE_HYBRID) && ifaceIndex(s) == index) return <i32>s;
  }
  return -1;
}

/** Unwraps the Relay-reply in RX (received on master `slot`) into TX for the
 *  client-facing interface its Interface-ID names. Returns the length, or
 *  -(STAT_*) when dropped. */
export function relayReply(len: u32): i32 {
  if (len < C.RELAY_HEADER_LEN || ld8(A.RX) != C.MSG_RELAY_REPL) return -<i32>A.STAT_DROP_RELAY_REPLY;
  const end = A.RX + len;
  let msg: usize = 0;
  let iid: usize = 0;
  let p = A.RX + C.RELAY_HEADER_LEN;
  while (p < end) {
    if (!optFits(p, end)) return -<i32>A.STAT_DROP_MALFORMED;
    const code = optCode(p);
    if (code == C.OPT_RELAY_MSG) {
      if (msg != 0) return -<i32>A.STAT_DROP_MALFORMED;
      msg = p;
    } else if (code == C.OPT_INTERFACE_ID && iid == 0) {
      iid = p;
    }
    p = optNext(p);
  }
  if (msg == 0 || iid == 0 || optLen(msg) < C.CLIENT_HEADER_LEN) return -<i32>A.STAT_DROP_RELAY_REPLY;
  const slot = slotOfInterfaceId(optData(iid), optLen(iid));
  if (slot < 0) return -<i32>A.STAT_DROP_RELAY_REPLY;
  const inner = optData(msg);
  const innerLen = optLen(msg);
  const innerType = ld8(inner);
  const out = writeDownstream(<u32>slot, inner, innerLen, innerType);
  if (out <= 0) return out;
  store<u32>(A.META + A.META_OUT_IFSLOT, <u32>slot);
  store<u16>(A.META + A.META_OUT_DST_KIND, <u16>A.DST_UNICAST);
  store<u16>(A.META + A.META_OUT_DST_PORT, <u16>(innerType == C.MSG_RELAY_REPL ? C.PORT_SERVER : C.PORT_CLIENT));
  memory.copy(A.META + A.META_OUT_DST_ADDR, A.RX + C.RELAY_PEER_ADDR_OFF, 16);
  return out;
}

/** Copies the inner message to TX; with `dns` configured on the client-facing
 *  interface, the DNS servers (option 23) of a Reply or Advertise are
 *  replaced by ours, unless the message carries Authentication (rewriting
 *  would break it: it goes out untouched). */
function writeDownstream(slot: u32, inner: usize, n: u32, type: u32): i32 {
  const dns = Cfg.cfgBlobLen(slot, Cfg.BLOB_DNS);
  const rewrite = dns != 0 && (type == C.MSG_REPLY || type == C.MSG_ADVERTISE) && !hasAuth(inner, n);
  wStart(A.TX, A.TX_SIZE);
  if (!rewrite) {
    wBytes(inner, n);
  } else {
    wBytes(inner, C.CLIENT_HEADER_LEN);
    const end = inner + n;
    let p = inner + C.CLIENT_HEADER_LEN;
    let done = false;
    while (p < end) {
      if (!optFits(p, end)) return -<i32>A.STAT_DROP_MALFORMED;
      if (optCode(p) == C.OPT_DNS_SERVERS) {
        if (!done) wBytes(Cfg.cfgBlob(slot, Cfg.BLOB_DNS), dns);
        done = true;
      } else {
        wBytes(p, C.OPT_HEADER_LEN + optLen(p));
      }
      p = optNext(p);
    }
  }
  return wOk() ? <i32>wLength() : -<i32>A.STAT_DROP_TOO_BIG;
}

function hasAuth(inner: usize, n: u32): bool {
  const end = inner + n;
  let p = inner + C.CLIENT_HEADER_LEN;
  while (p < end) {
    if (!optFits(p, end)) return false;
    if (optCode(p) == C.OPT_AUTH) return true;
    p = optNext(p);
  }
  return false;
}

