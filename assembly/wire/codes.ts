// Message types, option codes and status codes, each with its RFC section.
// RFC 8415 was obsoleted by RFC 9915 (2026) with the same numbers and sections.

// ---------------------------------------------------------------- message types (RFC 8415 section 7.3)
export const MSG_SOLICIT: u32 = 1;
export const MSG_ADVERTISE: u32 = 2;
export const MSG_REQUEST: u32 = 3;
export const MSG_CONFIRM: u32 = 4;
export const MSG_RENEW: u32 = 5;
export const MSG_REBIND: u32 = 6;
export const MSG_REPLY: u32 = 7;
export const MSG_RELEASE: u32 = 8;
export const MSG_DECLINE: u32 = 9;
export const MSG_RECONFIGURE: u32 = 10;
export const MSG_INFORMATION_REQUEST: u32 = 11;
export const MSG_RELAY_FORW: u32 = 12;
export const MSG_RELAY_REPL: u32 = 13;
export const MSG_LEASEQUERY: u32 = 14; // RFC 5007
export const MSG_LEASEQUERY_REPLY: u32 = 15; // RFC 5007
export const MSG_LEASEQUERY_DONE: u32 = 16; // RFC 5460
export const MSG_LEASEQUERY_DATA: u32 = 17; // RFC 5460
export const MSG_RECONFIGURE_REQUEST: u32 = 18; // RFC 6977
export const MSG_RECONFIGURE_REPLY: u32 = 19; // RFC 6977
export const MSG_DHCPV4_QUERY: u32 = 20; // RFC 7341
export const MSG_DHCPV4_RESPONSE: u32 = 21; // RFC 7341
export const MSG_ACTIVELEASEQUERY: u32 = 22; // RFC 7653
export const MSG_STARTTLS: u32 = 23; // RFC 7653
export const MSG_BNDUPD: u32 = 24; // RFC 8156
export const MSG_BNDREPLY: u32 = 25; // RFC 8156
export const MSG_POOLREQ: u32 = 26; // RFC 8156
export const MSG_POOLRESP: u32 = 27; // RFC 8156
export const MSG_UPDREQ: u32 = 28; // RFC 8156
export const MSG_UPDREQALL: u32 = 29; // RFC 8156
export const MSG_UPDDONE: u32 = 30; // RFC 8156
export const MSG_CONNECT: u32 = 31; // RFC 8156
export const MSG_CONNECTREPLY: u32 = 32; // RFC 8156
export const MSG_DISCONNECT: u32 = 33; // RFC 8156
export const MSG_STATE: u32 = 34; // RFC 8156
export const MSG_CONTACT: u32 = 35; // RFC 8156
export const MSG_ADDR_REG_INFORM: u32 = 36; // RFC 9686
export const MSG_ADDR_REG_REPLY: u32 = 37; // RFC 9686
export const MSG_TYPE_MAX_KNOWN: u32 = 37;

// ---------------------------------------------------------------- framing (RFC 8415 sections 8, 9, 21.1)
export const CLIENT_HEADER_LEN: u32 = 4; // msg-type + 3-byte transaction-id
export const RELAY_HEADER_LEN: u32 = 34; // msg-type, hop-count, link-address, peer-address
export const RELAY_LINK_ADDR_OFF: u32 = 2;
export const RELAY_PEER_ADDR_OFF: u32 = 18;
export const OPT_HEADER_LEN: u32 = 4; // option-code + option-len
/** RFC 8415 section 7.6: HOP_COUNT_LIMIT. */
export const HOP_COUNT_LIMIT: u32 = 32;

// ---------------------------------------------------------------- UDP ports (RFC 8415 section 7.2)
export const PORT_CLIENT: u32 = 546;
export const PORT_SERVER: u32 = 547;

