// The inspector's findings: fixed-size records kept on a stack while the
// option that owns them is still being written, then rendered as
//   {"off":O,"len":L,"error":"text"}
// with O and L the absolute byte range in the datagram they are about.

import { textStr, textU32, textChar } from "../text";
import { msgName, optRow, rowName } from "../wire/optdefs";
import { jOpen, jClose, jKey, jEnd, jU32 } from "./json";
import { ntpName } from "./names";

// ---------------------------------------------------------------- what an error is about
// An error names the thing it concerns with a context word:
export const CTX_MSG: u32 = 0x10000; // | message type: a message and its top-level options
export const CTX_NTP: u32 = 0x20000; // | suboption code: an NTP server suboption (RFC 5908)
export const CTX_VENDOR: u32 = 0x40000; // | suboption code: a vendor-specific suboption
// otherwise: a DHCPv6 option code from wire/optdefs.ts

/** Writes the name of `ctx` ("Relay-reply", "IA_PD", "NTP Server FQDN"). */
export function textName(ctx: u32): void {
  const code = ctx & 0xffff;
  if ((ctx & CTX_MSG) != 0) {
    textStr(msgName(code));
  } else if ((ctx & CTX_NTP) != 0) {
    textStr(ntpName(code));
  } else if ((ctx & CTX_VENDOR) != 0) {
    textStr("vendor suboption ");
    textU32(code);
  } else {
    const row = optRow(code);
    if (row >= 0) {
      textStr(rowName(row));
    } else {
      textStr("option ");
      textU32(code);
    }
  }
}

// ---------------------------------------------------------------- kinds (parameters a, b, c)
export const E_EMPTY: u32 = 1; // no byte at all
export const E_HDR_TRUNC: u32 = 2; // a = bytes needed, b = bytes present, c = ctx
export const E_HOP_COUNT: u32 = 3; // a = hop-count
export const E_HOP_LIMIT: u32 = 4; // a = relay layers above
export const E_MSG_DEPTH: u32 = 5; // a = messages above
export const E_NO_RELAY_MSG: u32 = 6; // c = ctx
export const E_OPT_HDR_TRUNC: u32 = 7; // a = bytes remaining, c = container ctx
export const E_OPT_OVERRUN: u32 = 8; // a = declared length, b = bytes remaining, c = container ctx
export const E_LEN_MIN: u32 = 9; // a = minimum, b = length, c = ctx
export const E_LEN_EXACT: u32 = 10; // a = required, b = length, c = ctx
export const E_LEN_MAX: u32 = 11; // a = maximum, b = length, c = ctx
export const E_LEN_MULT: u32 = 12; // a = unit, b = length, c = ctx
export const E_OPT_DEPTH: u32 = 13; // a = limit
export const E_DN_POINTER: u32 = 14; // a = the label length byte
export const E_DN_LABEL: u32 = 15; // a = label length
export const E_DN_PAST: u32 = 16; // a = label length, b = bytes remaining after the length byte
export const E_DN_NO_ROOT: u32 = 17; //
export const E_DN_LONG: u32 = 18; // a = wire length so far
export const E_UTF8: u32 = 19; // c = ctx
export const E_PLEN: u32 = 20; // a = prefix length
export const E_DUID_SHORT: u32 = 21; // a = DUID type, b = minimum, c = length
export const E_DUID_UUID: u32 = 22; // a = length
export const E_ITEM_HDR: u32 = 23; // a = bytes remaining
export const E_ITEM_OVERRUN: u32 = 24; // a = declared length, b = bytes remaining
export const E_AUTH_INFO: u32 = 25; // a = information type, b = length
export const E_FQDN_NS: u32 = 26; //
export const E_FQDN_MBZ: u32 = 27; // a = flags
export const E_RECONF_TYPE: u32 = 28; // a = message type
export const E_T1_T2: u32 = 29; // a = T1, b = T2
export const E_LIFETIMES: u32 = 30; // a = preferred, b = valid
export const E_TOO_MANY: u32 = 31; // a = records dropped
export const E_DN_TRAIL: u32 = 32; // a = bytes after the name

