// Every drop reason we can provoke from the wire is counted, by reason, and
// visible from the `counters` CLI (issue 6 item 5), end to end: one crafted
// datagram at a time, from a lab namespace, to our server (direct topology)
// and to our relay (client -- relay -- server link); after each, `counters`
// must show exactly rx +1 and that reason +1 (and nothing answered).
//
// Not provokable from the wire, so not here: drop_unknown_iface (a datagram on
// an interface the configuration does not serve: such interfaces get no
// socket, so only a race with an interface going down could count it) and
// drop_unsupported (no code path of the core counts it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { directTopology, requireLab, type Lab } from "./helpers/lab.js";
import { RELAY_UP_ADDR, SERVER_ADDR, oneRelayTopology, relayUci } from "./relay-support/lab.js";
import { counterDelta, inLab, runFlood, startRobustDaemon, type FloodGen, type RobustDaemon } from "./robust-support/lab.js";

const T = { timeout: 60_000 };

// ---------------------------------------------------------------------------
// Messages (RFC 8415 sections 8, 9, 21), as hex

const opt = (code: number, hex: string) => code.toString(16).padStart(4, "0") + (hex.length / 2).toString(16).padStart(4, "0") + hex;
/** A Client ID option with DUID-LL 02:00:00:00:0c:NN (a client of its own per case: no rate limit interplay). */
const cid = (n: number) => opt(1, "0003000102000000" + "0c" + n.toString(16).padStart(2, "0"));
const CLIENT_ID = cid(0);
const ELAPSED = opt(8, "0000");
const IA_NA = opt(3, "00000001" + "00000000" + "00000000");
const msg = (type: number, ...options: string[]) => type.toString(16).padStart(2, "0") + "abcdef" + options.join("");
const ip = (a: string) => {
  const [h, t] = a.split("::");
  const hw = h ? h.split(":") : [];
  const tw = t ? t.split(":") : [];
  return [...hw, ...new Array(8 - hw.length - tw.length).fill("0"), ...tw].map((w) => w.padStart(4, "0")).join("");
};
const relayMsg = (type: 12 | 13, hop: number, link: string, peer: string, inner: string, ...options: string[]) =>
  type.toString(16).padStart(2, "0") + hop.toString(16).padStart(2, "0") + ip(link) + ip(peer) + options.join("") + opt(9, inner);
const solicit = (n: number) => msg(1, cid(n), ELAPSED, IA_NA);
const SOLICIT = solicit(0);

interface Case {
  reason: string;
  what: string;
  /** Sent from this namespace ... */
  role: string;
  bind: { addr: string; port: number };
  /** ... to this address (a "%IF" is added for link-local and multicast: the sender's own interface). */
  dst: string;
  hex: string;
}


/** Sends each case's datagram once and checks the `counters` CLI: exactly rx +1 and the reason +1, no reply. */
async function provoke(lab: Lab, d: RobustDaemon, cases: Case[], ifOf: (role: string) => string): Promise<string[]> {
  const problems: string[] = [];
  const seen: string[] = [];
  for (const c of cases) {
    const scoped = c.dst.startsWith("fe80:") || c.dst.startsWith("ff02:") ? `${c.dst}%${ifOf(c.role)}` : c.dst;
    const before = await d.counters();
    const r = await runFlood(lab, c.role, { bind: c.bind, dst: { addr: scoped, port: 547 }, mcastIf: c.dst.startsWith("ff02:") ? ifOf(c.role) : undefined, rate: 0, count: 1, messages: { kind: "hex", list: [c.hex] } as FloodGen, listenMs: 300 });
    const delta = counterDelta(before, await d.counters());
    const want = { rx: 1, [c.reason]: 1 };
    seen.push(`${c.reason} (${c.what}): ${JSON.stringify(delta)}`);
    if (JSON.stringify(Object.entries(delta).sort()) !== JSON.stringify(Object.entries(want).sort()) || r.received !== 0)
      problems.push(`${c.what}: expected ${JSON.stringify(want)} and no reply; counters moved by ${JSON.stringify(delta)}, ${r.received} replies`);
  }
  assert.deepEqual(problems, [], `counters after each crafted datagram:\n${seen.join("\n")}`);
  return seen;
}

