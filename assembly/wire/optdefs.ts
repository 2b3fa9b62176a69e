// The option table as data: one row per option (code, layout, length bounds,
// name, defining RFC). It drives the inspector's decode and its length checks.

import * as C from "./codes";

// How an option's data is laid out.
export const LAYOUT_BYTES: u32 = 0; // opaque
export const LAYOUT_EMPTY: u32 = 1; // no data
export const LAYOUT_U8: u32 = 2;
export const LAYOUT_U16: u32 = 3;
export const LAYOUT_U32: u32 = 4;
export const LAYOUT_ADDR: u32 = 5; // one IPv6 address
export const LAYOUT_ADDRS: u32 = 6; // IPv6 addresses
export const LAYOUT_DUID: u32 = 7; // RFC 8415 section 11
export const LAYOUT_CODES: u32 = 8; // 16-bit option codes
export const LAYOUT_IA: u32 = 9; // IAID, T1, T2, options (IA_NA, IA_PD)
export const LAYOUT_IA_TA: u32 = 10; // IAID, options
export const LAYOUT_IAADDR: u32 = 11; // address, preferred, valid, options
export const LAYOUT_IAPREFIX: u32 = 12; // preferred, valid, prefix length, prefix, options
export const LAYOUT_RELAY_MSG: u32 = 13; // a whole DHCPv6 message
export const LAYOUT_AUTH: u32 = 14; // protocol, algorithm, RDM, replay detection, information
export const LAYOUT_STATUS: u32 = 15; // status code, UTF-8 message
export const LAYOUT_TEXT: u32 = 16; // UTF-8 / ASCII text
export const LAYOUT_DNAMES: u32 = 17; // RFC 1035 names, uncompressed
export const LAYOUT_DNAME: u32 = 18; // one RFC 1035 name
export const LAYOUT_CLASS_DATA: u32 = 19; // 16-bit length-prefixed opaque items
export const LAYOUT_VENDOR_CLASS: u32 = 20; // enterprise number, class data items
export const LAYOUT_VENDOR_OPTS: u32 = 21; // enterprise number, suboptions
export const LAYOUT_SUBOPTS: u32 = 22; // suboptions (NTP server, RFC 5908)
export const LAYOUT_FQDN: u32 = 23; // flags, partial or full name (RFC 4704)
export const LAYOUT_ENTERPRISE_ID: u32 = 24; // enterprise number, opaque id (RFC 4649)
export const LAYOUT_LINKLAYER: u32 = 25; // hardware type, link-layer address (RFC 6939)

export const NO_MAX: u32 = 0xffff;

