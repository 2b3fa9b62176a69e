// Conformance of the server's answers to RFC 8415 (RFC 9915) sections 16
// (message validation), 18.3 (server behaviour) and 21 (option rules),
// with crafted messages as an outside tester would send them. One test per
// rule; each test's title names the section. Where README ("What the server
// answers") documents a deliberate choice, the test checks that choice.

import { test } from "node:test";
import assert from "node:assert/strict";
import { EFFECT, STAT_NAMES, META } from "../../host/core/abi.js";
import { formatIPv6 } from "../../host/util/ipv6.js";
import {
  Bench, message, clientId, serverId, oro, elapsed, iaNa, iaPd, duidLL, opt, ip, ias, status, find, all, relayForward, u32,
  SERVER_DUID, CLIENT_LL,
} from "./helpers/engine.js";

const C1 = duidLL(1);
const C2 = duidLL(2);
const OTHER_SERVER = [0, 3, 0, 1, 9, 9, 9, 9, 9, 9];
const dropReason = (code: number) => STAT_NAMES[-code];
const MSG = { SOLICIT: 1, ADVERTISE: 2, REQUEST: 3, CONFIRM: 4, RENEW: 5, REBIND: 6, REPLY: 7, RELEASE: 8, DECLINE: 9, RECONFIGURE: 10, INFO: 11, RELAY_FORW: 12, RELAY_REPL: 13 };
const ST = { SUCCESS: 0, NO_ADDRS: 2, NO_BINDING: 3, NOT_ON_LINK: 4, USE_MULTICAST: 5, NO_PREFIX: 6 };

/** An IA_NA with explicit T1/T2 and IA Addresses with explicit lifetimes. */
function iaNaRaw(iaid: number, t1: number, t2: number, ...addrs: { a: Uint8Array; pref: number; valid: number }[]): number[] {
  return opt(3, [...u32(iaid), ...u32(t1), ...u32(t2), ...addrs.flatMap((x) => opt(5, [...x.a, ...u32(x.pref), ...u32(x.valid)]))]);
}

function expectDrop(b: Bench, msg: Uint8Array, want: string, what: string, o: { multicast?: boolean } = {}): void {
  const { reply, code } = b.send(msg, o);
  assert.equal(reply, null, `${what}: no reply`);
  assert.equal(dropReason(code), want, what);
}

function replyOf(b: Bench, msg: Uint8Array, o: { multicast?: boolean; src?: Uint8Array } = {}) {
  const { reply, effects } = b.send(msg, o);
  assert.ok(reply, "a reply");
  return { reply, effects };
}

// ---------------------------------------------------------------- section 16: validation

test("RFC 8415 16.2: a Solicit without a Client ID, or with a Server ID, is discarded", () => {
  const b = new Bench();
  expectDrop(b, message(MSG.SOLICIT, 1, elapsed(), iaNa(1)), "drop_client_id", "no Client ID");
  expectDrop(b, message(MSG.SOLICIT, 1, clientId(C1), serverId(), iaNa(1)), "drop_server_id", "our Server ID");
  expectDrop(b, message(MSG.SOLICIT, 1, clientId(C1), serverId(OTHER_SERVER), iaNa(1)), "drop_server_id", "another Server ID");
});

test("RFC 8415 16.4: a Request without a Server ID, with another server's, or without a Client ID is discarded", () => {
  const b = new Bench();
  b.send(message(MSG.SOLICIT, 1, clientId(C1), iaNa(1)));
  expectDrop(b, message(MSG.REQUEST, 2, clientId(C1), iaNa(1)), "drop_server_id", "no Server ID");
  expectDrop(b, message(MSG.REQUEST, 2, clientId(C1), serverId(OTHER_SERVER), iaNa(1)), "drop_server_id", "another Server ID");
  expectDrop(b, message(MSG.REQUEST, 2, serverId(), iaNa(1)), "drop_client_id", "no Client ID");
});

test("RFC 8415 16.5: a Confirm with a Server ID or without a Client ID is discarded", () => {
  const b = new Bench();
  expectDrop(b, message(MSG.CONFIRM, 1, clientId(C1), serverId(), iaNa(1, ip("2001:db8:1::5"))), "drop_server_id", "Server ID");
  expectDrop(b, message(MSG.CONFIRM, 1, iaNa(1, ip("2001:db8:1::5"))), "drop_client_id", "no Client ID");
});

