// Hybrid mode (`dhcpv6 hybrid`), as a router uses it before and after its
// ISP delegates a prefix. Three namespaces:
//
//   cli/c  ----  rc  rly (our daemon, hybrid)  rs  ----  s  srv (our server)
//          (no global address at first)   2001:db8:9::2/64      2001:db8:9::1/64
//
// rly: `lan` (rc) `dhcpv6 hybrid`; `wan` (rs) `dhcpv6 hybrid`, `master 1`
// (upstream by ff05::1:3). srv: our server on s.
//   1. rc has no global prefix: rly relays. dhclient -6 -N gets an address of
//      the upstream server's link (the Relay-forward's link-address is 0, the
//      server answers from its arrival interface); rs carries only
//      Relay-forward/Relay-reply; the server holds the binding; Release too.
//   2. rc gets 2001:db8:1::1/64 (the delegated prefix arrives): rly serves.
//      A new dhclient gets an address of 2001:db8:1::/64 from rly itself, rly's
//      leases hold it, and no datagram goes upstream any more.
// Every capture passes tshark and the length walk.
//
// Needs root, dhclient, tshark/dumpcap and a built project; without them the
// test FAILS saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireLab, withLab, labLeftovers, sleep } from "./helpers/lab.js";
import type { TopologySpec } from "../../host/lab/netns.js";
import { CLIENT_LINK, RELAY_DOWN_ADDR, RELAY_UP_ADDR, SERVER_ADDR, DhclientSession, annotate, checkSide, inPrefix, innerTypes, outerTypes, serverUci, startDaemon, type UciDaemon } from "./relay-support/lab.js";

const T = { timeout: 90_000 };

/** The one-relay topology with nothing global on the relay's client-facing interface. */
function hybridTopology(): TopologySpec {
  return {
    name: "relay-hybrid",
    namespaces: { cli: {}, rly: {}, srv: {} },
    links: [
      { a: { ns: "cli", ifname: "c" }, b: { ns: "rly", ifname: "rc" } },
      { a: { ns: "rly", ifname: "rs", addrs: [`${RELAY_UP_ADDR}/64`] }, b: { ns: "srv", ifname: "s", addrs: [`${SERVER_ADDR}/64`] } },
    ],
    routes: [],
  };
}

function hybridUci(down: string, up: string): string {
  return [
    "config dhcp 'lan'",
    `\toption ifname '${down}'`,
    "\toption dhcpv6 'hybrid'",
    "\tlist dns '2001:db8:1::5353'",
    "",
    "config dhcp 'wan'",
    `\toption ifname '${up}'`,
    "\toption dhcpv6 'hybrid'",
    "\toption master '1'",
    "",
  ].join("\n");
}

test("hybrid: without a global prefix on the LAN our daemon relays (the upstream server binds the client); once the prefix arrives it serves the LAN itself and nothing goes upstream", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let server: UciDaemon | null = null;
  let router: UciDaemon | null = null;
  await withLab({ topology: hybridTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf }));
    const rc = lab.ifname("rly", "rc");
    const rs = lab.ifname("rly", "rs");
    router = await startDaemon(lab, "rly", rc, hybridUci(rc, rs));
    await annotate(
      () => [router, server],
      async () => {
        // 1. No global prefix on the LAN: relayed to the server.
        const down = await ctx.capture("rly", "rc");
        const up = await ctx.capture("rly", "rs");
        const first = new DhclientSession(lab, "cli", ["-N"]);
        const a = await first.bind(12_000);
        assert.ok(inPrefix(a.address, "2001:db8:9::", 64), `relayed: an address of the server's link, ${a.address}`);
        const onServer = await server!.flatLeases();
        assert.deepEqual(onServer.map((l) => `${l.kind} ${l.address}`), [`na ${a.address}`], "the upstream server holds the binding");
        assert.deepEqual(await router!.flatLeases(), [], "the router holds no binding while it relays");
        const relayedBefore = (await router!.counters()).relayed_up ?? 0;
        assert.ok(relayedBefore >= 2, `the router relayed the Solicit and the Request (relayed_up ${relayedBefore})`);
        await first.release();
        const upRep = await checkSide(await up.stop(), "upstream of the hybrid router (rs)");
        const uTypes = outerTypes(upRep);
        assert.ok(uTypes.length > 0 && uTypes.every((t) => t === 12 || t === 13), `upstream: only Relay-forward/Relay-reply: ${uTypes.join(",")}`);
        for (const t of [1, 3, 8]) assert.ok(innerTypes(upRep).includes(t), `upstream carries message type ${t}: ${innerTypes(upRep).join(",")}`);
        await checkSide(await down.stop(), "LAN side while relaying (rc)");

        // 2. The delegated prefix arrives on the LAN: the router serves it.
        lab.ip("rly", "-6", "addr", "add", `${RELAY_DOWN_ADDR}/64`, "dev", rc, "nodad");
        // The router follows the address by netlink and opens a socket on it.
        await lab.waitUdpListening("rly", 547, { addr: /2001:db8:1::1\]?:547$/, timeoutMs: 5000 });
        await sleep(200);
        const down2 = await ctx.capture("rly", "rc");
        const up2 = await ctx.capture("rly", "rs");
        const relayedMid = (await router!.counters()).relayed_up ?? 0;
        const second = new DhclientSession(lab, "cli", ["-N"]);
        const b = await second.bind(12_000);
        assert.ok(inPrefix(b.address, CLIENT_LINK, 64) && b.address !== RELAY_DOWN_ADDR, `served: an address of the LAN's new prefix, ${b.address}`);
        const onRouter = await router!.flatLeases();
        assert.deepEqual(onRouter.map((l) => `${l.kind} ${l.address}`), [`na ${b.address}`], "the router holds the binding");
        assert.equal((await router!.counters()).relayed_up ?? 0, relayedMid, "nothing relayed once the LAN has its prefix");
        await second.release();
        const up2Rep = await checkSide(await up2.stop(), "upstream while serving (rs)");
        assert.deepEqual(outerTypes(up2Rep), [], "no DHCPv6 upstream while the router serves");
        const d2 = await checkSide(await down2.stop(), "LAN side while serving (rc)");
        for (const t of [1, 2, 3, 7, 8]) assert.ok(outerTypes(d2).includes(t), `LAN side has message type ${t}: ${outerTypes(d2).join(",")}`);
      },
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
});
