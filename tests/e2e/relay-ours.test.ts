// OUR relay in front of OUR server, alone and chained.
//
// One relay (three namespaces):
//   cli/c -- rc [rly] rs -- s [srv]          relay upstream by ff05::1:3 (no dhcpv6_relay_servers)
// Two relays (four namespaces):
//   cli/c -- rc [r1] ru -- rd [r2] ru -- s [srv]
//   r1's master sends to r2 by unicast (dhcpv6_relay_servers 2001:db8:8::2:
//   relays do not join ff05::1:3); r2's master sends to ff05::1:3.
//   On the server link every Relay-forward is hop 1 (r2) around hop 0 (r1).
//
// The server: `relaylink` on s, `remote` on d0 (2001:db8:1::fffe/64 and
// 2001:db8:1:100::1/56, noprefixroute, preferred 10 s so that T1 is ~5 s).
// dhclient -6 -N -P binds, renews and releases through the relay(s); every
// capture, on both sides of each relay, passes tshark and the length walk.
//
// Needs root, dhclient, tshark/dumpcap and a built project; without them the
// tests FAIL saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireLab, withLab, labLeftovers, type CaptureReport, type LabContext, type WireMessage } from "./helpers/lab.js";
import { delegatedRoutesText, waitRoutes } from "./support/server.js";
import { addr, hex } from "./support/probe.js";
import {
  DOMAIN,
  MID_R1_ADDR,
  MID_R2_ADDR,
  RELAY_DOWN_ADDR,
  RELAY_UP_ADDR,
  SERVER_DNS,
  DhclientSession,
  addRemotePrefixes,
  annotate,
  chainTopology,
  checkSide,
  ifindex,
  inPrefix,
  innerTypes,
  oneRelayTopology,
  outerTypes,
  relayUci,
  serverUci,
  startDaemon,
  type UciDaemon,
} from "./relay-support/lab.js";

const T = { timeout: 60_000 };
const ZERO = "::";

/** The Relay Message inside a relay message. */
function relayed(m: WireMessage | null | undefined): WireMessage | null {
  return m?.options.find((o) => o.code === 9)?.message ?? null;
}

function ifaceId(m: WireMessage): number | null {
  const o = m.options.find((x) => x.code === 18);
  return o && o.data.length === 4 ? Buffer.from(o.data).readUInt32BE(0) : null;
}

interface RelayLayer {
  hop: number;
  link: string;
  peer?: string;
  ifaceId: number;
}

/** Checks one relay layer's header and Interface-ID. */
function checkLayer(m: WireMessage | null, type: 12 | 13, want: RelayLayer, where: string): void {
  assert.ok(m, `${where}: no message`);
  assert.equal(m.msgType, type, `${where}: message type`);
  assert.equal(m.hopCount, want.hop, `${where}: hop-count`);
  assert.equal(hex(m.linkAddress!), hex(addr(want.link)), `${where}: link-address ${want.link}`);
  if (want.peer) assert.equal(hex(m.peerAddress!), hex(addr(want.peer)), `${where}: peer-address ${want.peer}`);
  assert.equal(ifaceId(m), want.ifaceId, `${where}: Interface-ID`);
}

/** Binds, renews (T1 ~5 s) and releases with dhclient -6 -N -P; checks the server's bindings and routes. */
async function bindRenewRelease(ctx: LabContext, server: UciDaemon, relayUpAddr: string): Promise<void> {
  const lab = ctx.lab;
  const client = new DhclientSession(lab, "cli");
  const b = await client.bind(10_000);
  assert.ok(inPrefix(b.address, "2001:db8:1::", 64) && b.address !== "2001:db8:1::fffe", `an address of the client link: ${b.address}`);
  assert.ok(inPrefix(b.prefix, "2001:db8:1:100::", 56) && b.prefixLen! > 56 && b.prefixLen! <= 64, `a prefix of the /56: ${b.prefix}/${b.prefixLen}`);
  assert.deepEqual(b.dns, [SERVER_DNS]);
  assert.deepEqual(b.domains, [DOMAIN]);
  const leases = await server.flatLeases();
  assert.deepEqual(
    leases.map((l) => `${l.device} ${l.kind} ${l.address}/${l.plen}`).sort(),
    [`d0 na ${b.address}/128`, `d0 pd ${b.prefix}/${b.prefixLen}`],
    JSON.stringify(leases),
  );
  const dst = `${b.prefix}/${b.prefixLen}`;
  const routes = await waitRoutes(lab, (r) => r.some((x) => x.dst === dst), "route to the delegated prefix");
  const route = routes.find((x) => x.dst === dst)!;
  assert.deepEqual([route.gateway, route.dev], [relayUpAddr, ctx.serverIf], `routed via the (last) relay on s: ${delegatedRoutesText(lab)}`);

  await client.waitReason("RENEW6", 9000, 2); // one script run per IA
  const renewed = client.binding("RENEW6");
  assert.deepEqual([renewed.address, renewed.prefix], [b.address, b.prefix], "the Renew kept the address and the prefix");

  await client.release();
  assert.equal(client.reasons().filter((r) => r === "RELEASE6").length, 2, `dhclient released both IAs: ${client.reasons().join(",")}`);
  await waitRoutes(lab, (r) => !r.some((x) => x.dst === dst), "route removed after the Release");
  const after = await server.flatLeases();
  assert.ok(!after.some((l) => l.address === b.address || l.address === b.prefix), `released on the server: ${JSON.stringify(after)}`);
}

