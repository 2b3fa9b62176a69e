// The relay agent (RFC 8415 section 19) and serving behind relays, through
// the real core.wasm: two interfaces, a client-facing one (slot 0) and an
// upstream master (slot 1).

import { test } from "node:test";
import assert from "node:assert/strict";
import { CFG, MODE, DST_UPSTREAM, STAT_NAMES } from "../../host/core/abi.js";
import { CfgRecord, encodeIface } from "../../host/core/records.js";
import { loadCore, message, clientId, serverId, iaNa, oro, opt, ip, walk, find, duidLL, relayForward, INF, SECRET, u32 } from "./helpers/engine.js";

const CLIENT = ip("fe80::a8bb:ccff:fedd:eeff"); // EUI-64 of aa:bb:cc:dd:ee:ff
const DOWN_INDEX = 7;

function relayBench(cfg: (r: CfgRecord) => void = () => {}, downAddrs = [{ addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: INF, validUntil: INF }]) {
  const core = loadCore();
  core.setIface(encodeIface({ slot: 0, name: "rc", ifindex: DOWN_INDEX, up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 1), linkLocal: ip("fe80::1"), addrs: downAddrs }));
  core.setIface(encodeIface({ slot: 1, name: "rs", ifindex: 8, up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 2), linkLocal: ip("fe80::2"), addrs: [{ addr: ip("2001:db8:9::2"), plen: 64, preferredUntil: INF, validUntil: INF }] }));
  const r = new CfgRecord().item(CFG.SECRET, SECRET).iface(0).u8(CFG.MODE, MODE.relay);
  cfg(r);
  r.iface(1).u8(CFG.MODE, MODE.relay).u8(CFG.MASTER, 1);
  core.configure(r.bytes());
  return core;
}

const solicit = () => message(1, 0x123456, clientId(duidLL(1)), iaNa(1));

test("a client's Solicit goes up as a Relay-forward: hop 0, link = our global address, peer = client, Interface-ID = ifindex", () => {
  const core = relayBench();
  const r = core.handle(solicit(), 0, CLIENT, 546, true, 100);
  assert.ok(typeof r !== "number");
  assert.equal(r.kind, DST_UPSTREAM);
  assert.equal(r.port, 547);
  const m = walk(core.tx.slice(0, r.length));
  assert.equal(m.msgType, 12);
  assert.equal(m.hopCount, 0);
  assert.deepEqual(m.linkAddress, ip("2001:db8:1::1"));
  assert.deepEqual(m.peerAddress, CLIENT);
  assert.deepEqual(Array.from(find(m.options, 18)!.data), u32(DOWN_INDEX));
  assert.deepEqual(find(m.options, 9)!.data, solicit());
  assert.equal(core.counters().relayed_up, 1);
});

test("without a global address the link-address is 0, never the master's", () => {
  const core = relayBench(() => {}, []);
  const r = core.handle(solicit(), 0, CLIENT, 546, true, 100);
  assert.ok(typeof r !== "number");
  assert.deepEqual(walk(core.tx.slice(0, r.length)).linkAddress, new Uint8Array(16));
});

