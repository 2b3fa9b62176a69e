// The UDP/IPv6 socket the daemon's socket set is made of, and the choice of
// implementation: the batched addon (host/net/mmsg.ts, recvmmsg/sendmmsg)
// when it is built and loads, node:dgram otherwise. ODHCPD_WASM_IO=dgram
// forces node:dgram; ODHCPD_WASM_IO=mmsg refuses to start without the addon.

import dgram from "node:dgram";
import { loadMmsg, MmsgSocket } from "./mmsg.js";
import { log } from "../log/log.js";

export { forgetInterfaces, beforeBatchedSend } from "./mmsg.js";

export interface RemoteInfo {
  /** The sender's address as text; a link-local one has `%ifname`. */
  address: string;
  port: number;
}

/** What the socket set uses of a socket (node:dgram's names and semantics). */
export interface Udp6Socket {
  /** True when `send` has copied the bytes before it returns (the caller may reuse them at once). */
  readonly copiesOnSend?: boolean;
  /** True when datagrams arrive and leave in batches, and the beforeBatchedSend hooks run before each batch leaves. */
  readonly batched?: boolean;
  bind(o: { port: number; address: string; exclusive?: boolean }, cb: () => void): void;
  /** `iface` is `::%ifname`. */
  addMembership(group: string, iface: string): void;
  setMulticastLoopback(on: boolean): void;
  /** `iface` is `::%ifname`. */
  setMulticastInterface(iface: string): void;
  send(bytes: Uint8Array, port: number, dst: string, cb?: (err: Error | null) => void): void;
  close(): void;
  /** `data` is valid during the event only (the batched socket reuses its buffer). */
  on(ev: "message", fn: (data: Buffer, rinfo: RemoteInfo) => void): this;
  on(ev: "error", fn: (e: Error) => void): this;
  emit(ev: "error", e: unknown): boolean;
}

export type IoKind = "mmsg" | "dgram";

/** Our addresses are always literals: no resolver on the send path (dns.lookup
 *  re-validates every address with regular expressions). */
function literalLookup(address: string, _opts: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  cb(null, address, 6);
}

let chosen: { kind: IoKind; why: string } | null = null;

/** Which implementation new sockets get, and why (decided once per process). */
export function ioKind(): { kind: IoKind; why: string } {
  if (chosen) return chosen;
  const want = process.env.ODHCPD_WASM_IO ?? "auto";
  if (want !== "auto" && want !== "mmsg" && want !== "dgram") throw new Error(`ODHCPD_WASM_IO=${want}: expected auto, mmsg or dgram`);
  if (want === "dgram") return (chosen = { kind: "dgram", why: "node:dgram (ODHCPD_WASM_IO=dgram)" });
  const loaded = loadMmsg();
  if (loaded.ok) return (chosen = { kind: "mmsg", why: "batched recvmmsg/sendmmsg addon" });
  if (want === "mmsg") throw new Error(`ODHCPD_WASM_IO=mmsg, but the addon does not load: ${loaded.why}`);
  return (chosen = { kind: "dgram", why: `node:dgram (${loaded.why})` });
}

/** A new UDP/IPv6 socket (SO_REUSEADDR, IPv6 only). When the addon cannot open
 *  one (e.g. out of descriptors), node:dgram's, with a warning: both serve alike. */
export function createUdp6(): Udp6Socket {
  if (ioKind().kind === "mmsg") {
    try {
      return new MmsgSocket();
    } catch (e) {
      log.warn(`batched socket: ${(e as Error).message}; this socket uses node:dgram`);
    }
  }
  return dgram.createSocket({ type: "udp6", reuseAddr: true, lookup: literalLookup }) as unknown as Udp6Socket;
}
