// The validated configuration: what /etc/config/dhcp says, typed. Produced by
// schema.ts, turned into the core's CFG record by encode.ts.

import type { Mode } from "../core/abi.js";

export type { Mode };

/** `config odhcpd`: settings of the whole server. */
export interface GlobalConfig {
  /** odhcpd also serves DHCPv4 (not ours: parsed, not encoded). Default false. */
  maindhcp: boolean;
  /** Lease (state) file path, or null for none. */
  leasefile: string | null;
  /** Script run when leases change, or null for none. */
  leasetrigger: string | null;
  /** syslog priority threshold 0-7. Default 6 (info). */
  loglevel: number;
  /** Server DUID (our extension `duid`), or null: DUID-LL from each interface's MAC. */
  duid: Uint8Array | null;
  /** Directory for the binding journal, the server secret and the clock (our extension `statedir`), or null for the default. */
  statedir: string | null;
  /** Capacity of the binding table (our extension `max_bindings`), or null for the core's default (4096). */
  maxBindings: number | null;
}

/** One NTP server of option 56: an address (suboption 1) or a name (suboption 3). */
export type NtpServer = { kind: "addr"; addr: Uint8Array } | { kind: "fqdn"; name: string };

/** `config dhcp 'NAME'`: one interface. */
export interface InterfaceConfig {
  /** UCI section name (`@dhcp[N]` when anonymous). */
  section: string;
  /** Line of the `config` line. */
  line: number;
  /** Logical interface (`interface`, else the section name). */
  name: string;
  /** Linux device: `ifname`, else `networkid`, else `interface`, else the section name. */
  ifname: string;
  ignore: boolean;
  master: boolean;
  /** Effective DHCPv6 mode: `dhcpv6` (default server), or disabled when `ignore` is set. */
  mode: Mode;
  /** Recursive DNS servers (option 23); empty: the core uses the link-local address. */
  dns: Uint8Array[];
  /** Domain search list (option 24), without trailing dots. */
  domains: string[];
  /** NTP servers (option 56), in file order; the addresses also go into SNTP (option 31). */
  ntp: NtpServer[];
  /** `dhcpv6_raw`: complete options appended verbatim, or null. */
  raw: Uint8Array | null;
  /** Lease time in seconds (0xffffffff = infinite), or null for the core's default. */
  leasetime: number | null;
  dynamicdhcp: boolean;
  /** Drop clients whose User Class contains this, or null. */
  filterClass: string | null;
  dhcpv6Na: boolean;
  dhcpv6Pd: boolean;
  /** Shortest prefix length delegated (1-64), or null for no limit. */
  dhcpv6PdMinLen: number | null;
  /** IA_NA addresses from every prefix of the interface, not only the elected one (our extension `dhcpv6_assignall`). */
  assignAll: boolean;
  /** Honour Rapid Commit (our extension `dhcpv6_rapid_commit`, default on). */
  rapidCommit: boolean;
  /** Messages per second accepted on the interface, 0 = no limit (our extension `dhcpv6_ratelimit`), or null for 0. */
  rateIface: number | null;
  /** Messages per second per client, 0 = no limit (our extension `dhcpv6_client_ratelimit`), or null for the core's 20. */
  rateClient: number | null;
  /** Send Reconfigure to clients that accept it when prefixes change (our extension `dhcpv6_reconfigure`, default on). */
  reconfigure: boolean;
  /** Relay: unicast server addresses to relay to instead of ff05::1:3 (`dhcpv6_relay_servers`, on a master). */
  relayServers: Uint8Array[];
  /** Relay: Remote-ID (RFC 4649) added to Relay-forwards, enterprise number + id (`dhcpv6_relay_remote_id 'ENTERPRISE:HEX'`). */
  relayRemoteId: Uint8Array | null;
  /** Relay: add the client's link-layer address (RFC 6939) (`dhcpv6_relay_client_lladdr`). */
  relayClientLladdr: boolean;
  /** Relay: hop limit 1..32 (`dhcpv6_relay_hop_limit`), or null for 32. */
  relayHopLimit: number | null;
  /** Information Refresh Time (option 32) in seconds, or null for the default. */
  refreshTime: number | null;
  /** SOL_MAX_RT (option 82) in seconds, or null for the default. */
  solMaxRt: number | null;
  /** INF_MAX_RT (option 83) in seconds, or null for the default. */
  infMaxRt: number | null;
}

/** `config host`: a static lease (parsed now, used later). */
export interface HostConfig {
  section: string;
  line: number;
  duid: Uint8Array | null;
  /** MAC addresses, 6 bytes each. */
  macs: Uint8Array[];
  /** Host part of the address (up to 64 bits), or null. */
  hostid: bigint | null;
  /** IPv4 address (4 bytes; DHCPv4's, odhcpd derives a default hostid from it), or null. */
  ip: Uint8Array | null;
  name: string | null;
  /** Lease time in seconds (0xffffffff = infinite), or null. */
  leasetime: number | null;
}

/** The whole configuration. */
export interface Config {
  /** The file it was read from (as given). */
  file: string;
  global: GlobalConfig;
  /** In file order. */
  interfaces: InterfaceConfig[];
  hosts: HostConfig[];
}
