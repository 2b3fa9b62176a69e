// Validation of /etc/config/dhcp into the typed Config (types.ts), with the
// option names odhcpd uses. Invalid values are ConfigErrors at FILE:LINE and
// option; unknown section types and options are warnings. Options that belong
// to odhcpd's RA, NDP and DHCPv4 parts, or to dnsmasq, are known and skipped.

import { readFileSync } from "node:fs";
import { ConfigError, makeWarning, type ConfigWarning } from "./errors.js";
import { parseUci, type UciSection } from "./uci.js";
import { SectionReader } from "./reader.js";
import { FOREIGN_OPTIONS, FOREIGN_SECTIONS } from "./foreign.js";
import {
  InvalidValue,
  isIPv4,
  isMulticast,
  isUnspecified,
  parseAddress,
  parseBool,
  parseDomain,
  parseHex,
  parseHostname,
  parseIfname,
  parseInteger,
  parseIPv4,
  parseLeaseTime,
  parseMac,
  parsePath,
  parseRawOptions,
  LEASETIME_MIN,
} from "./values.js";
import type { Config, GlobalConfig, HostConfig, InterfaceConfig, Mode, NtpServer } from "./types.js";

/** syslog priorities: 0 emerg .. 7 debug; default info. */
const LOGLEVEL_MAX = 7;
const LOGLEVEL_DEFAULT = 6;
/** RFC 8415 section 11.1: a DUID is 2 type bytes and at most 128 more. */
const DUID_MIN = 2;
const DUID_MAX = 130;
/** RFC 8415 section 21.23: IRT_MINIMUM. */
const REFRESH_MIN = 600;
const U32_MAX = 0xffffffff;
/** RFC 8415 sections 21.24/21.25: SOL_MAX_RT and INF_MAX_RT bounds. */
const MAX_RT_MIN = 60;
const MAX_RT_MAX = 86400;
/** Prefix lengths a delegation may have. */
const PD_MIN_LEN_MIN = 1;
const PD_MIN_LEN_MAX = 64;
/** A host part is at most 64 bits (16 hex digits). */
const HOSTID_RE = /^(?:0[xX])?([0-9A-Fa-f]{1,16})$/;

const MODES: readonly Mode[] = ["disabled", "server", "relay", "hybrid"];

/** Result of loading: the configuration and what deserves a warning. */
export interface LoadResult {
  config: Config;
  warnings: ConfigWarning[];
}

/**
 * Reads and validates a UCI file.
 * @throws ConfigError on a syntax error or invalid value; the fs error when the file cannot be read.
 */
export function loadConfig(path: string): LoadResult {
  return parseConfig(readFileSync(path, "utf8"), path);
}

/**
 * Validates the text of a UCI file; `fileName` names it in diagnostics.
 * @throws ConfigError on a syntax error, an invalid value, two sections with
 * one name or two dhcp sections on one device.
 */
export function parseConfig(text: string, fileName: string): LoadResult {
  const uci = parseUci(text, fileName);
  const warnings: ConfigWarning[] = [];
  const config: Config = { file: fileName, global: defaultGlobal(), interfaces: [], hosts: [] };
  const named = new Map<string, UciSection>();
  const devices = new Map<string, InterfaceConfig>();
  let odhcpdSections = 0;
  let hostEntries = 0;

  for (const s of uci.sections) {
    checkUniqueName(fileName, s, named);
    const r = new SectionReader(fileName, s, warnings);
    switch (s.type) {
      case "odhcpd":
        if (++odhcpdSections > 1) r.warn("another odhcpd section: its options override the earlier ones");
        readGlobal(r, config.global);
        break;
      case "dhcp": {
        const iface = readInterface(r);
        checkCoreLimits(r, iface);
        checkUniqueDevice(r, iface, devices);
        config.interfaces.push(iface);
        break;
      }
      case "host": {
        const h = readHost(r);
        hostEntries += Math.max(1, h.macs.length);
        if (hostEntries > CORE_MAX_HOSTS) {
          throw new ConfigError(r.at(), `too many static hosts: at most ${CORE_MAX_HOSTS} (each MAC of a host counts as one)`);
        }
        config.hosts.push(h);
        break;
      }
      default:
        if (!FOREIGN_SECTIONS.has(s.type)) {
          warnings.push(makeWarning({ file: fileName, line: s.line }, `unknown section type '${s.type}', ignored`));
        }
        continue;
    }
    r.warnUnknown(s.type, FOREIGN_OPTIONS[s.type] ?? new Set());
  }
  return { config, warnings };
}