// code, layout, minimum length, maximum length
const ROWS: StaticArray<u32> = [
  C.OPT_CLIENTID, LAYOUT_DUID, 2, C.DUID_MAX_LEN,
  C.OPT_SERVERID, LAYOUT_DUID, 2, C.DUID_MAX_LEN,
  C.OPT_IA_NA, LAYOUT_IA, 12, NO_MAX,
  C.OPT_IA_TA, LAYOUT_IA_TA, 4, NO_MAX,
  C.OPT_IAADDR, LAYOUT_IAADDR, 24, NO_MAX,
  C.OPT_ORO, LAYOUT_CODES, 0, NO_MAX,
  C.OPT_PREFERENCE, LAYOUT_U8, 1, 1,
  C.OPT_ELAPSED_TIME, LAYOUT_U16, 2, 2,
  C.OPT_RELAY_MSG, LAYOUT_RELAY_MSG, 4, NO_MAX,
  C.OPT_AUTH, LAYOUT_AUTH, 11, NO_MAX,
  C.OPT_UNICAST, LAYOUT_ADDR, 16, 16,
  C.OPT_STATUS_CODE, LAYOUT_STATUS, 2, NO_MAX,
  C.OPT_RAPID_COMMIT, LAYOUT_EMPTY, 0, 0,
  C.OPT_USER_CLASS, LAYOUT_CLASS_DATA, 0, NO_MAX,
  C.OPT_VENDOR_CLASS, LAYOUT_VENDOR_CLASS, 4, NO_MAX,
  C.OPT_VENDOR_OPTS, LAYOUT_VENDOR_OPTS, 4, NO_MAX,
  C.OPT_INTERFACE_ID, LAYOUT_BYTES, 1, NO_MAX,
  C.OPT_RECONF_MSG, LAYOUT_U8, 1, 1,
  C.OPT_RECONF_ACCEPT, LAYOUT_EMPTY, 0, 0,
  C.OPT_SIP_SERVER_D, LAYOUT_DNAMES, 0, NO_MAX,
  C.OPT_SIP_SERVER_A, LAYOUT_ADDRS, 16, NO_MAX,
  C.OPT_DNS_SERVERS, LAYOUT_ADDRS, 16, NO_MAX,
  C.OPT_DOMAIN_LIST, LAYOUT_DNAMES, 0, NO_MAX,
  C.OPT_IA_PD, LAYOUT_IA, 12, NO_MAX,
  C.OPT_IAPREFIX, LAYOUT_IAPREFIX, 25, NO_MAX,
  C.OPT_NIS_SERVERS, LAYOUT_ADDRS, 16, NO_MAX,
  C.OPT_NISP_SERVERS, LAYOUT_ADDRS, 16, NO_MAX,
  C.OPT_NIS_DOMAIN_NAME, LAYOUT_DNAMES, 0, NO_MAX,
  C.OPT_NISP_DOMAIN_NAME, LAYOUT_DNAMES, 0, NO_MAX,
  C.OPT_SNTP_SERVERS, LAYOUT_ADDRS, 16, NO_MAX,
  C.OPT_INFORMATION_REFRESH_TIME, LAYOUT_U32, 4, 4,
  C.OPT_REMOTE_ID, LAYOUT_ENTERPRISE_ID, 4, NO_MAX,
  C.OPT_SUBSCRIBER_ID, LAYOUT_BYTES, 1, NO_MAX,
  C.OPT_CLIENT_FQDN, LAYOUT_FQDN, 1, NO_MAX,
  C.OPT_NEW_POSIX_TIMEZONE, LAYOUT_TEXT, 0, NO_MAX,
  C.OPT_NEW_TZDB_TIMEZONE, LAYOUT_TEXT, 0, NO_MAX,
  C.OPT_ERO, LAYOUT_CODES, 0, NO_MAX,
  C.OPT_NTP_SERVER, LAYOUT_SUBOPTS, 4, NO_MAX,
  C.OPT_AFTR_NAME, LAYOUT_DNAME, 1, NO_MAX,
  C.OPT_CLIENT_LINKLAYER_ADDR, LAYOUT_LINKLAYER, 2, NO_MAX,
  C.OPT_SOL_MAX_RT, LAYOUT_U32, 4, 4,
  C.OPT_INF_MAX_RT, LAYOUT_U32, 4, 4,
  C.OPT_CAPTIVE_PORTAL, LAYOUT_TEXT, 0, NO_MAX,
  C.OPT_RELAY_SOURCE_PORT, LAYOUT_U16, 2, 2,
  C.OPT_DNR, LAYOUT_BYTES, 0, NO_MAX,
];
const COLS: i32 = 4;

const NAMES: StaticArray<string> = [
  "Client Identifier", "Server Identifier", "IA_NA", "IA_TA", "IA Address",
  "Option Request", "Preference", "Elapsed Time", "Relay Message", "Authentication",
  "Server Unicast", "Status Code", "Rapid Commit", "User Class", "Vendor Class",
  "Vendor-specific Information", "Interface-Id", "Reconfigure Message", "Reconfigure Accept",
  "SIP Server Domain Names", "SIP Server Addresses", "DNS Recursive Name Server", "Domain Search List",
  "IA_PD", "IA Prefix", "NIS Servers", "NIS+ Servers", "NIS Domain Name", "NIS+ Domain Name",
  "SNTP Servers", "Information Refresh Time", "Remote-Id", "Subscriber-Id", "Client FQDN",
  "POSIX Timezone", "TZDB Timezone", "Echo Request", "NTP Server", "AFTR Name",
  "Client Link-Layer Address", "SOL_MAX_RT", "INF_MAX_RT", "Captive Portal", "Relay Source Port",
  "DNR",
];

