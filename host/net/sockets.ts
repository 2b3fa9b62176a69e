// The server's UDP sockets. Node cannot report a datagram's destination
// address (no IPV6_PKTINFO), so, as Kea does, we tell multicast from unicast
// by the socket it arrived on:
//   - per served interface, one socket bound to ff02::1:2%IF that joined the
//     group on that interface (All_DHCP_Relay_Agents_and_Servers);
//   - per local address of a served interface, one socket bound to it.
// The set is recomputed whenever the interfaces change (`sync`).

import { log } from "../log/log.js";
import { formatIPv6, isLinkLocal, parseIPv6 } from "../util/ipv6.js";
import { createUdp6, forgetInterfaces, ioKind, type Udp6Socket } from "./udp.js";

/** RFC 8415 section 7.1 */
export const ALL_DHCP_RELAY_AGENTS_AND_SERVERS = "ff02::1:2";
export const ALL_DHCP_SERVERS = "ff05::1:3";
export const SERVER_PORT = 547;

/** One socket we want: its key identifies it across syncs. */
export interface SocketSpec {
  key: string;
  ifname: string;
  slot: number;
  multicast: boolean;
  bindAddr: string; // with %IF for link-scoped addresses
  /** Multicast: the group joined, on each of `joinIfs`. */
  group?: string;
  joinIfs?: string[];
}

export interface Datagram {
  data: Buffer;
  slot: number;
  ifname: string;
  multicast: boolean;
  src: Uint8Array; // 16 bytes
  /** The source address as text, without a zone. */
  srcText: string;
  srcPort: number;
  socket: Udp6Socket;
}

/** Source addresses seen recently, parsed once (a client sends several messages). */
const parsed = new Map<string, Uint8Array>();
const PARSED_MAX = 4096;

function parseSource(text: string): Uint8Array | null {
  let b = parsed.get(text);
  if (b) return b;
  const p = parseIPv6(text);
  if (!p) return null;
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(text, p);
  return p;
}

/**
 * The sockets wanted for interfaces (slot, name, addresses, whether they serve
 * as a server). Pure: tested alone. Servers also join All_DHCP_Servers
 * (ff05::1:3), where relays send by default: one socket for all of them, as
 * the group is not link-scoped (a datagram there is attributed to the first
 * serving interface; the core picks the link by the relay's link-address).
 */
export function wantedSockets(ifaces: { slot: number; ifname: string; addrs: Uint8Array[]; server?: boolean }[]): SocketSpec[] {
  const out: SocketSpec[] = [];
  const servers = ifaces.filter((i) => i.server);
  if (servers.length > 0) {
    const joinIfs = servers.map((i) => i.ifname);
    out.push({ key: `mc ${ALL_DHCP_SERVERS} ${joinIfs.join(",")}`, ifname: servers[0].ifname, slot: servers[0].slot, multicast: true, bindAddr: ALL_DHCP_SERVERS, group: ALL_DHCP_SERVERS, joinIfs });
  }
  for (const i of ifaces) {
    out.push({
      key: `mc ${i.ifname}`,
      ifname: i.ifname,
      slot: i.slot,
      multicast: true,
      bindAddr: `${ALL_DHCP_RELAY_AGENTS_AND_SERVERS}%${i.ifname}`,
      group: ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
      joinIfs: [i.ifname],
    });
    for (const a of i.addrs) {
      const text = formatIPv6(a);
      const bindAddr = isLinkLocal(a) ? `${text}%${i.ifname}` : text;
      out.push({ key: `uc ${bindAddr}`, ifname: i.ifname, slot: i.slot, multicast: false, bindAddr });
    }
  }
  return out;
}

interface Open {
  spec: SocketSpec;
  sock: Udp6Socket;
  ready: boolean;
}

export class ServerSockets {
  private open = new Map<string, Open>();
  private bound = new WeakMap<Udp6Socket, string>();

