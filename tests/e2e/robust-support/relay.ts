// Relays for the robustness tests: a RING of two of our relays that point at
// each other (a relay loop), and counting what a capture shows per direction.
//
//   cli/c --- a3 [ra] a2 ------ b1 [rb]
//                 a1 ------------ b2
//
//   ra: a3 and a1 client-facing (dhcpv6 relay), a2 the master, relaying to rb's
//       b1 (2001:db8:a::2) by unicast;
//   rb: b1 client-facing, b2 the master, relaying to ra's a1 (2001:db8:b::1).
// A client's Solicit on a3 goes up to rb (hop 0), rb relays it up to ra's a1
// (hop 1), ra relays that to rb again (hop 2), ... until the hop limit.

import { readCapture, type Lab, type TopologySpec } from "../helpers/lab.js";

export const RING = {
  A_UP: "2001:db8:a::1", // ra/a2 (master)
  B_DOWN: "2001:db8:a::2", // rb/b1 (client-facing)
  B_DOWN2: "2001:db8:a::12", // a second address of rb/b1 (fan-out)
  B_UP: "2001:db8:b::2", // rb/b2 (master)
  A_LOOP: "2001:db8:b::1", // ra/a1 (client-facing, from rb)
  A_LOOP2: "2001:db8:b::11", // a second address of ra/a1 (fan-out)
  A_CLIENT: "2001:db8:1::1", // ra/a3 (the client link)
};

export function ringTopology(): TopologySpec {
  return {
    name: "relay-ring",
    namespaces: { cli: {}, ra: {}, rb: {} },
    links: [
      { a: { ns: "cli", ifname: "c" }, b: { ns: "ra", ifname: "a3", addrs: [`${RING.A_CLIENT}/64`] } },
      { a: { ns: "ra", ifname: "a2", addrs: [`${RING.A_UP}/64`] }, b: { ns: "rb", ifname: "b1", addrs: [`${RING.B_DOWN}/64`, `${RING.B_DOWN2}/64`] } },
      { a: { ns: "rb", ifname: "b2", addrs: [`${RING.B_UP}/64`] }, b: { ns: "ra", ifname: "a1", addrs: [`${RING.A_LOOP}/64`, `${RING.A_LOOP2}/64`] } },
    ],
  };
}

const q = (s: string) => `'${s}'`;

export interface RingOptions {
  /** Lines added to every client-facing section (e.g. "option dhcpv6_client_ratelimit '0'"). */
  downExtra?: string[];
  /** ra's servers (default: rb's b1 address). Two entries: a client's message goes to both. */
  aServers?: string[];
  /** rb's servers (default: ra's a1 address). */
  bServers?: string[];
}

/** ra's and rb's UCI files. */
export function ringUci(lab: Lab, o: RingOptions = {}): { a: string; b: string } {
  const section = (name: string, dev: string, lines: string[]) => [`config dhcp ${q(name)}`, `\toption ifname ${q(dev)}`, "\toption dhcpv6 'relay'", ...lines.map((l) => `\t${l}`)].join("\n");
  const down = o.downExtra ?? [];
  const a = [
    section("lan", lab.ifname("ra", "a3"), down),
    section("loop", lab.ifname("ra", "a1"), down),
    section("wan", lab.ifname("ra", "a2"), ["option master '1'", ...(o.aServers ?? [RING.B_DOWN]).map((s) => `list dhcpv6_relay_servers ${q(s)}`)]),
  ];
  const b = [
    section("lan", lab.ifname("rb", "b1"), down),
    section("wan", lab.ifname("rb", "b2"), ["option master '1'", ...(o.bServers ?? [RING.A_LOOP]).map((s) => `list dhcpv6_relay_servers ${q(s)}`)]),
  ];
  return { a: a.join("\n\n") + "\n", b: b.join("\n\n") + "\n" };
}

export interface Flow {
  /** Datagrams per "src -> dst" (addresses as tshark prints them). */
  byPair: Record<string, number>;
  /** Relay-forward hop counts in order of capture. */
  hops: number[];
  total: number;
}

/** Counts the DHCPv6 datagrams of a capture per source -> destination, and the Relay-forwards' hop counts. */
export async function flowOf(file: string): Promise<Flow> {
  const f: Flow = { byPair: {}, hops: [], total: 0 };
  for (const p of await readCapture(file)) {
    const k = `${p.src} -> ${p.dst}`;
    f.byPair[k] = (f.byPair[k] ?? 0) + 1;
    if (p.payload[0] === 12) f.hops.push(p.payload[1]);
    f.total++;
  }
  return f;
}

/** Datagrams from `src` in a flow (any destination). */
export function from(f: Flow, src: string): number {
  return Object.entries(f.byPair)
    .filter(([k]) => k.startsWith(`${src} -> `))
    .reduce((s, [, n]) => s + n, 0);
}

/** Datagrams to `dst` in a flow (any source). */
export function to(f: Flow, dst: string): number {
  return Object.entries(f.byPair)
    .filter(([k]) => k.endsWith(` -> ${dst}`))
    .reduce((s, [, n]) => s + n, 0);
}
