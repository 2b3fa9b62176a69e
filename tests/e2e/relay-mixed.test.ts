// Mixed relay chains (four namespaces: cli, r1, r2, srv; see chainTopology):
//  - client -> ISC dhcrelay (r1) -> OUR relay (r2) -> Kea: our relay relays
//    another relay's Relay-forward (hop 1, its own Interface-ID) by unicast
//    to Kea, and passes the inner Relay-reply down to dhcrelay on port 547;
//  - client -> OUR relay (r1) -> ISC dhcrelay -I (r2) -> OUR server: dhcrelay
//    wraps our Relay-forward with an Interface-ID of its own (-I), which our
//    server must echo; the server picks the link by our relay's (innermost)
//    link-address.
// dhclient -6 -N -P binds, renews and releases; every capture (client link,
// middle link, server link) passes tshark and the length walk; dhcrelay logs
// no complaint.
//
// Needs root, dhcrelay, kea-dhcp6, dhclient, tshark/dumpcap and a built
// project; without them the tests FAIL saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireLab, withLab, labLeftovers, startDhcrelay, describePackets, type CaptureReport, type WireMessage } from "./helpers/lab.js";
import { delegatedRoutesText, waitRoutes } from "./support/server.js";
import { addr, hex } from "./support/probe.js";
import {
  DOMAIN,
  MID_R1_ADDR,
  MID_R2_ADDR,
  RELAY_DOWN_ADDR,
  RELAY_UP_ADDR,
  SERVER_ADDR,
  SERVER_DNS,
  DhclientSession,
  addRemotePrefixes,
  annotate,
  chainTopology,
  checkSide,
  ifindex,
  inPrefix,
  innerTypes,
  outerTypes,
  relayUci,
  serverUci,
  startDaemon,
  type UciDaemon,
} from "./relay-support/lab.js";

const T = { timeout: 60_000 };
const STORY = [1, 2, 3, 7, 5, 8];

function relayedMsg(m: WireMessage | null | undefined): WireMessage | null {
  return m?.options.find((o) => o.code === 9)?.message ?? null;
}

function assertStory(rep: CaptureReport, where: string, relayLayers: boolean): void {
  const t = relayLayers ? innerTypes(rep) : outerTypes(rep);
  for (const x of STORY) assert.ok(t.includes(x), `${where}: message type ${x} in ${t.join(",")}`);
  if (relayLayers) assert.ok(outerTypes(rep).every((x) => x === 12 || x === 13), `${where}: ${outerTypes(rep).join(",")}`);
}

