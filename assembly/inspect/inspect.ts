// The inspector: a structured decode of ANY bytes as a DHCPv6 message, for
// the CLI (`decode`), the browser inspector and the fuzzer. It reads only the
// `len` bytes it is given, allocates nothing, and walks nested messages and
// options with an explicit, bounded stack (no recursion). The output is JSON
// text in OUT, always valid, even when OUT runs short.
//
// JSON shape (keys in this order; "off" is always an absolute byte offset in
// the datagram, header included; "len" of an option is its option-len):
//
//   {"msg": MSG}                          plus ,"truncated":true when OUT ran short
//
//   MSG = {"type":N, "name":"Solicit", "off":O, "len":L,
//          "xid":N                                 client/server message (4-byte header)
//        | "hop":N, "link":"addr", "peer":"addr"   Relay-forward, Relay-reply (34-byte header)
//          "options":[OPTION...],                  always present ([] when the header is short)
//          "errors":[ERR...]}                      always present
//     An empty message has no "type"/"name"; a short header has no
//     xid/hop/link/peer.
//
//   OPTION = {"code":N, "name":"Client Identifier" | "Unknown", "rfc":"RFC 8415 21.2" (known codes),
//             "off":O, "len":L,
//             "fields":{...},                 decoded by layout (below); {"data":"hex"} for unknown
//                                             codes and for lengths the layout does not allow
//             "options":[OPTION...],          IA_NA, IA_TA, IA_PD, IA Address, IA Prefix,
//                                             Vendor-specific Information (opaque suboptions),
//                                             NTP Server (RFC 5908 suboptions)
//             "msg":MSG,                      Relay Message
//             "errors":[ERR...]}              only when there are some
//
//   ERR = {"off":O, "len":L, "error":"text"}  the byte range the error is about
//
// "fields" by layout (wire/optdefs.ts):
//   DUID        duid (hex), type, type_name, then by type: hw_type, time, lladdr
//               (LLT) | enterprise, id (EN) | hw_type, lladdr (LL) | uuid (UUID) | data
//   IA          iaid, t1, t2                      IA_TA: iaid
//   IAADDR      addr, preferred, valid            IAPREFIX: preferred, valid, prefix_len, prefix
//   CODES       codes: [{code, name}]             ADDRS: addrs: ["addr"]    ADDR: addr
//   STATUS      code, name, message               TEXT: text
//   AUTH        protocol, protocol_name, algorithm, algorithm_name, rdm, rdm_name,
//               replay (hex), info (hex); Reconfigure Key: info_type, info_type_name, info_value
//   DNAMES      names: ["lab.example"]            DNAME: name
//   FQDN        flags, s, o, n, name, partial
//   U8/U16/U32  value | msg_type, msg_name (Reconfigure Message) | centiseconds
//               (Elapsed Time) | seconds (32, 82, 83) | port (Relay Source Port)
//   CLASS_DATA  items: ["hex"]                    VENDOR_CLASS: enterprise, items
//   VENDOR_OPTS enterprise                        ENTERPRISE_ID: enterprise, remote_id
//   LINKLAYER   hw_type, lladdr                   BYTES: data (+ text when printable:
//                                                 Interface-Id, Subscriber-Id)
//
// Errors found: empty message, truncated header, option header truncated,
// option length past the end of its container (declared and remaining),
// lengths the layout does not allow, relay nesting deeper than
// HOP_COUNT_LIMIT (32; the 33rd layer is not decoded), hop-count >= 32,
// a relay message without Relay Message, bad domain names, text that is not
// UTF-8, truncated class data items, prefix length > 128, T1 > T2,
// preferred > valid, bad FQDN flags, a Reconfigure Message type that is not
// 5/6/11, a Reconfigure Key of the wrong size. A Relay Message that is
// shorter or longer than the bytes around it shows up where it should: as
// leftover bytes (read as options) or an overrun at the parent level.
// Unknown codes are not errors. An option whose length overruns its
// container is still listed: its fields are decoded from the bytes present
// when they cover the layout's minimum, and the container's walk stops there.

