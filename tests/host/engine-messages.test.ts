// The server engine, message by message (RFC 8415 sections 16 and 18.3),
// through the real core.wasm.

import { test } from "node:test";
import assert from "node:assert/strict";
import { EFFECT, STAT_NAMES } from "../../host/core/abi.js";
import {
  Bench, message, clientId, serverId, oro, elapsed, iaNa, iaPd, duidLL, opt, ip, ias, status, find, relayForward,
  SERVER_DUID, INF,
} from "./helpers/engine.js";

const dropReason = (code: number) => STAT_NAMES[-code];
const C1 = duidLL(1);

test("Solicit -> Advertise with an address and a /62 from the /60, not committed", () => {
  const b = new Bench();
  const { reply, effects } = b.send(message(1, 0xabcdef, clientId(C1), oro(23, 24), elapsed(), iaNa(1), iaPd(2)));
  assert.ok(reply);
  assert.equal(reply.msgType, 2);
  assert.equal(reply.xid, 0xabcdef);
  assert.deepEqual(find(reply.options, 2)?.data, SERVER_DUID);
  assert.deepEqual(Array.from(find(reply.options, 1)!.data), C1);
  const [na, pd] = ias(reply);
  assert.equal(na.iaid, 1);
  assert.equal(na.leases.length, 1);
  assert.match(na.leases[0].addr, /^2001:db8:1:(0:|:)/, "from the elected prefix: the /64 with the longest preferred lifetime");
  assert.equal(pd.leases[0].plen, 62);
  assert.equal(pd.leases[0].addr, "2001:db8:1:14::"); // first fit after the interface's own /64 (slot 0)
  assert.ok(find(reply.options, 23) && find(reply.options, 24), "requested DNS and domain");
  assert.deepEqual(effects, [], "an Advertise commits nothing");
});

test("Request -> Reply: bound, journaled, route to the delegated prefix, leases changed", () => {
  const b = new Bench();
  const r = b.bind(C1, iaNa(1), iaPd(2));
  assert.equal(r.length, 2);
  assert.ok(r.every((x) => x.status === null && x.leases.length > 0));
  const { effects } = b.send(message(5, 3, clientId(C1), serverId(), elapsed(), iaNa(1), iaPd(2)));
  assert.deepEqual(effects.map((e) => e.type).sort(), [EFFECT.BINDING_PUT, EFFECT.BINDING_PUT]);
});

test("Request effects: two PUTs, one ROUTE_ADD via the client, LEASES_CHANGED", () => {
  const b = new Bench();
  b.send(message(1, 1, clientId(C1), iaNa(1), iaPd(2)));
  const { effects } = b.send(message(3, 2, clientId(C1), serverId(), iaNa(1), iaPd(2)));
  const types = effects.map((e) => e.type);
  assert.equal(types.filter((t) => t === EFFECT.BINDING_PUT).length, 2);
  const route = effects.find((e) => e.type === EFFECT.ROUTE_ADD);
  assert.ok(route && route.type === EFFECT.ROUTE_ADD);
  assert.equal(route.plen, 62);
  assert.deepEqual(route.via, ip("fe80::c1"));
  assert.ok(types.includes(EFFECT.LEASES_CHANGED));
});

test("lifetimes: min(lease time, prefix lifetimes); T1 = 0.5, T2 = 0.8 of preferred", () => {
  const b = new Bench({ cfg: (r) => r.u32(9, 7200) });
  const [na, pd] = b.bind(C1, iaNa(1), iaPd(2));
  // The /60 has 99000 s preferred left, the /64 infinite: both capped at 7200.
  assert.equal(na.leases[0].preferred, 7200);
  assert.equal(na.leases[0].valid, 7200);
  assert.equal(na.t1, 3600);
  assert.equal(na.t2, 5760);
  assert.equal(pd.leases[0].valid, 7200);
  const short = new Bench({ addrs: [{ addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: 1000 + 300, validUntil: 1000 + 900 }] });
  const [n2] = short.bind(C1, iaNa(1));
  assert.deepEqual([n2.leases[0].preferred, n2.leases[0].valid, n2.t1, n2.t2], [300, 900, 150, 240]);
});

test("Renew extends; Renew of an unknown IA gets NoBinding", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  b.tick(100);
  const { reply } = b.send(message(5, 9, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr)), iaNa(7)));
  assert.ok(reply);
  const [renewed, unknown] = ias(reply);
  assert.equal(renewed.leases[0].addr, na.leases[0].addr);
  assert.equal(renewed.leases[0].valid, 3600);
  assert.equal(unknown.iaid, 7);
  assert.equal(unknown.status, 3); // NoBinding
  assert.equal(unknown.leases.length, 0);
});

