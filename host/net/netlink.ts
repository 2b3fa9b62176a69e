// Links and IPv6 addresses from rtnetlink (rtnetlink.ts over npm `netlink`). Rather than apply
// each event, any link or address event triggers a fresh dump (debounced):
// the kernel's state is small, and a dump can never drift from it.

import { RtNetlink, RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR } from "./rtnetlink.js";
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

const DEBOUNCE_MS = 50;

export class Netlink {
  private query = new RtNetlink();
  private events: RtNetlink | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** All links with their IPv6 addresses. */
  async dump(): Promise<LinkInfo[]> {
    const links = await this.query.links();
    const addrs = await this.query.addresses();
    const byIndex = new Map<number, LinkInfo>();
    for (const l of links) byIndex.set(l.index, { index: l.index, name: l.name || `if${l.index}`, up: l.up, mac: l.mac, addrs: [] });
    for (const a of addrs) {
      const link = byIndex.get(a.index);
      if (!link) continue;
      link.addrs.push({ addr: a.addr, plen: a.plen, preferred: a.preferred, valid: a.valid, tentative: a.tentative, deprecated: a.deprecated });
    }
    return [...byIndex.values()];
  }

  /** Calls `onChange` (debounced) after any link or IPv6 address event. */
  watch(onChange: () => void): void {
    const sock = new RtNetlink([RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR]);
    // An exception inside a netlink listener aborts the process: catch all.
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
    sock.onEvent(fire);
    sock.sock.on("invalid", fire);
    this.events = sock;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.events?.close();
    this.query.close();
  }
}