// ---------------------------------------------------------------- options (RFC 8415 section 21 unless noted)
export const OPT_CLIENTID: u32 = 1; // 21.2
export const OPT_SERVERID: u32 = 2; // 21.3
export const OPT_IA_NA: u32 = 3; // 21.4
export const OPT_IA_TA: u32 = 4; // 21.5
export const OPT_IAADDR: u32 = 5; // 21.6
export const OPT_ORO: u32 = 6; // 21.7
export const OPT_PREFERENCE: u32 = 7; // 21.8
export const OPT_ELAPSED_TIME: u32 = 8; // 21.9
export const OPT_RELAY_MSG: u32 = 9; // 21.10
export const OPT_AUTH: u32 = 11; // 21.11
export const OPT_UNICAST: u32 = 12; // 21.12
export const OPT_STATUS_CODE: u32 = 13; // 21.13
export const OPT_RAPID_COMMIT: u32 = 14; // 21.14
export const OPT_USER_CLASS: u32 = 15; // 21.15
export const OPT_VENDOR_CLASS: u32 = 16; // 21.16
export const OPT_VENDOR_OPTS: u32 = 17; // 21.17
export const OPT_INTERFACE_ID: u32 = 18; // 21.18
export const OPT_RECONF_MSG: u32 = 19; // 21.19
export const OPT_RECONF_ACCEPT: u32 = 20; // 21.20
export const OPT_SIP_SERVER_D: u32 = 21; // RFC 3319
export const OPT_SIP_SERVER_A: u32 = 22; // RFC 3319
export const OPT_DNS_SERVERS: u32 = 23; // RFC 3646 section 3
export const OPT_DOMAIN_LIST: u32 = 24; // RFC 3646 section 4
export const OPT_IA_PD: u32 = 25; // 21.21
export const OPT_IAPREFIX: u32 = 26; // 21.22
export const OPT_NIS_SERVERS: u32 = 27; // RFC 3898
export const OPT_NISP_SERVERS: u32 = 28; // RFC 3898
export const OPT_NIS_DOMAIN_NAME: u32 = 29; // RFC 3898
export const OPT_NISP_DOMAIN_NAME: u32 = 30; // RFC 3898
export const OPT_SNTP_SERVERS: u32 = 31; // RFC 4075
export const OPT_INFORMATION_REFRESH_TIME: u32 = 32; // 21.23
export const OPT_REMOTE_ID: u32 = 37; // RFC 4649
export const OPT_SUBSCRIBER_ID: u32 = 38; // RFC 4580
export const OPT_CLIENT_FQDN: u32 = 39; // RFC 4704
export const OPT_NEW_POSIX_TIMEZONE: u32 = 41; // RFC 4833
export const OPT_NEW_TZDB_TIMEZONE: u32 = 42; // RFC 4833
export const OPT_ERO: u32 = 43; // RFC 4994
export const OPT_AFTR_NAME: u32 = 64; // RFC 6334
export const OPT_NTP_SERVER: u32 = 56; // RFC 5908
export const OPT_CLIENT_LINKLAYER_ADDR: u32 = 79; // RFC 6939
export const OPT_SOL_MAX_RT: u32 = 82; // 21.24
export const OPT_INF_MAX_RT: u32 = 83; // 21.25
export const OPT_RELAY_SOURCE_PORT: u32 = 135; // RFC 8357
export const OPT_CAPTIVE_PORTAL: u32 = 103; // RFC 8910
export const OPT_DNR: u32 = 144; // RFC 9463

// NTP server suboptions (RFC 5908 section 4)
export const NTP_SUBOPT_SRV_ADDR: u32 = 1;
export const NTP_SUBOPT_MC_ADDR: u32 = 2;
export const NTP_SUBOPT_SRV_FQDN: u32 = 3;

// ---------------------------------------------------------------- status codes (RFC 8415 section 21.13)
export const STATUS_SUCCESS: u32 = 0;
export const STATUS_UNSPEC_FAIL: u32 = 1;
export const STATUS_NO_ADDRS_AVAIL: u32 = 2;
export const STATUS_NO_BINDING: u32 = 3;
export const STATUS_NOT_ON_LINK: u32 = 4;
export const STATUS_USE_MULTICAST: u32 = 5;
export const STATUS_NO_PREFIX_AVAIL: u32 = 6;

// ---------------------------------------------------------------- DUID types (RFC 8415 section 11)
export const DUID_LLT: u32 = 1;
export const DUID_EN: u32 = 2;
export const DUID_LL: u32 = 3;
export const DUID_UUID: u32 = 4;
/** RFC 8415 section 11.1: a DUID is at most 128 octets, not counting the type code. */
export const DUID_MAX_LEN: u32 = 130;
export const HWTYPE_ETHERNET: u32 = 1;

// ---------------------------------------------------------------- defaults
/** RFC 8415 section 7.6: IRT_DEFAULT, the Information Refresh Time when none is sent (86400 s). */
export const IRT_DEFAULT: u32 = 86400;
/** RFC 8415 section 21.23: IRT_MINIMUM. */
export const IRT_MINIMUM: u32 = 600;
/** The reference server's INF_MAX_RT and SOL_MAX_RT (odhcpd): 60 s. RFC 8415 21.24/21.25 allow 60..86400. */
export const MAX_RT_DEFAULT: u32 = 60;
export const MAX_RT_MIN: u32 = 60;
export const MAX_RT_MAX: u32 = 86400;