test("RFC 8415 16.6: a Renew without our Server ID or without a Client ID is discarded", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const a = ip(na.leases[0].addr);
  expectDrop(b, message(MSG.RENEW, 1, clientId(C1), iaNa(1, a)), "drop_server_id", "no Server ID");
  expectDrop(b, message(MSG.RENEW, 1, clientId(C1), serverId(OTHER_SERVER), iaNa(1, a)), "drop_server_id", "another Server ID");
  expectDrop(b, message(MSG.RENEW, 1, serverId(), iaNa(1, a)), "drop_client_id", "no Client ID");
});

test("RFC 8415 16.7: a Rebind with a Server ID or without a Client ID is discarded", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const a = ip(na.leases[0].addr);
  expectDrop(b, message(MSG.REBIND, 1, clientId(C1), serverId(), iaNa(1, a)), "drop_server_id", "our Server ID");
  expectDrop(b, message(MSG.REBIND, 1, iaNa(1, a)), "drop_client_id", "no Client ID");
});

test("RFC 8415 16.8 / 16.9: a Decline or Release without our Server ID or without a Client ID is discarded, and changes nothing", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const a = ip(na.leases[0].addr);
  for (const type of [MSG.DECLINE, MSG.RELEASE]) {
    expectDrop(b, message(type, 1, clientId(C1), iaNa(1, a)), "drop_server_id", `${type}: no Server ID`);
    expectDrop(b, message(type, 1, clientId(C1), serverId(OTHER_SERVER), iaNa(1, a)), "drop_server_id", `${type}: another Server ID`);
    expectDrop(b, message(type, 1, serverId(), iaNa(1, a)), "drop_client_id", `${type}: no Client ID`);
  }
  const renew = replyOf(b, message(MSG.RENEW, 2, clientId(C1), serverId(), iaNa(1, a))).reply;
  assert.equal(ias(renew)[0].leases[0].addr, na.leases[0].addr, "the binding is intact");
  assert.ok(ias(renew)[0].leases[0].valid > 0);
});

test("RFC 8415 16.3 / 16.10 / 16.11 / 16.14: Advertise, Reply, Reconfigure and Relay-reply sent to the server are discarded, also inside a Relay-forward", () => {
  const b = new Bench();
  for (const type of [MSG.ADVERTISE, MSG.REPLY, MSG.RECONFIGURE]) {
    expectDrop(b, message(type, 1, clientId(C1), serverId(), iaNa(1)), "drop_not_for_server", `type ${type}`);
    const relayed = relayForward(0, ip("2001:db8:1::1"), ip("fe80::99"), message(type, 1, clientId(C1), serverId()));
    const { reply } = b.send(relayed, { multicast: false, src: ip("2001:db8:1::2") });
    assert.equal(reply, null, `relayed type ${type}`);
  }
  expectDrop(b, Uint8Array.from([MSG.RELAY_REPL, 0, ...ip("::"), ...CLIENT_LL, ...opt(9, message(MSG.REPLY, 1, clientId(C1)))]), "drop_not_for_server", "Relay-reply");
});

test("RFC 8415 16.12: an Information-request carrying an IA_NA, IA_TA or IA_PD is discarded", () => {
  const b = new Bench();
  expectDrop(b, message(MSG.INFO, 1, clientId(C1), elapsed(), iaNa(1)), "drop_invalid", "IA_NA");
  expectDrop(b, message(MSG.INFO, 1, clientId(C1), elapsed(), opt(4, u32(1))), "drop_invalid", "IA_TA");
  expectDrop(b, message(MSG.INFO, 1, elapsed(), iaPd(1)), "drop_invalid", "IA_PD, no Client ID");
  expectDrop(b, message(MSG.INFO, 1, clientId(C1), opt(3, [])), "drop_invalid", "a zero-length IA_NA is still an IA");
});

test("RFC 8415 16.12: an Information-request naming another server is discarded; naming us, it is answered", () => {
  const b = new Bench();
  expectDrop(b, message(MSG.INFO, 1, clientId(C1), serverId(OTHER_SERVER)), "drop_server_id", "another Server ID");
  const { reply } = replyOf(b, message(MSG.INFO, 2, clientId(C1), serverId()));
  assert.equal(reply.msgType, MSG.REPLY);
});

test("RFC 8415 7.3 / 16 (RFC 7283): messages of unknown or non-client types are discarded", () => {
  const b = new Bench();
  for (const type of [0, 14, 15, 20, 36, 255]) expectDrop(b, message(type, 1, clientId(C1), serverId(), iaNa(1)), "drop_not_for_server", `type ${type}`);
});