const STORY = [1, 2, 3, 7, 5, 8]; // Solicit, Advertise, Request, Reply, Renew, Release

function assertClientSide(rep: CaptureReport, where: string): void {
  const t = outerTypes(rep);
  for (const x of STORY) assert.ok(t.includes(x), `${where}: message type ${x} in ${t.join(",")}`);
  assert.ok(t.every((x) => x !== 12 && x !== 13), `${where}: no relay message`);
}

function assertRelaySide(rep: CaptureReport, where: string): void {
  const t = outerTypes(rep);
  assert.ok(t.length > 0 && t.every((x) => x === 12 || x === 13), `${where}: only Relay-forward/Relay-reply: ${t.join(",")}`);
  const inner = innerTypes(rep);
  for (const x of STORY) assert.ok(inner.includes(x), `${where}: carries message type ${x}: ${inner.join(",")}`);
}

test("our relay in front of our server (ff05::1:3): dhclient -6 -N -P binds, renews and releases; Interface-ID echoed; both sides pass tshark and the length walk", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let server: UciDaemon | null = null;
  let relay: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: oneRelayTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const remote = addRemotePrefixes(lab, "srv", { preferred: 10, valid: 300 });
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote }));
    const rc = lab.ifname("rly", "rc");
    const rs = lab.ifname("rly", "rs");
    relay = await startDaemon(lab, "rly", rc, relayUci({ down: rc, up: rs }));
    await annotate(
      () => [relay, server],
      async () => {
        const down = await ctx.capture("rly", "rc");
        const up = await ctx.capture("rly", "rs");
        await bindRenewRelease(ctx, server!, RELAY_UP_ADDR);
        assertClientSide(await checkSide(await down.stop(), "client side of the relay (rc)"), "rc");
        const u = await checkSide(await up.stop(), "server side of the relay (rs)");
        assertRelaySide(u, "rs");
        const clientLL = lab.linkLocal("cli")!;
        const rcIndex = ifindex(lab, "rly", rc);
        for (const p of u.packets) {
          const m = u.messages.get(p.frame)!;
          const where = `rs frame ${p.frame}`;
          if (p.msgTypes[0] === 12) {
            assert.deepEqual([p.src, p.dst, p.dstPort], [RELAY_UP_ADDR, "ff05::1:3", 547], `${where}: to All_DHCP_Servers`);
            checkLayer(m, 12, { hop: 0, link: RELAY_DOWN_ADDR, peer: clientLL, ifaceId: rcIndex }, where);
          } else {
            assert.deepEqual([p.dst, p.dstPort], [RELAY_UP_ADDR, 547], `${where}: Relay-reply to the relay`);
            checkLayer(m, 13, { hop: 0, link: RELAY_DOWN_ADDR, peer: clientLL, ifaceId: rcIndex }, `${where} (copied/echoed by the server)`);
          }
        }
        const c = await relay!.counters();
        const forwards = outerTypes(u).filter((x) => x === 12).length;
        const replies = outerTypes(u).filter((x) => x === 13).length;
        assert.deepEqual([c.relayed_up, c.relayed_down, c.drop_relay_reply, c.drop_hop_limit], [forwards, replies, 0, 0], `relay counters ${JSON.stringify(c)}`);
      },
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-ours one relay: ${Date.now() - t0} ms\n`);
});

test("two of our relays chained (four namespaces): dhclient -6 -N -P binds, renews and releases; hop counts 1 around 0 on the server link; every side passes tshark and the length walk", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let server: UciDaemon | null = null;
  let r1: UciDaemon | null = null;
  let r2: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: chainTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    assert.equal(names.length, 4);
    const remote = addRemotePrefixes(lab, "srv", { preferred: 10, valid: 300 });
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote }));
    const r1c = lab.ifname("r1", "rc");
    const r1u = lab.ifname("r1", "ru");
    const r2d = lab.ifname("r2", "rd");
    const r2u = lab.ifname("r2", "ru");
    r2 = await startDaemon(lab, "r2", r2d, relayUci({ down: r2d, up: r2u }));
    r1 = await startDaemon(lab, "r1", r1c, relayUci({ down: r1c, up: r1u, servers: [MID_R2_ADDR] }));
    await annotate(
      () => [r1, r2, server],
      async () => {
        const c1 = await ctx.capture("r1", "rc");
        const mid = await ctx.capture("r1", "ru");
        const top = await ctx.capture("r2", "ru");
        await bindRenewRelease(ctx, server!, RELAY_UP_ADDR);
        assertClientSide(await checkSide(await c1.stop(), "client side of relay 1 (r1/rc)"), "r1/rc");
        const m = await checkSide(await mid.stop(), "between the relays (r1/ru = r2/rd)");
        const t = await checkSide(await top.stop(), "server side of relay 2 (r2/ru)");
        assertRelaySide(m, "r1/ru");
        assertRelaySide(t, "r2/ru");

        const clientLL = lab.linkLocal("cli")!;
        const id1 = ifindex(lab, "r1", r1c);
        const id2 = ifindex(lab, "r2", r2d);
        const inner = { hop: 0, link: RELAY_DOWN_ADDR, peer: clientLL, ifaceId: id1 };
        // Between the relays: relay 1's layer alone (hop 0), up by unicast to relay 2, down to relay 1's address.
        for (const p of m.packets) {
          const where = `r1/ru frame ${p.frame}`;
          const msg = m.messages.get(p.frame)!;
          if (p.msgTypes[0] === 12) assert.deepEqual([p.src, p.dst, p.dstPort], [MID_R1_ADDR, MID_R2_ADDR, 547], where);
          else assert.deepEqual([p.dst, p.dstPort], [MID_R1_ADDR, 547], `${where}: the inner Relay-reply goes to relay 1 on port 547`);
          checkLayer(msg, p.msgTypes[0] as 12 | 13, inner, where);
        }
        // Server link: relay 2's layer (hop 1, link-address 0: relayed from a relay) around relay 1's (hop 0).
        const hops = new Set<string>();
        for (const p of t.packets) {
          const where = `r2/ru frame ${p.frame}`;
          const type = p.msgTypes[0] as 12 | 13;
          const outer = t.messages.get(p.frame)!;
          checkLayer(outer, type, { hop: 1, link: ZERO, peer: MID_R1_ADDR, ifaceId: id2 }, `${where} outer`);
          checkLayer(relayed(outer), type, inner, `${where} inner`);
          assert.ok(relayed(relayed(outer)) && ![12, 13].includes(relayed(relayed(outer))!.msgType), `${where}: two relay layers, then the client/server message`);
          hops.add(`${type}:${outer.hopCount}/${relayed(outer)!.hopCount}`);
        }
        assert.deepEqual([...hops].sort(), ["12:1/0", "13:1/0"], "hop counts 1 (relay 2) and 0 (relay 1) in both directions");

        const k1 = await r1!.counters();
        const k2 = await r2!.counters();
        const up1 = outerTypes(m).filter((x) => x === 12).length;
        const up2 = outerTypes(t).filter((x) => x === 12).length;
        assert.equal(up1, up2, "every Relay-forward of relay 1 went on through relay 2");
        assert.deepEqual([k1.relayed_up, k2.relayed_up, k1.drop_relay_reply, k2.drop_relay_reply, k1.drop_hop_limit, k2.drop_hop_limit], [up1, up2, 0, 0, 0, 0], `r1 ${JSON.stringify(k1)} r2 ${JSON.stringify(k2)}`);
        assert.equal(k1.relayed_down, k2.relayed_down, "every Relay-reply relay 2 passed down reached relay 1's client");
      },
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-ours chain: ${Date.now() - t0} ms\n`);
});
