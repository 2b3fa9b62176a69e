// The relay hop stack of one received message (RFC 8415 section 9): the
// Relay-forward layers around the client's message, outermost first, found
// once by `unwrapRelays` and used again to wrap the reply (section 19.3).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |    msg-type   |   hop-count   |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
//   |                         link-address (16)                     |
//   |                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                               |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
//   |                         peer-address (16)                     |
//   |                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                               |                               .
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               .
//   .            options (variable number and length)   ....        .

import { ld8 } from "../wire/bytes";
import { MSG_RELAY_FORW, RELAY_HEADER_LEN, OPT_RELAY_MSG, OPT_INTERFACE_ID, OPT_RELAY_SOURCE_PORT, HOP_COUNT_LIMIT } from "../wire/codes";
import { optFits, optCode, optLen, optData, optNext } from "../wire/options";

export const UNWRAP_OK: i32 = 0;
export const UNWRAP_MALFORMED: i32 = 1;
export const UNWRAP_HOP_LIMIT: i32 = 2;

/** One entry per relay layer. Hop counts run from 0 to HOP_COUNT_LIMIT - 1
 *  (RFC 8415 section 19.1.1), so more layers than that were never relayed
 *  lawfully. */
const MAX_LAYERS: i32 = <i32>HOP_COUNT_LIMIT;

const hdr = new StaticArray<u32>(MAX_LAYERS); // address of the relay header
const ifid = new StaticArray<u32>(MAX_LAYERS); // address of the Interface-ID option, 0 if none
const srcPort = new StaticArray<bool>(MAX_LAYERS); // carries Relay Source Port (RFC 8357)
let layers: i32 = 0;
let innerPtr: usize = 0;
let innerLen: u32 = 0;

/** Number of Relay-forward layers around the client message. */
@inline export function hopCount(): i32 {
  return layers;
}

/** Address of the header of layer `i` (0 = outermost). */
@inline export function hopHeader(i: i32): usize {
  return unchecked(hdr[i]);
}

/** Address of layer `i`'s Interface-ID option (header included), or 0. */
@inline export function hopInterfaceId(i: i32): usize {
  return unchecked(ifid[i]);
}

/** True when layer `i` carried a Relay Source Port option (RFC 8357). */
@inline export function hopHasSourcePort(i: i32): bool {
  return unchecked(srcPort[i]);
}

/** The client's own message inside all layers. */
@inline export function innerMessage(): usize {
  return innerPtr;
}

@inline export function innerLength(): u32 {
  return innerLen;
}

/** Peels Relay-forward layers off the message of `len` bytes at `msg`.
 *  Every layer must carry exactly one Relay Message option and frame its
 *  options exactly to its end. */
export function unwrapRelays(msg: usize, len: u32): i32 {
  layers = 0;
  let p = msg;
  let end = msg + len;
  while (end > p && ld8(p) == MSG_RELAY_FORW) {
    if (end - p < RELAY_HEADER_LEN) return UNWRAP_MALFORMED;
    if (layers >= MAX_LAYERS || ld8(p + 1) >= HOP_COUNT_LIMIT) return UNWRAP_HOP_LIMIT;
    let relayMsg: usize = 0;
    let iid: usize = 0;
    let sp = false;
    let o = p + RELAY_HEADER_LEN;
    while (o < end) {
      if (!optFits(o, end)) return UNWRAP_MALFORMED;
      const code = optCode(o);
      if (code == OPT_RELAY_MSG) {
        if (relayMsg != 0) return UNWRAP_MALFORMED;
        relayMsg = o;
      } else if (code == OPT_INTERFACE_ID) {
        if (iid == 0) iid = o;
      } else if (code == OPT_RELAY_SOURCE_PORT) {
        sp = true;
      }
      o = optNext(o);
    }
    if (relayMsg == 0) return UNWRAP_MALFORMED;
    unchecked((hdr[layers] = <u32>p));
    unchecked((ifid[layers] = <u32>iid));
    unchecked((srcPort[layers] = sp));
    layers++;
    p = optData(relayMsg);
    end = p + optLen(relayMsg);
  }
  if (end <= p) return UNWRAP_MALFORMED;
  innerPtr = p;
  innerLen = <u32>(end - p);
  return UNWRAP_OK;
}
