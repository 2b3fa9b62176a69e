// Links and IPv6 addresses from rtnetlink (npm `netlink`). Rather than apply
// each event, any link or address event triggers a fresh dump (debounced):
// the kernel's state is small, and a dump can never drift from it.

import { createRtNetlink, type RtNetlinkSocket } from "netlink";
import { log } from "../log/log.js";

export interface AddrInfo {
  addr: Uint8Array; // 16 bytes
  plen: number;
  preferred: number; // seconds remaining, 0xffffffff = forever
  valid: number;
  tentative: boolean;
  deprecated: boolean;
}

export interface LinkInfo {
  index: number;
  name: string;
  up: boolean;
  mac: Uint8Array | null; // 6 bytes when Ethernet-like
  addrs: AddrInfo[]; // IPv6, link-local included
}

const AF_INET6 = 10;
/** RTNLGRP_LINK and RTNLGRP_IPV6_IFADDR (linux/rtnetlink.h). */
const GROUPS = ["LINK", "IPV6_IFADDR"] as const;
const DEBOUNCE_MS = 50;

export class Netlink {
  private query: RtNetlinkSocket;
  private events: RtNetlinkSocket | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor() {
    this.query = createRtNetlink();
  }

  /** All links with their IPv6 addresses. */
  async dump(): Promise<LinkInfo[]> {
    const links = await this.query.getLinks();
    const addrs = await this.query.getAddresses({ family: AF_INET6 });
    const byIndex = new Map<number, LinkInfo>();
    for (const l of links) {
      const index = l.data.index ?? 0;
      const mac = l.attrs.address && l.attrs.address.length === 6 ? new Uint8Array(l.attrs.address) : null;
      byIndex.set(index, { index, name: l.attrs.ifname ?? `if${index}`, up: !!l.data.flags?.up, mac, addrs: [] });
    }
    for (const a of addrs) {
      const link = byIndex.get(a.data.index ?? -1);
      const raw = a.attrs.address ?? a.attrs.local;
      if (!link || !raw || raw.length !== 16) continue;
      const flags = { ...(a.data.flags ?? {}), ...(a.attrs.flags ?? {}) };
      link.addrs.push({
        addr: new Uint8Array(raw),
        plen: a.data.prefixlen ?? 128,
        preferred: a.attrs.cacheInfo?.ifaPrefered ?? 0xffffffff,
        valid: a.attrs.cacheInfo?.ifaValid ?? 0xffffffff,
        tentative: !!flags.tentative,
        deprecated: !!flags.deprecated,
      });
    }
    return [...byIndex.values()];
  }

  /** Calls `onChange` (debounced) after any link or IPv6 address event. */
  watch(onChange: () => void): void {
    const sock = createRtNetlink();
    for (const g of GROUPS) sock.addMembership(g);
    // An exception inside a raw netlink listener aborts the process: catch all.
    const fire = () => {
      try {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = null;
          try {
            onChange();
          } catch (e) {
            log.err(`netlink change handler failed: ${(e as Error).message}`);
          }
        }, DEBOUNCE_MS);
      } catch {
        /* never let an exception escape a netlink listener */
      }
    };
    sock.socket.on("message", fire);
    sock.on("invalid", fire);
    this.events = sock;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.events?.socket.close();
    this.query.socket.close();
  }
}