// ---------------------------------------------------------------- the stack of records
const CAP: u32 = 1536;
const REC: u32 = 6; // off (address), len, kind, a, b, c
const recs: usize = memory.data(CAP * REC * 4, 16);
let top: u32 = 0;
let dropped: u32 = 0;
let origin: usize = 0;

/** Offsets are written relative to `base` (the start of the datagram). */
export function errReset(base: usize): void {
  top = 0;
  dropped = 0;
  origin = base;
}

/** Index of the next record; an owner remembers it and later writes and
 *  discards everything from there (errEmit, errDrop). */
@inline export function errTop(): u32 {
  return top;
}

export function errAdd(at: usize, len: u32, kind: u32, a: u32, b: u32, c: u32): void {
  if (top >= CAP) {
    dropped++;
    return;
  }
  const r = recs + <usize>top * REC * 4;
  store<u32>(r, <u32>(at - origin));
  store<u32>(r, len, 4);
  store<u32>(r, kind, 8);
  store<u32>(r, a, 12);
  store<u32>(r, b, 16);
  store<u32>(r, c, 20);
  top++;
}

/** Writes `"errors":[...]` with the records from `from` up (always, when
 *  `always`; otherwise only when there are some) and discards them. */
export function errEmit(from: u32, always: bool): void {
  const n = top > from ? top - from : 0;
  if (n == 0 && !always && dropped == 0) return;
  jOpen("errors", false);
  for (let i = from; i < top; i++) {
    const r = recs + <usize>i * REC * 4;
    jOpen("", true);
    jU32("off", load<u32>(r));
    jU32("len", load<u32>(r, 4));
    if (jKey("error")) {
      textChar(0x22);
      errText(load<u32>(r, 8), load<u32>(r, 12), load<u32>(r, 16), load<u32>(r, 20));
      textChar(0x22);
      jEnd();
    }
    jClose();
  }
  if (dropped != 0) {
    jOpen("", true);
    jU32("off", 0);
    jU32("len", 0);
    if (jKey("error")) {
      textChar(0x22);
      errText(E_TOO_MANY, dropped, 0, 0);
      textChar(0x22);
      jEnd();
    }
    jClose();
    dropped = 0;
  }
  jClose();
  if (top > from) top = from;
}