import { RX, RX_SIZE } from "../abi";
import { ld8, ld16 } from "../wire/bytes";
import * as C from "../wire/codes";
import * as L from "../wire/optdefs";
import { jStart, jFinish, jStopped, jOpen, jClose, jU32, jStr, jAddr } from "./json";
import * as E from "./errors";
import { fields, childKind, childStart, CHILD_NONE, CHILD_OPTIONS, CHILD_NTP, CHILD_VENDOR, CHILD_MSG } from "./fields";
import { ntpRow, ntpLayout, ntpMinLen, ntpMaxLen, ntpRfc, ntpName } from "./names";

/** Option containers nested inside one message (IA_NA > IA Address > ... ). */
export const MAX_OPT_DEPTH: u32 = 8;
/** Messages inside messages: HOP_COUNT_LIMIT relay layers and the client's message. */
const MAX_MSG_DEPTH: u32 = C.HOP_COUNT_LIMIT;

// ---------------------------------------------------------------- the walk stack
// One frame per open container: a message's option list, an option's
// suboption list, or a Relay Message option waiting for its message.
const K_MSG: u32 = 0;
const K_OPTS: u32 = 1;
const K_RELAY: u32 = 2;

const F_KIND: usize = 0;
const F_CUR: usize = 4; // next option
const F_END: usize = 8; // end of the list
const F_ERRS: usize = 12; // errors.ts stack index owned by this container
const F_CTX: usize = 16; // errors.ts CTX_* of the container (for error text)
const F_MSGDEPTH: usize = 20; // messages enclosing the current one
const F_OPTDEPTH: usize = 24; // option containers between this frame and its message
const F_LIST: usize = 28; // CHILD_* kind of the list
const F_FLAGS: usize = 32;
const F_START: usize = 36; // K_MSG: the message's first byte
const F_LEN: usize = 40; // K_MSG: its length
const FRAME: usize = 44;

const FL_RELAY: u32 = 1; // the message is a Relay-forward or Relay-reply
const FL_SEEN_RELAY_MSG: u32 = 2; // and it had a Relay Message option

const MAX_FRAMES: u32 = (MAX_MSG_DEPTH + 1) * (MAX_OPT_DEPTH + 1) + 3;
const frames: usize = memory.data(<i32>(MAX_FRAMES * <u32>FRAME), 16);
let sp: u32 = 0;
let origin: usize = 0;

@inline function fr(i: u32): usize {
  return frames + <usize>i * FRAME;
}

@inline function get(f: usize, field: usize): u32 {
  return load<u32>(f + field);
}

@inline function set(f: usize, field: usize, v: u32): void {
  store<u32>(f + field, v);
}

function push(kind: u32, cur: usize, end: usize, errs: u32, ctx: u32, msgDepth: u32, optDepth: u32, list: u32): usize {
  const f = fr(sp++);
  set(f, F_KIND, kind);
  set(f, F_CUR, <u32>cur);
  set(f, F_END, <u32>end);
  set(f, F_ERRS, errs);
  set(f, F_CTX, ctx);
  set(f, F_MSGDEPTH, msgDepth);
  set(f, F_OPTDEPTH, optDepth);
  set(f, F_LIST, list);
  set(f, F_FLAGS, 0);
  set(f, F_START, 0);
  set(f, F_LEN, 0);
  return f;
}

@inline function off(p: usize): u32 {
  return <u32>(p - origin);
}

// ---------------------------------------------------------------- messages

function emptyOptions(): void {
  jOpen("options", false);
  jClose();
}

/** Writes `"msg":{` and the header of the message of `len` bytes at `p`, and
 *  pushes its option list; when it cannot be decoded, writes it whole. */
