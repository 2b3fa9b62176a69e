// Value syntaxes of /etc/config/dhcp. Each parser returns the typed value or
// throws InvalidValue with a reason; the schema adds file, line and option.

import { parseIPv6 } from "../util/ipv6.js";

/** Thrown by the value parsers; the schema turns it into a ConfigError. */
export class InvalidValue extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidValue";
  }
}

/** Lease time meaning "never expires" (also the DHCPv6 infinity, RFC 8415 section 7.7). */
export const INFINITE = 0xffffffff;
/** odhcpd raises shorter lease times to this many seconds. */
export const LEASETIME_MIN = 60;
/** RFC 1035 section 2.3.4: label and name lengths (text form, without the trailing dot). */
export const LABEL_MAX = 63;
export const NAME_TEXT_MAX = 253;
/** Linux IFNAMSIZ (16) minus the terminating NUL. */
export const IFNAME_MAX = 15;

const TRUE_WORDS = ["1", "yes", "on", "true", "enabled"];
const FALSE_WORDS = ["0", "no", "off", "false", "disabled"];

/** Values longer than this are cut in messages. */
const QUOTE_MAX = 48;

/** The value for a message, cut to QUOTE_MAX characters. */
function shorten(v: string): string {
  return v.length > QUOTE_MAX ? `${v.slice(0, QUOTE_MAX)}...` : v;
}

/** Seconds per lease-time unit (odhcpd's parse_leasetime). */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A boolean as uci's config_get_bool reads it. */
export function parseBool(v: string): boolean {
  if (TRUE_WORDS.includes(v)) return true;
  if (FALSE_WORDS.includes(v)) return false;
  throw new InvalidValue(`'${v}' is not a boolean (use 1/0, yes/no, on/off, true/false or enabled/disabled)`);
}

