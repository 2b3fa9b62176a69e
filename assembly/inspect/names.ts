// Small tables the inspector needs beyond wire/optdefs.ts: NTP server
// suboptions (RFC 5908 section 4), DUID types (RFC 8415 section 11) and the
// Authentication option's numbers (RFC 8415 sections 20 and 21.11).

import * as C from "../wire/codes";
import { LAYOUT_ADDR, LAYOUT_DNAME, LAYOUT_BYTES } from "../wire/optdefs";

// ---------------------------------------------------------------- NTP suboptions (RFC 5908 section 4)
// code, layout, minimum length, maximum length
const NTP_ROWS: StaticArray<u32> = [
  C.NTP_SUBOPT_SRV_ADDR, LAYOUT_ADDR, 16, 16,
  C.NTP_SUBOPT_MC_ADDR, LAYOUT_ADDR, 16, 16,
  C.NTP_SUBOPT_SRV_FQDN, LAYOUT_DNAME, 1, 0xffff,
];
const NTP_NAMES: StaticArray<string> = ["NTP Server Address", "NTP Multicast Address", "NTP Server FQDN"];
const NTP_RFCS: StaticArray<string> = ["RFC 5908 4.1", "RFC 5908 4.2", "RFC 5908 4.3"];

/** Row of NTP suboption `code`, or -1. */
export function ntpRow(code: u32): i32 {
  const n = NTP_ROWS.length / 4;
  for (let i = 0; i < n; i++) {
    if (unchecked(NTP_ROWS[i * 4]) == code) return i;
  }
  return -1;
}

export function ntpLayout(row: i32): u32 {
  return row < 0 ? LAYOUT_BYTES : NTP_ROWS[row * 4 + 1];
}

export function ntpMinLen(row: i32): u32 {
  return row < 0 ? 0 : NTP_ROWS[row * 4 + 2];
}

export function ntpMaxLen(row: i32): u32 {
  return row < 0 ? 0xffff : NTP_ROWS[row * 4 + 3];
}

export function ntpRfc(row: i32): string {
  return NTP_RFCS[row];
}

export function ntpName(code: u32): string {
  const row = ntpRow(code);
  return row < 0 ? "Unknown" : NTP_NAMES[row];
}

// ---------------------------------------------------------------- DUID types (RFC 8415 section 11)
const DUID_NAMES: StaticArray<string> = ["Unknown", "DUID-LLT", "DUID-EN", "DUID-LL", "DUID-UUID"];

export function duidTypeName(type: u32): string {
  return type < <u32>DUID_NAMES.length ? DUID_NAMES[type] : DUID_NAMES[0];
}

// ---------------------------------------------------------------- Authentication (RFC 8415 section 20, IANA registries)
export const AUTH_PROTO_RECONFIGURE_KEY: u32 = 3;
export const AUTH_ALG_HMAC_MD5: u32 = 1;
export const AUTH_INFO_KEY: u32 = 1; // Reconfigure Key value (RFC 8415 20.4.1)
export const AUTH_INFO_HMAC: u32 = 2; // HMAC-MD5 digest of the message (RFC 8415 20.4.2)
export const AUTH_RECONFIGURE_INFO_LEN: u32 = 17; // type + 16 bytes

const AUTH_PROTOCOLS: StaticArray<string> = [
  "Configuration Token", "Delayed Authentication", "Delayed Authentication (Obsolete)", "Reconfigure Key",
];

export function authProtocolName(p: u32): string {
  return p < <u32>AUTH_PROTOCOLS.length ? AUTH_PROTOCOLS[p] : "Unknown";
}

export function authAlgorithmName(a: u32): string {
  return a == AUTH_ALG_HMAC_MD5 ? "HMAC-MD5" : "Unknown";
}

export function authRdmName(r: u32): string {
  return r == 0 ? "Monotonically increasing counter" : "Unknown";
}

export function authInfoTypeName(t: u32): string {
  if (t == AUTH_INFO_KEY) return "Reconfigure Key value";
  if (t == AUTH_INFO_HMAC) return "HMAC-MD5 digest";
  return "Unknown";
}
