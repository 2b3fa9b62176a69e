// Time and persistence: offers and bindings expire, the journal's records
// restore a binding table, memory stays put.

import { test } from "node:test";
import assert from "node:assert/strict";
import { EFFECT } from "../../host/core/abi.js";
import { parseIPv6 } from "../../host/util/ipv6.js";
import { Bench, message, clientId, serverId, iaNa, iaPd, duidLL, ias, loadCore } from "./helpers/engine.js";

test("an Advertise's offer is held briefly, then freed", () => {
  const b = new Bench({ globals: (r) => r.u32(15, 8) });
  b.send(message(1, 1, clientId(duidLL(1)), iaNa(1)));
  assert.equal(b.core.bindings().used, 1, "the offer holds a record");
  assert.deepEqual(b.tick(59), [], "an offer's expiry has no effects");
  assert.equal(b.core.bindings().used, 1);
  b.tick(1);
  assert.equal(b.core.bindings().used, 0, "freed after 60 s");
});

test("a Solicit flood cannot push out bindings: offers take at most half the table, oldest dropped first", () => {
  const b = new Bench({ globals: (r) => r.u32(15, 16) });
  for (let c = 1; c <= 4; c++) b.bind(duidLL(c), iaNa(1));
  for (let c = 100; c < 1100; c++) b.send(message(1, c, clientId(duidLL(c)), iaNa(1)));
  const used = b.core.bindings().used;
  assert.ok(used <= 4 + 8, `offers capped at half the table (${used} used)`);
  for (let c = 1; c <= 4; c++) {
    const renew = b.send(message(5, 9, clientId(duidLL(c)), serverId(), iaNa(1))).reply!;
    assert.equal(ias(renew)[0].leases.length, 1, `client ${c} kept its binding`);
  }
  const late = b.bind(duidLL(5000), iaNa(1));
  assert.equal(late[0].leases.length, 1, "a new client still gets an address during the flood");
});

test("the per-client rate limit drops a client that floods, and counts it", () => {
  const b = new Bench({ cfg: (r) => r.u32(28, 5) });
  let answered = 0;
  for (let i = 0; i < 50; i++) if (b.send(message(1, i, clientId(duidLL(1)), iaNa(1))).reply) answered++;
  assert.equal(answered, 10, "burst of twice the rate");
  assert.equal(b.core.counters().drop_rate_limit, 40);
  assert.ok(b.send(message(1, 99, clientId(duidLL(2)), iaNa(1))).reply, "another client is not affected");
  b.tick(1);
  assert.ok(b.send(message(1, 100, clientId(duidLL(1)), iaNa(1))).reply, "refilled after a second");
});

test("the per-interface rate limit caps everything on the interface", () => {
  const b = new Bench({ cfg: (r) => r.u32(27, 3).u32(28, 0) });
  let answered = 0;
  for (let c = 0; c < 20; c++) if (b.send(message(1, c, clientId(duidLL(c)), iaNa(1))).reply) answered++;
  assert.equal(answered, 6);
});

test("a binding expires after its valid lifetime: journal delete, route removed, leases changed", () => {
  const b = new Bench();
  b.bind(duidLL(1), iaNa(1), iaPd(2));
  assert.deepEqual(b.tick(3599), []);
  const fx = b.tick(1).map((e) => e.type);
  assert.equal(fx.filter((t) => t === EFFECT.BINDING_DEL).length, 2);
  assert.ok(fx.includes(EFFECT.ROUTE_DEL));
  assert.ok(fx.includes(EFFECT.LEASES_CHANGED));
  assert.equal(b.core.bindings().used, 0);
});

test("journaled records restore the table: a renewal after a restart keeps address and prefix", () => {
  const b = new Bench();
  const journal = new Map<number, Uint8Array>();
  const keep = (fx: ReturnType<Bench["tick"]>) => {
    for (const e of fx) {
      if (e.type === EFFECT.BINDING_PUT) journal.set(e.id, e.record);
      if (e.type === EFFECT.BINDING_DEL) journal.delete(e.id);
    }
  };
  b.send(message(1, 1, clientId(duidLL(1)), iaNa(1), iaPd(2)));
  const { reply, effects } = b.send(message(3, 2, clientId(duidLL(1)), serverId(), iaNa(1), iaPd(2)));
  keep(effects);
  const before = ias(reply!).map((x) => x.leases[0].addr);
  assert.equal(journal.size, 2);

  const fresh = new Bench({}, loadCore());
  for (const [id, rec] of journal) assert.ok(fresh.core.restore(id, rec));
  assert.equal(fresh.core.restoreDone(), 2);
  const routes = fresh.core.resyncRoutes(fresh.now).filter((e) => e.type === EFFECT.ROUTE_ADD);
  assert.equal(routes.length, 1, "the delegation's route is re-added");
  fresh.now = b.now + 10;
  const renew = fresh.send(message(5, 3, clientId(duidLL(1)), serverId(), iaNa(1), iaPd(2))).reply!;
  assert.deepEqual(ias(renew).map((x) => x.leases[0].addr), before);
  assert.ok(!fresh.core.restore(0, journal.get(0) ?? new Uint8Array(320)), "a taken id is refused");
});

test("garbage records are refused by restore", () => {
  const b = new Bench();
  assert.equal(b.core.restore(0, new Uint8Array(320).fill(0xff)), false);
  assert.equal(b.core.restore(1_000_000, new Uint8Array(320)), false);
});

test("100k stateful exchanges do not grow linear memory", () => {
  const b = new Bench({ globals: (r) => r.u32(15, 1024) });
  const before = b.core.memoryBytes();
  for (let i = 0; i < 100_000; i++) {
    const c = duidLL(i % 2000);
    const type = i % 4 === 0 ? 1 : i % 4 === 1 ? 3 : i % 4 === 2 ? 5 : 8;
    const msg = type === 1 ? message(1, i, clientId(c), iaNa(1), iaPd(2)) : message(type, i, clientId(c), serverId(), iaNa(1), iaPd(2));
    b.core.handle(msg, 0, Uint8Array.of(0xfe, 0x80, ...new Array(14).fill(1)), 546, true, b.now);
    if (i % 1000 === 0) b.tick(1);
  }
  assert.equal(b.core.memoryBytes(), before);
  assert.ok(b.core.counters().tx >= 100_000 * 0.9, "the exchanges were answered");
});

test("a Request naming a free address of ours (its offer dropped in a flood, or another server's) keeps it", () => {
  const b = new Bench({ globals: (r) => r.u32(15, 8) });
  const wanted = "2001:db8:1::1234:5678";
  const rep = b.send(message(3, 2, clientId(duidLL(1)), serverId(), iaNa(1, parseIPv6(wanted)!))).reply!;
  assert.deepEqual(ias(rep)[0].leases.map((l) => [l.addr, l.valid > 0]), [[wanted, true]]);
  const other = b.send(message(3, 3, clientId(duidLL(2)), serverId(), iaNa(1, parseIPv6(wanted)!))).reply!;
  const got = ias(other)[0].leases.filter((l) => l.valid > 0).map((l) => l.addr);
  assert.equal(got.length, 1);
  assert.notEqual(got[0], wanted, "taken: another client gets its own address");
  const foreign = b.send(message(3, 4, clientId(duidLL(3)), serverId(), iaNa(1, parseIPv6("2001:db8:99::1")!))).reply!;
  assert.ok(ias(foreign)[0].leases.some((l) => l.addr.startsWith("2001:db8:1:") && l.valid > 0), "not our prefix: an address of ours instead");
});