test("RFC 8415 16 / 18.4: Solicit, Confirm, Rebind and Information-request sent by unicast are discarded", () => {
  const b = new Bench();
  const cases: [number, number[][]][] = [
    [MSG.SOLICIT, [clientId(C1), iaNa(1)]],
    [MSG.CONFIRM, [clientId(C1), iaNa(1, ip("2001:db8:1::5"))]],
    [MSG.REBIND, [clientId(C1), iaNa(1, ip("2001:db8:1::5"))]],
    [MSG.INFO, [clientId(C1)]],
  ];
  for (const [type, opts] of cases) expectDrop(b, message(type, 1, ...opts), "drop_unicast", `type ${type}`, { multicast: false });
});

test("RFC 8415 18.3.2 / 18.3.4 / 18.3.7 / 18.3.8 (21.12): Request, Renew, Release, Decline by unicast get only Server ID, Client ID and UseMulticast, and change nothing", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const a = ip(na.leases[0].addr);
  for (const type of [MSG.REQUEST, MSG.RENEW, MSG.RELEASE, MSG.DECLINE]) {
    const { reply, effects } = replyOf(b, message(type, 0x42, clientId(C1), serverId(), elapsed(), oro(23), iaNa(1, a)), { multicast: false, src: ip("2001:db8:1::77") });
    assert.equal(reply.msgType, MSG.REPLY);
    assert.deepEqual(reply.options.map((o) => o.code), [2, 1, 13], `type ${type}: Server ID, Client ID, Status only`);
    assert.equal(status(reply), ST.USE_MULTICAST);
    assert.deepEqual(effects, [], `type ${type}: nothing committed`);
  }
});

// ---------------------------------------------------------------- 18.3.1 Solicit, 18.3.9 / 18.3.10 Advertise

test("RFC 8415 18.3.1 / 21.14: a Solicit with Rapid Commit when Rapid Commit is disabled gets an Advertise without Rapid Commit, nothing committed", () => {
  const b = new Bench({ cfg: (r) => r.u8(20, 0) });
  const { reply, effects } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), elapsed(), opt(14, []), iaNa(1)));
  assert.equal(reply.msgType, MSG.ADVERTISE);
  assert.equal(find(reply.options, 14), undefined);
  assert.deepEqual(effects, []);
  const req = replyOf(b, message(MSG.REQUEST, 2, clientId(C1), serverId(), iaNa(1))).reply;
  assert.equal(ias(req)[0].leases.length, 1, "the offer is still there for the Request");
});

test("RFC 8415 18.3.1 / 21.14: a Solicit with Rapid Commit when enabled gets a Reply with Rapid Commit, committed", () => {
  const b = new Bench();
  const { reply, effects } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), elapsed(), opt(14, []), iaNa(1)));
  assert.equal(reply.msgType, MSG.REPLY);
  assert.ok(find(reply.options, 14));
  assert.ok(effects.some((e) => e.type === EFFECT.BINDING_PUT));
});

test("RFC 8415 18.3.9: when no IA can be served the Advertise holds only Server ID, Client ID and a top-level NoAddrsAvail", () => {
  const b = new Bench({ addrs: [], cfg: (r) => r.u8(17, 0) });
  const { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), elapsed(), oro(23, 24), iaNa(1), iaPd(2)));
  assert.equal(reply.msgType, MSG.ADVERTISE);
  assert.deepEqual(reply.options.map((o) => o.code), [2, 1, 13]);
  assert.equal(status(reply), ST.NO_ADDRS);
});

test("RFC 8415 18.3.9 / 21.13: an IA that cannot be served carries its own status (NoPrefixAvail inside the IA_PD), with no top-level status", () => {
  const b = new Bench({ cfg: (r) => r.u8(17, 0) });
  const { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), elapsed(), iaNa(1), iaPd(2)));
  assert.equal(reply.msgType, MSG.ADVERTISE);
  assert.equal(status(reply), null);
  const [na, pd] = ias(reply);
  assert.equal(na.leases.length, 1);
  assert.equal(na.status, null);
  assert.equal(pd.status, ST.NO_PREFIX);
  assert.deepEqual([pd.t1, pd.t2, pd.leases.length], [0, 0, 0]);
});

