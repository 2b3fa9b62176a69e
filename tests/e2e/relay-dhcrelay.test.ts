// ISC dhcrelay -6 in front of OUR server, three namespaces:
//
//   cli/c  ----  rc  rly (dhcrelay)  rs  ----  s  srv (our server)
//              2001:db8:1::1/64    2001:db8:9::2/64   2001:db8:9::1/64
//                                                      d0: 2001:db8:1::fffe/64, 2001:db8:1:100::1/56
//                                                          (noprefixroute, on a veth inside srv)
//
// dhcrelay sends by unicast to 2001:db8:9::1. Our server serves `relaylink`
// (s) and `remote` (d0): the Relay-forward's link-address 2001:db8:1::1 lies in
// d0's /64, so the client gets an address of 2001:db8:1::/64 and a prefix of
// 2001:db8:1:100::/56; the delegated prefix is routed via the relay on s.
// d0's prefixes have a preferred lifetime of 10 s, so T1 is about 5 s and
// dhclient renews within the test.
//
// Needs root, dhcrelay, dhclient, tshark/dumpcap and a built project; without
// them the test FAILS saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireLab, withLab, labLeftovers, startDhcrelay } from "./helpers/lab.js";
import { delegatedRoutes, delegatedRoutesText, waitRoutes } from "./support/server.js";
import {
  DOMAIN,
  RELAY_UP_ADDR,
  SERVER_ADDR,
  SERVER_DNS,
  DhclientSession,
  addRemotePrefixes,
  inPrefix,
  annotate,
  checkSide,
  innerTypes,
  oneRelayTopology,
  outerTypes,
  serverUci,
  startDaemon,
  type UciDaemon,
} from "./relay-support/lab.js";

const T = { timeout: 60_000 };

test("ISC dhcrelay -6 in front of our server: dhclient -6 -N -P gets an address and a prefix of the relay's link, renews and releases; routes via the relay; both sides pass tshark and the length walk", T, async () => {
  requireLab(["ip", "ss", "dhcrelay", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let server: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: oneRelayTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const remote = addRemotePrefixes(lab, "srv", { preferred: 10, valid: 300 });
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote }));
    const relay = await startDhcrelay(lab, "rly", { down: "rc", up: "rs", server: SERVER_ADDR });
    await annotate(
      () => [server],
      async () => {
        const down = await ctx.capture("rly", "rc");
        const up = await ctx.capture("rly", "rs");
        const client = new DhclientSession(lab, "cli");
        const b = await client.bind(10_000);
        assert.ok(inPrefix(b.address, "2001:db8:1::", 64), `an address of the relay's link 2001:db8:1::/64 (picked by the link-address): ${b.address}`);
        assert.notEqual(b.address, "2001:db8:1::fffe");
        assert.ok(b.prefix && b.prefixLen && b.prefixLen > 56 && b.prefixLen <= 64, `a prefix delegated from the /56: ${b.prefix}/${b.prefixLen}`);
        assert.ok(inPrefix(b.prefix, "2001:db8:1:100::", 56), `inside 2001:db8:1:100::/56: ${b.prefix}`);
        assert.deepEqual(b.dns, [SERVER_DNS]);
        assert.deepEqual(b.domains, [DOMAIN]);
        assert.ok(b.preferred! <= 10, `preferred lifetime bounded by the prefix's (10 s): ${b.preferred}`);

        // The server's view: bindings on the remote link, the delegated prefix routed via the relay on s.
        const leases = await server!.flatLeases();
        assert.deepEqual(
          leases.map((l) => [l.device, l.kind, l.address, l.plen]).sort(),
          [
            ["d0", "na", b.address, 128],
            ["d0", "pd", b.prefix, b.prefixLen],
          ].sort(),
          JSON.stringify(leases),
        );
        const routes = await waitRoutes(lab, (r) => r.some((x) => x.dst === `${b.prefix}/${b.prefixLen}`), "route to the delegated prefix");
        const route = routes.find((x) => x.dst === `${b.prefix}/${b.prefixLen}`)!;
        assert.equal(route.gateway, RELAY_UP_ADDR, `via the relay: ${delegatedRoutesText(lab)}`);
        assert.equal(route.dev, ctx.serverIf, `on the interface toward the relay: ${delegatedRoutesText(lab)}`);

        // T1 is about 5 s: dhclient renews through dhcrelay.
        await client.waitReason("RENEW6", 9000, 2); // one script run per IA
        const renewed = client.binding("RENEW6");
        assert.deepEqual([renewed.address, renewed.prefix], [b.address, b.prefix], "the Renew kept the address and the prefix");

        await client.release();
        assert.equal(client.reasons().filter((r) => r === "RELEASE6").length, 2, `dhclient released both IAs: ${client.reasons().join(",")}`);
        await waitRoutes(lab, (r) => !r.some((x) => x.dst === `${b.prefix}/${b.prefixLen}`), "route removed after the Release");
        const after = await server!.flatLeases();
        assert.ok(!after.some((l) => l.address === b.address || l.address === b.prefix), `released: ${JSON.stringify(after)}`);

        const downRep = await checkSide(await down.stop(), "client side of dhcrelay (rc)");
        const upRep = await checkSide(await up.stop(), "server side of dhcrelay (rs)");
        const dTypes = outerTypes(downRep);
        for (const t of [1, 2, 3, 7, 5, 8]) assert.ok(dTypes.includes(t), `client side has message type ${t}: ${dTypes.join(",")}`);
        const uTypes = outerTypes(upRep);
        assert.ok(uTypes.every((t) => t === 12 || t === 13), `server side: ${uTypes.join(",")}`);
        const uInner = innerTypes(upRep);
        for (const t of [1, 2, 3, 7, 5, 8]) assert.ok(uInner.includes(t), `server side carries message type ${t}: ${uInner.join(",")}`);
        // Every Relay-reply came from our server's address to dhcrelay's.
        for (const p of upRep.packets.filter((x) => x.msgTypes[0] === 13)) assert.deepEqual([p.src, p.dst, p.dstPort], [SERVER_ADDR, RELAY_UP_ADDR, 547], `frame ${p.frame}`);
        // dhcrelay complains about wrong lengths in what it receives ("parse_option_buffer: malformed option").
        const complaints = relay.lines.filter((l) => /malformed|bad|error/i.test(l.line)).map((l) => l.line);
        assert.deepEqual(complaints, [], "dhcrelay had complaints");
        assert.ok(delegatedRoutes(lab).length === 0, `no delegated route left: ${delegatedRoutesText(lab)}`);
      },
      () => `--- dhcrelay ---\n${relay.tail(30)}`,
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-dhcrelay: ${Date.now() - t0} ms\n`);
});
