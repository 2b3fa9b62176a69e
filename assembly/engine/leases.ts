// The bindings as text for the outside world, written into OUT:
//   - the reference's lease file (odhcpd `leasefile`), with hosts lines;
//   - JSON in the shape of odhcpd's ubus `dhcp ipv6leases` answer.

import * as A from "../abi";
import * as C from "../wire/codes";
import { ld8 } from "../wire/bytes";
import { textStart, textLen, textStr, textChar, textU32, textHex, textAddr, textJsonUtf8 } from "../text";
import * as B from "./bindings";
import * as Cfg from "./config";
import { ifaceAddrCount, ifaceAddrPreferred, ifaceAddrValid, ifaceName, ifaceUp } from "./iface";
import { remaining, minLifetime, bindingLease, leaseSeenBefore } from "./assign";

const tmp: usize = memory.data(16, 8);

function textName(slot: u32): void {
  const p = ifaceName(slot);
  for (let i: u32 = 0; i < A.CTX_NAME_LEN; i++) {
    const c = ld8(p + i);
    if (c == 0) break;
    textChar(c);
  }
}

function textHex64(v: u64): void {
  const hi = <u32>(v >> 32);
  const HEX = "0123456789abcdef";
  let started = false;
  for (let s: i32 = 60; s >= 0; s -= 4) {
    const d = <u32>((v >> <u64>s) & 15);
    if (d != 0 || started || s == 0) {
      textChar(HEX.charCodeAt(d));
      started = true;
    }
  }
  if (hi == 0 && !started) textChar(0x30);
}

function textI64(v: i64): void {
  if (v < 0) {
    textChar(0x2d);
    v = -v;
  }
  if (v >= 1000000000) {
    textU32(<u32>(v / 1000000000));
    const rest = <u32>(v % 1000000000);
    // zero-pad the lower nine digits
    let d: u32 = 100000000;
    while (d > 0) {
      textChar(0x30 + (rest / d) % 10);
      d /= 10;
    }
  } else {
    textU32(<u32>v);
  }
}

/** Writes each address/prefix the binding gives now (JSON objects, or
 *  " addr/len" for the lease file); returns how many. */
function forEachLease(i: u32, now: u32, json: bool, first: bool): u32 {
  const r = B.rec(i);
  const slot = <u32>load<u8>(r + B.B_SLOT);
  const type = <u32>load<u8>(r + B.B_TYPE);
  const lease = load<u32>(r + B.B_LEASETIME);
  const n = ifaceAddrCount(slot);
  let count: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const plen = bindingLease(r, k, now, tmp);
    if (plen == 0 || leaseSeenBefore(r, k, now, tmp, plen)) continue;
    if (json) {
      if (count > 0 || !first) textChar(0x2c);
      textStr("{\"address\":\"");
      textAddr(tmp);
      textStr("\",\"preferred-lifetime\":");
      textLifetime(minLifetime(lease, remaining(ifaceAddrPreferred(slot, k), now)));
      textStr(",\"valid-lifetime\":");
      textLifetime(minLifetime(lease, remaining(ifaceAddrValid(slot, k), now)));
      if (type == C.OPT_IA_PD) {
        textStr(",\"prefix-length\":");
        textU32(plen);
      }
      textChar(0x7d);
    } else {
      textChar(0x20);
      textAddr(tmp);
      textChar(0x2f);
      textU32(plen);
    }
    count++;
  }
  return count;
}

function textLifetime(v: u32): void {
  if (v == A.LIFETIME_INFINITE) textStr("-1");
  else textU32(v);
}

/** The lease file: for each bound binding, a hosts line per address when it
 *  has a hostname (IA_NA), then the `# ifname duid iaid hostname expiry
 *  assigned length addr/len ...` line. `wallNow` is the Unix time matching
 *  `now`. Returns the text length in OUT. */
