// The core's ABI: fixed regions of linear memory and the records the host
// reads and writes in them. host/core/abi.ts mirrors every number here; the
// host checks ABI_VERSION at start-up. ARCHITECTURE.md explains each record.

/** Bumped whenever a region, record layout or export changes meaning. */
export const ABI_VERSION: u32 = 1;

// ---------------------------------------------------------------- regions
// Region ids, as passed to the `region_ptr` / `region_size` exports.
export const REGION_RX: u32 = 0; // datagram in (host writes before handle/inspect)
export const REGION_TX: u32 = 1; // datagram out (core writes on handle)
export const REGION_META: u32 = 2; // per-packet record, in and out
export const REGION_CTX: u32 = 3; // interface context record (host writes before set_iface)
export const REGION_CFG: u32 = 4; // configuration record (host writes before configure)
export const REGION_OUT: u32 = 5; // text out: inspect JSON, configuration error message
export const REGION_STATS: u32 = 6; // u32 counters, index = STAT_*
export const REGION_EFFECTS: u32 = 7; // effect records (core writes on handle/tick)
export const REGION_COUNT: u32 = 8;

/** Largest UDP payload over IPv6 without jumbograms. */
export const MAX_DATAGRAM: u32 = 65535;
export const RX_SIZE: u32 = 65536;
export const TX_SIZE: u32 = 65536;
export const META_SIZE: u32 = 64;
export const CTX_SIZE: u32 = 4096;
export const CFG_SIZE: u32 = 65536;
export const OUT_SIZE: u32 = 1 << 20;
export const STATS_COUNT: u32 = 64;
export const EFFECTS_SIZE: u32 = 65536;

export const RX: usize = memory.data(RX_SIZE, 16);
export const TX: usize = memory.data(TX_SIZE, 16);
export const META: usize = memory.data(META_SIZE, 16);
export const CTX: usize = memory.data(CTX_SIZE, 16);
export const CFG: usize = memory.data(CFG_SIZE, 16);
export const OUT: usize = memory.data(OUT_SIZE, 16);
export const STATS: usize = memory.data(STATS_COUNT * 4, 16);
export const EFFECTS: usize = memory.data(EFFECTS_SIZE, 16);

// ---------------------------------------------------------------- META record
// In (host writes before `handle`):
export const META_IN_IFSLOT: usize = 0; // u32: interface slot the datagram arrived on
export const META_IN_FLAGS: usize = 4; // u32: META_F_*
export const META_IN_NOW: usize = 8; // u32: host monotonic clock, seconds
export const META_IN_SRC_PORT: usize = 12; // u16 (little-endian, host order)
export const META_IN_SRC_ADDR: usize = 16; // 16 bytes: source IPv6 address
// Out (core writes when `handle` returns a reply length > 0):
export const META_OUT_IFSLOT: usize = 32; // u32: interface slot to send on
export const META_OUT_DST_PORT: usize = 36; // u16: 546 or 547
export const META_OUT_DST_KIND: usize = 38; // u16: DST_*
export const META_OUT_DST_ADDR: usize = 40; // 16 bytes: destination address

/** The datagram was addressed to a multicast group (ff02::1:2 or ff05::1:3). */
export const META_F_MULTICAST: u32 = 1;

export const DST_UNICAST: u32 = 0; // to META_OUT_DST_ADDR on META_OUT_IFSLOT
export const DST_UPSTREAM: u32 = 1; // a Relay-forward: to the relay's upstream targets (servers or ff05::1:3 on each master)
export const DST_UPSTREAM_ONE: u32 = 2; // another relay's message relayed on: to the first upstream target only (no fan-out, so relay loops cannot multiply traffic)

