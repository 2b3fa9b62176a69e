// The "fields" object of one option, by layout (wire/optdefs.ts). Every
// decoder reads only the `n` bytes at `p` it is given; the caller has checked
// `n` against the layout's minimum, so fixed parts are present. Where the
// data goes on with suboptions or a message, `childKind`/`childStart` say so
// and the walker (inspect.ts) takes over.

import { ld8, ld16, ld32 } from "../wire/bytes";
import * as C from "../wire/codes";
import * as L from "../wire/optdefs";
import { textChar, textHex, textJsonChar, textJsonUtf8 } from "../text";
import { jOpen, jClose, jKey, jEnd, jU32, jStr, jBool, jAddr, jHex, jHexColons } from "./json";
import * as E from "./errors";
import { dnScan, dnReport, dnText, dnLen, dnRoot } from "./dname";
import * as N from "./names";

export const CHILD_NONE: u32 = 0;
export const CHILD_OPTIONS: u32 = 1; // DHCPv6 options (IA_NA, IA_TA, IA_PD, IA Address, IA Prefix)
export const CHILD_NTP: u32 = 2; // NTP server suboptions (RFC 5908)
export const CHILD_VENDOR: u32 = 3; // vendor-specific suboptions (opaque)
export const CHILD_MSG: u32 = 4; // a DHCPv6 message (Relay Message)

/** What follows the fixed fields of the last option decoded. */
export let childKind: u32 = CHILD_NONE;
export let childStart: usize = 0;

function child(kind: u32, at: usize): void {
  childKind = kind;
  childStart = at;
}

// ---------------------------------------------------------------- helpers

/** A JSON string member from UTF-8 text; an error marks the first bad byte. */
function utf8Member(key: string, p: usize, n: u32, ctx: u32): void {
  let bad: i32 = -1;
  if (jKey(key)) {
    textChar(0x22);
    bad = textJsonUtf8(p, n);
    textChar(0x22);
    jEnd();
  }
  if (bad >= 0) E.errAdd(p + <usize>bad, 1, E.E_UTF8, 0, 0, ctx);
}