test("Renew listing an address we do not give returns it with lifetimes 0", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const { reply } = b.send(message(5, 9, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr), ip("2001:db8:99::5"))));
  const leases = ias(reply!)[0].leases;
  assert.deepEqual(leases.find((l) => l.addr === "2001:db8:99::5"), { addr: "2001:db8:99::5", plen: 128, preferred: 0, valid: 0 });
  assert.ok(leases.find((l) => l.addr === na.leases[0].addr && l.valid > 0));
});

test("Rebind of an unknown binding: appropriate, free addresses are kept; others get lifetimes 0", () => {
  const b = new Bench();
  const own = ip("2001:db8:1::abcd:1234");
  let { reply } = b.send(message(6, 1, clientId(C1), iaNa(1, own)));
  let [na] = ias(reply!);
  assert.deepEqual(na.leases.map((l) => [l.addr, l.valid > 0]), [["2001:db8:1::abcd:1234", true]]);
  ({ reply } = b.send(message(6, 2, clientId(duidLL(2)), iaNa(1, ip("2001:db8:77::1")))));
  [na] = ias(reply!);
  assert.deepEqual(na.leases, [{ addr: "2001:db8:77::1", plen: 128, preferred: 0, valid: 0 }]);
  ({ reply } = b.send(message(6, 3, clientId(duidLL(3)), iaNa(1))));
  assert.equal(ias(reply!)[0].status, 3); // nothing to rebind: NoBinding
});

test("Release frees the binding (journal delete, route removed); unknown IAs get NoBinding", () => {
  const b = new Bench();
  b.bind(C1, iaNa(1), iaPd(2));
  const { reply, effects } = b.send(message(8, 5, clientId(C1), serverId(), iaNa(1), iaPd(2), iaNa(9)));
  assert.equal(status(reply!), 0);
  const iav = ias(reply!);
  assert.deepEqual(iav.map((x) => [x.iaid, x.status]), [[9, 3]]);
  const types = effects.map((e) => e.type);
  assert.equal(types.filter((t) => t === EFFECT.BINDING_DEL).length, 2);
  assert.ok(types.includes(EFFECT.ROUTE_DEL));
  const renew = b.send(message(5, 6, clientId(C1), serverId(), iaNa(1))).reply!;
  assert.equal(ias(renew)[0].status, 3, "released: no binding any more");
});

test("Decline blocks the address; the client's next Solicit gets another one", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const { reply } = b.send(message(9, 7, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr))));
  assert.equal(status(reply!), 0);
  const again = b.bind(C1, iaNa(1));
  assert.notEqual(again[0].leases[0].addr, na.leases[0].addr);
});

test("Confirm: Success on-link, NotOnLink off-link, no reply without addresses", () => {
  const b = new Bench();
  let r = b.send(message(4, 1, clientId(C1), iaNa(1, ip("2001:db8:1::1234"))));
  assert.equal(status(r.reply!), 0);
  r = b.send(message(4, 2, clientId(C1), iaNa(1, ip("2001:db8:1::1234"), ip("2001:db8:2::1"))));
  assert.equal(status(r.reply!), 4);
  r = b.send(message(4, 3, clientId(C1), iaNa(1)));
  assert.equal(r.reply, null);
});

test("Rapid Commit: Solicit with option 14 -> Reply with option 14, committed", () => {
  const b = new Bench();
  const { reply, effects } = b.send(message(1, 1, clientId(C1), opt(14, []), iaNa(1)));
  assert.equal(reply!.msgType, 7);
  assert.ok(find(reply!.options, 14));
  assert.ok(effects.some((e) => e.type === EFFECT.BINDING_PUT));
  const off = new Bench({ cfg: (r) => r.u8(20, 0) });
  assert.equal(off.send(message(1, 1, clientId(C1), opt(14, []), iaNa(1))).reply!.msgType, 2, "disabled: Advertise");
});

test("RFC 8415 section 16 validation drops", () => {
  const b = new Bench();
  const cases: [string, Uint8Array, boolean, string][] = [
    ["Solicit without Client ID", message(1, 1, iaNa(1)), true, "drop_client_id"],
    ["Solicit with a Server ID", message(1, 1, clientId(C1), serverId(), iaNa(1)), true, "drop_server_id"],
    ["Solicit by unicast", message(1, 1, clientId(C1), iaNa(1)), false, "drop_unicast"],
    ["Request without Server ID", message(3, 1, clientId(C1), iaNa(1)), true, "drop_server_id"],
    ["Request with another Server ID", message(3, 1, clientId(C1), serverId([0, 3, 0, 1, 9, 9, 9, 9, 9, 9]), iaNa(1)), true, "drop_server_id"],
    ["Renew without Client ID", message(5, 1, serverId(), iaNa(1)), true, "drop_client_id"],
    ["Rebind with a Server ID", message(6, 1, clientId(C1), serverId(), iaNa(1)), true, "drop_server_id"],
    ["Confirm with a Server ID", message(4, 1, clientId(C1), serverId(), iaNa(1)), true, "drop_server_id"],
    ["Information-request with an IA", message(11, 1, clientId(C1), iaNa(1)), true, "drop_invalid"],
    ["Advertise from a client", message(2, 1, clientId(C1), serverId()), true, "drop_not_for_server"],
    ["Reply from a client", message(7, 1, clientId(C1), serverId()), true, "drop_not_for_server"],
    ["empty Client ID", message(1, 1, opt(1, []), iaNa(1)), true, "drop_client_id"],
    ["two Client IDs", message(1, 1, clientId(C1), clientId(duidLL(2)), iaNa(1)), true, "drop_invalid"],
    ["option past the end", Uint8Array.from([1, 0, 0, 1, 0, 1, 0, 20, 0, 3]), true, "drop_malformed"],
  ];
  for (const [what, msg, mc, want] of cases) {
    const { reply, code } = b.send(msg, { multicast: mc });
    assert.equal(reply, null, what);
    assert.equal(dropReason(code), want, what);
  }
  assert.ok(b.core.counters().drop_server_id >= 4);
});