  /**
   * @param locate for a datagram on a socket shared by several interfaces
   *   (ff05::1:3): the interface the sender is on, from its link-local scope
   *   or the on-link prefix holding its address; null to keep the default.
   */
  constructor(
    private onDatagram: (d: Datagram) => void,
    private port = SERVER_PORT,
    private locate: (src: Uint8Array, scope: string | null) => { slot: number; ifname: string } | null = () => null,
  ) {
    log.info(`socket I/O: ${ioKind().why}`);
  }

  /** Opens the sockets in `specs` that are not open yet and closes the others. */
  sync(specs: SocketSpec[]): void {
    forgetInterfaces(); // interface indexes may have changed with the links
    const want = new Map(specs.map((s) => [s.key, s]));
    for (const [key, o] of this.open) {
      const s = want.get(key);
      if (!s || s.slot !== o.spec.slot) {
        o.sock.close();
        this.open.delete(key);
        log.debug(`closed socket ${key}`);
      }
    }
    for (const s of specs) if (!this.open.has(s.key)) this.bind(s);
  }

  /**
   * A bound unicast socket on `ifname` (port 547) to send to `dst` from: the
   * link-local address's for a link-local destination (clients on the link,
   * which may insist on it: dhcpcd ignores a Reconfigure from anything else),
   * a global address's otherwise (relays, servers); either when the preferred
   * one is missing; null when there is none.
   */
  socketFor(ifname: string, dst: Uint8Array): Udp6Socket | null {
    const wantLinkLocal = isLinkLocal(dst);
    let other: Udp6Socket | null = null;
    for (const o of this.open.values()) {
      if (!o.ready || o.spec.multicast || o.spec.ifname !== ifname) continue;
      const linkLocal = o.spec.bindAddr.includes("%");
      if (linkLocal === wantLinkLocal) return o.sock;
      other ??= o.sock;
    }
    return other;
  }

  /** The interface `sock` is bound to (its bind address has a zone), or undefined. */
  boundTo(sock: Udp6Socket): string | undefined {
    return this.bound.get(sock);
  }

  /** Keys of the sockets bound and listening. */
  listening(): string[] {
    return [...this.open.values()].filter((o) => o.ready).map((o) => o.spec.key);
  }

  private bind(spec: SocketSpec): void {
    const sock = createUdp6();
    const o: Open = { spec, sock, ready: false };
    if (spec.bindAddr.includes("%")) this.bound.set(sock, spec.ifname);
    this.open.set(spec.key, o);
    sock.on("error", (e) => {
      log.warn(`socket ${spec.key}: ${e.message}; will retry on the next interface change`);
      sock.close();
      if (this.open.get(spec.key) === o) this.open.delete(spec.key);
    });
    const shared = (spec.joinIfs?.length ?? 0) > 1;
    sock.on("message", (data, rinfo) => {
      const pct = rinfo.address.indexOf("%");
      const srcText = pct >= 0 ? rinfo.address.slice(0, pct) : rinfo.address;
      const src = parseSource(srcText);
      if (!src) return;
      let slot = spec.slot;
      let ifname = spec.ifname;
      if (shared) {
        // A group joined on several interfaces: find the one the sender is on.
        const at = this.locate(src, pct >= 0 ? rinfo.address.slice(pct + 1) : null);
        if (at) ({ slot, ifname } = at);
      }
      this.onDatagram({ data, slot, ifname, multicast: spec.multicast, src, srcText, srcPort: rinfo.port, socket: sock });
    });
    sock.bind({ port: this.port, address: spec.bindAddr, exclusive: false }, () => {
      try {
        if (spec.multicast) {
          for (const ifname of spec.joinIfs ?? []) sock.addMembership(spec.group!, `::%${ifname}`);
          sock.setMulticastLoopback(false);
        }
        o.ready = true;
        log.debug(`listening on [${spec.bindAddr}]:${this.port}`);
      } catch (e) {
        sock.emit("error", e);
      }
    });
  }

  close(): void {
    for (const o of this.open.values()) o.sock.close();
    this.open.clear();
  }
}
