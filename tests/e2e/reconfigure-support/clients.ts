// What each real client currently holds, read from the client's own record:
// dhcpcd's binary lease file (the server's last Reply as dhcpcd stored it),
// dhclient's lease file (last lease6 block), dhcp6c's debug log (it keeps no
// lease file). Only addresses and prefixes with a valid lifetime above 0.

import { existsSync, readFileSync } from "node:fs";
import { parseDhclientLeases } from "../helpers/lab.js";
import type { DhclientSession, DhcpcdSession, Dhcp6cSession } from "../support/sessions.js";
import { inPrefix } from "../support/topology.js";

export interface Held {
  addresses: string[];
  /** "prefix/len". */
  prefixes: string[];
}

export function dhcpcdHeld(s: DhcpcdSession): Held {
  const b = s.binding();
  return { addresses: b.addresses, prefixes: b.prefixes };
}

export function dhclientHeld(s: DhclientSession): Held {
  if (!existsSync(s.lf)) return { addresses: [], prefixes: [] };
  const lease = parseDhclientLeases(readFileSync(s.lf, "utf8")).pop();
  if (!lease) return { addresses: [], prefixes: [] };
  return {
    addresses: lease.addresses.filter((a) => a.valid !== 0).map((a) => a.address),
    prefixes: lease.prefixes.filter((p) => p.valid !== 0).map((p) => `${p.prefix}/${p.length}`),
  };
}

/** dhcp6c logs "create/update a prefix P/L pltime=X, vltime=Y" and "remove a site prefix P/L". */
export function dhcp6cHeld(s: Dhcp6cSession): Held {
  const prefixes = new Map<string, number>();
  for (const l of s.log) {
    const p = /(create|update) a prefix ([0-9a-fA-F:.]+\/\d+) pltime=(\d+), vltime=(\d+)/.exec(l);
    if (p) {
      if (Number(p[4]) > 0) prefixes.set(p[2], Number(p[4]));
      else prefixes.delete(p[2]);
    }
    const rm = /remove a site prefix ([0-9a-fA-F:.]+\/\d+)/.exec(l);
    if (rm) prefixes.delete(rm[1]);
  }
  return { addresses: s.binding().addresses, prefixes: [...prefixes.keys()] };
}

/** Holds at least one prefix, every one of them inside `pool`. */
export function allIn(h: Held, pool: string): boolean {
  return h.prefixes.length > 0 && h.prefixes.every((p) => inPrefix(p, pool));
}