test("RFC 8415 18.3.1 / 18.3.9: an Advertise offers what the server would assign, not the client's unusable hints", () => {
  const b = new Bench();
  const { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), elapsed(), iaNa(1, ip("2001:db8:77::1")), iaPd(2, { plen: 48, prefix: ip("2001:db8:7700::") })));
  const [na, pd] = ias(reply);
  assert.deepEqual(na.leases.map((l) => l.addr.startsWith("2001:db8:1:")), [true], "one address of ours, the hint left out");
  assert.ok(na.leases.every((l) => l.valid > 0));
  assert.ok(pd.leases.every((l) => l.valid > 0 && l.addr.startsWith("2001:db8:1:1")), "prefixes of ours only");
});

test("RFC 8415 18.3.10: a direct reply goes to the client's source address, port 546", () => {
  const b = new Bench();
  replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), iaNa(1)), { src: ip("fe80::abcd") });
  const meta = b.core.meta;
  assert.equal(meta.getUint16(META.OUT_DST_PORT, true), 546);
  assert.equal(formatIPv6(new Uint8Array(meta.buffer, meta.byteOffset + META.OUT_DST_ADDR, 16)), "fe80::abcd");
});

// ---------------------------------------------------------------- 18.3.2 Request

test("RFC 8415 18.3.2 (README: our choice instead of NotOnLink): a Request naming an address not on the link gets an address of ours, and the named one with lifetimes 0", () => {
  const b = new Bench();
  b.send(message(MSG.SOLICIT, 1, clientId(C1), iaNa(1), iaNa(2)));
  const { reply, effects } = replyOf(b, message(MSG.REQUEST, 2, clientId(C1), serverId(), elapsed(), iaNa(1, ip("2001:db8:77::1")), iaNa(2)));
  const [off, ok] = ias(reply);
  assert.equal(off.status, null);
  assert.deepEqual(off.leases.map((l) => [l.addr.startsWith("2001:db8:1:"), l.valid > 0]), [[true, true], [false, false]]);
  assert.deepEqual(off.leases[1], { addr: "2001:db8:77::1", plen: 128, preferred: 0, valid: 0 });
  assert.equal(ok.leases.length, 1);
  assert.equal(effects.filter((e) => e.type === EFFECT.BINDING_PUT).length, 2);
});

test("RFC 8415 18.3.2: a Request for an IA that cannot be served gets the IA with NoAddrsAvail inside it, no top-level status", () => {
  const b = new Bench({ cfg: (r) => r.u8(16, 0) });
  const { reply } = replyOf(b, message(MSG.REQUEST, 2, clientId(C1), serverId(), iaNa(1), iaPd(2)));
  assert.equal(status(reply), null);
  const [na, pd] = ias(reply);
  assert.equal(na.status, ST.NO_ADDRS);
  assert.equal(na.leases.length, 0);
  assert.equal(pd.leases.length, 1);
});

// ---------------------------------------------------------------- 18.3.3 Confirm

test("RFC 8415 18.3.3: Confirm answers Success when every address is on-link, NotOnLink when any is not (top-level)", () => {
  const b = new Bench();
  let { reply } = replyOf(b, message(MSG.CONFIRM, 1, clientId(C1), elapsed(), iaNa(1, ip("2001:db8:1::1234")), iaNa(2, ip("2001:db8:1:10::9"))));
  assert.equal(status(reply), ST.SUCCESS);
  assert.equal(ias(reply).length, 0, "no IA in a Reply to Confirm");
  ({ reply } = replyOf(b, message(MSG.CONFIRM, 2, clientId(C1), elapsed(), iaNa(1, ip("2001:db8:1::1234")), iaNa(2, ip("2001:db8:2::1")))));
  assert.equal(status(reply), ST.NOT_ON_LINK);
});

test("RFC 8415 18.3.3: a Confirm without any IA Address (no IA, empty IA_NA, only IA_PD) gets no reply", () => {
  const b = new Bench();
  for (const opts of [[clientId(C1)], [clientId(C1), iaNa(1)], [clientId(C1), iaPd(2, { plen: 56, prefix: ip("2001:db8:1:100::") })]]) {
    const { reply } = b.send(message(MSG.CONFIRM, 1, ...opts));
    assert.equal(reply, null);
  }
});

test("RFC 8415 18.3.3: on a link where the server knows no prefix (none yet, or all expired), a Confirm gets no reply rather than NotOnLink", () => {
  const b = new Bench({ addrs: [] });
  assert.equal(b.send(message(MSG.CONFIRM, 1, clientId(C1), iaNa(1, ip("2001:db8:1::1234")))).reply, null);
  const expired = new Bench({ addrs: [{ addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: 1100, validUntil: 1200 }] });
  assert.equal(status(replyOf(expired, message(MSG.CONFIRM, 2, clientId(C1), iaNa(1, ip("2001:db8:5::1")))).reply), ST.NOT_ON_LINK);
  expired.now = 1300;
  assert.equal(expired.send(message(MSG.CONFIRM, 3, clientId(C1), iaNa(1, ip("2001:db8:5::1")))).reply, null);
});

