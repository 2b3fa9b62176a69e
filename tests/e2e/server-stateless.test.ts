// OUR server, stateless (RFC 8415 section 18.3.6), end to end in the lab:
//  - real clients (dhclient -6 -S, dhcpcd --inform6, dhcp6c information-only)
//    get the configured DNS server and domain;
//  - a Relay-forward crafted here (hop 0, link-address 2001:db8:1::1, peer =
//    the client's link-local, Interface-ID, inner Information-request with ORO
//    23/24), sent from port 547 to the server's link-local and to its global
//    address, gets a Relay-reply whose every byte is checked here;
//  - a unicast Information-request gets no reply and bumps drop_unicast
//    (read with the `counters` CLI);
//  - every capture passes tshark (no malformed packet, no expert warning) and
//    the byte-level length walk for every packet our server sent.
// Needs root, the clients, tshark/dumpcap and a built project; without them the
// tests FAIL saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LAB_DNS,
  LAB_DOMAIN,
  SERVER_ADDR,
  assertClientOk,
  checkCapture,
  checkDhcpv6Lengths,
  describePackets,
  directTopology,
  formatCaptureProblems,
  labLeftovers,
  requireLab,
  withLab,
  type Capture,
  type LabContext,
} from "./helpers/lab.js";
import { OurDaemon } from "./support/server.js";
import { MSG, OPT, addr, duidLL, hex, informationRequest, option, probe, readDomainList, readOptions, relayForward, type ProbeReply } from "./support/probe.js";

const T = { timeout: 60_000 };
const CLIENT_GLOBAL = "2001:db8:1::99";

