// Relay-forward storms and relay loops cannot make us amplify traffic
// (issue 6 item 3), end to end. "Amplify" is counted in datagrams, from
// captures (what really went over the wire) and from the `counters` CLI:
// a daemon never sends more datagrams than it received.
//
//  - our SERVER under a storm of Relay-forwards (random clients, from one
//    relay address): at most one Relay-reply per Relay-forward; hop count 32
//    and chains of 33 layers are dropped (drop_hop_limit), never answered;
//  - our RELAY under a Solicit storm: each message relayed at most once (the
//    per-source limit drops the rest; without it, exactly once);
//  - a LOOP of two of our relays pointing at each other with
//    dhcpv6_relay_servers: a Solicit goes round 32 times (hop counts 0..31)
//    and dies at the hop limit; a storm into the loop ends when the storm ends;
//    with fan-out (two servers each) a client's message is copied to both and
//    every later Relay-forward goes to one only: the loop stays linear;
//  - relayed traffic that is not one client's: a relay passes a burst of
//    Relay-replies from its server down, and a burst of Relay-forwards from a
//    downstream relay up (many clients behind one address).
//
// Topologies: direct (server), relay-support's oneRelayTopology (relay with a
// sink in the server namespace) and robust-support's ringTopology (the loop).

import { test } from "node:test";
import assert from "node:assert/strict";
import { directTopology, requireLab, sleep, startCapture, type Lab, type TopologySpec } from "./helpers/lab.js";
import { RELAY_DOWN_ADDR, RELAY_UP_ADDR, SERVER_ADDR, ifindex, oneRelayTopology, relayUci } from "./relay-support/lab.js";
import { counterDelta, inLab as inLabWith, runFlood, startFlood, startRobustDaemon, type FloodGen, type FloodResult, type RobustDaemon } from "./robust-support/lab.js";
import { RING, flowOf, from, ringTopology, ringUci, to } from "./robust-support/relay.js";

const T = { timeout: 90_000 };
const NO_CLIENT_LIMIT = "option dhcpv6_client_ratelimit '0'";
/** Capture filter: all of IPv6 (a BPF "udp port 547" misses fragmented datagrams: deep relay chains exceed the MTU). */
const WHOLE = "ip6";

/** Log lines too frequent under a storm to help: left out of a failure's daemon log. */
const QUIET = / bytes from .*: sent \d+ bytes to |relayed \d+ bytes from|drop_rate_limit$/;
const inLab = (spec: TopologySpec, fn: (lab: Lab, daemons: RobustDaemon[]) => Promise<void>) => inLabWith(spec, fn, QUIET);

const solicit = (duid = "random"): FloodGen => ({ kind: "solicit", duid });
const rf = (hop: number, inner: FloodGen, link = "2001:db8:1::2"): FloodGen => ({ kind: "relay-forward", hop, link, peer: "fe80::c1:1", inner, ifaceId: "00000007" });
/** A chain of `layers` Relay-forwards (outermost hop layers-1 ... innermost 0) around a Solicit. */
function chain(layers: number): FloodGen {
  let g = solicit();
  for (let h = 0; h < layers; h++) g = rf(h, g);
  return g;
}
const fmt = (r: FloodResult) => `sent ${r.sent} in ${r.sendMs} ms, ${r.received} back (${JSON.stringify(r.byType)})`;

// ---------------------------------------------------------------------------
// Our server