test("our server: every drop reason provoked from the wire shows in the counters CLI, exactly once per datagram (malformed, not_for_server, unicast, server_id, client_id, invalid, hop_limit, too_big), and drop_rate_limit", T, async (t) => {
  requireLab(["ip", "ss", "sysctl"]);
  await inLab(directTopology({ clientAddrs: ["2001:db8:1::2/64"] }), async (lab, daemons) => {
    const ifname = lab.ifname("srv");
    const srv = await startRobustDaemon(lab, "srv", ifname, ["config dhcp 'lan'", `\toption ifname '${ifname}'`, "\toption dhcpv6 'server'", "\toption dhcpv6_client_ratelimit '5'", ""].join("\n"));
    daemons.push(srv);
    const srvLL = await lab.waitLinkLocal("srv");
    const client = { role: "cli", bind: { addr: "::", port: 546 } };
    const relay = { role: "cli", bind: { addr: "2001:db8:1::2", port: 547 } };
    const ALL = "ff02::1:2";
    const cases: Case[] = [
      { ...client, reason: "drop_malformed", what: "a Solicit whose Client ID claims 255 bytes", dst: ALL, hex: msg(1, "000100ff0003") },
      { ...client, reason: "drop_malformed", what: "3 bytes", dst: ALL, hex: "01abcd" },
      { ...client, reason: "drop_not_for_server", what: "an Advertise sent to the server", dst: ALL, hex: msg(2, CLIENT_ID, opt(2, "000300010a0000000001")) },
      { ...client, reason: "drop_not_for_server", what: "an unknown message type (200)", dst: ALL, hex: msg(200, CLIENT_ID) },
      { ...client, reason: "drop_unicast", what: "a Solicit by unicast", dst: srvLL, hex: solicit(1) },
      { ...client, reason: "drop_server_id", what: "a Request without Server ID", dst: ALL, hex: msg(3, cid(2), ELAPSED, IA_NA) },
      { ...client, reason: "drop_server_id", what: "a Solicit with a Server ID", dst: ALL, hex: msg(1, cid(3), opt(2, "000300010a0000000001"), ELAPSED, IA_NA) },
      { ...client, reason: "drop_client_id", what: "a Solicit without Client ID", dst: ALL, hex: msg(1, ELAPSED, IA_NA) },
      { ...client, reason: "drop_invalid", what: "an Information-request with an IA_NA", dst: ALL, hex: msg(11, cid(4), ELAPSED, IA_NA) },
      { ...client, reason: "drop_invalid", what: "two Client IDs", dst: ALL, hex: msg(1, cid(5), cid(5), ELAPSED, IA_NA) },
      { ...relay, reason: "drop_hop_limit", what: "a Relay-forward with hop count 32", dst: "2001:db8:1::1", hex: relayMsg(12, 32, "2001:db8:1::2", "fe80::c1", solicit(6)) },
      {
        ...relay,
        reason: "drop_too_big",
        what: "a 65522-byte Relay-forward whose 65440-byte Interface-ID, echoed, makes the Relay-reply larger than 64 KiB",
        dst: "2001:db8:1::1",
        hex: relayMsg(12, 0, "2001:db8:1::2", "fe80::c1", solicit(7), opt(18, "ab".repeat(65440))),
      },
    ];
    const seen = await provoke(lab, srv, cases, (role) => lab.ifname(role));

    // drop_rate_limit: 30 Solicits of one DUID at once, the limit 5/s (bucket 10).
    const before = await srv.counters();
    const r = await runFlood(lab, "cli", { bind: client.bind, dst: { addr: `${ALL}%${lab.ifname("cli")}`, port: 547 }, mcastIf: lab.ifname("cli"), rate: 0, count: 30, messages: { kind: "hex", list: [solicit(99)] }, listenMs: 300 });
    const d = counterDelta(before, await srv.counters());
    seen.push(`drop_rate_limit (30 Solicits of one DUID at once): ${JSON.stringify(d)}, ${r.received} answered`);
    assert.deepEqual(Object.keys(d).sort(), ["drop_rate_limit", "rx", "tx"], JSON.stringify(d));
    assert.equal(d.rx, 30);
    assert.equal(d.tx, r.received, "tx = what was answered");
    assert.ok(d.tx >= 10 && d.tx <= 15, `the bucket (10) and at most one refill answered: ${d.tx}`);
    assert.equal(d.drop_rate_limit, 30 - d.tx);
    for (const line of seen) t.diagnostic(line);
  });
});