export function leaseFile(now: u32, wallNow: i64): u32 {
  textStart();
  const cap = B.bCapacity();
  for (let i: u32 = 0; i < cap; i++) {
    const r = B.rec(i);
    if (load<u8>(r + B.B_STATE) != B.B_BOUND) continue;
    const slot = <u32>load<u8>(r + B.B_SLOT);
    if (!ifaceUp(slot)) continue;
    const type = <u32>load<u8>(r + B.B_TYPE);
    const hn = <u32>load<u8>(r + B.B_HOSTNAME_LEN);
    if (type == C.OPT_IA_NA && hn > 0) hostsLines(i, now, hn);
    textStr("# ");
    textName(slot);
    textChar(0x20);
    textHex(r + B.B_DUID, load<u8>(r + B.B_DUID_LEN));
    textChar(0x20);
    textHex64(<u64>load<u32>(r + B.B_IAID));
    textChar(0x20);
    if (hn > 0) textJsonUtf8(r + B.B_HOSTNAME, hn);
    else textChar(0x2d);
    textChar(0x20);
    const exp = load<u32>(r + B.B_EXPIRES);
    if (exp == A.LIFETIME_INFINITE) textStr("-1");
    else textI64(wallNow + <i64>exp - <i64>now);
    textChar(0x20);
    textHex64(load<u64>(r + B.B_POSITION));
    textChar(0x20);
    textU32(type == C.OPT_IA_NA ? 128 : <u32>load<u8>(r + B.B_PLEN));
    forEachLease(i, now, false, true);
    textChar(0x0a);
  }
  return textLen();
}

/** hosts(5) lines: address, host.domain (when a domain is configured), host. */
function hostsLines(i: u32, now: u32, hn: u32): void {
  const r = B.rec(i);
  const slot = <u32>load<u8>(r + B.B_SLOT);
  const n = ifaceAddrCount(slot);
  for (let k: u32 = 0; k < n; k++) {
    if (bindingLease(r, k, now, tmp) == 0) continue;
    textAddr(tmp);
    textChar(0x09);
    textJsonUtf8(r + B.B_HOSTNAME, hn);
    if (firstDomain(slot)) {
      textChar(0x09);
      textJsonUtf8(r + B.B_HOSTNAME, hn);
    }
    textChar(0x0a);
  }
}

/** Writes ".domain" (the first configured search domain) and returns true, or false when none. */
function firstDomain(slot: u32): bool {
  const len = Cfg.cfgBlobLen(slot, Cfg.BLOB_DOMAIN);
  if (len <= 4) return false;
  let p = Cfg.cfgBlob(slot, Cfg.BLOB_DOMAIN) + 4; // skip the option header
  const end = p + len - 4;
  while (p < end) {
    const l = <u32>ld8(p);
    if (l == 0 || p + 1 + l > end) break;
    textChar(0x2e);
    textJsonUtf8(p + 1, l);
    p += 1 + l;
  }
  return true;
}

/** The bindings as JSON, grouped by interface, in the shape of odhcpd's ubus
 *  `dhcp ipv6leases`. Returns the text length in OUT. */
export function leasesJson(now: u32): u32 {
  textStart();
  textStr("{\"device\":{");
  let firstDev = true;
  const cap = B.bCapacity();
  for (let slot: u32 = 0; slot < A.MAX_IFACES; slot++) {
    if (!Cfg.cfgPresent(slot)) continue;
    if (!firstDev) textChar(0x2c);
    firstDev = false;
    textChar(0x22);
    textName(slot);
    textStr("\":{\"leases\":[");
    let firstLease = true;
    for (let i: u32 = 0; i < cap; i++) {
      const r = B.rec(i);
      if (load<u8>(r + B.B_STATE) != B.B_BOUND || <u32>load<u8>(r + B.B_SLOT) != slot) continue;
      if (!firstLease) textChar(0x2c);
      firstLease = false;
      const type = <u32>load<u8>(r + B.B_TYPE);
      textStr("{\"duid\":\"");
      textHex(r + B.B_DUID, load<u8>(r + B.B_DUID_LEN));
      textStr("\",\"iaid\":");
      textU32(load<u32>(r + B.B_IAID));
      textStr(",\"hostname\":\"");
      textJsonUtf8(r + B.B_HOSTNAME, load<u8>(r + B.B_HOSTNAME_LEN));
      textStr("\",\"accept-reconf\":");
      textStr((load<u8>(r + B.B_FLAGS) & B.BF_RECONF_ACCEPT) != 0 ? "true" : "false");
      textStr(",\"assigned\":\"");
      textHex64(load<u64>(r + B.B_POSITION));
      textStr("\",\"flags\":[\"bound\"");
      if ((load<u8>(r + B.B_FLAGS) & B.BF_STATIC) != 0) textStr(",\"static\"");
      textStr("],");
      textStr(type == C.OPT_IA_NA ? "\"ipv6-addr\":[" : "\"ipv6-prefix\":[");
      forEachLease(i, now, true, true);
      textStr("],\"valid\":");
      const exp = load<u32>(r + B.B_EXPIRES);
      textLifetime(exp == A.LIFETIME_INFINITE ? exp : remaining(exp, now));
      textChar(0x7d);
    }
    textStr("]}");
  }
  textStr("}}");
  return textLen();
}