test("unicast Request/Renew/Release/Decline -> Reply with only Server ID, Client ID and UseMulticast", () => {
  const b = new Bench();
  for (const type of [3, 5, 8, 9]) {
    const { reply } = b.send(message(type, 0x42, clientId(C1), serverId(), iaNa(1)), { multicast: false, src: ip("2001:db8:1::77") });
    assert.ok(reply, `type ${type}`);
    assert.equal(reply.msgType, 7);
    assert.deepEqual(reply.options.map((o) => o.code).sort((a, c) => a - c), [1, 2, 13]);
    assert.equal(status(reply), 5);
  }
});

test("two clients, and two IAIDs of one client, never share an address or a prefix", () => {
  const b = new Bench({ addrs: [{ addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: INF, validUntil: INF }, { addr: ip("2001:db8:2::1"), plen: 56, preferredUntil: INF, validUntil: INF }] });
  const seen = new Set<string>();
  for (let c = 1; c <= 20; c++) {
    for (const iaid of [1, 2]) {
      const [na, pd] = b.bind(duidLL(c), iaNa(iaid), iaPd(iaid + 100));
      for (const l of [...na.leases, ...pd.leases]) {
        assert.ok(!seen.has(l.addr), `${l.addr} given twice`);
        seen.add(l.addr);
      }
    }
  }
  assert.equal(seen.size, 20 * 2 * 2);
});

test("host parts are stable for the same secret and differ with another secret", () => {
  const a = new Bench().bind(C1, iaNa(1))[0].leases[0].addr;
  const again = new Bench().bind(C1, iaNa(1))[0].leases[0].addr;
  assert.equal(again, a);
  const other = new Bench({ globals: (r) => r.item(14, Uint8Array.from({ length: 16 }, () => 0x5a)) }).bind(C1, iaNa(1))[0].leases[0].addr;
  assert.notEqual(other, a);
});

test("a relayed Solicit is answered inside a matching Relay-reply, Interface-ID echoed", () => {
  const b = new Bench();
  const inner = message(1, 0x77, clientId(C1), iaNa(1));
  const ifid = opt(18, [0x65, 0x74, 0x68, 0x30]);
  const relayed = relayForward(0, ip("2001:db8:1::1"), ip("fe80::99"), inner, ifid);
  const { reply } = b.send(relayed, { multicast: false, src: ip("2001:db8:1::2"), port: 547 });
  assert.ok(reply);
  assert.equal(reply.msgType, 13);
  assert.deepEqual(Array.from(find(reply.options, 18)!.data), [0x65, 0x74, 0x68, 0x30]);
  const advert = find(reply.options, 9)!.message!;
  assert.equal(advert.msgType, 2);
  assert.equal(advert.xid, 0x77);
  assert.equal(ias(advert)[0].leases.length, 1);
  const meta = b.core.meta;
  assert.equal(meta.getUint16(36, true), 547, "to the relay's port");
});

test("a Solicit for IAs that cannot be served gets an Advertise with only NoAddrsAvail", () => {
  const b = new Bench({ addrs: [], cfg: (r) => r.u8(17, 0) });
  const { reply } = b.send(message(1, 1, clientId(C1), oro(82), iaNa(1), iaPd(2)));
  assert.equal(reply!.msgType, 2);
  assert.equal(status(reply!), 2);
  assert.equal(ias(reply!).length, 0);
});

test("a full binding table answers NoAddrsAvail, and frees up after expiry", () => {
  const b = new Bench({ globals: (r) => r.u32(15, 4) });
  for (let c = 1; c <= 4; c++) assert.equal(b.bind(duidLL(c), iaNa(1))[0].leases.length, 1);
  const [full] = b.bind(duidLL(5), iaNa(1));
  assert.equal(full.status, 2);
  b.tick(4000);
  assert.equal(b.bind(duidLL(5), iaNa(1))[0].leases.length, 1);
});