// ---------------------------------------------------------------- 18.3.4 Renew, 18.3.5 Rebind

test("RFC 8415 18.3.4: Renew of an unknown IA gets NoBinding inside the IA, nothing else in it, no top-level status", () => {
  const b = new Bench();
  b.bind(C1, iaNa(1));
  const { reply } = replyOf(b, message(MSG.RENEW, 1, clientId(C1), serverId(), iaNa(7, ip("2001:db8:1::99")), iaPd(8)));
  assert.equal(status(reply), null);
  for (const ia of ias(reply)) {
    assert.equal(ia.status, ST.NO_BINDING);
    assert.deepEqual([ia.leases.length, ia.t1, ia.t2], [0, 0, 0]);
  }
});

test("RFC 8415 18.3.4: Renew of an IA that was only advertised (never requested) gets NoBinding and commits nothing", () => {
  const b = new Bench();
  const adv = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), iaNa(1), iaPd(2))).reply;
  const [na, pd] = ias(adv);
  const { reply, effects } = replyOf(b, message(MSG.RENEW, 2, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr)), iaPd(2, { plen: pd.leases[0].plen, prefix: ip(pd.leases[0].addr) })));
  assert.deepEqual(ias(reply).map((x) => [x.status, x.leases.length]), [[ST.NO_BINDING, 0], [ST.NO_BINDING, 0]]);
  assert.deepEqual(effects, []);
  const req = replyOf(b, message(MSG.REQUEST, 3, clientId(C1), serverId(), iaNa(1), iaPd(2))).reply;
  assert.equal(ias(req)[0].leases[0].addr, na.leases[0].addr, "the offer still stands for a Request");
});

test("RFC 8415 18.3.4: Renew naming addresses and prefixes that are not the binding's returns them with lifetimes 0, next to the real ones", () => {
  const b = new Bench();
  const [na, pd] = b.bind(C1, iaNa(1), iaPd(2));
  const { reply } = replyOf(b, message(MSG.RENEW, 1, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr), ip("2001:db8:99::5")), iaPd(2, { plen: 62, prefix: ip(pd.leases[0].addr) }, { plen: 56, prefix: ip("2001:db8:9900::") })));
  const [n, p] = ias(reply);
  assert.deepEqual(n.leases.find((l) => l.addr === "2001:db8:99::5"), { addr: "2001:db8:99::5", plen: 128, preferred: 0, valid: 0 });
  assert.ok(n.leases.find((l) => l.addr === na.leases[0].addr)!.valid > 0);
  assert.deepEqual(p.leases.find((l) => l.addr === "2001:db8:9900::"), { addr: "2001:db8:9900::", plen: 56, preferred: 0, valid: 0 });
  assert.ok(p.leases.find((l) => l.addr === pd.leases[0].addr)!.valid > 0);
});

test("RFC 8415 18.3.5: Rebind of an unknown binding with addresses not appropriate for the link returns them with lifetimes 0", () => {
  const b = new Bench();
  const { reply, effects } = replyOf(b, message(MSG.REBIND, 1, clientId(C1), elapsed(), iaNa(1, ip("2001:db8:77::1")), iaPd(2, { plen: 56, prefix: ip("2001:db8:7700::") })));
  const [na, pd] = ias(reply);
  assert.deepEqual(na.leases, [{ addr: "2001:db8:77::1", plen: 128, preferred: 0, valid: 0 }]);
  assert.deepEqual(pd.leases, [{ addr: "2001:db8:7700::", plen: 56, preferred: 0, valid: 0 }]);
  assert.deepEqual([na.t1, na.t2, pd.t1, pd.t2], [0, 0, 0, 0]);
  assert.equal(effects.filter((e) => e.type === EFFECT.BINDING_PUT).length, 0);
});

test("RFC 8415 18.3.5: Rebind of a known binding extends it, and lists a foreign address with lifetimes 0", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  b.tick(500);
  const { reply } = replyOf(b, message(MSG.REBIND, 1, clientId(C1), iaNa(1, ip(na.leases[0].addr), ip("2001:db8:77::1"))));
  const [n] = ias(reply);
  assert.equal(n.leases.find((l) => l.addr === na.leases[0].addr)!.valid, 3600);
  assert.equal(n.leases.find((l) => l.addr === "2001:db8:77::1")!.valid, 0);
});