function startMessage(p: usize, len: u32, depth: u32): void {
  jOpen("msg", true);
  const errs = E.errTop();
  if (len == 0) {
    E.errAdd(p, 0, E.E_EMPTY, 0, 0, 0);
    jU32("off", off(p));
    jU32("len", 0);
    emptyOptions();
    E.errEmit(errs, true);
    jClose();
    return;
  }
  const type = ld8(p);
  const relay = type == C.MSG_RELAY_FORW || type == C.MSG_RELAY_REPL;
  const hdr = relay ? C.RELAY_HEADER_LEN : C.CLIENT_HEADER_LEN;
  jU32("type", type);
  jStr("name", L.msgName(type));
  jU32("off", off(p));
  jU32("len", len);
  let decode = true;
  if (len < hdr) {
    E.errAdd(p, len, E.E_HDR_TRUNC, hdr, len, E.CTX_MSG | type);
    decode = false;
  } else if (relay) {
    const hop = ld8(p + 1);
    jU32("hop", hop);
    jAddr("link", p + C.RELAY_LINK_ADDR_OFF);
    jAddr("peer", p + C.RELAY_PEER_ADDR_OFF);
    if (hop >= C.HOP_COUNT_LIMIT) E.errAdd(p + 1, 1, E.E_HOP_COUNT, hop, 0, 0);
    if (depth >= MAX_MSG_DEPTH) {
      E.errAdd(p, len, E.E_HOP_LIMIT, depth, 0, 0);
      decode = false;
    }
  } else {
    jU32("xid", (ld8(p + 1) << 16) | ld16(p + 2));
    if (depth > MAX_MSG_DEPTH) {
      E.errAdd(p, len, E.E_MSG_DEPTH, depth, 0, 0);
      decode = false;
    }
  }
  if (!decode) {
    emptyOptions();
    E.errEmit(errs, true);
    jClose();
    return;
  }
  jOpen("options", false);
  const f = push(K_MSG, p + hdr, p + len, errs, E.CTX_MSG | type, depth, 0, CHILD_OPTIONS);
  set(f, F_FLAGS, relay ? FL_RELAY : 0);
  set(f, F_START, <u32>p);
  set(f, F_LEN, len);
}

// ---------------------------------------------------------------- options

/** Decodes the option at `p` (header present) in the list of frame `f`. */
function option(f: usize, p: usize, avail: u32): void {
  const code = ld16(p);
  const dlen = ld16(p + 2);
  const overrun = dlen > avail;
  const n = overrun ? avail : dlen;
  const data = p + C.OPT_HEADER_LEN;
  const list = get(f, F_LIST);

  let row: i32 = -1;
  let ctx: u32 = code;
  let layout = L.LAYOUT_BYTES;
  let min: u32 = 0;
  let max: u32 = 0xffff;
  jOpen("", true);
  jU32("code", code);
  if (list == CHILD_NTP) {
    row = ntpRow(code);
    ctx = E.CTX_NTP | code;
    jStr("name", ntpName(code));
    if (row >= 0) {
      jStr("rfc", ntpRfc(row));
      layout = ntpLayout(row);
      min = ntpMinLen(row);
      max = ntpMaxLen(row);
    }
  } else if (list == CHILD_VENDOR) {
    ctx = E.CTX_VENDOR | code;
    jStr("name", "Vendor suboption");
  } else {
    row = L.optRow(code);
    jStr("name", row >= 0 ? L.rowName(row) : "Unknown");
    if (row >= 0) {
      jStr("rfc", L.rowRfc(row));
      layout = L.rowLayout(row);
      min = L.rowMinLen(row);
      max = L.rowMaxLen(row);
    }
  }
  jU32("off", off(p));
  jU32("len", dlen);

  const errs = E.errTop();
  if (overrun) E.errAdd(p, C.OPT_HEADER_LEN + avail, E.E_OPT_OVERRUN, dlen, avail, get(f, F_CTX));
  let usable = row >= 0;
  if (row >= 0) {
    if (dlen < min || dlen > max) {
      const kind = min == max ? E.E_LEN_EXACT : dlen < min ? E.E_LEN_MIN : E.E_LEN_MAX;
      E.errAdd(p, C.OPT_HEADER_LEN + n, kind, dlen < min ? min : max, dlen, ctx);
      usable = false;
    } else if (n < min) {
      usable = false; // truncated below the layout's fixed part: the overrun says it
    }
  }
  fields(usable ? layout : L.LAYOUT_BYTES, ctx, data, n);

  const kind = childKind;
  if (kind == CHILD_NONE) {
    E.errEmit(errs, false);
    jClose();
    return;
  }
  const depth = get(f, F_OPTDEPTH) + 1;
  if (depth > MAX_OPT_DEPTH || sp >= MAX_FRAMES) {
    E.errAdd(childStart, <u32>(data + n - childStart), E.E_OPT_DEPTH, MAX_OPT_DEPTH, 0, 0);
    if (kind != CHILD_MSG) emptyOptions();
    E.errEmit(errs, false);
    jClose();
    return;
  }
  const msgDepth = get(f, F_MSGDEPTH);
  if (kind == CHILD_MSG) {
    push(K_RELAY, 0, 0, errs, ctx, msgDepth, depth, CHILD_NONE);
    startMessage(data, n, msgDepth + 1);
    return;
  }
  jOpen("options", false);
  push(K_OPTS, childStart, data + n, errs, ctx, msgDepth, depth, kind);
}