// ---------------------------------------------------------------- CTX record
// One interface, written by the host whenever netlink reports a change.
export const CTX_SLOT: usize = 0; // u32: interface slot, 0..MAX_IFACES-1
export const CTX_IFINDEX: usize = 4; // u32: kernel ifindex
export const CTX_FLAGS: usize = 8; // u32: CTX_F_*
export const CTX_MAC: usize = 12; // 6 bytes + 2 padding
export const CTX_LINKLOCAL: usize = 20; // 16 bytes: fe80:: address (zero if none)
export const CTX_NADDR: usize = 36; // u32: number of address records that follow
export const CTX_NAME: usize = 40; // 16 bytes: interface name, NUL-padded (lease file, leases JSON)
export const CTX_NAME_LEN: u32 = 16;
export const CTX_ADDRS: usize = 56; // CTX_NADDR records of CTX_ADDR_SIZE bytes
export const CTX_ADDR_SIZE: usize = 28;
export const CTX_A_ADDR: usize = 0; // 16 bytes
export const CTX_A_PLEN: usize = 16; // u32: prefix length
export const CTX_A_PREFERRED: usize = 20; // u32: absolute end of preferred lifetime (host clock), LIFETIME_INFINITE
export const CTX_A_VALID: usize = 24; // u32: absolute end of valid lifetime (host clock), LIFETIME_INFINITE

export const CTX_F_UP: u32 = 1;
export const CTX_F_HAS_MAC: u32 = 2;

export const MAX_IFACES: u32 = 32;
export const MAX_IFACE_ADDRS: u32 = 32;
export const LIFETIME_INFINITE: u32 = 0xffffffff;

// ---------------------------------------------------------------- CFG record
// A sequence of items: u16 key, u16 length, value (all big-endian). Items
// before the first CFG_IFACE are global; the others apply to the interface
// slot named by the last CFG_IFACE. These are configuration keys, not DHCPv6
// options: the core turns them into wire options once, in `configure`.
export const CFG_IFACE: u16 = 1; // u32 slot: starts an interface section
export const CFG_MODE: u16 = 2; // u8 MODE_*
export const CFG_DNS: u16 = 3; // 16 bytes, repeatable: recursive DNS server
export const CFG_DOMAIN: u16 = 4; // ASCII domain name, repeatable: search list
export const CFG_NTP_ADDR: u16 = 5; // 16 bytes, repeatable: NTP server address
export const CFG_NTP_FQDN: u16 = 6; // ASCII name, repeatable: NTP server name
export const CFG_SNTP: u16 = 7; // 16 bytes, repeatable: SNTP server
export const CFG_RAW: u16 = 8; // bytes: complete options in wire form, appended verbatim
export const CFG_LEASETIME: u16 = 9; // u32 seconds
export const CFG_SERVER_DUID: u16 = 10; // bytes (global): DUID to use instead of DUID-LL from the MAC
export const CFG_REFRESH_TIME: u16 = 11; // u32 seconds: Information Refresh Time (32)
export const CFG_SOL_MAX_RT: u16 = 12; // u32 seconds (82)
export const CFG_INF_MAX_RT: u16 = 13; // u32 seconds (83)
export const CFG_SECRET: u16 = 14; // 16 bytes (global): key for host parts and hashing; persist it
export const CFG_MAX_BINDINGS: u16 = 15; // u32 (global): binding table capacity (grow only)
export const CFG_NA: u16 = 16; // u8 0/1: serve IA_NA (default 1)
export const CFG_PD: u16 = 17; // u8 0/1: serve IA_PD (default 1)
export const CFG_PD_MIN_LEN: u16 = 18; // u8 1..64: shortest prefix delegated
export const CFG_ASSIGN_ALL: u16 = 19; // u8 0/1: IA_NA addresses from every prefix, not only the elected one
export const CFG_RAPID_COMMIT: u16 = 20; // u8 0/1: honour Rapid Commit (default 1)
export const CFG_HOST: u16 = 21; // (global) a static host: sub-items HOST_* (u8 key, u8 length, value)
export const CFG_MASTER: u16 = 22; // u8 0/1: upstream interface of relay/hybrid mode
export const CFG_HOP_LIMIT: u16 = 23; // u8 1..32: drop relayed messages at this hop count (RFC 8415 HOP_COUNT_LIMIT)
export const CFG_REMOTE_ID: u16 = 24; // u32 enterprise number + id bytes: Remote-ID (RFC 4649) added when relaying
export const CFG_CLIENT_LLADDR: u16 = 25; // u8 0/1: add Client Link-Layer Address (RFC 6939) when relaying
export const CFG_RECONFIGURE: u16 = 26; // u8 0/1: Reconfigure clients that accept it (default 1)
export const CFG_RATE_IFACE: u16 = 27; // u32 messages per second accepted on the interface, 0 = no limit (default 0)
export const CFG_RATE_CLIENT: u16 = 28; // u32 messages per second per client (DUID, else source), 0 = no limit (default 20)