test("our server under a storm of Relay-forwards: at most one Relay-reply per Relay-forward (captured and counted), hop count 32 and 33-layer chains are dropped unanswered", T, async (t) => {
  requireLab(["ip", "ss", "sysctl", "dumpcap", "tshark"]);
  await inLab(directTopology({ clientAddrs: ["2001:db8:1::2/64"] }), async (lab, daemons) => {
    const ifname = lab.ifname("srv");
    const srv = await startRobustDaemon(lab, "srv", ifname, ["config dhcp 'lan'", `\toption ifname '${ifname}'`, "\toption dhcpv6 'server'", ""].join("\n"));
    daemons.push(srv);
    const cap = await startCapture(lab, "srv", undefined, { filter: WHOLE });
    const relay = { bind: { addr: "2001:db8:1::2", port: 547 }, dst: { addr: "2001:db8:1::1", port: 547 } };
    const phase = async (what: string, messages: FloodGen, rate: number, count: number) => {
      const before = await srv.counters();
      const r = await runFlood(lab, "cli", { ...relay, rate, count, messages, listenMs: 1000 });
      const d = counterDelta(before, await srv.counters());
      t.diagnostic(`${what}: ${fmt(r)}; counters ${JSON.stringify(d)}`);
      assert.ok((d.tx ?? 0) <= (d.rx ?? 0), `${what}: the server sent no more than it received (${JSON.stringify(d)})`);
      assert.ok(r.received <= r.sent, `${what}: replies ${r.received} <= Relay-forwards ${r.sent}`);
      return { r, d };
    };

    const storm = await phase("3000 Relay-forwards of random clients", rf(0, solicit()), 1500, 3000);
    assert.equal(storm.r.byType["13"], storm.r.received, "every reply is a Relay-reply");
    assert.ok(storm.r.received >= 0.9 * storm.r.sent, `the relayed clients are answered, each once (${fmt(storm.r)})`);
    assert.equal(storm.d.tx, storm.r.received, "tx = Relay-replies the relay got");

    const hop32 = await phase("500 Relay-forwards with hop count 32", rf(32, solicit()), 1000, 500);
    assert.equal(hop32.r.received, 0, "none answered");
    assert.equal(hop32.d.drop_hop_limit, hop32.d.rx, `all counted as drop_hop_limit (${JSON.stringify(hop32.d)})`);

    const deep = await phase("300 chains of 33 Relay-forwards", chain(33), 600, 300);
    assert.equal(deep.r.received, 0, "none answered");
    assert.equal((deep.d.drop_hop_limit ?? 0) + (deep.d.drop_malformed ?? 0), deep.d.rx, `all dropped as hop limit (or malformed): ${JSON.stringify(deep.d)}`);

    const deepest = await phase("300 chains of 32 Relay-forwards (the most allowed)", chain(32), 600, 300);
    assert.ok(deepest.r.received >= 0.9 * deepest.r.sent, `32 layers are answered, once each (${fmt(deepest.r)})`);

    // The wire: datagrams from the server <= datagrams to it.
    const f = await flowOf(await cap.stop());
    const out = from(f, "2001:db8:1::1");
    const inn = to(f, "2001:db8:1::1");
    t.diagnostic(`capture on the server: ${inn} datagrams in, ${out} out (${storm.r.receivedBytes + deepest.r.receivedBytes} bytes of replies)`);
    assert.ok(out <= inn, `captured: ${out} datagrams from the server, ${inn} to it`);
    assert.equal(out, storm.r.received + deepest.r.received, "every datagram the server sent was a reply the relay got");
  });
});

// ---------------------------------------------------------------------------
// Our relay: cli/c -- rc [rly] rs -- s [srv: a sink counting what arrives]

async function oneRelay(lab: Lab, daemons: RobustDaemon[], downExtra: string[]): Promise<RobustDaemon> {
  const rly = await startRobustDaemon(lab, "rly", lab.ifname("rly", "rc"), relayUci({ down: lab.ifname("rly", "rc"), up: lab.ifname("rly", "rs"), servers: [SERVER_ADDR], downExtra }));
  daemons.push(rly);
  return rly;
}

/** A sink in srv on [SERVER_ADDR]:547 that counts what the relay sends up, for `ms`; resolves once it listens. */
async function sink(lab: Lab, ms: number): Promise<{ result: Promise<FloodResult> }> {
  const { result } = startFlood(lab, "srv", { bind: { addr: SERVER_ADDR, port: 547 }, dst: { addr: RELAY_UP_ADDR, port: 547 }, rate: 0, count: 0, messages: solicit(), listenMs: ms });
  await lab.waitUdpListening("srv", 547, { addr: new RegExp(`${SERVER_ADDR}\\]?:547$`) });
  return { result }; // (not the promise itself: an async function would wait for it)
}