test("client -> ISC dhcrelay -> our relay -> Kea: dhclient -6 -N -P binds, renews and releases; every link passes tshark and the length walk", T, async () => {
  requireLab(["ip", "ss", "dhcrelay", "kea-dhcp6", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let r2: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: chainTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const kea = await ctx.startServer("kea", {
      unicast: SERVER_ADDR,
      extra: { "renew-timer": 2, "rebind-timer": 4, "preferred-lifetime": 8, "valid-lifetime": 12 },
    });
    const r2d = lab.ifname("r2", "rd");
    const r2u = lab.ifname("r2", "ru");
    r2 = await startDaemon(lab, "r2", r2d, relayUci({ down: r2d, up: r2u, servers: [SERVER_ADDR] }));
    const dhcrelay = await startDhcrelay(lab, "r1", { down: "rc", up: "ru", server: MID_R2_ADDR });
    await annotate(
      () => [r2],
      async () => {
        const c1 = await ctx.capture("r1", "rc");
        const mid = await ctx.capture("r1", "ru");
        const top = await ctx.capture("r2", "ru");
        const client = new DhclientSession(lab, "cli");
        const b = await client.bind(10_000);
        assert.match(b.address ?? "", /^2001:db8:1::1[0-9a-f]{3}$/, "Kea's pool for dhcrelay's link (2001:db8:1::/64)");
        assert.equal(b.prefixLen, 56);
        assert.deepEqual([b.dns, b.domains], [[SERVER_DNS], [DOMAIN]]);
        await client.waitReason("RENEW6", 8000, 2);
        assert.deepEqual([client.binding("RENEW6").address, client.binding("RENEW6").prefix], [b.address, b.prefix], "renewed");
        await client.release();
        await kea.proc.waitForLine(/DHCP6_RELEASE_NA\b.*released/, 3000);
        await kea.proc.waitForLine(/DHCP6_RELEASE_PD\b.*released/, 3000);

        assertStory(await checkSide(await c1.stop(), "client link"), "client link", false);
        const m = await checkSide(await mid.stop(), "between dhcrelay and our relay");
        const t = await checkSide(await top.stop(), "server link");
        assertStory(m, "middle link", true);
        assertStory(t, "server link", true);
        // Our relay's layer around dhcrelay's: hop 1, link-address 0, peer = dhcrelay, our Interface-ID.
        const id2 = ifindex(lab, "r2", r2d);
        for (const p of t.packets) {
          const outer = t.messages.get(p.frame)!;
          const where = `server link frame ${p.frame}`;
          assert.equal(outer.hopCount, 1, `${where}: hop-count`);
          assert.equal(hex(outer.linkAddress!), hex(addr("::")), `${where}: link-address 0`);
          assert.equal(hex(outer.peerAddress!), hex(addr(MID_R1_ADDR)), `${where}: peer = dhcrelay`);
          const iid = outer.options.find((o) => o.code === 18);
          assert.equal(iid && Buffer.from(iid.data).readUInt32BE(0), id2, `${where}: our Interface-ID`);
          const inner = relayedMsg(outer);
          assert.equal(inner?.hopCount, 0, `${where}: dhcrelay's layer, hop 0`);
          assert.equal(hex(inner!.linkAddress!), hex(addr(RELAY_DOWN_ADDR)), `${where}: dhcrelay's link-address`);
        }
        // Down the middle link: the inner Relay-replies from our relay to dhcrelay on port 547.
        for (const p of m.packets.filter((x) => x.msgTypes[0] === 13)) assert.deepEqual([p.dst, p.dstPort], [MID_R1_ADDR, 547], `middle frame ${p.frame}`);
        const complaints = dhcrelay.lines.filter((l) => /malformed|bad|error|discard|drop/i.test(l.line)).map((l) => l.line);
        assert.deepEqual(complaints, [], "dhcrelay had complaints");
        const k = await r2!.counters();
        assert.deepEqual([k.relayed_up, k.relayed_down, k.drop_relay_reply, k.drop_hop_limit], [outerTypes(t).filter((x) => x === 12).length, outerTypes(t).filter((x) => x === 13).length, 0, 0], JSON.stringify(k));
      },
      () => `--- dhcrelay ---\n${dhcrelay.tail(20)}\n--- kea ---\n${kea.proc.tail(20)}`,
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-mixed dhcrelay->ours->kea: ${Date.now() - t0} ms\n`);
});

test("client -> our relay -> ISC dhcrelay -I -> our server: dhclient -6 -N -P binds, renews and releases; dhcrelay's Interface-ID echoed; every link passes tshark and the length walk", T, async () => {
  requireLab(["ip", "ss", "dhcrelay", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let r1: UciDaemon | null = null;
  let server: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: chainTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const remote = addRemotePrefixes(lab, "srv", { preferred: 10, valid: 300 });
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote }));
    const dhcrelay = await startDhcrelay(lab, "r2", { down: "rd", up: "ru", server: SERVER_ADDR, extraArgs: ["-I"] });
    const r1c = lab.ifname("r1", "rc");
    const r1u = lab.ifname("r1", "ru");
    r1 = await startDaemon(lab, "r1", r1c, relayUci({ down: r1c, up: r1u, servers: [MID_R2_ADDR] }));
    await annotate(
      () => [r1, server],
      async () => {
        const c1 = await ctx.capture("r1", "rc");
        const mid = await ctx.capture("r1", "ru");
        const top = await ctx.capture("r2", "ru");
        const client = new DhclientSession(lab, "cli");
        const b = await client.bind(10_000);
        assert.ok(inPrefix(b.address, "2001:db8:1::", 64), `an address of the client link (our relay's link-address): ${b.address}`);
        assert.ok(inPrefix(b.prefix, "2001:db8:1:100::", 56), `a prefix of the /56: ${b.prefix}/${b.prefixLen}`);
        const dst = `${b.prefix}/${b.prefixLen}`;
        const routes = await waitRoutes(lab, (r) => r.some((x) => x.dst === dst), `route to ${dst}`);
        assert.equal(routes.find((x) => x.dst === dst)!.gateway, RELAY_UP_ADDR, `via dhcrelay (the relay the server heard from): ${delegatedRoutesText(lab)}`);
        await client.waitReason("RENEW6", 9000, 2);
        assert.deepEqual([client.binding("RENEW6").address, client.binding("RENEW6").prefix], [b.address, b.prefix], "renewed");
        await client.release();
        await waitRoutes(lab, (r) => !r.some((x) => x.dst === dst), "route removed after the Release");

        assertStory(await checkSide(await c1.stop(), "client link"), "client link", false);
        const m = await checkSide(await mid.stop(), "between our relay and dhcrelay");
        const t = await checkSide(await top.stop(), "server link");
        assertStory(m, "middle link", true);
        assertStory(t, "server link", true);
        // dhcrelay -I adds its Interface-ID; our server echoes it in every Relay-reply, and our relay's inside.
        const fwd = t.packets.filter((p) => p.msgTypes[0] === 12).map((p) => t.messages.get(p.frame)!);
        const rep = t.packets.filter((p) => p.msgTypes[0] === 13).map((p) => t.messages.get(p.frame)!);
        const ifid = (x: WireMessage | null) => x?.options.find((o) => o.code === 18)?.data;
        const dhcrelayId = ifid(fwd[0]);
        assert.ok(dhcrelayId && dhcrelayId.length > 0, `dhcrelay -I sent an Interface-ID:\n${describePackets(t.packets)}`);
        assert.ok(rep.length > 0);
        for (const r of rep) {
          assert.equal(r.hopCount, 1);
          assert.equal(hex(ifid(r) ?? []), hex(dhcrelayId), "dhcrelay's Interface-ID echoed");
          const inner = relayedMsg(r);
          assert.equal(inner?.hopCount, 0);
          assert.equal(hex(inner!.linkAddress!), hex(addr(RELAY_DOWN_ADDR)), "our relay's link-address copied");
          assert.equal(ifid(inner) && Buffer.from(ifid(inner)!).readUInt32BE(0), ifindex(lab, "r1", r1c), "our relay's Interface-ID echoed");
        }
        const complaints = dhcrelay.lines.filter((l) => /malformed|bad|error|discard|drop/i.test(l.line)).map((l) => l.line);
        assert.deepEqual(complaints, [], "dhcrelay had complaints");
        const k = await r1!.counters();
        assert.deepEqual([k.drop_relay_reply, k.drop_hop_limit, k.drop_malformed], [0, 0, 0], JSON.stringify(k));
      },
      () => `--- dhcrelay ---\n${dhcrelay.tail(20)}`,
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-mixed ours->dhcrelay->ours: ${Date.now() - t0} ms\n`);
});