function defaultGlobal(): GlobalConfig {
  return { maindhcp: false, leasefile: null, leasetrigger: null, loglevel: LOGLEVEL_DEFAULT, duid: null, statedir: null, maxBindings: null };
}

function checkUniqueName(file: string, s: UciSection, named: Map<string, UciSection>): void {
  if (s.anonymous) return;
  const first = named.get(s.name);
  if (first) throw new ConfigError({ file, line: s.line }, `section '${s.name}' is already defined on line ${first.line}`);
  named.set(s.name, s);
}

function checkUniqueDevice(r: SectionReader, iface: InterfaceConfig, devices: Map<string, InterfaceConfig>): void {
  const first = devices.get(iface.ifname);
  if (first) {
    throw new ConfigError(
      r.at(deviceOption(r)),
      `device '${iface.ifname}' is already used by dhcp section '${first.section}' (line ${first.line})`,
    );
  }
  devices.set(iface.ifname, iface);
}

/** The option the device name came from, or undefined for the section name. */
function deviceOption(r: SectionReader): string | undefined {
  return ["ifname", "networkid", "interface"].find((k) => r.section.options.has(k));
}

function readGlobal(r: SectionReader, g: GlobalConfig): void {
  g.maindhcp = r.one("maindhcp", parseBool) ?? g.maindhcp;
  g.leasefile = r.one("leasefile", parsePath) ?? g.leasefile;
  g.leasetrigger = r.one("leasetrigger", parsePath) ?? g.leasetrigger;
  g.loglevel = r.one("loglevel", (v) => parseInteger(v, 0, LOGLEVEL_MAX)) ?? g.loglevel;
  g.duid = r.one("duid", parseDuid) ?? g.duid;
  g.statedir = r.one("statedir", parsePath) ?? g.statedir;
  g.maxBindings = r.one("max_bindings", (v) => parseInteger(v, 1, MAX_BINDINGS_LIMIT)) ?? g.maxBindings;
}

/** Largest rate limit (messages per second) accepted. */
const RATE_MAX = 1_000_000;

// What the core can hold (assembly/engine/config.ts, hosts.ts): checked here
// so that the error names the file, line and option.
const CORE_MAX_HOSTS = 256;
const CORE_LIST_BYTES = 4096; // per list (DNS, domains, NTP, SNTP, raw) and interface
const CORE_SLOT_BYTES = 8192; // all encoded options of one interface

function wireNameLength(name: string): number {
  return name.split(".").reduce((n, label) => n + 1 + label.length, 1);
}

/** The per-interface sizes the core accepts. */
function checkCoreLimits(r: SectionReader, i: InterfaceConfig): void {
  const lists: [string, number][] = [
    ["dns", i.dns.length * 16],
    ["domain", i.domains.reduce((n, d) => n + wireNameLength(d), 0)],
    ["ntp", i.ntp.reduce((n, x) => n + (x.kind === "addr" ? 20 : 4 + wireNameLength(x.name)), 0)],
    ["dhcpv6_raw", i.raw?.length ?? 0],
  ];
  let total = 0;
  for (const [option, bytes] of lists) {
    if (bytes > CORE_LIST_BYTES) throw new ConfigError(r.at(option), `too many values: ${bytes} bytes encoded, at most ${CORE_LIST_BYTES}`);
    total += bytes + 4;
  }
  total += i.ntp.filter((x) => x.kind === "addr").length * 16 + 4; // SNTP
  if (total > CORE_SLOT_BYTES) throw new ConfigError(r.at(), `the section's options take ${total} bytes encoded, at most ${CORE_SLOT_BYTES}`);
}