test("Remote-ID and Client Link-Layer Address are added when configured", () => {
  const core = relayBench((r) => r.item(CFG.REMOTE_ID, Uint8Array.of(0, 0, 0x11, 0x8b, 0xca, 0xfe)).u8(CFG.CLIENT_LLADDR, 1));
  const r = core.handle(solicit(), 0, CLIENT, 546, true, 100);
  assert.ok(typeof r !== "number");
  const m = walk(core.tx.slice(0, r.length));
  assert.deepEqual(Array.from(find(m.options, 37)!.data), [0, 0, 0x11, 0x8b, 0xca, 0xfe]);
  assert.deepEqual(Array.from(find(m.options, 79)!.data), [0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
});

test("a Relay-forward from another relay goes up with hop + 1; at the hop limit it is dropped", () => {
  const core = relayBench((r) => r.u8(CFG.HOP_LIMIT, 4));
  const inner = relayForward(2, ip("2001:db8:7::1"), CLIENT, solicit());
  let r = core.handle(inner, 0, ip("fe80::77"), 547, true, 100);
  assert.ok(typeof r !== "number");
  const m = walk(core.tx.slice(0, r.length));
  assert.equal(m.hopCount, 3);
  assert.deepEqual(m.linkAddress, new Uint8Array(16), "link-address 0 for a relayed message (section 19.1.2)");
  r = core.handle(relayForward(3, ip("2001:db8:7::1"), CLIENT, solicit()), 0, ip("fe80::77"), 547, true, 100);
  assert.equal(typeof r === "number" && STAT_NAMES[-r], "drop_hop_limit");
});

test("server messages from the client side are never relayed", () => {
  const core = relayBench();
  for (const type of [2, 7, 10, 13]) {
    const r = core.handle(message(type, 1, clientId(duidLL(1))), 0, CLIENT, 546, true, 100);
    assert.equal(typeof r, "number", `type ${type}`);
    assert.ok((r as number) < 0);
  }
});

function relayReply(ifid: number[], inner: Uint8Array, peer = CLIENT): Uint8Array {
  return Uint8Array.from([13, 0, ...ip("2001:db8:1::1"), ...peer, ...opt(18, ifid), ...opt(9, inner)]);
}

const advertise = (...extra: number[][]) => message(2, 0x123456, clientId(duidLL(1)), serverId([0, 3, 0, 1, 9, 9, 9, 9, 9, 9]), opt(23, ip("2001:db8:9::53")), ...extra);

test("a Relay-reply from upstream goes down to the peer-address on port 546, unchanged", () => {
  const core = relayBench();
  const r = core.handle(relayReply(u32(DOWN_INDEX), advertise()), 1, ip("2001:db8:9::1"), 547, false, 100);
  assert.ok(typeof r !== "number");
  assert.equal(r.ifslot, 0);
  assert.equal(r.port, 546);
  assert.deepEqual(r.addr, CLIENT);
  assert.deepEqual(core.tx.slice(0, r.length), advertise());
  assert.equal(core.counters().relayed_down, 1);
});

test("Relay-replies with an unknown Interface-ID, or from the client side, are dropped", () => {
  const core = relayBench();
  let r = core.handle(relayReply(u32(99), advertise()), 1, ip("2001:db8:9::1"), 547, false, 100);
  assert.equal(typeof r === "number" && STAT_NAMES[-r], "drop_relay_reply");
  r = core.handle(relayReply([1, 2], advertise()), 1, ip("2001:db8:9::1"), 547, false, 100);
  assert.equal(typeof r === "number" && STAT_NAMES[-r], "drop_relay_reply");
  r = core.handle(relayReply(u32(DOWN_INDEX), advertise()), 0, CLIENT, 547, true, 100);
  assert.equal(typeof r === "number" && STAT_NAMES[-r], "drop_relay_reply");
});

test("dns on the client-facing interface rewrites option 23, but not in an authenticated message", () => {
  const core = relayBench((r) => r.item(CFG.DNS, ip("2001:db8:1::53")));
  let r = core.handle(relayReply(u32(DOWN_INDEX), advertise(oro(23))), 1, ip("2001:db8:9::1"), 547, false, 100);
  assert.ok(typeof r !== "number");
  let m = walk(core.tx.slice(0, r.length));
  assert.deepEqual(find(m.options, 23)!.data, ip("2001:db8:1::53"));
  assert.equal(m.options.filter((o) => o.code === 23).length, 1);
  const auth = opt(11, [3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, ...new Array(16).fill(7)]);
  r = core.handle(relayReply(u32(DOWN_INDEX), advertise(auth)), 1, ip("2001:db8:9::1"), 547, false, 100);
  assert.ok(typeof r !== "number");
  m = walk(core.tx.slice(0, r.length));
  assert.deepEqual(find(m.options, 23)!.data, ip("2001:db8:9::53"), "authenticated: untouched");
});

test("behind a relay, the server assigns from the interface whose prefix holds the link-address", () => {
  const core = loadCore();
  core.setIface(encodeIface({ slot: 0, name: "s", ifindex: 2, up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 1), linkLocal: ip("fe80::1"), addrs: [{ addr: ip("2001:db8:9::1"), plen: 64, preferredUntil: INF, validUntil: INF }] }));
  core.setIface(encodeIface({ slot: 1, name: "remote", ifindex: 3, up: true, mac: null, linkLocal: null, addrs: [{ addr: ip("2001:db8:1::fffe"), plen: 64, preferredUntil: INF, validUntil: INF }] }));
  core.configure(new CfgRecord().item(CFG.SECRET, SECRET).iface(0).u8(CFG.MODE, MODE.server).iface(1).u8(CFG.MODE, MODE.server).bytes());
  const fwd = relayForward(0, ip("2001:db8:1::1"), CLIENT, solicit(), opt(18, [1, 2, 3, 4]));
  const r = core.handle(fwd, 0, ip("2001:db8:9::2"), 547, false, 100);
  assert.ok(typeof r !== "number");
  const m = walk(core.tx.slice(0, r.length));
  assert.equal(m.msgType, 13);
  const adv = find(m.options, 9)!.message!;
  const addr = find(find(adv.options, 3)!.children!, 5)!.data.subarray(0, 8);
  assert.deepEqual(Array.from(addr), Array.from(ip("2001:db8:1::").subarray(0, 8)));
  assert.deepEqual(r.addr, ip("2001:db8:9::2"));
  assert.equal(r.ifslot, 0, "back out of the arrival interface");
});

test("hybrid: an interface with a global prefix serves, without one it relays; the master only takes Relay-replies", () => {
  const core = loadCore();
  const mac = Uint8Array.of(2, 0, 0, 0, 0, 1);
  const withPrefix = [{ addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: INF, validUntil: INF }];
  core.setIface(encodeIface({ slot: 0, name: "lan", ifindex: DOWN_INDEX, up: true, mac, linkLocal: ip("fe80::1"), addrs: withPrefix }));
  core.setIface(encodeIface({ slot: 1, name: "wan", ifindex: 8, up: true, mac, linkLocal: ip("fe80::2"), addrs: [] }));
  core.configure(new CfgRecord().item(CFG.SECRET, SECRET).iface(0).u8(CFG.MODE, MODE.hybrid).iface(1).u8(CFG.MODE, MODE.hybrid).u8(CFG.MASTER, 1).bytes());
  let r = core.handle(solicit(), 0, CLIENT, 546, true, 100);
  assert.ok(typeof r !== "number");
  assert.equal(r.kind, 0, "served directly");
  assert.equal(walk(core.tx.slice(0, r.length)).msgType, 2, "an Advertise");
  // The prefix goes away (no upstream delegation): the interface relays.
  core.setIface(encodeIface({ slot: 0, name: "lan", ifindex: DOWN_INDEX, up: true, mac, linkLocal: ip("fe80::1"), addrs: [] }), 100);
  r = core.handle(solicit(), 0, CLIENT, 546, true, 101);
  assert.ok(typeof r !== "number");
  assert.equal(r.kind, DST_UPSTREAM);
  assert.equal(walk(core.tx.slice(0, r.length)).msgType, 12, "a Relay-forward");
  r = core.handle(solicit(), 1, ip("fe80::99"), 546, true, 102);
  assert.equal(typeof r === "number" && STAT_NAMES[-r], "drop_relay_reply", "the master takes no client messages");
});