for (const limited of [true, false]) {
  test(`our relay under a Solicit storm (${limited ? "default per-source limit" : "dhcpv6_client_ratelimit 0"}): every message is relayed at most once${limited ? ", the per-source limit drops the rest" : ", exactly once"}; datagrams up <= datagrams in`, T, async (t) => {
    requireLab(["ip", "ss", "sysctl", "dumpcap", "tshark"]);
    await inLab(oneRelayTopology(), async (lab, daemons) => {
      const rly = await oneRelay(lab, daemons, limited ? [] : [NO_CLIENT_LIMIT]);
      const up = await startCapture(lab, "rly", "rs", { filter: WHOLE });
      const down = await startCapture(lab, "rly", "rc", { filter: WHOLE });
      const before = await rly.counters();
      const got = (await sink(lab, 6000)).result;
      const c = lab.ifname("cli");
      const r = await runFlood(lab, "cli", { bind: { addr: "::", port: 546 }, dst: { addr: `ff02::1:2%${c}`, port: 547 }, mcastIf: c, rate: 1000, durationMs: 3000, messages: solicit(), listenMs: 500 });
      const atSink = await got;
      const d = counterDelta(before, await rly.counters());
      const fu = await flowOf(await up.stop());
      const fd = await flowOf(await down.stop());
      const sentUp = from(fu, RELAY_UP_ADDR);
      const cameIn = fd.total;
      t.diagnostic(`storm: ${fmt(r)}; relay counters ${JSON.stringify(d)}; captured ${cameIn} in on rc, ${sentUp} Relay-forwards out on rs; the sink got ${atSink.received}`);
      assert.ok(sentUp <= cameIn, `datagrams up (${sentUp}) <= datagrams in (${cameIn})`);
      assert.equal(sentUp, d.relayed_up, "each relayed_up is one datagram on the wire");
      assert.equal(atSink.received, sentUp, "the server side got exactly what was sent up");
      assert.equal((d.relayed_up ?? 0) + (d.drop_rate_limit ?? 0), d.rx, `rx = relayed_up + drop_rate_limit (${JSON.stringify(d)})`);
      if (limited) {
        assert.ok((d.relayed_up ?? 0) <= 2 * 20 + 20 * 4, `one source: at most the bucket (40) + 20/s relayed (${d.relayed_up})`);
        assert.ok((d.drop_rate_limit ?? 0) > 0, "the rest is counted as drop_rate_limit");
      } else {
        assert.equal(d.relayed_up, d.rx, "without a per-source limit every message is relayed, once");
        assert.ok(d.rx >= 0.95 * r.sent, `the relay received the storm (${d.rx} of ${r.sent})`);
      }
    });
  });
}

test("a relay passes a burst of 200 Relay-replies from its server (200 clients answered within a second) down to the clients", T, async (t) => {
  requireLab(["ip", "ss", "sysctl"]);
  await inLab(oneRelayTopology(), async (lab, daemons) => {
    const rly = await oneRelay(lab, daemons, []);
    const cliLL = await lab.waitLinkLocal("cli");
    const rc = ifindex(lab, "rly", lab.ifname("rly", "rc"));
    const clients = startFlood(lab, "cli", { bind: { addr: "::", port: 546 }, dst: { addr: "::1", port: 9 }, rate: 0, count: 0, messages: solicit(), listenMs: 4000 }).result;
    await lab.waitUdpListening("cli", 546);
    // Advertises (type 2) to 200 different clients, each in a Relay-reply naming rc, peer = the client.
    const advertise = (i: number) => `020000${i.toString(16).padStart(2, "0")}` + `0001000a00030001020000${i.toString(16).padStart(6, "0")}` + "0002000a0003000102000000beef";
    const list = Array.from({ length: 200 }, (_, i) => relayReplyHex(cliLL, rc, advertise(i)));
    const before = await rly.counters();
    const r = await runFlood(lab, "srv", { bind: { addr: SERVER_ADDR, port: 547 }, dst: { addr: RELAY_UP_ADDR, port: 547 }, rate: 400, count: 200, messages: { kind: "hex", list }, listenMs: 500 });
    const d = counterDelta(before, await rly.counters());
    const got = await clients;
    t.diagnostic(`200 Relay-replies in ${r.sendMs} ms: relay counters ${JSON.stringify(d)}; the clients' side got ${got.received}`);
    assert.equal(d.rx, 200, "the relay received them all");
    assert.deepEqual(
      { relayed_down: d.relayed_down ?? 0, drop_rate_limit: d.drop_rate_limit ?? 0, delivered: got.received },
      { relayed_down: 200, drop_rate_limit: 0, delivered: 200 },
      "a server's replies are not one client's traffic: the per-client limit (default 20/s, keyed by source address on a relay) must not throttle them",
    );
  });
});

