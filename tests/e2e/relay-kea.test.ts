// OUR relay in front of Kea (kea-dhcp6), three namespaces:
//
//   cli/c  ----  rc  rly (our relay)  rs  ----  s  srv (Kea)
//              2001:db8:1::1/64    2001:db8:9::2/64   2001:db8:9::1/64
//
// Our relay: `lan` (rc) `dhcpv6 relay`; `wan` (rs) `dhcpv6 relay`, `master 1`,
// `dhcpv6_relay_servers 2001:db8:9::1` (Kea listens only on ff02::1:2 and on
// the unicast address it is told: it does not join ff05::1:3). Kea's subnet
// 2001:db8:1::/64 has no interface: it is chosen by the Relay-forward's
// link-address (the relay's 2001:db8:1::1). The relay adds a Remote-ID and
// the client's link-layer address (RFC 4649, RFC 6939). Short Kea timers (T1 2 s) make
// dhclient renew within the test.
//
// Needs root, kea-dhcp6, dhclient, tshark/dumpcap and a built project; without
// them the test FAILS saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireLab, withLab, labLeftovers, type WireMessage } from "./helpers/lab.js";
import { summarizeMessage } from "../../host/lab/dhcpv6-bytes.js";
import {
  DOMAIN,
  RELAY_DOWN_ADDR,
  RELAY_UP_ADDR,
  SERVER_ADDR,
  SERVER_DNS,
  DhclientSession,
  annotate,
  checkSide,
  ifindex,
  innerTypes,
  oneRelayTopology,
  outerTypes,
  relayUci,
  startDaemon,
  type UciDaemon,
} from "./relay-support/lab.js";
import { addr, hex } from "./support/probe.js";

const T = { timeout: 60_000 };

/** The innermost message of a walked message (through every Relay Message). */
function innermost(m: WireMessage | null | undefined): WireMessage | null {
  let cur = m ?? null;
  while (cur && (cur.msgType === 12 || cur.msgType === 13)) cur = cur.options.find((o) => o.code === 9)?.message ?? null;
  return cur;
}