// ---------------------------------------------------------------- 18.3.6 Information-request

test("RFC 8415 18.3.6 / 21.23: Information-request gets a Reply with the Client ID only when sent, the Refresh Time, and no IA", () => {
  const b = new Bench();
  let { reply } = replyOf(b, message(MSG.INFO, 0x33, elapsed(), oro(23)));
  assert.equal(reply.xid, 0x33);
  assert.equal(find(reply.options, 1), undefined, "no Client ID sent, none returned");
  assert.ok(find(reply.options, 32));
  assert.ok(find(reply.options, 23));
  assert.equal(ias(reply).length, 0);
  ({ reply } = replyOf(b, message(MSG.INFO, 0x34, clientId(C1), elapsed())));
  assert.deepEqual(Array.from(find(reply.options, 1)!.data), C1);
});

// ---------------------------------------------------------------- 18.3.7 Release, 18.3.8 Decline

test("RFC 8415 18.3.7: Release answers a top-level Success; an unknown IA comes back with NoBinding and nothing else inside", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const { reply } = replyOf(b, message(MSG.RELEASE, 1, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr)), iaNa(5, ip("2001:db8:1::5")), iaPd(6)));
  assert.equal(status(reply), ST.SUCCESS);
  const unknown = reply.options.filter((o) => o.code === 3 || o.code === 25);
  assert.deepEqual(unknown.map((o) => [o.code, (o.data[0] << 24) | (o.data[1] << 16) | (o.data[2] << 8) | o.data[3]]), [[3, 5], [25, 6]]);
  for (const o of unknown) assert.deepEqual(o.children!.map((c) => c.code), [13], "only a Status Code in the IA");
  assert.deepEqual(ias(reply).map((x) => x.status), [ST.NO_BINDING, ST.NO_BINDING]);
  assert.equal(find(reply.options, 23), undefined, "no configuration options");
});

test("RFC 8415 18.3.7: a Release naming only addresses that are not the binding's leaves the binding alone", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const { reply } = replyOf(b, message(MSG.RELEASE, 1, clientId(C1), serverId(), iaNa(1, ip("2001:db8:1::dead"))));
  assert.equal(status(reply), ST.SUCCESS);
  const renew = replyOf(b, message(MSG.RENEW, 2, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr)))).reply;
  assert.equal(ias(renew)[0].status, null, "still bound");
  assert.equal(ias(renew)[0].leases[0].addr, na.leases[0].addr);
});

test("RFC 8415 18.3.8: Decline answers a top-level Success, NoBinding for unknown IAs, and the address is given to nobody else", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const { reply } = replyOf(b, message(MSG.DECLINE, 1, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr)), iaNa(4, ip("2001:db8:1::4"))));
  assert.equal(status(reply), ST.SUCCESS);
  assert.deepEqual(ias(reply).map((x) => [x.iaid, x.status]), [[4, ST.NO_BINDING]]);
  const again = b.bind(C1, iaNa(1));
  assert.notEqual(again[0].leases[0].addr, na.leases[0].addr);
  // Rebind by another client naming the declined address does not get it.
  const other = replyOf(b, message(MSG.REBIND, 2, clientId(C2), iaNa(1, ip(na.leases[0].addr)))).reply;
  assert.ok(ias(other)[0].leases.every((l) => l.addr !== na.leases[0].addr || l.valid === 0));
});

test("RFC 8415 18.3.8: a Decline naming only addresses that are not the binding's blocks nothing", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  replyOf(b, message(MSG.DECLINE, 1, clientId(C1), serverId(), iaNa(1, ip("2001:db8:1::dead"))));
  const renew = replyOf(b, message(MSG.RENEW, 2, clientId(C1), serverId(), iaNa(1, ip(na.leases[0].addr)))).reply;
  assert.equal(ias(renew)[0].leases[0].addr, na.leases[0].addr);
  assert.ok(ias(renew)[0].leases[0].valid > 0, "not declined");
});

// ---------------------------------------------------------------- section 21 option rules