/** A Relay-reply (hop 0, link 2001:db8:1::1, peer = the client) with Interface-ID = ifindex and the inner message (hex). */
function relayReplyHex(peer: string, index: number, innerHex: string): string {
  const ip = (a: string) => {
    const [h, tl] = a.split("%")[0].split("::");
    const hw = h ? h.split(":") : [];
    const tw = tl ? tl.split(":") : [];
    return [...hw, ...new Array(8 - hw.length - tw.length).fill("0"), ...tw].map((w) => w.padStart(4, "0")).join("");
  };
  const opt = (code: number, hex: string) => code.toString(16).padStart(4, "0") + (hex.length / 2).toString(16).padStart(4, "0") + hex;
  return "0d00" + ip(RELAY_DOWN_ADDR) + ip(peer) + opt(18, index.toString(16).padStart(8, "0")) + opt(9, innerHex);
}

test("a relay in a chain passes a burst of 200 Relay-forwards from the downstream relay (200 clients behind one address) up", T, async (t) => {
  requireLab(["ip", "ss", "sysctl"]);
  await inLab(oneRelayTopology(), async (lab, daemons) => {
    const rly = await oneRelay(lab, daemons, []);
    const got = (await sink(lab, 4000)).result;
    const c = lab.ifname("cli");
    const before = await rly.counters();
    // cli acts as the downstream relay: Relay-forwards (hop 0) of 200 different clients, by multicast as relays do.
    const r = await runFlood(lab, "cli", { bind: { addr: "::", port: 547 }, dst: { addr: `ff02::1:2%${c}`, port: 547 }, mcastIf: c, rate: 400, count: 200, messages: rf(0, solicit(), "::"), listenMs: 500 });
    const d = counterDelta(before, await rly.counters());
    const atSink = await got;
    t.diagnostic(`200 Relay-forwards in ${r.sendMs} ms: relay counters ${JSON.stringify(d)}; the server side got ${atSink.received}`);
    assert.equal(d.rx, 200, "the relay received them all");
    assert.deepEqual(
      { relayed_up: d.relayed_up ?? 0, drop_rate_limit: d.drop_rate_limit ?? 0, atServer: atSink.received },
      { relayed_up: 200, drop_rate_limit: 0, atServer: 200 },
      "200 clients behind a downstream relay are not one client: the per-client limit (keyed by the downstream relay's address) must not throttle them",
    );
  });
});

// ---------------------------------------------------------------------------
// A loop: two of our relays pointing at each other

async function ring(lab: Lab, daemons: RobustDaemon[], o: Parameters<typeof ringUci>[1]) {
  const u = ringUci(lab, o);
  const ra = await startRobustDaemon(lab, "ra", lab.ifname("ra", "a3"), u.a);
  daemons.push(ra);
  const rb = await startRobustDaemon(lab, "rb", lab.ifname("rb", "b1"), u.b);
  daemons.push(rb);
  for (const a of [RING.A_LOOP, RING.A_LOOP2]) await lab.waitUdpListening("ra", 547, { addr: new RegExp(`${a}\\]?:547$`) });
  for (const b of [RING.B_DOWN, RING.B_DOWN2]) await lab.waitUdpListening("rb", 547, { addr: new RegExp(`${b}\\]?:547$`) });
  return { ra, rb };
}

/** Waits until neither relay's rx moves for `quietMs`; returns how long that took after `since`. */
async function settle(ra: RobustDaemon, rb: RobustDaemon, quietMs = 1500, boundMs = 20_000): Promise<number> {
  const t0 = Date.now();
  let last = "";
  let stableSince = Date.now();
  for (;;) {
    const now = `${(await ra.counters()).rx}/${(await rb.counters()).rx}`;
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) return stableSince - t0;
    if (Date.now() - t0 > boundMs) throw new Error(`the loop still carries traffic after ${boundMs} ms (rx ${now})`);
    await sleep(250);
  }
}