const RFCS: StaticArray<string> = [
  "RFC 8415 21.2", "RFC 8415 21.3", "RFC 8415 21.4", "RFC 8415 21.5", "RFC 8415 21.6",
  "RFC 8415 21.7", "RFC 8415 21.8", "RFC 8415 21.9", "RFC 8415 21.10", "RFC 8415 21.11",
  "RFC 8415 21.12", "RFC 8415 21.13", "RFC 8415 21.14", "RFC 8415 21.15", "RFC 8415 21.16",
  "RFC 8415 21.17", "RFC 8415 21.18", "RFC 8415 21.19", "RFC 8415 21.20",
  "RFC 3319", "RFC 3319", "RFC 3646", "RFC 3646",
  "RFC 8415 21.21", "RFC 8415 21.22", "RFC 3898", "RFC 3898", "RFC 3898", "RFC 3898",
  "RFC 4075", "RFC 8415 21.23", "RFC 4649", "RFC 4580", "RFC 4704",
  "RFC 4833", "RFC 4833", "RFC 4994", "RFC 5908", "RFC 6334",
  "RFC 6939", "RFC 8415 21.24", "RFC 8415 21.25", "RFC 8910", "RFC 8357",
  "RFC 9463",
];

/** Row index of `code` in the table, or -1 for an option we do not know. */
export function optRow(code: u32): i32 {
  const n = ROWS.length / COLS;
  for (let i = 0; i < n; i++) {
    if (unchecked(ROWS[i * COLS]) == code) return i;
  }
  return -1;
}

export function optRowCount(): i32 {
  return ROWS.length / COLS;
}

export function rowCode(row: i32): u32 {
  return ROWS[row * COLS];
}

export function rowLayout(row: i32): u32 {
  return ROWS[row * COLS + 1];
}

export function rowMinLen(row: i32): u32 {
  return ROWS[row * COLS + 2];
}

export function rowMaxLen(row: i32): u32 {
  return ROWS[row * COLS + 3];
}

export function rowName(row: i32): string {
  return NAMES[row];
}

export function rowRfc(row: i32): string {
  return RFCS[row];
}

const MSG_NAMES: StaticArray<string> = [
  "Unknown", "Solicit", "Advertise", "Request", "Confirm", "Renew", "Rebind", "Reply",
  "Release", "Decline", "Reconfigure", "Information-request", "Relay-forward", "Relay-reply",
  "Leasequery", "Leasequery-reply", "Leasequery-done", "Leasequery-data",
  "Reconfigure-request", "Reconfigure-reply", "DHCPv4-query", "DHCPv4-response",
  "Active-leasequery", "StartTLS", "BNDUPD", "BNDREPLY", "POOLREQ", "POOLRESP",
  "UPDREQ", "UPDREQALL", "UPDDONE", "CONNECT", "CONNECTREPLY", "DISCONNECT", "STATE", "CONTACT",
  "ADDR-REG-INFORM", "ADDR-REG-REPLY",
];

/** The message type's name, "Unknown" for unassigned numbers. */
export function msgName(type: u32): string {
  return type <= C.MSG_TYPE_MAX_KNOWN ? MSG_NAMES[type] : MSG_NAMES[0];
}

const STATUS_NAMES: StaticArray<string> = [
  "Success", "UnspecFail", "NoAddrsAvail", "NoBinding", "NotOnLink", "UseMulticast", "NoPrefixAvail",
];

export function statusName(code: u32): string {
  return code < <u32>STATUS_NAMES.length ? STATUS_NAMES[code] : "Unknown";
}
