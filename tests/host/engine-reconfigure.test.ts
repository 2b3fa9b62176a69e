// Prefix changes and Reconfigure (RFC 8415 sections 18.2.11, 18.3.11, 20.4)
// through the real core.wasm; digests checked with Node's own HMAC-MD5.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { EFFECT } from "../../host/core/abi.js";
import type { Effect } from "../../host/core/core.js";
import { encodeIface } from "../../host/core/records.js";
import { Bench, message, clientId, serverId, iaNa, iaPd, duidLL, opt, ip, ias, find, walk, relayForward, INF, SERVER_MAC, CLIENT_LL } from "./helpers/engine.js";

const RA = () => opt(20, []);
const C1 = duidLL(1);
type Send = Extract<Effect, { type: typeof EFFECT.SEND }>;
const sends = (fx: Effect[]) => fx.filter((e): e is Send => e.type === EFFECT.SEND);

function bindWithKey(b: Bench, ...iaOpts: number[][]): { key: Buffer; replay: bigint; reply: ReturnType<typeof walk> } {
  b.send(message(1, 1, clientId(C1), RA(), ...iaOpts));
  const { reply } = b.send(message(3, 2, clientId(C1), serverId(), RA(), ...iaOpts));
  const auth = find(reply!.options, 11);
  assert.ok(auth, "the Reply to Request carries the reconfigure key");
  const d = Buffer.from(auth.data);
  assert.deepEqual([d[0], d[1], d[2], d[11]], [3, 1, 0, 1], "protocol 3, HMAC-MD5, RDM 0, type 1 (key)");
  assert.equal(d.length, 28);
  return { key: d.subarray(12, 28), replay: d.readBigUInt64BE(3), reply: reply! };
}

const NEW_PREFIXES = [
  { addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: INF, validUntil: INF },
  { addr: ip("2001:db8:1:30::1"), plen: 60, preferredUntil: 100000, validUntil: 200000 },
];

function changePrefix(b: Bench): Effect[] {
  return b.core.setIface(encodeIface({ slot: 0, name: "lan0", ifindex: 2, up: true, mac: SERVER_MAC, linkLocal: ip("fe80::1"), addrs: NEW_PREFIXES }), b.now);
}

test("no Reconfigure Accept from the client: no option 20, no key", () => {
  const b = new Bench();
  const adv = b.send(message(1, 1, clientId(C1), iaNa(1))).reply!;
  assert.equal(find(adv.options, 20), undefined);
  const rep = b.send(message(3, 2, clientId(C1), serverId(), iaNa(1))).reply!;
  assert.equal(find(rep.options, 20), undefined);
  assert.equal(find(rep.options, 11), undefined);
});

test("Reconfigure Accept offered: echoed in Advertise and Reply, key only in the Reply to Request", () => {
  const b = new Bench();
  const adv = b.send(message(1, 1, clientId(C1), RA(), iaNa(1))).reply!;
  assert.ok(find(adv.options, 20));
  assert.equal(find(adv.options, 11), undefined, "no key in an Advertise");
  bindWithKey(b, iaNa(1));
  const renew = b.send(message(5, 3, clientId(C1), serverId(), RA(), iaNa(1))).reply!;
  assert.equal(find(renew.options, 11), undefined, "the key is delivered once");
});

test("disabled with dhcpv6_reconfigure 0: no option 20, no key", () => {
  const b = new Bench({ cfg: (r) => r.u8(26, 0) });
  const rep = (b.send(message(1, 1, clientId(C1), RA(), iaNa(1))), b.send(message(3, 2, clientId(C1), serverId(), RA(), iaNa(1))).reply!);
  assert.equal(find(rep.options, 20), undefined);
  assert.equal(find(rep.options, 11), undefined);
});

test("a prefix change moves the routes and sends ONE authenticated Reconfigure per client", () => {
  const b = new Bench();
  const { key, replay } = bindWithKey(b, iaNa(1), iaPd(2));
  const fx = changePrefix(b).map((e) => e.type);
  assert.ok(fx.includes(EFFECT.ROUTE_DEL) && fx.includes(EFFECT.ROUTE_ADD), "the delegation's route follows the new prefix");
  const s = sends(b.tick(1));
  assert.equal(s.length, 1, "one Reconfigure for the client's two bindings");
  assert.deepEqual(s[0].addr, CLIENT_LL);
  assert.equal(s[0].port, 546);
  const m = walk(s[0].datagram);
  assert.equal(m.msgType, 10);
  assert.equal(m.xid, 0);
  assert.deepEqual(Array.from(find(m.options, 1)!.data), C1);
  assert.ok(find(m.options, 2));
  assert.deepEqual(Array.from(find(m.options, 19)!.data), [5], "Reconfigure Message: Renew");
  const auth = find(m.options, 11)!;
  const d = Buffer.from(auth.data);
  assert.deepEqual([d[0], d[1], d[2], d[11]], [3, 1, 0, 2]);
  assert.ok(d.readBigUInt64BE(3) > replay, "replay detection increases");
  // RFC 8415 20.4.1: HMAC-MD5 over the message with the digest zeroed.
  const zeroed = Buffer.from(s[0].datagram);
  const digestAt = auth.offset + 4 + 12;
  const digest = Buffer.from(zeroed.subarray(digestAt, digestAt + 16));
  zeroed.fill(0, digestAt, digestAt + 16);
  assert.deepEqual(createHmac("md5", key).update(zeroed).digest(), digest);
});