export const HOST_DUID: u8 = 1; // DUID bytes
export const HOST_MAC: u8 = 2; // 6 bytes
export const HOST_HOSTID: u8 = 3; // u64: interface identifier for IA_NA
export const HOST_NAME: u8 = 4; // ASCII hostname
export const HOST_LEASETIME: u8 = 5; // u32 seconds
export const MAX_HOSTS: u32 = 256;
export const DEFAULT_MAX_BINDINGS: u32 = 4096;

export const MODE_DISABLED: u8 = 0;
export const MODE_SERVER: u8 = 1;
export const MODE_RELAY: u8 = 2;
export const MODE_HYBRID: u8 = 3;

// ---------------------------------------------------------------- EFFECTS records
// A sequence of: u16 type, u16 payload length, payload (big-endian numbers).
/** Payload: u32 binding id, then the binding record (opaque to the host:
 *  journal it as is, give it back to `restore` at start-up). */
export const EFFECT_BINDING_PUT: u32 = 1;
/** Payload: u32 binding id. The binding is gone (released, expired). */
export const EFFECT_BINDING_DEL: u32 = 2;
/** Payload: u32 binding id, u32 ifslot, u8 prefix length, 3 zero bytes,
 *  prefix (16), via (16): a route to a delegated prefix through the client. */
export const EFFECT_ROUTE_ADD: u32 = 3;
export const EFFECT_ROUTE_DEL: u32 = 4;
/** No payload: the set of (address, hostname) pairs changed (run leasetrigger). */
export const EFFECT_LEASES_CHANGED: u32 = 5;
/** No payload: the list overflowed; rebuild everything from a full dump. */
export const EFFECT_RESYNC: u32 = 6;
/** Payload: u32 ifslot, u16 port, u16 zero, destination (16), datagram: a
 *  message the core wants sent now (a Reconfigure, RFC 8415 section 18.2.11). */
export const EFFECT_SEND: u32 = 7;
export const SEND_EFFECT_HEADER: u32 = 24;
export const ROUTE_EFFECT_SIZE: u32 = 44;

// ---------------------------------------------------------------- results
// `handle` returns the reply length (> 0), 0 for "nothing to send", or
// -(STAT_DROP_*) for a datagram it dropped; that counter is also bumped.
export const STAT_RX: u32 = 0; // datagrams handled
export const STAT_TX: u32 = 1; // replies produced
export const STAT_DROP_MALFORMED: u32 = 2; // framing broken (header, option lengths, relay nesting)
export const STAT_DROP_NOT_FOR_SERVER: u32 = 3; // a server-to-client message type arrived from a client
export const STAT_DROP_UNICAST: u32 = 4; // sent to a unicast address where the RFC requires multicast
export const STAT_DROP_SERVER_ID: u32 = 5; // Server ID missing, or present and not ours
export const STAT_DROP_CLIENT_ID: u32 = 6; // Client ID missing or invalid where required
export const STAT_DROP_UNKNOWN_IFACE: u32 = 7; // arrival interface not configured, down, or disabled
export const STAT_DROP_HOP_LIMIT: u32 = 8; // more than HOP_COUNT_LIMIT relay layers
export const STAT_DROP_UNSUPPORTED: u32 = 9; // message type this build does not serve yet
export const STAT_DROP_TOO_BIG: u32 = 10; // the reply would not fit in one datagram
export const STAT_DROP_INVALID: u32 = 11; // other RFC 8415 section 16 violations
export const STAT_RELAYED_UP: u32 = 12; // client messages relayed upstream (Relay-forward)
export const STAT_RELAYED_DOWN: u32 = 13; // Relay-replies unwrapped and sent to clients
export const STAT_DROP_RELAY_REPLY: u32 = 14; // Relay-reply not from upstream, or for an interface we do not relay
export const STAT_RECONFIGURE: u32 = 15; // Reconfigure messages sent (retransmissions included)
export const STAT_DROP_RATE_LIMIT: u32 = 16; // over the per-client or per-interface rate limit
export const STAT_COUNT_USED: u32 = 17;

// `configure` returns 0, or -(CFGERR_*) with a message in OUT (length via out_len).
export const CFGERR_FRAMING: i32 = 1;
export const CFGERR_VALUE: i32 = 2;
export const CFGERR_TOO_BIG: i32 = 3;