/** True when every byte is printable ASCII. */
function printable(p: usize, n: u32): bool {
  if (n == 0) return false;
  for (let i: u32 = 0; i < n; i++) {
    const c = ld8(p + i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function asciiMember(key: string, p: usize, n: u32): void {
  if (!jKey(key)) return;
  textChar(0x22);
  for (let i: u32 = 0; i < n; i++) textJsonChar(ld8(p + i));
  textChar(0x22);
  jEnd();
}

/** One domain name member; false (and an error recorded) when it is broken. */
function nameMember(key: string, p: usize, end: usize, partial: bool): bool {
  if (!dnScan(p, end, partial)) {
    dnReport();
    return false;
  }
  if (jKey(key)) {
    textChar(0x22);
    dnText(p);
    textChar(0x22);
    jEnd();
  }
  return true;
}

/** Length-prefixed opaque items (RFC 8415 21.15/21.16 user/vendor class data). */
function items(p: usize, end: usize): void {
  jOpen("items", false);
  let q = p;
  while (q < end) {
    const rest = <u32>(end - q);
    if (rest < 2) {
      E.errAdd(q, rest, E.E_ITEM_HDR, rest, 0, 0);
      break;
    }
    const l = ld16(q);
    if (l > rest - 2) {
      E.errAdd(q, rest, E.E_ITEM_OVERRUN, l, rest - 2, 0);
      break;
    }
    jHex("", q + 2, l);
    q += 2 + l;
  }
  jClose();
}

/** A DUID (RFC 8415 section 11), `n` >= 2. */
function duid(p: usize, n: u32): void {
  const type = ld16(p);
  jHex("duid", p, n);
  jU32("type", type);
  jStr("type_name", N.duidTypeName(type));
  if (type == C.DUID_LLT) {
    if (n < 8) {
      E.errAdd(p, n, E.E_DUID_SHORT, type, 8, n);
      return;
    }
    jU32("hw_type", ld16(p + 2));
    jU32("time", ld32(p + 4)); // seconds since 2000-01-01 00:00 UTC
    jHexColons("lladdr", p + 8, n - 8);
  } else if (type == C.DUID_EN) {
    if (n < 6) {
      E.errAdd(p, n, E.E_DUID_SHORT, type, 6, n);
      return;
    }
    jU32("enterprise", ld32(p + 2));
    jHex("id", p + 6, n - 6);
  } else if (type == C.DUID_LL) {
    if (n < 4) {
      E.errAdd(p, n, E.E_DUID_SHORT, type, 4, n);
      return;
    }
    jU32("hw_type", ld16(p + 2));
    jHexColons("lladdr", p + 4, n - 4);
  } else if (type == C.DUID_UUID) {
    if (n != 18) {
      E.errAdd(p, n, E.E_DUID_UUID, n, 0, 0);
      return;
    }
    if (jKey("uuid")) {
      // RFC 4122 text: 8-4-4-4-12 hex digits
      textChar(0x22);
      textHex(p + 2, 4);
      textChar(0x2d);
      textHex(p + 6, 2);
      textChar(0x2d);
      textHex(p + 8, 2);
      textChar(0x2d);
      textHex(p + 10, 2);
      textChar(0x2d);
      textHex(p + 12, 6);
      textChar(0x22);
      jEnd();
    }
  } else {
    jHex("data", p + 2, n - 2);
  }
}

function authentication(p: usize, n: u32): void {
  const proto = ld8(p);
  const alg = ld8(p + 1);
  const rdm = ld8(p + 2);
  jU32("protocol", proto);
  jStr("protocol_name", N.authProtocolName(proto));
  jU32("algorithm", alg);
  jStr("algorithm_name", N.authAlgorithmName(alg));
  jU32("rdm", rdm);
  jStr("rdm_name", N.authRdmName(rdm));
  jHex("replay", p + 3, 8);
  jHex("info", p + 11, n - 11);
  if (proto == N.AUTH_PROTO_RECONFIGURE_KEY) {
    // RFC 8415 20.4: information = type (1 byte) + 16-byte value
    const infoLen = n - 11;
    if (infoLen >= 1) {
      const t = ld8(p + 11);
      jU32("info_type", t);
      jStr("info_type_name", N.authInfoTypeName(t));
      jHex("info_value", p + 12, infoLen - 1);
    }
    if (infoLen != N.AUTH_RECONFIGURE_INFO_LEN) {
      E.errAdd(p + 11, infoLen, E.E_AUTH_INFO, infoLen >= 1 ? ld8(p + 11) : 0, infoLen, 0);
    }
  }
}

function lifetimes(p: usize, preferred: u32, valid: u32): void {
  jU32("preferred", preferred);
  jU32("valid", valid);
  if (preferred > valid) E.errAdd(p, 8, E.E_LIFETIMES, preferred, valid, 0);
}

// ---------------------------------------------------------------- the dispatcher

/** Writes `"fields":{...}` for `n` bytes of data at `p` laid out as `layout`,
 *  for the option named by `ctx` (errors.ts CTX_*; its low 16 bits are the
 *  code). Sets childKind/childStart. */
export function fields(layout: u32, ctx: u32, p: usize, n: u32): void {
  childKind = CHILD_NONE;
  const code = (ctx & (E.CTX_NTP | E.CTX_VENDOR)) == 0 ? ctx & 0xffff : 0;
  const end = p + n;
  jOpen("fields", true);
  if (layout == L.LAYOUT_EMPTY) {
    // nothing
  } else if (layout == L.LAYOUT_U8) {
    const v = ld8(p);
    if (code == C.OPT_RECONF_MSG) {
      jU32("msg_type", v);
      jStr("msg_name", L.msgName(v));
      if (v != C.MSG_RENEW && v != C.MSG_REBIND && v != C.MSG_INFORMATION_REQUEST) E.errAdd(p, 1, E.E_RECONF_TYPE, v, 0, 0);
    } else {
      jU32("value", v);
    }
  } else if (layout == L.LAYOUT_U16) {
    jU32(code == C.OPT_ELAPSED_TIME ? "centiseconds" : code == C.OPT_RELAY_SOURCE_PORT ? "port" : "value", ld16(p));
  } else if (layout == L.LAYOUT_U32) {
    const secs = code == C.OPT_INFORMATION_REFRESH_TIME || code == C.OPT_SOL_MAX_RT || code == C.OPT_INF_MAX_RT;
    jU32(secs ? "seconds" : "value", ld32(p));
  } else if (layout == L.LAYOUT_ADDR) {
    jAddr("addr", p);
  } else if (layout == L.LAYOUT_ADDRS) {
    if (n % 16 != 0) E.errAdd(p, n, E.E_LEN_MULT, 16, n, ctx);
    jOpen("addrs", false);
    for (let i: u32 = 0; i + 16 <= n; i += 16) jAddr("", p + i);
    jClose();
  } else if (layout == L.LAYOUT_DUID) {
    duid(p, n);
  } else if (layout == L.LAYOUT_CODES) {
    if (n % 2 != 0) E.errAdd(p, n, E.E_LEN_MULT, 2, n, ctx);
    jOpen("codes", false);
    for (let i: u32 = 0; i + 2 <= n; i += 2) {
      const c = ld16(p + i);
      const row = L.optRow(c);
      jOpen("", true);
      jU32("code", c);
      jStr("name", row >= 0 ? L.rowName(row) : "Unknown");
      jClose();
    }
    jClose();
  } else if (layout == L.LAYOUT_IA) {
    const t1 = ld32(p + 4);
    const t2 = ld32(p + 8);
    jU32("iaid", ld32(p));
    jU32("t1", t1);
    jU32("t2", t2);
    if (t1 > t2 && t2 != 0) E.errAdd(p + 4, 8, E.E_T1_T2, t1, t2, 0);
    child(CHILD_OPTIONS, p + 12);
  } else if (layout == L.LAYOUT_IA_TA) {
    jU32("iaid", ld32(p));
    child(CHILD_OPTIONS, p + 4);
  } else if (layout == L.LAYOUT_IAADDR) {
    jAddr("addr", p);
    lifetimes(p + 16, ld32(p + 16), ld32(p + 20));
    child(CHILD_OPTIONS, p + 24);
  } else if (layout == L.LAYOUT_IAPREFIX) {
    const plen = ld8(p + 8);
    lifetimes(p, ld32(p), ld32(p + 4));
    jU32("prefix_len", plen);
    jAddr("prefix", p + 9);
    if (plen > 128) E.errAdd(p + 8, 1, E.E_PLEN, plen, 0, 0);
    child(CHILD_OPTIONS, p + 25);
  } else if (layout == L.LAYOUT_RELAY_MSG) {
    child(CHILD_MSG, p);
  } else if (layout == L.LAYOUT_AUTH) {
    authentication(p, n);
  } else if (layout == L.LAYOUT_STATUS) {
    const s = ld16(p);
    jU32("code", s);
    jStr("name", L.statusName(s));
    utf8Member("message", p + 2, n - 2, ctx);
  } else if (layout == L.LAYOUT_TEXT) {
    utf8Member("text", p, n, ctx);
  } else if (layout == L.LAYOUT_DNAMES) {
    jOpen("names", false);
    let q = p;
    while (q < end) {
      if (!nameMember("", q, end, false)) break;
      q += dnLen;
    }
    jClose();
  } else if (layout == L.LAYOUT_DNAME) {
    if (nameMember("name", p, end, false) && dnLen < n) E.errAdd(p + dnLen, n - dnLen, E.E_DN_TRAIL, n - dnLen, 0, 0);
  } else if (layout == L.LAYOUT_CLASS_DATA) {
    items(p, end);
  } else if (layout == L.LAYOUT_VENDOR_CLASS) {
    jU32("enterprise", ld32(p));
    items(p + 4, end);
  } else if (layout == L.LAYOUT_VENDOR_OPTS) {
    jU32("enterprise", ld32(p));
    child(CHILD_VENDOR, p + 4);
  } else if (layout == L.LAYOUT_SUBOPTS) {
    child(CHILD_NTP, p);
  } else if (layout == L.LAYOUT_FQDN) {
    const f = ld8(p);
    jU32("flags", f);
    jBool("s", (f & 1) != 0);
    jBool("o", (f & 2) != 0);
    jBool("n", (f & 4) != 0);
    if ((f & 0xf8) != 0) E.errAdd(p, 1, E.E_FQDN_MBZ, f, 0, 0);
    if ((f & 5) == 5) E.errAdd(p, 1, E.E_FQDN_NS, f, 0, 0);
    if (nameMember("name", p + 1, end, true)) {
      jBool("partial", !dnRoot);
      if (dnLen < n - 1) E.errAdd(p + 1 + dnLen, n - 1 - dnLen, E.E_DN_TRAIL, n - 1 - dnLen, 0, 0);
    }
  } else if (layout == L.LAYOUT_ENTERPRISE_ID) {
    jU32("enterprise", ld32(p));
    jHex("remote_id", p + 4, n - 4);
  } else if (layout == L.LAYOUT_LINKLAYER) {
    jU32("hw_type", ld16(p));
    jHexColons("lladdr", p + 2, n - 2);
  } else {
    // LAYOUT_BYTES and anything unknown: opaque
    jHex("data", p, n);
    if ((code == C.OPT_INTERFACE_ID || code == C.OPT_SUBSCRIBER_ID) && printable(p, n)) asciiMember("text", p, n);
  }
  jClose();
}