test("RFC 8415 21.4: an IA_NA with T1 > T2 from the client is processed as if T1 = T2 = 0", () => {
  const b = new Bench();
  const ia = iaNaRaw(1, 5000, 100);
  b.send(message(MSG.SOLICIT, 1, clientId(C1), ia));
  const { reply } = replyOf(b, message(MSG.REQUEST, 2, clientId(C1), serverId(), ia));
  const [na] = ias(reply);
  assert.equal(na.leases.length, 1);
  assert.deepEqual([na.t1, na.t2], [1800, 2880]);
});

test("RFC 8415 21.4 / 21.6 / 21.21 / 21.22: every IA in a reply has T1 <= T2 <= the shortest preferred lifetime, and preferred <= valid", () => {
  const b = new Bench({ addrs: [
    { addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: 1000 + 200, validUntil: 1000 + 100000 },
    { addr: ip("2001:db8:2::1"), plen: 56, preferredUntil: 1000 + 7000, validUntil: 1000 + 500 },
  ] });
  const r = b.bind(C1, iaNa(1), iaPd(2));
  for (const ia of r) {
    assert.ok(ia.leases.length > 0);
    assert.ok(ia.t1 <= ia.t2, `T1 ${ia.t1} <= T2 ${ia.t2}`);
    for (const l of ia.leases) {
      assert.ok(l.preferred <= l.valid, `${l.addr}: preferred ${l.preferred} <= valid ${l.valid}`);
      assert.ok(ia.t2 <= l.preferred, `T2 ${ia.t2} <= preferred ${l.preferred}`);
    }
  }
});

test("RFC 8415 21.6: the lifetimes a client puts in an IA Address (even preferred > valid) are ignored", () => {
  const b = new Bench();
  const [na] = b.bind(C1, iaNa(1));
  const { reply } = replyOf(b, message(MSG.RENEW, 1, clientId(C1), serverId(), iaNaRaw(1, 0, 0, { a: ip(na.leases[0].addr), pref: 900000, valid: 5 })));
  const [n] = ias(reply);
  assert.deepEqual(n.leases.map((l) => [l.addr, l.preferred, l.valid]), [[na.leases[0].addr, 3600, 3600]]);
});

test("RFC 8415 21.22 / RFC 3633: IA_PD prefix-length hints: 0 means no preference, a /56 is honoured, over 128 is ignored", () => {
  const b = new Bench({ addrs: [{ addr: ip("2001:db8:1::1"), plen: 48, preferredUntil: 0xffffffff, validUntil: 0xffffffff }] });
  const plenOf = (duid: number[], p: { plen: number; prefix?: Uint8Array }) => {
    const [pd] = b.bind(duid, iaPd(1, p));
    assert.equal(pd.leases.length, 1, `hint /${p.plen}`);
    return pd.leases[0].plen;
  };
  assert.equal(plenOf(duidLL(10), { plen: 0 }), 62, "no hint: the default /62");
  assert.equal(plenOf(duidLL(11), { plen: 56 }), 56);
  assert.equal(plenOf(duidLL(12), { plen: 200 }), 62, "not a prefix length: the default");
  assert.equal(plenOf(duidLL(13), { plen: 0, prefix: ip("2001:db8:1:ff00::") }) <= 64, true);
});

test("RFC 8415 21.4 / 21.21: two IAs of one type with the same IAID in one message: only the first is answered", () => {
  const b = new Bench();
  const { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), iaNa(1), iaNa(1), iaPd(1), iaPd(1)));
  assert.deepEqual(ias(reply).map((x) => [x.code, x.iaid]), [[3, 1], [25, 1]], "an IA_NA and an IA_PD may share an IAID; duplicates are not answered twice");
  const rel = replyOf(b, message(MSG.RELEASE, 2, clientId(C1), serverId(), iaNa(9), iaNa(9))).reply;
  assert.equal(ias(rel).length, 1, "one NoBinding for IAID 9");
});

test("RFC 8415 21.4 / 21.21: several IA_NAs and IA_PDs in one message each get their own, distinct leases", () => {
  const b = new Bench();
  const r = b.bind(C1, iaNa(1), iaNa(2), iaPd(3), iaPd(4));
  assert.deepEqual(r.map((x) => [x.code, x.iaid]), [[3, 1], [3, 2], [25, 3], [25, 4]]);
  const addrs = r.flatMap((x) => x.leases.map((l) => `${l.addr}/${l.plen}`));
  assert.equal(new Set(addrs).size, addrs.length);
  assert.ok(r.every((x) => x.leases.length > 0));
});