test("our relay: every drop reason provoked from the wire shows in the counters CLI, exactly once per datagram (relay_reply, not_for_server, malformed, hop_limit, too_big on the client side; relay_reply, malformed on the master)", T, async (t) => {
  requireLab(["ip", "ss", "sysctl"]);
  await inLab(oneRelayTopology(), async (lab, daemons) => {
    const rc = lab.ifname("rly", "rc");
    const rly = await startRobustDaemon(lab, "rly", rc, relayUci({ down: rc, up: lab.ifname("rly", "rs"), servers: [SERVER_ADDR] }));
    daemons.push(rly);
    const client = { role: "cli", bind: { addr: "::", port: 546 } };
    const server = { role: "srv", bind: { addr: SERVER_ADDR, port: 547 } };
    const ALL = "ff02::1:2";
    const reply = msg(7, CLIENT_ID, opt(2, "000300010a0000000001"));
    const cases: Case[] = [
      { ...client, reason: "drop_relay_reply", what: "a Relay-reply from the client side", dst: ALL, hex: relayMsg(13, 0, "::", "fe80::c1", reply, opt(18, "00000001")) },
      { ...client, reason: "drop_not_for_server", what: "a Reply from the client side", dst: ALL, hex: reply },
      { ...client, reason: "drop_not_for_server", what: "an Advertise from the client side", dst: ALL, hex: msg(2, CLIENT_ID) },
      { ...client, reason: "drop_malformed", what: "3 bytes from the client side", dst: ALL, hex: "01abcd" },
      { ...client, reason: "drop_malformed", what: "a Relay-forward shorter than its header", dst: ALL, hex: "0c00" + "00".repeat(20) },
      { ...client, reason: "drop_hop_limit", what: "a Relay-forward with hop count 31 (ours would carry 32)", dst: ALL, hex: relayMsg(12, 31, "::", "fe80::c1", SOLICIT) },
      { ...client, reason: "drop_too_big", what: "a 65500-byte Solicit (its Relay-forward would not fit in 64 KiB)", dst: ALL, hex: msg(1, CLIENT_ID, ELAPSED, opt(65534, "00".repeat(65500 - 4 - 14 - 6 - 4))) },
      { ...server, reason: "drop_relay_reply", what: "a Relay-reply to the master naming no interface of ours", dst: RELAY_UP_ADDR, hex: relayMsg(13, 0, "2001:db8:1::1", "fe80::c1", reply, opt(18, "7fffffff")) },
      { ...server, reason: "drop_relay_reply", what: "a Relay-reply without Interface-ID", dst: RELAY_UP_ADDR, hex: relayMsg(13, 0, "2001:db8:1::1", "fe80::c1", reply) },
      { ...server, reason: "drop_relay_reply", what: "a Solicit on the master", dst: RELAY_UP_ADDR, hex: SOLICIT },
      { ...server, reason: "drop_malformed", what: "a Relay-reply with an option running past its end", dst: RELAY_UP_ADDR, hex: relayMsg(13, 0, "2001:db8:1::1", "fe80::c1", reply) + "0012" },
    ];
    const seen = await provoke(lab, rly, cases, (role) => lab.ifname(role));
    for (const line of seen) t.diagnostic(line);
  });
});