async function inject(lab: Lab, count: number, rate: number): Promise<FloodResult> {
  const c = lab.ifname("cli");
  return runFlood(lab, "cli", { bind: { addr: "::", port: 546 }, dst: { addr: `ff02::1:2%${c}`, port: 547 }, mcastIf: c, rate, count, messages: solicit(), listenMs: 200 });
}

test("a loop of two relays pointing at each other: one Solicit goes round 32 times (hop counts 0..31) and dies at the hop limit; no relay sends more than it receives", T, async (t) => {
  requireLab(["ip", "ss", "sysctl", "dumpcap", "tshark"]);
  await inLab(ringTopology(), async (lab, daemons) => {
    const { ra, rb } = await ring(lab, daemons, { downExtra: [NO_CLIENT_LIMIT] });
    const capAB = await startCapture(lab, "ra", "a2", { filter: WHOLE });
    const capBA = await startCapture(lab, "ra", "a1", { filter: WHOLE });
    const [a0, b0] = [await ra.counters(), await rb.counters()];
    await inject(lab, 1, 10);
    await settle(ra, rb);
    const da = counterDelta(a0, await ra.counters());
    const db = counterDelta(b0, await rb.counters());
    const ab = await flowOf(await capAB.stop());
    const ba = await flowOf(await capBA.stop());
    t.diagnostic(`ra ${JSON.stringify(da)}; rb ${JSON.stringify(db)}; ra->rb hops ${ab.hops.join(",")}; rb->ra hops ${ba.hops.join(",")}`);
    assert.deepEqual(ab.hops, Array.from({ length: 16 }, (_, i) => 2 * i), "ra -> rb: hop counts 0, 2, ..., 30");
    assert.deepEqual(ba.hops, Array.from({ length: 16 }, (_, i) => 2 * i + 1), "rb -> ra: hop counts 1, 3, ..., 31");
    assert.deepEqual(da, { rx: 17, tx: 16, relayed_up: 16, drop_hop_limit: 1 }, "ra: the Solicit and 16 Relay-forwards in, 16 out, the last dropped at the hop limit");
    assert.deepEqual(db, { rx: 16, tx: 16, relayed_up: 16 }, "rb: 16 in, 16 out");
  });
});

test("a loop of two relays under a storm of 300 Solicits (no per-client limit): at most 32 datagrams per Solicit, the loop falls silent when the storm ends", T, async (t) => {
  requireLab(["ip", "ss", "sysctl"]);
  await inLab(ringTopology(), async (lab, daemons) => {
    const { ra, rb } = await ring(lab, daemons, { downExtra: [NO_CLIENT_LIMIT] });
    const [a0, b0] = [await ra.counters(), await rb.counters()];
    const r = await inject(lab, 300, 150);
    const quietAfter = await settle(ra, rb);
    const da = counterDelta(a0, await ra.counters());
    const db = counterDelta(b0, await rb.counters());
    t.diagnostic(`storm of ${r.sent} Solicits: ra ${JSON.stringify(da)}; rb ${JSON.stringify(db)}; silent ${quietAfter} ms after the storm ended`);
    for (const [name, d] of [["ra", da], ["rb", db]] as const) assert.ok((d.tx ?? 0) <= (d.rx ?? 0), `${name} sent ${d.tx}, received ${d.rx}`);
    assert.ok((da.relayed_up ?? 0) + (db.relayed_up ?? 0) <= 32 * r.sent, `at most 32 Relay-forwards per Solicit (${(da.relayed_up ?? 0) + (db.relayed_up ?? 0)} for ${r.sent})`);
    assert.equal(da.drop_hop_limit, da.rx - da.relayed_up!, "what ra did not relay died at the hop limit");
    assert.ok(quietAfter <= 3000, `the loop fell silent soon after the storm (${quietAfter} ms)`);
  });
});

