// What our relay changes and what it refuses, end to end:
//  - DNS rewriting: `dns` on the relay's client-facing section replaces the
//    server's DNS servers in what the client receives (dhclient -S and -N -P
//    behind our relay, our server behind it);
//  - the hop limit: `dhcpv6_relay_hop_limit 1` on both relays of a chain: the
//    first still forwards its client's messages (hop 0), the second drops the
//    first's Relay-forwards (hop 0 + 1 = the limit); the client gets nothing
//    and the `counters` CLI of the second relay shows drop_hop_limit;
//  - Relay-replies crafted here and sent with a Node dgram script from inside
//    a namespace: from the server side with our client-facing Interface-ID
//    they reach the client (DNS rewritten, unless the message carries
//    Authentication); with an unknown, a master's or no Interface-ID, or sent
//    from the client side, they are dropped (counter drop_relay_reply) and
//    nothing reaches the other side (captures on both sides).
// Every capture passes tshark and the byte-level length walk.
//
// Needs root, dhclient, tshark/dumpcap and a built project; without them the
// tests FAIL saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireLab, withLab, labLeftovers, describePackets } from "./helpers/lab.js";
import { summarizeMessage } from "../../host/lab/dhcpv6-bytes.js";
import {
  MID_R2_ADDR,
  RELAY_DNS,
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
  oneRelayTopology,
  outerTypes,
  relayUci,
  serverUci,
  startDaemon,
  type UciDaemon,
} from "./relay-support/lab.js";
import { OPT, addr, authOption, concat, hex, ifaceIdData, relayReply, reply, sendFrom, xidOf } from "./relay-support/craft.js";
import { option } from "./support/probe.js";

const T = { timeout: 60_000 };
const RELAY_DNS2 = "2001:db8:1::5354";

/** The innermost message of a walked message. */
function innermost<M extends { msgType: number; options: { code: number; message?: M }[] }>(m: M | null | undefined): M | null {
  let cur = m ?? null;
  while (cur && (cur.msgType === 12 || cur.msgType === 13)) cur = cur.options.find((o) => o.code === 9)?.message ?? null;
  return cur;
}