/** RFC 8415 section 7.6. */
const HOP_COUNT_LIMIT = 32;

/** `ENTERPRISE:HEX`: an enterprise number and the remote-id bytes (RFC 4649). */
function parseRemoteId(v: string): Uint8Array {
  const m = /^(\d{1,10}):([0-9a-fA-F:]+)$/.exec(v);
  if (!m || Number(m[1]) > 0xffffffff) throw new InvalidValue(`'${v}' is not ENTERPRISE-NUMBER:HEX-ID`);
  const id = parseHex(m[2], 1, 128, "a remote-id");
  const out = new Uint8Array(4 + id.length);
  new DataView(out.buffer).setUint32(0, Number(m[1]));
  out.set(id, 4);
  return out;
}

/** The core's upper bound for the binding table (assembly/engine/config.ts). */
const MAX_BINDINGS_LIMIT = 1 << 20;

function parseDuid(v: string): Uint8Array {
  return parseHex(v, DUID_MIN, DUID_MAX, "a DUID");
}

function parseMode(v: string): Mode {
  const m = MODES.find((x) => x === v);
  if (!m) throw new InvalidValue(`'${v}' is not a mode (use ${MODES.join(", ")})`);
  return m;
}

/** A lease time; values under the minimum are raised with a warning, as odhcpd does. */
function readLeaseTime(r: SectionReader): number | null {
  const lt = r.one("leasetime", parseLeaseTime);
  if (!lt) return null;
  if (lt.raised) r.warn(`'${r.text("leasetime")}' is shorter than ${LEASETIME_MIN} s: using ${LEASETIME_MIN} s`, "leasetime");
  return lt.seconds;
}

function readInterface(r: SectionReader): InterfaceConfig {
  const s = r.section;
  const logical = r.one("interface", (v) => v);
  const device = r.one("ifname", parseIfname) ?? r.one("networkid", parseIfname);
  r.has("networkid"); // known (odhcpd's fallback for ifname) even when ifname wins
  const ifname = device ?? fallbackDevice(r, logical);
  const ignore = r.one("ignore", parseBool) ?? false;
  const mode = r.one("dhcpv6", parseMode) ?? "server";
  return {
    section: s.name,
    line: s.line,
    name: logical ?? s.name,
    ifname,
    ignore,
    master: r.one("master", parseBool) ?? false,
    mode: ignore ? "disabled" : mode,
    dns: r.many("dns", parseDns),
    domains: r.many("domain", (v) => parseDomain(v)),
    ntp: r.many("ntp", parseNtp),
    raw: r.one("dhcpv6_raw", parseRawOptions) ?? null,
    leasetime: readLeaseTime(r),
    dynamicdhcp: r.one("dynamicdhcp", parseBool) ?? true,
    filterClass: r.one("filter_class", (v) => v) ?? null,
    dhcpv6Na: r.one("dhcpv6_na", parseBool) ?? true,
    dhcpv6Pd: r.one("dhcpv6_pd", parseBool) ?? true,
    dhcpv6PdMinLen: r.one("dhcpv6_pd_min_len", (v) => parseInteger(v, PD_MIN_LEN_MIN, PD_MIN_LEN_MAX)) ?? null,
    assignAll: r.one("dhcpv6_assignall", parseBool) ?? false,
    rapidCommit: r.one("dhcpv6_rapid_commit", parseBool) ?? true,
    reconfigure: r.one("dhcpv6_reconfigure", parseBool) ?? true,
    rateIface: r.one("dhcpv6_ratelimit", (v) => parseInteger(v, 0, RATE_MAX)) ?? null,
    rateClient: r.one("dhcpv6_client_ratelimit", (v) => parseInteger(v, 0, RATE_MAX)) ?? null,
    relayServers: r.many("dhcpv6_relay_servers", parseRelayServer),
    relayRemoteId: r.one("dhcpv6_relay_remote_id", parseRemoteId) ?? null,
    relayClientLladdr: r.one("dhcpv6_relay_client_lladdr", parseBool) ?? false,
    relayHopLimit: r.one("dhcpv6_relay_hop_limit", (v) => parseInteger(v, 1, HOP_COUNT_LIMIT)) ?? null,
    refreshTime: r.one("dhcpv6_refresh", (v) => parseInteger(v, REFRESH_MIN, U32_MAX)) ?? null,
    solMaxRt: r.one("dhcpv6_sol_max_rt", (v) => parseInteger(v, MAX_RT_MIN, MAX_RT_MAX)) ?? null,
    infMaxRt: r.one("dhcpv6_inf_max_rt", (v) => parseInteger(v, MAX_RT_MIN, MAX_RT_MAX)) ?? null,
  };
}