test("RFC 8415 21.4 / 21.21: an IA option too short for IAID, T1 and T2 is not an IA; a Solicit with only such IAs (or only IA_TA) gets NoAddrsAvail", () => {
  const b = new Bench();
  const { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), opt(3, []), opt(25, [0, 0, 0, 1])));
  assert.equal(reply.msgType, MSG.ADVERTISE);
  assert.equal(ias(reply).length, 0);
  assert.equal(status(reply), ST.NO_ADDRS);
  const ta = replyOf(b, message(MSG.SOLICIT, 2, clientId(C2), opt(4, u32(1)))).reply;
  assert.deepEqual([ta.msgType, status(ta), ias(ta).length], [MSG.ADVERTISE, ST.NO_ADDRS, 0], "only an IA_TA (not served): NoAddrsAvail too");
});

test("RFC 8415 21.9: a message without Elapsed Time, or with a zero-length one, is still answered", () => {
  const b = new Bench();
  assert.equal(replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), iaNa(1))).reply.msgType, MSG.ADVERTISE);
  assert.equal(replyOf(b, message(MSG.SOLICIT, 2, clientId(C2), opt(8, []), opt(6, []), iaNa(1))).reply.msgType, MSG.ADVERTISE);
});

test("RFC 8415 21.7 / 21.24 / 21.25: options go out when the ORO asks for them (DNS, domains, NTP, SNTP, SOL_MAX_RT, INF_MAX_RT), not when it does not", () => {
  const b = new Bench({ cfg: (r) => r.item(5, ip("2001:db8:1::123")).item(7, ip("2001:db8:1::124")) });
  let { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), oro(23, 24, 56, 31, 82), iaNa(1)));
  for (const c of [23, 24, 56, 31, 82]) assert.ok(find(reply.options, c), `option ${c} asked for`);
  ({ reply } = replyOf(b, message(MSG.SOLICIT, 2, clientId(C1), oro(24), iaNa(1))));
  for (const c of [23, 56, 31, 82]) assert.equal(find(reply.options, c), undefined, `option ${c} not asked for`);
  ({ reply } = replyOf(b, message(MSG.INFO, 3, clientId(C1), oro(83, 82))));
  assert.ok(find(reply.options, 83));
});

test("RFC 8415 21.23: the Information Refresh Time goes only in a Reply to Information-request, even when asked for", () => {
  const b = new Bench();
  const { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), oro(32, 23), iaNa(1)));
  assert.equal(find(reply.options, 32), undefined);
  b.send(message(MSG.SOLICIT, 1, clientId(C2), oro(32), iaNa(1)));
  const req = replyOf(b, message(MSG.REQUEST, 2, clientId(C2), serverId(), oro(32), iaNa(1))).reply;
  assert.equal(find(req.options, 32), undefined);
});

test("RFC 8415 21.20 / 20.4: Reconfigure Accept only to a client that sent it; the key only in the Reply that commits", () => {
  const b = new Bench();
  let { reply } = replyOf(b, message(MSG.SOLICIT, 1, clientId(C1), iaNa(1)));
  assert.equal(find(reply.options, 20), undefined, "not offered, not sent");
  ({ reply } = replyOf(b, message(MSG.SOLICIT, 2, clientId(C2), opt(20, []), iaNa(1))));
  assert.ok(find(reply.options, 20));
  assert.equal(find(reply.options, 11), undefined, "no key in an Advertise");
  ({ reply } = replyOf(b, message(MSG.REQUEST, 3, clientId(C2), serverId(), opt(20, []), iaNa(1))));
  assert.ok(find(reply.options, 20));
  assert.equal(all(reply.options, 11).length, 1, "the key, once");
});

test("RFC 8415 18.3.10 / 19: a relayed message is answered in a Relay-reply to the relay (port 547), with the Interface-ID echoed", () => {
  const b = new Bench();
  const inner = message(MSG.REQUEST, 0x77, clientId(C1), serverId(), iaNa(1));
  const ifid = opt(18, [1, 2, 3, 4]);
  const { reply } = replyOf(b, relayForward(0, ip("2001:db8:1::1"), ip("fe80::99"), inner, ifid), { multicast: false, src: ip("2001:db8:1::2") });
  assert.equal(reply.msgType, MSG.RELAY_REPL);
  assert.deepEqual(Array.from(find(reply.options, 18)!.data), [1, 2, 3, 4]);
  assert.equal(find(reply.options, 9)!.message!.msgType, MSG.REPLY, "a relayed Request by unicast to us is fine: the relay sent it");
  assert.equal(b.core.meta.getUint16(META.OUT_DST_PORT, true), 547);
  void SERVER_DUID;
});