test("DNS rewriting: with `dns` on our relay's client-facing section, dhclient -S and -N -P get the relay's DNS server, not the server's", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let server: UciDaemon | null = null;
  let relay: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: oneRelayTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const remote = addRemotePrefixes(lab, "srv");
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote, dns: [SERVER_DNS] }));
    const rc = lab.ifname("rly", "rc");
    const rs = lab.ifname("rly", "rs");
    // Two DNS servers on the relay for the server's one: the rewritten messages grow by 16 bytes.
    const relayDns = [RELAY_DNS, RELAY_DNS2];
    relay = await startDaemon(lab, "rly", rc, relayUci({ down: rc, up: rs, dns: relayDns }));
    await annotate(
      () => [relay, server],
      async () => {
        const down = await ctx.capture("rly", "rc");
        const up = await ctx.capture("rly", "rs");
        const s = await ctx.client("dhclient-S", { timeoutMs: 8000 });
        assert.ok(s.ok, `dhclient -S: ${s.error}\n${s.log}`);
        assert.deepEqual(s.dnsServers, relayDns, "dhclient -S: dhcp6.name-servers is the relay's");
        const session = new DhclientSession(lab, "cli");
        const np = await session.bind(10_000);
        assert.deepEqual(np.dns, relayDns, "dhclient -N -P: dhcp6.name-servers is the relay's");
        assert.equal(session.lease()?.options["dhcp6.name-servers"], relayDns.join(","), "the lease file records the relay's DNS servers");
        assert.ok(np.address && np.prefix, "an address and a prefix");
        await session.release();

        const d = await checkSide(await down.stop(), "client side of the relay (rc)");
        const u = await checkSide(await up.stop(), "server side of the relay (rs)");
        // What the server sent (by transaction id): its own DNS server where it sent one; what the client got: the relay's instead.
        const upstream = new Map<number, string[]>();
        for (const p of u.packets.filter((x) => x.msgTypes[0] === 13)) {
          const inner = innermost(u.messages.get(p.frame));
          if (inner && (inner.msgType === 2 || inner.msgType === 7)) upstream.set(inner.xid!, summarizeMessage(inner).dnsServers);
        }
        const downstream = new Map<number, string[]>();
        for (const p of d.packets.filter((x) => x.msgTypes[0] === 2 || x.msgTypes[0] === 7)) {
          const m = d.messages.get(p.frame)!;
          downstream.set(m.xid!, summarizeMessage(m).dnsServers);
        }
        assert.deepEqual([...downstream.keys()].sort(), [...upstream.keys()].sort(), "every Advertise/Reply passed down");
        const withDns = [...upstream].filter(([, dns]) => dns.length > 0);
        assert.ok(withDns.length >= 3, `the server sent DNS in the Reply to the Information-request, the Advertise and the Reply to the Request: ${JSON.stringify([...upstream])}`);
        for (const [xid, dns] of upstream) {
          if (dns.length) assert.deepEqual(dns, [SERVER_DNS], `xid ${xid.toString(16)}: the server's DNS server upstream`);
          assert.deepEqual(downstream.get(xid), dns.length ? relayDns : [], `xid ${xid.toString(16)}: rewritten by the relay (nothing added where the server sent none)`);
        }
        assert.ok(outerTypes(d).includes(8), "the Release went up too");
      },
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-checks dns: ${Date.now() - t0} ms\n`);
});

test("hop limit: `dhcpv6_relay_hop_limit 1` on the second relay of a chain drops the first relay's Relay-forwards; the client gets nothing; drop_hop_limit in `counters`", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let server: UciDaemon | null = null;
  let r1: UciDaemon | null = null;
  let r2: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: chainTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const remote = addRemotePrefixes(lab, "srv");
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote }));
    const r1c = lab.ifname("r1", "rc");
    const r1u = lab.ifname("r1", "ru");
    const r2d = lab.ifname("r2", "rd");
    const r2u = lab.ifname("r2", "ru");
    // The limit on both relays: the first still relays its client's messages (hop 0 < 1).
    r2 = await startDaemon(lab, "r2", r2d, relayUci({ down: r2d, up: r2u, hopLimit: 1 }));
    r1 = await startDaemon(lab, "r1", r1c, relayUci({ down: r1c, up: r1u, servers: [MID_R2_ADDR], hopLimit: 1 }));
    await annotate(
      () => [r1, r2, server],
      async () => {
        const c1 = await ctx.capture("r1", "rc");
        const mid = await ctx.capture("r1", "ru");
        const top = await ctx.capture("r2", "ru");
        const r = await ctx.client("dhclient-S", { timeoutMs: 4000 });
        assert.equal(r.ok, false, "the client got an answer through a relay that should have dropped its message");
        assert.deepEqual(r.dnsServers, []);
        const k1 = await r1!.counters();
        const k2 = await r2!.counters();
        const c = await checkSide(await c1.stop(), "client side of relay 1");
        const m = await checkSide(await mid.stop(), "between the relays");
        const t = await checkSide(await top.stop(), "server side of relay 2");
        const requests = outerTypes(c).filter((x) => x === 11).length;
        assert.ok(requests >= 2, `the client retransmitted its Information-request (${requests})\n${describePackets(c.packets)}`);
        assert.ok(outerTypes(c).every((x) => x === 11), `nothing but the client's messages on its link:\n${describePackets(c.packets)}`);
        assert.equal(k1.relayed_up, requests, `relay 1 relayed each (hop 0): ${JSON.stringify(k1)}`);
        assert.deepEqual(outerTypes(m), new Array(requests).fill(12), "relay 1's Relay-forwards, nothing back");
        assert.ok(m.packets.every((p) => m.messages.get(p.frame)?.hopCount === 0));
        assert.equal(k2.drop_hop_limit, requests, `relay 2 dropped each at the hop limit: ${JSON.stringify(k2)}`);
        assert.ok(k2.drop_hop_limit > 0);
        assert.equal(k2.relayed_up, 0, `relay 2 relayed nothing: ${JSON.stringify(k2)}`);
        assert.deepEqual(t.packets.length, 0, `nothing on the server link:\n${describePackets(t.packets)}`);
        assert.deepEqual((await server!.counters()).rx, 0, "the server received nothing");
        assert.ok(r2!.grep(/drop_hop_limit/).length >= 1, "relay 2 logged the drop with its reason");
      },
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-checks hop limit: ${Date.now() - t0} ms\n`);
});

test("Relay-replies: with our client-facing Interface-ID from upstream they reach the client (DNS rewritten unless authenticated); unknown, master's or missing Interface-ID, or sent from the client side: dropped, counted, nothing passes", T, async () => {
  requireLab(["ip", "ss", "dumpcap", "tshark"]);
  let names: string[] = [];
  let relay: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: oneRelayTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const rc = lab.ifname("rly", "rc");
    const rs = lab.ifname("rly", "rs");
    relay = await startDaemon(lab, "rly", rc, relayUci({ down: rc, up: rs, dns: [RELAY_DNS] }));
    await annotate(
      () => [relay],
      async () => {
        const down = await ctx.capture("rly", "rc");
        const up = await ctx.capture("rly", "rs");
        const clientLL = lab.linkLocal("cli")!;
        lab.ip("cli", "-6", "addr", "add", "2001:db8:1::99/64", "dev", ctx.clientIf, "nodad"); // to reach the relay's global address
        const relayLL = lab.linkLocal("rly", "rc")!;
        const relayUpLL = lab.linkLocal("rly", "rs")!;
        const rcIndex = ifindex(lab, "rly", rc);
        const rsIndex = ifindex(lab, "rly", rs);
        const iid = (n: number) => option(OPT.INTERFACE_ID, ifaceIdData(n));
        const fromServer = (m: Uint8Array) => sendFrom(lab, "srv", SERVER_ADDR, 547, RELAY_UP_ADDR, 547, m);

        // Passed down: a Reply with DNS (rewritten) and one with Authentication (untouched).
        const plain = reply(0x0a0001, [SERVER_DNS]);
        const authed = reply(0x0a0002, [SERVER_DNS], [authOption()]);
        await fromServer(relayReply(0, RELAY_DOWN_ADDR, clientLL, plain, [iid(rcIndex)]));
        await fromServer(relayReply(0, RELAY_DOWN_ADDR, clientLL, authed, [iid(rcIndex)]));
        // Dropped: unknown Interface-IDs (another ifindex, a 6-byte one), the master's own, none at all.
        const dropped = [
          relayReply(0, RELAY_DOWN_ADDR, clientLL, reply(0x0b0001, [SERVER_DNS]), [iid(rcIndex + 1000)]),
          relayReply(0, RELAY_DOWN_ADDR, clientLL, reply(0x0b0002, [SERVER_DNS]), [option(OPT.INTERFACE_ID, [...ifaceIdData(rcIndex), 0, 0])]),
          relayReply(0, RELAY_DOWN_ADDR, clientLL, reply(0x0b0003, [SERVER_DNS]), [iid(rsIndex)]),
          relayReply(0, RELAY_DOWN_ADDR, clientLL, reply(0x0b0004, [SERVER_DNS])),
        ];
        for (const m of dropped) await fromServer(m);
        let k = await relay!.counters();
        assert.deepEqual([k.relayed_down, k.drop_relay_reply], [2, dropped.length], `after the upstream ones: ${JSON.stringify(k)}`);

        // From the client side, with a valid Interface-ID: to ff02::1:2, to the relay's link-local and to its global address.
        const sneaky = (x: number) => relayReply(0, RELAY_DOWN_ADDR, clientLL, reply(x, [SERVER_DNS]), [iid(rcIndex)]);
        await sendFrom(lab, "cli", "::", 547, `ff02::1:2%${ctx.clientIf}`, 547, sneaky(0x0c0001));
        await sendFrom(lab, "cli", "::", 547, `${relayLL}%${ctx.clientIf}`, 547, sneaky(0x0c0002));
        await sendFrom(lab, "cli", "::", 547, RELAY_DOWN_ADDR, 547, sneaky(0x0c0003));
        k = await relay!.counters();
        assert.deepEqual(
          [k.relayed_down, k.drop_relay_reply, k.relayed_up],
          [2, dropped.length + 3, 0],
          `the client-side Relay-replies were dropped, not relayed up or down: ${JSON.stringify(k)}`,
        );

        const d = await checkSide(await down.stop(), "client side of the relay (rc)");
        const u = await checkSide(await up.stop(), "server side of the relay (rs)");
        // Client side: the two passed Replies (from the relay), and the client's own three Relay-replies; nothing else.
        const fromRelay = d.packets.filter((p) => p.src === relayLL || p.src === RELAY_DOWN_ADDR);
        assert.deepEqual(fromRelay.map((p) => [p.msgTypes[0], p.dst, p.dstPort, xidOf(p.payload)]), [
          [7, clientLL, 546, 0x0a0001],
          [7, clientLL, 546, 0x0a0002],
        ], `only the two valid Relay-replies reached the client side:\n${describePackets(d.packets)}`);
        const rewritten = concat(plain.subarray(0, plain.length - 20), option(OPT.DNS_SERVERS, addr(RELAY_DNS)));
        assert.equal(hex(fromRelay[0].payload), hex(rewritten), "the plain Reply: DNS server replaced, the rest byte for byte");
        assert.equal(hex(fromRelay[1].payload), hex(authed), "the authenticated Reply: untouched, byte for byte");
        assert.equal(d.packets.length, fromRelay.length + 3, `client side: the relay's two and the client's three:\n${describePackets(d.packets)}`);
        // Server side: the six crafted Relay-replies and nothing from the relay.
        assert.deepEqual(u.packets.filter((p) => p.src === RELAY_UP_ADDR || p.src === relayUpLL).map((p) => p.frame), [], `nothing sent upstream:\n${describePackets(u.packets)}`);
        assert.equal(u.packets.length, 2 + dropped.length);
        assert.ok(relay!.grep(/drop_relay_reply/).length >= dropped.length + 3, "every drop logged with its reason");
      },
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-checks relay-reply: ${Date.now() - t0} ms\n`);
});