test("retransmission: REC_TIMEOUT doubling, at most REC_MAX_RC times, each with a higher replay value", () => {
  const b = new Bench();
  bindWithKey(b, iaNa(1));
  changePrefix(b);
  const at: number[] = [];
  let last = 0n;
  for (let t = 1; t <= 600; t++) {
    for (const s of sends(b.tick(1))) {
      at.push(b.now);
      const auth = Buffer.from(find(walk(s.datagram).options, 11)!.data);
      const r = auth.readBigUInt64BE(3);
      assert.ok(r > last);
      last = r;
    }
  }
  const gaps = at.slice(1).map((t, i) => t - at[i]);
  assert.equal(at.length, 8);
  assert.deepEqual(gaps, [2, 4, 8, 16, 32, 64, 128]);
});

test("the client's Renew stops the Reconfigure and moves it to the new prefix (old address with lifetime 0)", () => {
  const b = new Bench({ addrs: [{ addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: INF, validUntil: INF }] });
  const { reply } = bindWithKey(b, iaNa(1));
  const old = ias(reply)[0].leases[0].addr;
  b.core.setIface(encodeIface({ slot: 0, name: "lan0", ifindex: 2, up: true, mac: SERVER_MAC, linkLocal: ip("fe80::1"), addrs: [{ addr: ip("2001:db8:7::1"), plen: 64, preferredUntil: INF, validUntil: INF }] }), b.now);
  assert.equal(sends(b.tick(1)).length, 1);
  const renew = b.send(message(5, 9, clientId(C1), serverId(), iaNa(1, ip(old)))).reply!;
  const leases = ias(renew)[0].leases;
  assert.ok(leases.some((l) => l.addr.startsWith("2001:db8:7:") && l.valid > 0), "new address");
  assert.ok(leases.some((l) => l.addr === old && l.valid === 0), "old address with lifetime 0");
  for (let t = 0; t < 60; t++) assert.equal(sends(b.tick(1)).length, 0, "no more Reconfigures after the Renew");
});

test("a relayed client's Reconfigure goes back through its relay inside a Relay-reply", () => {
  const b = new Bench();
  const relay = ip("2001:db8:1::2");
  const ifid = opt(18, [0, 0, 0, 7]);
  const wrap = (inner: Uint8Array) => relayForward(0, ip("2001:db8:1::1"), CLIENT_LL, inner, ifid);
  b.send(wrap(message(1, 1, clientId(C1), RA(), iaNa(1))), { multicast: false, src: relay, port: 547 });
  b.send(wrap(message(3, 2, clientId(C1), serverId(), RA(), iaNa(1))), { multicast: false, src: relay, port: 547 });
  changePrefix(b);
  const [s] = sends(b.tick(1));
  assert.ok(s);
  assert.deepEqual(s.addr, relay);
  assert.equal(s.port, 547);
  const m = walk(s.datagram);
  assert.equal(m.msgType, 13);
  assert.deepEqual(m.peerAddress, CLIENT_LL);
  assert.deepEqual(Array.from(find(m.options, 18)!.data), [0, 0, 0, 7]);
  assert.equal(find(m.options, 9)!.message!.msgType, 10);
});

test("lifetime-only refreshes of the same prefixes do not trigger anything", () => {
  const b = new Bench();
  bindWithKey(b, iaNa(1), iaPd(2));
  const same = b.core.setIface(encodeIface({ slot: 0, name: "lan0", ifindex: 2, up: true, mac: SERVER_MAC, linkLocal: ip("fe80::1"), addrs: [
    { addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: INF, validUntil: INF },
    { addr: ip("2001:db8:1:10::1"), plen: 60, preferredUntil: 100500, validUntil: 200500 },
  ] }), b.now);
  assert.deepEqual(same, []);
  assert.equal(sends(b.tick(1)).length, 0);
});
