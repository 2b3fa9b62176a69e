// Mirror of assembly/abi.ts for the host. Keep the two in step; the host
// refuses a core.wasm whose abi_version() differs from ABI_VERSION.

export const ABI_VERSION = 1;

export const REGION = { RX: 0, TX: 1, META: 2, CTX: 3, CFG: 4, OUT: 5, STATS: 6, EFFECTS: 7 } as const;

/** Effect record types (assembly/abi.ts EFFECT_*). */
export const EFFECT = { BINDING_PUT: 1, BINDING_DEL: 2, ROUTE_ADD: 3, ROUTE_DEL: 4, LEASES_CHANGED: 5, RESYNC: 6, SEND: 7 } as const;

export const META = {
  IN_IFSLOT: 0,
  IN_FLAGS: 4,
  IN_NOW: 8,
  IN_SRC_PORT: 12,
  IN_SRC_ADDR: 16,
  OUT_IFSLOT: 32,
  OUT_DST_PORT: 36,
  OUT_DST_KIND: 38,
  OUT_DST_ADDR: 40,
} as const;
export const META_F_MULTICAST = 1;
export const DST_UNICAST = 0;
export const DST_UPSTREAM = 1;
export const DST_UPSTREAM_ONE = 2;

export const CTX = {
  SLOT: 0,
  IFINDEX: 4,
  FLAGS: 8,
  MAC: 12,
  LINKLOCAL: 20,
  NADDR: 36,
  NAME: 40,
  NAME_LEN: 16,
  ADDRS: 56,
  ADDR_SIZE: 28,
  A_ADDR: 0,
  A_PLEN: 16,
  A_PREFERRED: 20,
  A_VALID: 24,
} as const;
export const CTX_F_UP = 1;
export const CTX_F_HAS_MAC = 2;
export const MAX_IFACES = 32;
export const MAX_IFACE_ADDRS = 32;
export const LIFETIME_INFINITE = 0xffffffff;

/** Configuration record keys (assembly/abi.ts CFG_*). */
export const CFG = {
  IFACE: 1,
  MODE: 2,
  DNS: 3,
  DOMAIN: 4,
  NTP_ADDR: 5,
  NTP_FQDN: 6,
  SNTP: 7,
  RAW: 8,
  LEASETIME: 9,
  SERVER_DUID: 10,
  REFRESH_TIME: 11,
  SOL_MAX_RT: 12,
  INF_MAX_RT: 13,
  SECRET: 14,
  MAX_BINDINGS: 15,
  NA: 16,
  PD: 17,
  PD_MIN_LEN: 18,
  ASSIGN_ALL: 19,
  RAPID_COMMIT: 20,
  HOST: 21,
  MASTER: 22,
  HOP_LIMIT: 23,
  REMOTE_ID: 24,
  CLIENT_LLADDR: 25,
  RECONFIGURE: 26,
  RATE_IFACE: 27,
  RATE_CLIENT: 28,
} as const;

/** Sub-items of a CFG.HOST item: u8 key, u8 length, value. */
export const HOST = { DUID: 1, MAC: 2, HOSTID: 3, NAME: 4, LEASETIME: 5 } as const;
export const DEFAULT_MAX_BINDINGS = 4096;

export const MODE = { disabled: 0, server: 1, relay: 2, hybrid: 3 } as const;
export type Mode = keyof typeof MODE;

/** Counter names by index (assembly/abi.ts STAT_*). */
export const STAT_NAMES = [
  "rx",
  "tx",
  "drop_malformed",
  "drop_not_for_server",
  "drop_unicast",
  "drop_server_id",
  "drop_client_id",
  "drop_unknown_iface",
  "drop_hop_limit",
  "drop_unsupported",
  "drop_too_big",
  "drop_invalid",
  "relayed_up",
  "relayed_down",
  "drop_relay_reply",
  "reconfigure_sent",
  "drop_rate_limit",
] as const;