test("our relay in front of Kea: dhclient -6 -N -P gets an address and a /56, renews and releases; both sides of the relay pass tshark and the length walk", T, async () => {
  requireLab(["ip", "ss", "kea-dhcp6", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  let relay: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: oneRelayTopology(), server: "none" }, async (ctx) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const kea = await ctx.startServer("kea", {
      unicast: SERVER_ADDR,
      extra: { "renew-timer": 2, "rebind-timer": 4, "preferred-lifetime": 8, "valid-lifetime": 12 },
    });
    const rc = lab.ifname("rly", "rc");
    const rs = lab.ifname("rly", "rs");
    relay = await startDaemon(
      lab,
      "rly",
      rc,
      relayUci({ down: rc, up: rs, servers: [SERVER_ADDR], downExtra: ["option dhcpv6_relay_remote_id '4491:0a0b0c'", "option dhcpv6_relay_client_lladdr '1'"] }),
    );
    await annotate(
      () => [relay],
      async () => {
        const down = await ctx.capture("rly", "rc");
        const up = await ctx.capture("rly", "rs");
        const client = new DhclientSession(lab, "cli");
        const b = await client.bind(10_000);
        assert.match(b.address ?? "", /^2001:db8:1::1[0-9a-f]{3}$/, "an address of Kea's pool for the relay's link");
        assert.equal(b.prefixLen, 56);
        assert.match(b.prefix ?? "", /^2001:db8:100(:[0-9a-f]{1,4})?::$/, "a /56 of Kea's 2001:db8:100::/48");
        assert.deepEqual(b.dns, [SERVER_DNS], "Kea's DNS server, untouched (no dns on the relay)");
        assert.deepEqual(b.domains, [DOMAIN]);

        // T1 is 2 s: dhclient renews through the relay.
        await client.waitReason("RENEW6", 8000, 2); // one script run per IA
        const renewed = client.binding("RENEW6");
        assert.equal(renewed.address, b.address, "the Renew kept the address");
        assert.equal(renewed.prefix, b.prefix, "the Renew kept the prefix");

        await client.release();
        assert.equal(client.reasons().filter((r) => r === "RELEASE6").length, 2, `dhclient released both IAs: ${client.reasons().join(",")}`);
        await kea.proc.waitForLine(/DHCP6_RELEASE_NA\b.*released/, 3000);
        await kea.proc.waitForLine(/DHCP6_RELEASE_PD\b.*released/, 3000);

        const downRep = await checkSide(await down.stop(), "client side of the relay (rc)");
        const upRep = await checkSide(await up.stop(), "server side of the relay (rs)");

        // Client side: plain client/server messages only, the whole story.
        const dTypes = outerTypes(downRep);
        for (const t of [1, 2, 3, 7, 5, 8]) assert.ok(dTypes.includes(t), `client side has message type ${t}: ${dTypes.join(",")}`);
        assert.ok(dTypes.every((t) => t !== 12 && t !== 13), "no relay message on the client side");
        // Server side: only Relay-forward / Relay-reply, carrying the same story.
        const uTypes = outerTypes(upRep);
        assert.ok(uTypes.length > 0 && uTypes.every((t) => t === 12 || t === 13), `server side: ${uTypes.join(",")}`);
        const uInner = innerTypes(upRep);
        for (const t of [1, 2, 3, 7, 5, 8]) assert.ok(uInner.includes(t), `server side carries message type ${t}: ${uInner.join(",")}`);

        // Every Relay-forward: hop 0, link-address = the relay's client-facing address, peer = the client, Interface-ID = rc's ifindex.
        const clientLL = lab.linkLocal("cli");
        const rcIndex = ifindex(lab, "rly", rc);
        const clientMac = (JSON.parse(lab.ip("cli", "-j", "link", "show", "dev", ctx.clientIf)) as { address: string }[])[0].address;
        for (const p of upRep.packets.filter((x) => x.msgTypes[0] === 12)) {
          const m = upRep.messages.get(p.frame)!;
          assert.equal(p.src, RELAY_UP_ADDR, "Relay-forward sent from the relay's upstream address");
          assert.equal(p.dst, SERVER_ADDR, "Relay-forward sent by unicast to dhcpv6_relay_servers");
          assert.equal(m.hopCount, 0);
          assert.equal(hex(m.linkAddress!), hex(addr(RELAY_DOWN_ADDR)), `link-address ${RELAY_DOWN_ADDR}`);
          assert.equal(hex(m.peerAddress!), hex(addr(clientLL!)), "peer-address = the client's link-local address");
          const iid = m.options.find((o) => o.code === 18);
          assert.ok(iid, "Interface-ID present");
          assert.equal(Buffer.from(iid.data).readUInt32BE(0), rcIndex, "Interface-ID = ifindex of rc");
          // RFC 4649 Remote-ID (enterprise 4491, id 0a0b0c) and RFC 6939 Client Link-Layer Address (type 1, the client's MAC).
          assert.equal(hex(m.options.find((o) => o.code === 37)?.data ?? []), "0000118b0a0b0c", "Remote-ID");
          assert.equal(hex(m.options.find((o) => o.code === 79)?.data ?? []), `0001${clientMac.replace(/:/g, "")}`, "Client Link-Layer Address");
        }
        // The final Reply (to the Release) reached the client with status Success.
        const lastReply = downRep.packets.filter((p) => p.msgTypes[0] === 7).pop()!;
        const s = summarizeMessage(innermost(downRep.messages.get(lastReply.frame))!);
        assert.ok(s.statusCodes.every((c) => c.code === 0), `Reply to the Release: ${JSON.stringify(s.statusCodes)}`);
        const c = await relay!.counters();
        const forwards = uTypes.filter((t) => t === 12).length;
        const toClient = dTypes.filter((t) => t === 2 || t === 7).length;
        assert.ok(forwards >= 4, "Solicit, Request, Renew and Release went up");
        assert.deepEqual(
          [c.relayed_up, c.relayed_down, c.drop_relay_reply, c.drop_hop_limit, c.drop_malformed],
          [forwards, toClient, 0, 0, 0],
          `relay counters ${JSON.stringify(c)} (captured: ${forwards} Relay-forwards up, ${toClient} replies down)`,
        );
      },
      () => `--- kea ---\n${kea.proc.tail(30)}`,
    );
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  process.stderr.write(`# relay-kea: ${Date.now() - t0} ms\n`);
});