/** A direct lab (client has a global address too, for unicast), our daemon with a state dir, a capture on the client side. */
async function stateless<R>(fn: (ctx: LabContext, srv: OurDaemon, cap: Capture) => Promise<R>): Promise<R> {
  let names: string[] = [];
  const r = await withLab({ topology: directTopology({ clientAddrs: [`${CLIENT_GLOBAL}/64`] }), server: "none" }, async (ctx) => {
    names = Object.values(ctx.lab.namespaces());
    const srv = new OurDaemon(ctx.lab, { ifname: ctx.serverIf });
    await srv.start();
    const cap = await ctx.capture();
    try {
      return await fn(ctx, srv, cap);
    } catch (e) {
      (e as Error).message += `\n--- server log ---\n${srv.tail(40)}`;
      throw e;
    }
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  return r;
}

/** Every packet our server sent (from its link-local or global address) passes tshark and the length walk; returns how many. */
async function checkServerPackets(ctx: LabContext, cap: Capture): Promise<number> {
  const file = await cap.stop();
  const all = await checkCapture(file);
  assert.deepEqual(all.problems, [], `capture:\n${formatCaptureProblems(all.problems)}\n${describePackets(all.packets)}`);
  const ours = await checkCapture(file, { from: [ctx.serverLinkLocal, SERVER_ADDR] });
  assert.deepEqual(ours.problems, [], formatCaptureProblems(ours.problems));
  for (const p of ours.checked) assert.deepEqual(checkDhcpv6Lengths(p.payload), [], `frame ${p.frame}`);
  return ours.checked.length;
}

function serverMac(ctx: LabContext): number[] {
  const j = JSON.parse(ctx.lab.ip("srv", "-j", "link", "show", "dev", ctx.serverIf)) as { address: string }[];
  return j[0].address.split(":").map((x) => parseInt(x, 16));
}

test("dhclient -6 -S gets the configured DNS server and domain from our server; tshark and the length walk pass", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  await stateless(async (ctx, srv, cap) => {
    const r = assertClientOk(await ctx.client("dhclient-S", { timeoutMs: 8000 }));
    assert.deepEqual(r.dnsServers, [LAB_DNS]);
    assert.deepEqual(r.domainSearch, [LAB_DOMAIN]);
    assert.deepEqual([r.addresses, r.prefixes], [[], []]);
    const sid = (r.serverId ?? "").split(":").map((x) => x.padStart(2, "0")).join(""); // dhclient prints 0:3:0:1:...
    assert.equal(sid, hex(duidLL(serverMac(ctx))), "Server ID is the DUID-LL of the interface MAC");
    const c = await srv.counters();
    assert.ok(c.rx >= 1 && c.tx >= 1, JSON.stringify(c));
    assert.ok((await checkServerPackets(ctx, cap)) >= 1, "the server's Reply was captured");
  });
});

test("dhcpcd --inform6 and dhcp6c information-only get the configured DNS server and domain", T, async () => {
  requireLab(["ip", "ss", "mount", "dhcpcd", "dhcp6c", "dumpcap", "tshark"]);
  await stateless(async (ctx, _srv, cap) => {
    for (const kind of ["dhcpcd-inform", "dhcp6c-info"] as const) {
      const r = assertClientOk(await ctx.client(kind, { timeoutMs: 8000 }));
      assert.deepEqual([r.dnsServers, r.domainSearch, r.addresses, r.prefixes], [[LAB_DNS], [LAB_DOMAIN], [], []], kind);
    }
    assert.ok((await checkServerPackets(ctx, cap)) >= 2);
  });
});

/** Checks a Relay-reply to `fwd` byte by byte; returns the inner Reply's options. */
function checkRelayReply(rep: Uint8Array, sent: { hop: number; link: string; peer: string; ifaceId: Uint8Array; xid: number; clientDuid: Uint8Array; serverDuid: Uint8Array }) {
  const where = `Relay-reply ${hex(rep)}`;
  assert.ok(rep.length >= 34, `${where}: shorter than the relay header`);
  assert.equal(rep[0], MSG.RELAY_REPL, `${where}: msg-type`);
  assert.equal(rep[1], sent.hop, `${where}: hop-count copied from the Relay-forward`);
  assert.equal(hex(rep.subarray(2, 18)), hex(addr(sent.link)), `${where}: link-address copied`);
  assert.equal(hex(rep.subarray(18, 34)), hex(addr(sent.peer)), `${where}: peer-address copied`);
  const outer = readOptions(rep, 34, rep.length, "Relay-reply options"); // throws unless they fill the datagram exactly
  assert.deepEqual(
    outer.map((o) => o.code).sort((a, b) => a - b),
    [OPT.RELAY_MSG, OPT.INTERFACE_ID],
    `${where}: exactly a Relay Message and the echoed Interface-ID`,
  );
  const ifid = outer.find((o) => o.code === OPT.INTERFACE_ID)!;
  assert.equal(hex(ifid.data), hex(sent.ifaceId), "Interface-ID echoed byte for byte");
  const rm = outer.find((o) => o.code === OPT.RELAY_MSG)!;
  // The Relay Message's length: its data must be exactly the inner message, which ends where the datagram (or the next option) starts.
  const declared = (rep[rm.offset + 2] << 8) | rep[rm.offset + 3];
  const otherBytes = outer.filter((o) => o !== rm).reduce((n, o) => n + 4 + o.data.length, 0);
  assert.equal(declared, rep.length - 34 - otherBytes - 4, "Relay Message length = datagram - relay header - other options - its own header");
  const inner = rm.data;
  assert.equal(inner[0], MSG.REPLY, "inner message is a Reply");
  assert.equal((inner[1] << 16) | (inner[2] << 8) | inner[3], sent.xid, "inner transaction-id copied");
  const opts = readOptions(inner, 4, inner.length, "inner Reply options");
  const one = (code: number) => {
    const l = opts.filter((o) => o.code === code);
    assert.equal(l.length, 1, `inner Reply has exactly one option ${code} (has ${opts.map((o) => o.code).join(",")})`);
    return l[0].data;
  };
  assert.equal(hex(one(OPT.CLIENTID)), hex(sent.clientDuid), "Client ID echoed");
  assert.equal(hex(one(OPT.SERVERID)), hex(sent.serverDuid), "Server ID = DUID-LL of the receiving interface");
  assert.equal(hex(one(OPT.DNS_SERVERS)), hex(addr(LAB_DNS)), "DNS servers (23) = the configured one");
  assert.deepEqual(readDomainList(one(OPT.DOMAIN_LIST)), [LAB_DOMAIN], "domain list (24)");
  assert.equal(one(OPT.INFO_REFRESH_TIME).length, 4, "Information Refresh Time (32) is 4 bytes");
  for (const code of [OPT.IA_NA, OPT.IA_PD, OPT.STATUS_CODE, OPT.SOL_MAX_RT, OPT.INF_MAX_RT])
    assert.ok(!opts.some((o) => o.code === code), `no option ${code} in a Reply to an Information-request whose ORO is 23,24`);
  return opts;
}

test("a relayed Information-request (hop 0, Interface-ID, from port 547) to the server's link-local and global address gets an exact Relay-reply", T, async () => {
  requireLab(["ip", "ss", "dumpcap", "tshark"]);
  await stateless(async (ctx, srv, cap) => {
    const clientLL = ctx.lab.linkLocal("cli")!;
    const clientDuid = duidLL([0x02, 0x00, 0x5e, 0x10, 0x00, 0x01]);
    const serverDuid = duidLL(serverMac(ctx));
    const before = await srv.counters();
    let xid = 0x4a0001;
    for (const dst of [`${ctx.serverLinkLocal}%${ctx.clientIf}`, SERVER_ADDR]) {
      const ifaceId = Uint8Array.from(Buffer.from(`lab-port-${xid & 0xff}`, "ascii"));
      const inner = informationRequest(xid, clientDuid, [OPT.DNS_SERVERS, OPT.DOMAIN_LIST]);
      const fwd = relayForward(0, SERVER_ADDR, clientLL, inner, [option(OPT.INTERFACE_ID, ifaceId)]);
      const replies: ProbeReply[] = await probe(ctx.lab, "cli", { bindAddr: `${clientLL}%${ctx.clientIf}`, bindPort: 547, dst, dstPort: 547, payload: fwd });
      assert.equal(replies.length, 1, `one Relay-reply to the Relay-forward sent to ${dst} (got ${replies.length})`);
      const rep = replies[0];
      assert.equal(rep.port, 547, "the Relay-reply comes from port 547");
      assert.equal(rep.address.split("%")[0], dst.split("%")[0], "from the address the Relay-forward was sent to");
      assert.deepEqual(checkDhcpv6Lengths(rep.bytes), [], "length walk");
      checkRelayReply(rep.bytes, { hop: 0, link: SERVER_ADDR, peer: clientLL, ifaceId, xid, clientDuid, serverDuid });
      xid++;
    }
    const after = await srv.counters();
    assert.equal(after.rx - before.rx, 2, `rx +2: ${JSON.stringify(after)}`);
    assert.equal(after.tx - before.tx, 2, `tx +2: ${JSON.stringify(after)}`);
    assert.equal(after.drop_unicast, before.drop_unicast, "a relayed message sent by unicast is not a unicast drop");
    assert.equal(await checkServerPackets(ctx, cap), 2, "two Relay-replies captured and checked");
  });
});

test("a unicast Information-request (to the global and the link-local address) gets no reply and counts drop_unicast; by multicast it is answered", T, async () => {
  requireLab(["ip", "ss", "dumpcap", "tshark"]);
  await stateless(async (ctx, srv, cap) => {
    const clientLL = ctx.lab.linkLocal("cli")!;
    const clientDuid = duidLL([0x02, 0x00, 0x5e, 0x10, 0x00, 0x02]);
    const ir = informationRequest(0x1b2c3d, clientDuid, [OPT.DNS_SERVERS, OPT.DOMAIN_LIST]);
    const c0 = await srv.counters();

    const toGlobal = await probe(ctx.lab, "cli", { bindAddr: CLIENT_GLOBAL, bindPort: 546, dst: SERVER_ADDR, dstPort: 547, payload: ir });
    assert.deepEqual(toGlobal, [], "no reply to a unicast Information-request");
    const c1 = await srv.counters();
    assert.equal(c1.drop_unicast - c0.drop_unicast, 1, `drop_unicast +1 after the unicast to ${SERVER_ADDR}: ${JSON.stringify(c1)}`);
    assert.equal(c1.rx - c0.rx, 1, "the datagram was received");
    assert.equal(c1.tx, c0.tx, "nothing sent");

    const toLL = await probe(ctx.lab, "cli", { bindAddr: `${clientLL}%${ctx.clientIf}`, bindPort: 546, dst: `${ctx.serverLinkLocal}%${ctx.clientIf}`, dstPort: 547, payload: ir });
    assert.deepEqual(toLL, [], "no reply to an Information-request sent to the link-local address");
    const c2 = await srv.counters();
    assert.equal(c2.drop_unicast - c1.drop_unicast, 1, `drop_unicast +1 after the unicast to the link-local address: ${JSON.stringify(c2)}`);
    assert.match(srv.tail(), /drop_unicast|unicast/, "the drop is logged with its reason");

    // The same bytes by multicast are answered: the drops above are about unicast, not the message.
    const mc = await probe(ctx.lab, "cli", { bindAddr: `${clientLL}%${ctx.clientIf}`, bindPort: 546, dst: `ff02::1:2%${ctx.clientIf}`, dstPort: 547, payload: ir });
    assert.equal(mc.length, 1, "one Reply to the multicast Information-request");
    assert.equal(mc[0].bytes[0], MSG.REPLY);
    assert.deepEqual(checkDhcpv6Lengths(mc[0].bytes), []);
    const c3 = await srv.counters();
    assert.equal(c3.drop_unicast, c2.drop_unicast);
    assert.equal(c3.tx - c2.tx, 1);

    assert.equal(await checkServerPackets(ctx, cap), 1, "the capture holds exactly one packet from the server: the multicast answer");
  });
});