/** Captures on ra's two loop links: a2 carries ra -> rb, a1 carries rb -> ra. */
async function loopCaptures(lab: Lab) {
  const ab = await startCapture(lab, "ra", "a2", { filter: WHOLE });
  const ba = await startCapture(lab, "ra", "a1", { filter: WHOLE });
  return async () => ({ ab: await flowOf(await ab.stop()), ba: await flowOf(await ba.stop()) });
}

const FAN_OUT = { aServers: [RING.B_DOWN, RING.B_DOWN2], bServers: [RING.A_LOOP, RING.A_LOOP2] };

test("a loop with fan-out (each relay has two servers: the other relay's two addresses), default configuration: a client's Solicit is copied to both, every later Relay-forward goes to one only: two chains of 32, 64 datagrams", T, async (t) => {
  requireLab(["ip", "ss", "sysctl", "dumpcap", "tshark"]);
  await inLab(ringTopology(), async (lab, daemons) => {
    const { ra, rb } = await ring(lab, daemons, FAN_OUT);
    const stop = await loopCaptures(lab);
    const [a0, b0] = [await ra.counters(), await rb.counters()];
    await inject(lab, 1, 10);
    const quietAfter = await settle(ra, rb);
    const da = counterDelta(a0, await ra.counters());
    const db = counterDelta(b0, await rb.counters());
    const { ab, ba } = await stop();
    t.diagnostic(`one Solicit: ra ${JSON.stringify(da)}; rb ${JSON.stringify(db)}; captured ${ab.total} ra->rb (hops ${ab.hops.join(",")}), ${ba.total} rb->ra; silent after ${quietAfter} ms`);
    // Unchecked, the copies would double every hop (or every second hop): ~2^32 (or 196605) datagrams.
    assert.equal(ab.total + ba.total, 64, `two chains of 32 Relay-forwards: ${ab.total} + ${ba.total} datagrams`);
    assert.deepEqual(ab.hops.slice().sort((x, y) => x - y), Array.from({ length: 32 }, (_, i) => 2 * Math.floor(i / 2)), "ra -> rb: hop counts 0, 0, 2, 2, ..., 30, 30");
    assert.deepEqual(ba.hops.slice().sort((x, y) => x - y), Array.from({ length: 32 }, (_, i) => 2 * Math.floor(i / 2) + 1), "rb -> ra: hop counts 1, 1, 3, 3, ..., 31, 31");
    assert.equal(ba.total, db.rx, "rb sends one datagram per Relay-forward it receives");
    assert.equal(ab.total, 2 + (da.rx - 1 - (da.drop_hop_limit ?? 0)), "ra sends two for the client's Solicit, one per Relay-forward it relays");
    assert.equal(da.drop_hop_limit, 2, "both chains die at the hop limit");
  });
});

test("a loop with fan-out and NO rate limit under a storm of 200 Solicits: at most 2 x 32 datagrams per Solicit, and silence right after the storm", T, async (t) => {
  requireLab(["ip", "ss", "sysctl", "dumpcap", "tshark"]);
  await inLab(ringTopology(), async (lab, daemons) => {
    const { ra, rb } = await ring(lab, daemons, { ...FAN_OUT, downExtra: [NO_CLIENT_LIMIT] });
    const stop = await loopCaptures(lab);
    const [a0, b0] = [await ra.counters(), await rb.counters()];
    const r = await inject(lab, 200, 100);
    const quietAfter = await settle(ra, rb);
    const da = counterDelta(a0, await ra.counters());
    const db = counterDelta(b0, await rb.counters());
    const { ab, ba } = await stop();
    t.diagnostic(`storm of ${r.sent} Solicits: ra ${JSON.stringify(da)}; rb ${JSON.stringify(db)}; captured ${ab.total} ra->rb, ${ba.total} rb->ra; silent ${quietAfter} ms after the storm`);
    assert.ok(ab.total + ba.total <= 64 * r.sent, `at most 64 datagrams per Solicit (${ab.total + ba.total} for ${r.sent})`);
    assert.ok(ba.total <= db.rx, `rb sends no more than it receives (${ba.total} / ${db.rx})`);
    assert.ok(ab.total <= 2 * r.sent + ba.total, `ra: two per client Solicit, at most one per Relay-forward received (${ab.total})`);
    assert.ok(quietAfter <= 3000, `silent soon after the storm (${quietAfter} ms)`);
  });
});