/** A decimal integer in [min, max]. */
export function parseInteger(v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v)) throw new InvalidValue(`'${v}' is not a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new InvalidValue(`${v} is out of range (${min} to ${max})`);
  return n;
}

/** Result of a lease time: seconds, and whether it was raised to the minimum. */
export interface LeaseTime {
  seconds: number;
  raised: boolean;
}

/**
 * odhcpd's lease time syntax: a number with an optional unit s, m, h, d or w
 * ("12h", "1.5d"), or `infinite` (INFINITE). Values under LEASETIME_MIN are
 * raised to it, as odhcpd does (`raised` tells the caller to warn).
 */
export function parseLeaseTime(v: string): LeaseTime {
  if (v === "infinite") return { seconds: INFINITE, raised: false };
  const m = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(v);
  if (!m) throw new InvalidValue(`'${v}' is not a lease time (a number with an optional unit s, m, h, d or w, or 'infinite')`);
  const seconds = Math.floor(Number(m[1]) * (m[2] ? UNIT_SECONDS[m[2]] : 1));
  if (seconds >= INFINITE) throw new InvalidValue(`'${v}' is too long (at most ${INFINITE - 1} seconds, or 'infinite')`);
  if (seconds < LEASETIME_MIN) return { seconds: LEASETIME_MIN, raised: true };
  return { seconds, raised: false };
}

/** A text IPv6 address (no zone index). */
export function parseAddress(v: string): Uint8Array {
  const b = /^[0-9A-Fa-f:.]+$/.test(v) ? parseIPv6(v) : null;
  if (!b) throw new InvalidValue(`'${v}' is not an IPv6 address`);
  return b;
}

/** True for a dotted-quad IPv4 address. */
export function isIPv4(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255);
}

/** A dotted-quad IPv4 address as 4 bytes. */
export function parseIPv4(v: string): Uint8Array {
  if (!isIPv4(v)) throw new InvalidValue(`'${v}' is not an IPv4 address`);
  return Uint8Array.from(v.split(".").map(Number));
}

/** True for the unspecified address (::). */
export function isUnspecified(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

/** True for a multicast address (ff00::/8). */
export function isMulticast(b: Uint8Array): boolean {
  return b[0] === 0xff;
}

/**
 * A domain name: labels of 1 to 63 letters, digits, '-' or '_', at most 253
 * characters, a trailing dot allowed. Returns it without the trailing dot.
 * `what` names the kind of name in the message.
 */
export function parseDomain(v: string, what = "domain name"): string {
  const name = v.endsWith(".") ? v.slice(0, -1) : v;
  if (name.length === 0) throw new InvalidValue(`'${v}' is not a ${what}: it is empty`);
  if (name.length > NAME_TEXT_MAX) throw new InvalidValue(`'${v}' is not a ${what}: longer than ${NAME_TEXT_MAX} characters`);
  for (const label of name.split(".")) {
    if (label.length === 0) throw new InvalidValue(`'${v}' is not a ${what}: it has an empty label`);
    if (label.length > LABEL_MAX) throw new InvalidValue(`'${v}' is not a ${what}: label '${label}' is longer than ${LABEL_MAX} characters`);
    if (!/^[A-Za-z0-9_-]+$/.test(label)) {
      throw new InvalidValue(`'${v}' is not a ${what}: label '${label}' may contain only letters, digits, '-' and '_'`);
    }
  }
  return name;
}

/** A host name as odhcpd accepts it: a domain name whose labels do not start or end with '-' or '_'. */
export function parseHostname(v: string): string {
  const name = parseDomain(v, "host name");
  for (const label of name.split(".")) {
    if (/^[-_]|[-_]$/.test(label)) {
      throw new InvalidValue(`'${v}' is not a host name: label '${label}' starts or ends with '-' or '_'`);
    }
  }
  return name;
}

/**
 * Hex bytes: pairs of hex digits, optionally separated by ':' between bytes
 * ("0003000102aabbcc" or "00:03:00:01:02:aa"). Checks the byte count.
 */
export function parseHex(v: string, minBytes: number, maxBytes: number, what: string): Uint8Array {
  if (!/^[0-9A-Fa-f]{2}(?::?[0-9A-Fa-f]{2})*$/.test(v)) {
    throw new InvalidValue(`'${shorten(v)}' is not ${what} in hex (pairs of hex digits, ':' allowed between bytes)`);
  }
  const digits = v.replace(/:/g, "");
  const n = digits.length / 2;
  if (n < minBytes || n > maxBytes) throw new InvalidValue(`${what} must be ${minBytes} to ${maxBytes} bytes, '${shorten(v)}' has ${n}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A MAC address: six groups of 1 or 2 hex digits separated by ':' (ether_aton). */
export function parseMac(v: string): Uint8Array {
  const groups = v.split(":");
  if (groups.length !== 6 || !groups.every((g) => /^[0-9A-Fa-f]{1,2}$/.test(g))) {
    throw new InvalidValue(`'${v}' is not a MAC address (six hex bytes separated by ':')`);
  }
  return Uint8Array.from(groups.map((g) => parseInt(g, 16)));
}

/** A Linux network device name. */
export function parseIfname(v: string): string {
  if (v.length > IFNAME_MAX || v === "." || v === ".." || /[\s/:]/.test(v) || /[^\x21-\x7e]/.test(v)) {
    throw new InvalidValue(`'${v}' is not a network device name (at most ${IFNAME_MAX} characters, no '/', ':' or spaces)`);
  }
  return v;
}

/** A file path for the server to write or run: no control characters. */
export function parsePath(v: string): string {
  if (/[\x00-\x1f\x7f]/.test(v)) throw new InvalidValue(`'${v.replace(/[\x00-\x1f\x7f]/g, "?")}' is not a usable path: it contains control characters`);
  return v;
}

/** DHCPv6 option header: 2-byte code, 2-byte length (RFC 8415 section 21.1). */
export const OPTION_HEADER_LEN = 4;
/** Largest value a configuration record item can carry. */
export const RAW_MAX_BYTES = 0xffff;

/**
 * `dhcpv6_raw`: hex of complete DHCPv6 options in wire form. Every option's
 * header must fit and its length must end exactly inside the bytes.
 */
export function parseRawOptions(v: string): Uint8Array {
  const b = parseHex(v, OPTION_HEADER_LEN, RAW_MAX_BYTES, "DHCPv6 options");
  let p = 0;
  while (p < b.length) {
    if (p + OPTION_HEADER_LEN > b.length) {
      throw new InvalidValue(`broken DHCPv6 option framing: ${b.length - p} byte(s) left at offset ${p}, too few for an option header`);
    }
    const code = (b[p] << 8) | b[p + 1];
    const len = (b[p + 2] << 8) | b[p + 3];
    if (p + OPTION_HEADER_LEN + len > b.length) {
      const left = b.length - p - OPTION_HEADER_LEN;
      throw new InvalidValue(`broken DHCPv6 option framing: option ${code} at offset ${p} has length ${len} but only ${left} byte(s) follow`);
    }
    p += OPTION_HEADER_LEN + len;
  }
  return b;
}
