// Crafted Relay-replies (RFC 8415 section 9), written here byte by byte, and
// a sender that runs a small Node dgram script inside a lab namespace (the
// probe of tests/e2e/support/probe.ts: it dies with the lab).

import { type Lab } from "../helpers/lab.js";
import { MSG, OPT, addr, clientMessage, concat, duidLL, option, probe } from "../support/probe.js";

export { MSG, OPT, addr, concat, hex, option } from "../support/probe.js";

/** 4-byte Interface-ID data, as our relay writes it (the ifindex, network order). */
export function ifaceIdData(index: number): number[] {
  return [(index >>> 24) & 0xff, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff];
}

/** Relay-reply: msg-type 13, hop-count, link-address, peer-address, then `options` (Interface-ID etc.), the Relay Message last. */
export function relayReply(hop: number, link: string, peer: string, inner: Uint8Array, options: Uint8Array[] = []): Uint8Array {
  return concat([MSG.RELAY_REPL, hop], addr(link), addr(peer), ...options, option(OPT.RELAY_MSG, inner));
}

/** A Reply as a server would send it: Client ID, Server ID, DNS servers, and `more` options. */
export function reply(xid: number, dns: string[], more: Uint8Array[] = []): Uint8Array {
  return clientMessage(
    MSG.REPLY,
    xid,
    option(OPT.CLIENTID, duidLL([0x02, 0, 0, 0, 0xc1, 0x1e])),
    option(OPT.SERVERID, duidLL([0x02, 0, 0, 0, 0x5e, 0x7e])),
    option(OPT.DNS_SERVERS, concat(...dns.map(addr))),
    ...more,
  );
}

/** Authentication option (RFC 8415 sections 21.11, 20.4): protocol 3 (reconfigure key), algorithm 1 (HMAC-MD5), RDM 0, 8 bytes of replay detection, then type 1 and a 16-byte key. */
export function authOption(): Uint8Array {
  return option(11, [3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, ...new Array(16).fill(0xab)]);
}

/** The 3-byte transaction id of a client/server message. */
export function xidOf(m: Uint8Array): number {
  return (m[1] << 16) | (m[2] << 8) | m[3];
}

/** Sends one datagram from `role` (bound to bindAddr:bindPort) and waits listenMs; returns what came back to the sender. */
export async function sendFrom(lab: Lab, role: string, bindAddr: string, bindPort: number, dst: string, dstPort: number, payload: Uint8Array, listenMs = 300) {
  return probe(lab, role, { bindAddr, bindPort, dst, dstPort, payload, listenMs });
}
