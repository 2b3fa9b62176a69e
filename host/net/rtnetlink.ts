// The few rtnetlink messages the daemon needs (links, IPv6 addresses, routes
// and their change events), encoded and decoded here over the npm `netlink`
// package's socket layer. Its own rtnetlink module decodes every attribute of
// every message family through generated code that costs ~8 MB of resident
// memory; this costs a few hundred lines of nothing. Layouts: linux/rtnetlink.h,
// linux/if_link.h, linux/if_addr.h. Numbers are in host byte order.

import { endianness } from "node:os";
import { createNetlink, type NetlinkSocket } from "netlink/dist/netlink.js";

const NETLINK_ROUTE = 0;
const LE = endianness() === "LE";

// Message types (linux/rtnetlink.h)
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
// Multicast groups (enum rtnetlink_groups)
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV6_IFADDR = 9;
// Flags (linux/netlink.h)
const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_CREATE = 0x400;

const AF_INET6 = 10;
const IFF_UP = 0x1;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_CACHEINFO = 6;
const IFA_FLAGS = 8;
const IFA_F_DEPRECATED = 0x20;
const IFA_F_TENTATIVE = 0x40;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RT_TABLE_MAIN = 254;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;

export interface RawLink {
  index: number;
  name: string;
  up: boolean;
  mac: Uint8Array | null;
}

export interface RawAddress {
  index: number;
  addr: Uint8Array;
  plen: number;
  preferred: number; // seconds left, 0xffffffff = forever
  valid: number;
  tentative: boolean;
  deprecated: boolean;
}

export interface RouteRequest {
  prefix: Uint8Array;
  plen: number;
  gateway: Uint8Array;
  /** Output interface; 0 to let the kernel pick (global next hop). */
  oif: number;
  priority: number;
  protocol: number;
}

// ---------------------------------------------------------------- attributes

/** Calls `fn` for each rtattr (u16 len, u16 type, data, 4-byte aligned) in `b` from `off`. */
function eachAttr(b: Buffer, off: number, fn: (type: number, data: Buffer) => void): void {
  while (off + 4 <= b.length) {
    const len = LE ? b.readUInt16LE(off) : b.readUInt16BE(off);
    const type = (LE ? b.readUInt16LE(off + 2) : b.readUInt16BE(off + 2)) & 0x3fff;
    if (len < 4 || off + len > b.length) return;
    fn(type, b.subarray(off + 4, off + len));
    off += (len + 3) & ~3;
  }
}

function attr(type: number, data: Uint8Array): Buffer {
  const len = 4 + data.length;
  const b = Buffer.alloc((len + 3) & ~3);
  if (LE) {
    b.writeUInt16LE(len, 0);
    b.writeUInt16LE(type, 2);
  } else {
    b.writeUInt16BE(len, 0);
    b.writeUInt16BE(type, 2);
  }
  b.set(data, 4);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

const rd32 = (b: Buffer, o: number) => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
const rdI32 = (b: Buffer, o: number) => (LE ? b.readInt32LE(o) : b.readInt32BE(o));

// ---------------------------------------------------------------- decoding

/** struct ifinfomsg (16 bytes) + IFLA_* attributes. */
export function parseLink(data: Buffer): RawLink | null {
  if (data.length < 16) return null;
  const link: RawLink = { index: rdI32(data, 4), name: "", up: (rd32(data, 8) & IFF_UP) !== 0, mac: null };
  eachAttr(data, 16, (type, d) => {
    if (type === IFLA_IFNAME) link.name = d.toString("utf8").replace(/\0.*$/s, "");
    else if (type === IFLA_ADDRESS && d.length === 6) link.mac = new Uint8Array(d);
  });
  return link;
}

/** struct ifaddrmsg (8 bytes) + IFA_* attributes; null for other families. */
export function parseAddress(data: Buffer): RawAddress | null {
  if (data.length < 8 || data[0] !== AF_INET6) return null;
  let flags = data[2];
  let addr: Uint8Array | null = null;
  let local: Uint8Array | null = null;
  let preferred = 0xffffffff;
  let valid = 0xffffffff;
  eachAttr(data, 8, (type, d) => {
    if (type === IFA_ADDRESS && d.length === 16) addr = new Uint8Array(d);
    else if (type === IFA_LOCAL && d.length === 16) local = new Uint8Array(d);
    else if (type === IFA_CACHEINFO && d.length >= 8) {
      preferred = rd32(d, 0);
      valid = rd32(d, 4);
    } else if (type === IFA_FLAGS && d.length >= 4) flags = rd32(d, 0);
  });
  const a = local ?? addr;
  if (!a) return null;
  return { index: rd32(data, 4), addr: a, plen: data[1], preferred, valid, tentative: (flags & IFA_F_TENTATIVE) !== 0, deprecated: (flags & IFA_F_DEPRECATED) !== 0 };
}

// ---------------------------------------------------------------- the socket

export class RtNetlink {
  readonly sock: NetlinkSocket;

  /** `events`: also join these groups (change notifications). */
  constructor(groups: number[] = []) {
    this.sock = createNetlink(NETLINK_ROUTE, { ref: groups.length > 0, recvBufferSize: 0, sendBufferSize: 0 });
    for (const g of groups) this.sock.addMembership(g);
  }

  private async dump(type: number, header: Buffer): Promise<Buffer[]> {
    const [msgs] = await this.sock.request(type, header, { flags: NLM_F_DUMP });
    return msgs.filter((m) => m.type !== 3 /* NLMSG_DONE */).map((m) => m.data);
  }

  async links(): Promise<RawLink[]> {
    const out: RawLink[] = [];
    for (const d of await this.dump(RTM_GETLINK, Buffer.alloc(16))) {
      const l = parseLink(d);
      if (l) out.push(l);
    }
    return out;
  }

  async addresses(): Promise<RawAddress[]> {
    const hdr = Buffer.alloc(8);
    hdr[0] = AF_INET6;
    const out: RawAddress[] = [];
    for (const d of await this.dump(RTM_GETADDR, hdr)) {
      const a = parseAddress(d);
      if (a) out.push(a);
    }
    return out;
  }

  /** Adds (or replaces) or deletes an IPv6 route. */
  async route(add: boolean, r: RouteRequest): Promise<void> {
    const rtm = Buffer.alloc(12);
    rtm[0] = AF_INET6;
    rtm[1] = r.plen;
    rtm[4] = RT_TABLE_MAIN;
    rtm[5] = r.protocol;
    rtm[6] = RT_SCOPE_UNIVERSE;
    rtm[7] = RTN_UNICAST;
    const parts = [rtm, attr(RTA_DST, r.prefix), attr(RTA_GATEWAY, r.gateway), attr(RTA_PRIORITY, u32(r.priority))];
    if (r.oif) parts.push(attr(RTA_OIF, u32(r.oif)));
    await this.sock.request(add ? RTM_NEWROUTE : RTM_DELROUTE, parts, add ? { flags: NLM_F_CREATE | NLM_F_REPLACE } : {});
  }

  /** Calls `fn` for every notification (any message of the joined groups). */
  onEvent(fn: (type: number) => void): void {
    this.sock.on("message", (msgs) => {
      for (const m of msgs) fn(m.type);
    });
  }

  close(): void {
    this.sock.close();
  }
}