/** The sentence for one record (ASCII only: no JSON escaping needed). */
function errText(kind: u32, a: u32, b: u32, c: u32): void {
  if (kind == E_EMPTY) {
    textStr("empty message: no msg-type byte");
  } else if (kind == E_HDR_TRUNC) {
    textStr("truncated header: ");
    textName(c);
    textStr(" needs ");
    textU32(a);
    textStr(" bytes, has ");
    textU32(b);
  } else if (kind == E_HOP_COUNT) {
    textStr("hop-count ");
    textU32(a);
    textStr(" is not below HOP_COUNT_LIMIT (32)");
  } else if (kind == E_HOP_LIMIT) {
    textStr("relay nesting deeper than 32 (HOP_COUNT_LIMIT, RFC 8415 7.6): ");
    textU32(a);
    textStr(" relay layers above this one; not decoded further");
  } else if (kind == E_MSG_DEPTH) {
    textStr("messages nested deeper than 33: ");
    textU32(a);
    textStr(" messages above this one; not decoded further");
  } else if (kind == E_NO_RELAY_MSG) {
    textName(c);
    textStr(" has no Relay Message option");
  } else if (kind == E_OPT_HDR_TRUNC) {
    textStr("option header truncated: 4 bytes needed, ");
    textU32(a);
    textStr(a == 1 ? " byte remains in " : " bytes remain in ");
    textName(c);
  } else if (kind == E_OPT_OVERRUN) {
    textStr("option length ");
    textU32(a);
    textStr(" exceeds the ");
    textU32(b);
    textStr(b == 1 ? " byte remaining in " : " bytes remaining in ");
    textName(c);
    textStr(" (truncated by ");
    textU32(a - b);
    textStr(")");
  } else if (kind == E_LEN_MIN || kind == E_LEN_EXACT || kind == E_LEN_MAX) {
    textName(c);
    textStr(kind == E_LEN_MIN ? " needs at least " : kind == E_LEN_EXACT ? " needs exactly " : " allows at most ");
    textU32(a);
    textStr(a == 1 ? " byte, has " : " bytes, has ");
    textU32(b);
  } else if (kind == E_LEN_MULT) {
    textName(c);
    textStr(" length must be a multiple of ");
    textU32(a);
    textStr(", has ");
    textU32(b);
  } else if (kind == E_OPT_DEPTH) {
    textStr("options nested deeper than ");
    textU32(a);
    textStr(": suboptions not decoded");
  } else if (kind == E_DN_POINTER) {
    textStr("bad domain name: label length byte ");
    textU32(a);
    textStr(" is a compression pointer (not allowed, RFC 8415 10)");
  } else if (kind == E_DN_LABEL) {
    textStr("bad domain name: label length ");
    textU32(a);
    textStr(" exceeds 63");
  } else if (kind == E_DN_PAST) {
    textStr("bad domain name: label of ");
    textU32(a);
    textStr(" bytes runs past the end (");
    textU32(b);
    textStr(b == 1 ? " byte remains)" : " bytes remain)");
  } else if (kind == E_DN_NO_ROOT) {
    textStr("bad domain name: ends without the root label");
  } else if (kind == E_DN_LONG) {
    textStr("bad domain name: longer than 255 bytes (");
    textU32(a);
    textStr(" bytes of labels, then the root label)");
  } else if (kind == E_UTF8) {
    textName(c);
    textStr(": text is not valid UTF-8 from this byte (shown as U+FFFD)");
  } else if (kind == E_PLEN) {
    textStr("prefix length ");
    textU32(a);
    textStr(" exceeds 128");
  } else if (kind == E_DUID_SHORT) {
    textStr(a == 1 ? "DUID-LLT" : a == 2 ? "DUID-EN" : "DUID-LL");
    textStr(" needs at least ");
    textU32(b);
    textStr(" bytes, has ");
    textU32(c);
  } else if (kind == E_DUID_UUID) {
    textStr("DUID-UUID needs exactly 18 bytes, has ");
    textU32(a);
  } else if (kind == E_ITEM_HDR) {
    textStr("data item header truncated: 2 bytes needed, ");
    textU32(a);
    textStr(a == 1 ? " byte remains" : " bytes remain");
  } else if (kind == E_ITEM_OVERRUN) {
    textStr("data item length ");
    textU32(a);
    textStr(" exceeds the ");
    textU32(b);
    textStr(b == 1 ? " byte remaining" : " bytes remaining");
  } else if (kind == E_AUTH_INFO) {
    textStr("Reconfigure Key information type ");
    textU32(a);
    textStr(" needs 17 bytes (type and 16-byte value), has ");
    textU32(b);
  } else if (kind == E_FQDN_NS) {
    textStr("flags N and S both set (RFC 4704 4.1)");
  } else if (kind == E_FQDN_MBZ) {
    textStr("flags ");
    textU32(a);
    textStr(": reserved bits (MBZ) set (RFC 4704 4.1)");
  } else if (kind == E_RECONF_TYPE) {
    textStr("message type ");
    textU32(a);
    textStr(" is not Renew (5), Rebind (6) or Information-request (11)");
  } else if (kind == E_T1_T2) {
    textStr("T1 ");
    textU32(a);
    textStr(" is greater than T2 ");
    textU32(b);
    textStr(" (RFC 8415 21.4: the IA is discarded)");
  } else if (kind == E_LIFETIMES) {
    textStr("preferred lifetime ");
    textU32(a);
    textStr(" is greater than valid lifetime ");
    textU32(b);
    textStr(" (RFC 8415 21.6: discarded)");
  } else if (kind == E_DN_TRAIL) {
    textU32(a);
    textStr(a == 1 ? " byte after the domain name" : " bytes after the domain name");
  } else if (kind == E_TOO_MANY) {
    textU32(a);
    textStr(" more errors not listed");
  } else {
    textStr("error ");
    textU32(kind);
  }
}