/** One step in the list of frame `f`: the next option, or a framing error
 *  that ends the list. */
function step(f: usize): void {
  const p = <usize>get(f, F_CUR);
  const end = <usize>get(f, F_END);
  const rest = <u32>(end - p);
  if (rest < C.OPT_HEADER_LEN) {
    E.errAdd(p, rest, E.E_OPT_HDR_TRUNC, rest, 0, get(f, F_CTX));
    set(f, F_CUR, <u32>end);
    return;
  }
  const avail = rest - C.OPT_HEADER_LEN;
  const dlen = ld16(p + 2);
  set(f, F_CUR, dlen > avail ? <u32>end : <u32>(p + C.OPT_HEADER_LEN + dlen));
  if (get(f, F_KIND) == K_MSG && ld16(p) == C.OPT_RELAY_MSG) set(f, F_FLAGS, get(f, F_FLAGS) | FL_SEEN_RELAY_MSG);
  option(f, p, avail);
}

/** Closes frame `f` (the top one): its list, its errors, its object. */
function finish(f: usize): void {
  const kind = get(f, F_KIND);
  sp--;
  if (kind == K_MSG) {
    jClose(); // options
    const flags = get(f, F_FLAGS);
    if ((flags & FL_RELAY) != 0 && (flags & FL_SEEN_RELAY_MSG) == 0) {
      E.errAdd(<usize>get(f, F_START), get(f, F_LEN), E.E_NO_RELAY_MSG, 0, 0, get(f, F_CTX));
    }
    E.errEmit(get(f, F_ERRS), true);
    jClose(); // msg
    return;
  }
  if (kind == K_OPTS) jClose(); // options
  E.errEmit(get(f, F_ERRS), false);
  jClose(); // option
}

// ---------------------------------------------------------------- entry points

/** Decodes the `len` bytes at `base` into JSON in OUT; returns its length. */
export function inspectBytes(base: usize, len: u32): u32 {
  jStart();
  E.errReset(base);
  origin = base;
  sp = 0;
  jOpen("", true);
  startMessage(base, len, 0);
  while (sp > 0 && !jStopped()) {
    const f = fr(sp - 1);
    if (get(f, F_CUR) < get(f, F_END)) step(f);
    else finish(f);
  }
  sp = 0;
  return jFinish();
}

/** The `inspect` export: the datagram of `len` bytes in RX. */
export function inspect(len: u32): u32 {
  return inspectBytes(RX, len > RX_SIZE ? RX_SIZE : len);
}
