// A home-router LAN in the lab: several client namespaces on ONE link, the
// server's side being a Linux bridge (like OpenWrt's br-lan) that our daemon
// serves. The lab only knows veth pairs, so the bridge is made here, inside the
// server namespace: it disappears with that namespace when the lab closes.
//
//   c1/c --- srv/p1 \
//   c2/c --- srv/p2  >-- bridge d6<tag>-br (2001:db8:1::1/64 + a delegation prefix)
//   c3/c --- srv/p3 /

import { LabCommandError, sleep, type Lab, type TopologySpec } from "../helpers/lab.js";
import { parseIPv6 } from "../../../host/util/ipv6.js";

/** Server addresses: the LAN /64 and a /56 to delegate from. */
export const LAN_ADDRS = ["2001:db8:1::1/64", "2001:db8:100::1/56"];
export const PD_POOL = "2001:db8:100::/56";

/** Client roles c1..cN. */
export function clientRoles(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `c${i + 1}`);
}

/** srv with ports p1..pN, each to client namespace cI (interface "c"). */
export function lanTopology(n: number): TopologySpec {
  const namespaces: TopologySpec["namespaces"] = { srv: {} };
  for (const r of clientRoles(n)) namespaces[r] = {};
  return {
    name: `lan-${n}`,
    namespaces,
    links: clientRoles(n).map((r, i) => ({ a: { ns: "srv", ifname: `p${i + 1}` }, b: { ns: r, ifname: "c" } })),
  };
}

/**
 * Creates the bridge in "srv", enslaves p1..pN, puts `addrs` on it (nodad),
 * and waits for its link-local address. Returns the bridge's name and link-local.
 */
export async function setupLanBridge(lab: Lab, n: number, addrs: string[] = LAN_ADDRS, timeoutMs = 5000): Promise<{ bridge: string; linkLocal: string }> {
  const bridge = `d6${lab.tag}-br`;
  lab.sysctl("srv", { "net.ipv6.conf.default.accept_dad": "0" });
  lab.ip("srv", "link", "add", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0");
  lab.sysctl("srv", { [`net.ipv6.conf.${bridge}.accept_dad`]: "0" });
  for (let i = 1; i <= n; i++) lab.ip("srv", "link", "set", lab.ifname("srv", `p${i}`), "master", bridge);
  for (const a of addrs) lab.ip("srv", "-6", "addr", "add", a, "dev", bridge, "nodad");
  lab.ip("srv", "link", "set", bridge, "up");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = JSON.parse(lab.ip("srv", "-j", "-6", "addr", "show", "dev", bridge) || "[]") as { addr_info?: { local: string; scope: string; tentative?: boolean }[] }[];
    const ll = j[0]?.addr_info?.find((a) => a.scope === "link" && !a.tentative)?.local;
    if (ll) return { bridge, linkLocal: ll };
    if (Date.now() > deadline) throw new LabCommandError(`bridge ${bridge}: no usable link-local address after ${timeoutMs} ms: ${JSON.stringify(j)}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------
// Prefix arithmetic for the assertions


function bits(a: string): bigint {
  const b = parseIPv6(a);
  if (!b) throw new Error(`not an IPv6 address: ${a}`);
  return b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
}

/** True when addr (or prefix "p/len") lies inside prefix "p/len". */
export function inPrefix(addr: string, prefix: string): boolean {
  const [a, alen] = addr.split("/");
  const [p, plenText] = prefix.split("/");
  const plen = Number(plenText);
  if (alen !== undefined && Number(alen) < plen) return false;
  const mask = plen === 0 ? 0n : ((1n << BigInt(plen)) - 1n) << BigInt(128 - plen);
  return (bits(a) & mask) === (bits(p) & mask);
}

/** True when two prefixes "p/len" share any address. */
export function overlaps(x: string, y: string): boolean {
  const lx = Number(x.split("/")[1]);
  const ly = Number(y.split("/")[1]);
  return lx <= ly ? inPrefix(y, x) : inPrefix(x, y);
}

/** The prefix "p/len" in canonical form with host bits checked to be zero. */
export function isNetworkPrefix(prefix: string): boolean {
  const [p, l] = prefix.split("/");
  const plen = Number(l);
  const host = plen >= 128 ? 0n : (1n << BigInt(128 - plen)) - 1n;
  return (bits(p) & host) === 0n;
}