/** Without ifname/networkid the device is the logical name, else the section name. */
function fallbackDevice(r: SectionReader, logical: string | undefined): string {
  if (logical !== undefined) return r.one("interface", parseIfname) ?? logical;
  if (r.section.anonymous) {
    throw new ConfigError(r.at(), `anonymous dhcp section names no device: set 'ifname' (or 'interface')`);
  }
  try {
    return parseIfname(r.section.name);
  } catch (e) {
    if (e instanceof InvalidValue) throw new ConfigError(r.at(), `dhcp section name used as the device: ${e.reason}; set 'ifname'`);
    throw e;
  }
}

/** A DNS server: IPv6 (IPv4 entries are DHCPv4's and skipped). */
function parseDns(v: string): Uint8Array | undefined {
  if (isIPv4(v)) return undefined;
  const a = parseAddress(v);
  if (isUnspecified(a)) throw new InvalidValue(`'${v}' is the unspecified address, not a DNS server`);
  if (isMulticast(a)) throw new InvalidValue(`'${v}' is a multicast address, not a DNS server`);
  return a;
}

/** A relay destination: a unicast IPv6 address. */
function parseRelayServer(v: string): Uint8Array {
  const a = parseAddress(v);
  if (isUnspecified(a) || isMulticast(a)) throw new InvalidValue(`'${v}' is not a unicast server address`);
  return a;
}

/** An NTP server: IPv6 address or host name (IPv4 entries are DHCPv4's and skipped). */
function parseNtp(v: string): NtpServer | undefined {
  if (isIPv4(v)) return undefined;
  if (v.includes(":")) {
    const a = parseAddress(v);
    if (isUnspecified(a)) throw new InvalidValue(`'${v}' is the unspecified address, not an NTP server`);
    if (isMulticast(a)) throw new InvalidValue(`'${v}' is a multicast address: multicast NTP (suboption 2) is not supported`);
    return { kind: "addr", addr: a };
  }
  return { kind: "fqdn", name: parseDomain(v, "host name") };
}

function readHost(r: SectionReader): HostConfig {
  const s = r.section;
  return {
    section: s.name,
    line: s.line,
    duid: r.one("duid", parseDuid) ?? null,
    macs: r.many("mac", parseMac),
    hostid: r.one("hostid", parseHostId) ?? null,
    ip: r.one("ip", parseIPv4) ?? null,
    name: r.one("name", parseHostname) ?? null,
    leasetime: readLeaseTime(r),
  };
}

function parseHostId(v: string): bigint {
  const m = HOSTID_RE.exec(v);
  if (!m) throw new InvalidValue(`'${v}' is not a host ID (1 to 16 hex digits, up to 64 bits)`);
  return BigInt(`0x${m[1]}`);
}
