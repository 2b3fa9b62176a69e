// OUR server behind our relay, the Relay-forwards sent to All_DHCP_Servers
// (ff05::1:3, the relay's default): which interface did they arrive on?
//
// The server serves two sections: `relaylink` (s, toward the relay) and
// `remote` (d0, holding the client link's prefixes, noprefixroute). The
// Relay-forward arrives on s. The link for assignment is d0 (by the
// link-address), but the reply goes out through s, and a delegated prefix is
// routed via the relay on s. Checked with the sections in both orders, and
// with a relay whose upstream interface has only a link-local address (its
// Relay-forwards then come from fe80::..., and the Relay-reply must go back
// out of s).
//
// Needs root, dhclient, tshark/dumpcap and a built project; without them the
// tests FAIL saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireLab, withLab, labLeftovers, describePackets } from "./helpers/lab.js";
import { delegatedRoutesText, waitRoutes } from "./support/server.js";
import {
  RELAY_UP_ADDR,
  DhclientSession,
  addRemotePrefixes,
  annotate,
  checkSide,
  inPrefix,
  oneRelayTopology,
  relayUci,
  serverUci,
  startDaemon,
  type UciDaemon,
} from "./relay-support/lab.js";

const T = { timeout: 60_000 };

for (const remoteFirst of [false, true])
  for (const relayGlobal of [true, false]) {
    const order = remoteFirst ? "`remote` section before the one toward the relay" : "section toward the relay first";
    const src = relayGlobal ? "relay sends from its global address" : "relay upstream has only a link-local address";
    test(`our server behind our relay via ff05::1:3, ${order}, ${src}: the client gets an address and a prefix, routed via the relay on the interface toward it`, T, async () => {
      requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
      const topo = oneRelayTopology();
      if (!relayGlobal) {
        topo.links[1].a.addrs = [];
        topo.routes = [];
      }
      let names: string[] = [];
      let server: UciDaemon | null = null;
      let relay: UciDaemon | null = null;
      const t0 = Date.now();
      await withLab({ topology: topo, server: "none" }, async (ctx) => {
        const lab = ctx.lab;
        names = Object.values(lab.namespaces());
        const remote = addRemotePrefixes(lab, "srv");
        server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote, remoteFirst }));
        const rc = lab.ifname("rly", "rc");
        const rs = lab.ifname("rly", "rs");
        relay = await startDaemon(lab, "rly", rc, relayUci({ down: rc, up: rs }));
        const relayFrom = relayGlobal ? RELAY_UP_ADDR : lab.linkLocal("rly", "rs")!;
        await annotate(
          () => [relay, server],
          async () => {
            const up = await ctx.capture("rly", "rs");
            const client = new DhclientSession(lab, "cli");
            let bound: Awaited<ReturnType<DhclientSession["bind"]>> | null = null;
            let bindError: Error | null = null;
            try {
              bound = await client.bind(6000);
            } catch (e) {
              bindError = e as Error;
            }
            const u = await checkSide(await up.stop(), "server side of the relay (rs)");
            const forwards = u.packets.filter((p) => p.msgTypes[0] === 12);
            const replies = u.packets.filter((p) => p.msgTypes[0] === 13);
            assert.ok(forwards.length > 0 && forwards.every((p) => p.src === relayFrom && p.dst === "ff05::1:3"), `Relay-forwards from ${relayFrom} to ff05::1:3:\n${describePackets(u.packets)}`);
            assert.ok(replies.length > 0, `no Relay-reply came back out of s to ${relayFrom}: the server answered on the wrong interface?\n${describePackets(u.packets)}\n` +
              `server log: ${server!.grep(/bytes from|route/).slice(-4).join("\n")}`);
            assert.ok(bound, `the client got no lease: ${bindError?.message.split("\n")[0]}`);
            assert.ok(inPrefix(bound.address, "2001:db8:1::", 64), `address of the client link: ${bound.address}`);
            assert.ok(inPrefix(bound.prefix, "2001:db8:1:100::", 56), `prefix of the /56: ${bound.prefix}`);
            const dst = `${bound.prefix}/${bound.prefixLen}`;
            const errors = server!.grep(/route .*(EHOSTUNREACH|failed|rejected)|adding route/i);
            assert.deepEqual(errors, [], "the server could not add the route to the delegated prefix");
            const routes = await waitRoutes(lab, (r) => r.some((x) => x.dst === dst), `route to ${dst}`);
            const route = routes.find((x) => x.dst === dst)!;
            assert.deepEqual([route.gateway, route.dev], [relayFrom, ctx.serverIf], `routed via the relay on s: ${delegatedRoutesText(lab)}`);
            const arrivals = server!.grep(/bytes from .* \(multicast\)/);
            assert.ok(arrivals.length > 0 && arrivals.every((l) => l.includes(`%${ctx.serverIf} `)), `the server saw the Relay-forwards arrive on ${ctx.serverIf}:\n${arrivals.join("\n")}`);
            await client.release();
          },
        );
      });
      assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
      process.stderr.write(`# relay-arrival remoteFirst=${remoteFirst} relayGlobal=${relayGlobal}: ${Date.now() - t0} ms\n`);
    });
  }
