// The fuzzer's regression corpus (tests/fuzz/regressions/*.hex) replayed on
// the real build/core.wasm through the same invariant checker the fuzzer uses,
// with the exact behaviour each `expect:` line names (drop counter, reply type
// and relay depth). Then checks that the checker itself catches what it
// must (a reply with a wrong Relay Message length, answers to messages the RFC
// says to drop, a binding nobody granted, memory growth), and the findings of
// the fuzzer, written out step by step.

import { test } from "node:test";
import assert from "node:assert/strict";
import { STAT_NAMES } from "../../host/core/abi.js";
import type { Core, Reply } from "../../host/core/core.js";
import { PlainHarness, type Harness } from "../fuzz/harness.js";
import { loadRegressions } from "../fuzz/corpus.js";
import { runHandle, handleDatagram, handleInput, setupServer } from "../fuzz/targets.js";
import { targetByName } from "../fuzz/registry.js";
import { Finding, handleChecked, checkMemory, memoryBaseline, checkInspect, type Outcome } from "../fuzz/invariants.js";
import { createHmac } from "node:crypto";
import { EFFECT } from "../../host/core/abi.js";
import { Scene, Tape, setupSequence, ifaceRecord, initialPrefixes, SEQ_START } from "../fuzz/sequence.js";
import { MSG, OPT, ip, opt, u32, message, unhex, relayChain, walkStrict, bytesEqual } from "../fuzz/dhcpv6.js";
import { FILES } from "../fuzz/historical.js";

const CASES = loadRegressions();

function expectOutcome(h: Harness, before: Record<string, number>, out: Outcome, expect: string, where: string): void {
  const words = expect.split(/\s+/);
  if (words[0] === "drop") {
    const idx = STAT_NAMES.indexOf(words[1] as (typeof STAT_NAMES)[number]);
    assert.ok(idx > 1, `${where}: unknown counter ${words[1]}`);
    assert.equal(out.code, -idx, `${where}: expected a drop counted in ${words[1]}, handle returned ${out.code}`);
    assert.equal(h.core.counters()[words[1]] - before[words[1]], 1, `${where}: ${words[1]} counted once`);
  } else if (words[0] === "reply") {
    assert.ok(out.msg && out.inner, `${where}: expected a reply, handle returned ${out.code} (${STAT_NAMES[-out.code] ?? ""})`);
    assert.equal(out.inner.type, Number(words[1]), `${where}: reply message type`);
    if (words[2] === "layers") assert.equal(relayChain(out.msg).layers.length, Number(words[3]), `${where}: Relay-reply layers`);
    assert.equal(h.core.counters().tx - before.tx, 1, `${where}: tx counted once`);
  } else if (words[0] === "none") {
    assert.equal(out.code, 0, `${where}: expected no reply and no drop`);
  } else if (words[0] !== "ok") {
    assert.fail(`${where}: unknown expectation "${expect}"`);
  }
}

test("the regression corpus is there: every historical bug and every fuzzer finding", () => {
  const names = CASES.map((c) => c.file);
  for (const f of FILES) assert.ok(names.includes(f.name), `${f.name} (regenerate: node build/tests/fuzz/historical.js)`);
  assert.ok(CASES.every((c) => c.inputs.length > 0), "a file without input");
  assert.ok(CASES.length >= FILES.length + 2, `${CASES.length} files`);
});

for (const c of CASES) {
  test(`regression ${c.file}: ${c.comments[0] ?? ""}`, { timeout: 120_000 }, () => {
    const target = targetByName(c.target);
    const h = new PlainHarness();
    const base = target.setup(h);
    for (const input of c.inputs) {
      const where = `${c.file}:${input.line}`;
      try {
        if (c.target === "handle") {
          const before = h.core.counters();
          const out = runHandle(h, input.bytes, base);
          if (input.expect) expectOutcome(h, before, out, input.expect, where);
        } else {
          assert.equal(input.expect, null, `${where}: expect: is for handle inputs`);
          target.run(h, input.bytes, base);
        }
      } catch (e) {
        if (e instanceof Finding) assert.fail(`${where}: ${e.kind}: ${e.message}`);
        throw e;
      }
    }
  });
}

// ---------------------------------------------------------------- the checker catches what it must

/** A harness whose core answers one datagram with `reply` instead of its own. */
function forged(reply: Uint8Array): Harness {
  const h = new PlainHarness();
  setupServer(h);
  const core = h.core;
  core.handle = (d, ifslot, src): Reply => {
    core.tx.set(reply);
    core.stats[0]++; // rx
    core.stats[1]++; // tx
    return { length: reply.length, ifslot, port: 547, kind: 0, addr: Uint8Array.from(src) };
  };
  return h;
}

const FRAME1 = unhex(
  "0c0020010db8000100000000000000000001fe800000000000007c3787fffef58c0400090048014621320001000e00010001329be0fd7e3787f58c0400060008001700180027001f0008000200000003000c87f58c0400000e10000015180019000c87f58c0400000e1000001518",
);
// odhcpd 2026's answer to frame 1: the Relay Message length leaves out the Client ID (capture frame 2)
const FRAME2 = unhex(
  "0d0020010db8000100000000000000000001fe800000000000007c3787fffef58c04000900b4024621320002000a000300019eff2107b7f10001000e00010001329be0fd7e3787f58c04005200040000003c0017001020010db80001000000000000000000530018000d036c6162076578616d706c65000003004487f58c0400000546000008700005001820010db8000900100000000000000b0e0000a8c00000a8c00005001820010db8000900000000000000000b0e0000a8c00000a8c00019002987f58c040000054600000870001a00190000a8c00000a8c03e20010db8000900140000000000000000",
);
const RELAY_SRC = 2 | (1 << 3);

function checkerRejects(h: Harness, input: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => handleChecked(h, handleDatagram(input)),
    (e: unknown) => e instanceof Finding && pattern.test(e.message),
  );
}

test("checker: odhcpd 2026's Relay-reply with the wrong Relay Message length is a finding", () => {
  // the real core answers frame 1 correctly (historical-relay-reply-length.hex); the forged one does not
  checkerRejects(forged(FRAME2), handleInput(FRAME1, false, RELAY_SRC), /reply framing|re-decodes/);
});

test("checker: an answered Solicit without Client ID, or Request without Server ID, is a finding", () => {
  const advertise = message(MSG.ADVERTISE, 1, opt(OPT.SERVERID, [0, 3, 0, 1, 2, 0, 0, 0, 0, 1]));
  checkerRejects(forged(advertise), handleInput(message(MSG.SOLICIT, 1, opt(OPT.ELAPSED_TIME, [0, 0]))), /without a Client ID/);
  const reply = message(MSG.REPLY, 2, opt(OPT.SERVERID, [0, 3, 0, 1, 2, 0, 0, 0, 0, 1]), opt(OPT.CLIENTID, [0, 3, 0, 1, 1, 2, 3, 4, 5, 6]));
  checkerRejects(forged(reply), handleInput(message(MSG.REQUEST, 2, opt(OPT.CLIENTID, [0, 3, 0, 1, 1, 2, 3, 4, 5, 6]))), /without a Server ID/);
});

test("checker: a reply whose xid or type does not match the request is a finding", () => {
  const cid = opt(OPT.CLIENTID, [0, 3, 0, 1, 1, 2, 3, 4, 5, 6]);
  const sid = opt(OPT.SERVERID, [0, 3, 0, 1, 2, 0, 0, 0, 0, 1]);
  checkerRejects(forged(message(MSG.ADVERTISE, 9, sid, cid)), handleInput(message(MSG.SOLICIT, 8, cid)), /xid/);
  checkerRejects(forged(message(MSG.REPLY, 8, sid, cid)), handleInput(message(MSG.SOLICIT, 8, cid)), /answered with type/);
});

test("checker: linear memory growth after configure is a finding", () => {
  const h = new PlainHarness();
  setupServer(h);
  const base = memoryBaseline(h);
  checkMemory(h, base, "before");
  h.core.exports.memory.grow(1);
  assert.throws(() => checkMemory(h, base, "after"), (e: unknown) => e instanceof Finding && e.kind === "memory");
});

test("checker: inspect reporting no error on bytes that do not frame would be a finding", () => {
  const h = new PlainHarness();
  const lying: Harness = { core: { inspect: () => ({ msg: { options: [], errors: [] } }) } as unknown as Core, heapTop: () => null };
  assert.throws(() => checkInspect(lying, Uint8Array.of(1, 0, 0, 1, 0, 1, 0, 9)), (e: unknown) => e instanceof Finding && /do not frame/.test(e.message));
  assert.doesNotThrow(() => checkInspect(h, Uint8Array.of(1, 0, 0, 1, 0, 1, 0, 9)), "the real inspector reports the overrun");
});

test("checker: a bound binding no Reply granted, or one outliving its grant, is a finding", () => {
  const h = new PlainHarness();
  setupSequence(h);
  const base = memoryBaseline(h);
  const scene = new Scene(h, base);
  // tape: send, Solicit, new client (DUID-LL 0a00 00000000), flags = Rapid Commit, defaults after
  scene.run(new Tape(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 16)), 1);
  assert.equal(scene.granted.size, 2, "Rapid Commit bound IA_NA and IA_PD");
  scene.checkLeases("as granted");
  const [key, until] = [...scene.granted][0];
  scene.granted.set(key, until - 1);
  assert.throws(() => scene.checkLeases("shortened"), (e: unknown) => e instanceof Finding && /last Reply granted/.test(e.message));
  scene.granted.delete(key);
  assert.throws(() => scene.checkLeases("forgotten"), (e: unknown) => e instanceof Finding && /no Reply ever granted/.test(e.message));
});

// ---------------------------------------------------------------- findings, step by step


test("finding (fixed in 7d60ce5): an IA Prefix hint with prefix length > 128 is echoed into the Reply (RFC 8415 21.22: 0..128)", () => {
  const h = new PlainHarness();
  setupServer(h);
  const cid = opt(OPT.CLIENTID, [0, 3, 0, 1, 0x0a, 0, 0, 0, 0, 0x77]);
  const hint = opt(OPT.IAPREFIX, [...u32(0), ...u32(0), 200, ...ip("2001:db8:1:10::")]);
  const rebind = message(MSG.REBIND, 0x4242, cid, opt(OPT.IA_PD, [...u32(2), ...u32(0), ...u32(0), ...hint]));
  const solicit = message(MSG.SOLICIT, 0x4243, cid, opt(OPT.IA_PD, [...u32(3), ...u32(0), ...u32(0), ...hint]));
  for (const m of [rebind, solicit]) {
    const r = h.core.handle(m, 0, ip("fe80::c1"), 546, true, SEQ_START);
    assert.ok(typeof r !== "number", `answered (${r})`);
    const reply = relayChain(walkStrict(h.core.tx.slice(0, r.length))).inner;
    const prefixes = reply.options.filter((o) => o.code === OPT.IA_PD).flatMap((o) => (o.children ?? []).filter((c) => c.code === OPT.IAPREFIX));
    for (const p of prefixes) assert.ok(p.data[8] <= 128, `message type ${reply.type} carries an IA Prefix of length ${p.data[8]}`);
  }
});

/** Requests with Reconfigure Accept for one client, IA_NA IAIDs `iaids`, and a
 *  prefix change after the `changeAfter`-th; returns the keys delivered and the
 *  Reconfigure the next tick sends. */
function reconfigureScenario(iaids: number[], changeAfter: number): { keys: Uint8Array[]; digest: Uint8Array; mac: (k: Uint8Array) => Uint8Array } {
  const h = new PlainHarness();
  setupSequence(h);
  const now = SEQ_START;
  const cid = opt(OPT.CLIENTID, [0, 3, 0, 1, 0x0a, 0, 0, 0, 0, 0x55]);
  const sid = opt(OPT.SERVERID, [0, 3, 0, 1, 2, 0, 0, 0, 0, 1]);
  const keys: Uint8Array[] = [];
  iaids.forEach((iaid, n) => {
    const req = message(MSG.REQUEST, 0x100 + n, cid, sid, opt(OPT.RECONF_ACCEPT, []), opt(OPT.IA_NA, [...u32(iaid), ...u32(0), ...u32(0)]));
    const r = h.core.handle(req, 0, ip("fe80::55"), 546, true, now);
    assert.ok(typeof r !== "number", `Request ${iaid} answered (${r})`);
    const auth = walkStrict(h.core.tx.slice(0, r.length)).options.find((o) => o.code === OPT.AUTH);
    assert.ok(auth && auth.data[11] === 1, `Reply ${iaid} delivers a reconfigure key`);
    keys.push(auth.data.slice(12, 28));
    // a prefix change schedules the Reconfigure; the next tick sends it
    if (n + 1 === changeAfter) h.core.setIface(ifaceRecord([...initialPrefixes(now), { addr: ip("2001:db8:2::1"), plen: 64, preferredUntil: now + 3000, validUntil: now + 6000 }]), now);
  });
  assert.notDeepEqual(keys[0], keys[1], "every delivery has its own key");
  const sends = h.core.tick(now + 1).filter((e) => e.type === EFFECT.SEND);
  assert.equal(sends.length, 1, "one Reconfigure for the client");
  const rc = walkStrict((sends[0] as { datagram: Uint8Array }).datagram);
  const auth = rc.options.find((o) => o.code === OPT.AUTH)!;
  const body = rc.bytes.slice();
  const at = auth.off + 4 + 12;
  body.fill(0, at, at + 16);
  return { keys, digest: auth.data.slice(12, 28), mac: (k) => Uint8Array.from(createHmac("md5", k).update(body).digest()) };
}

test("finding (fixed in 1984962): a Reconfigure is authenticated with a superseded reconfigure key (RFC 8415 20.4: the client keeps the last one)", () => {
  // two keys, then the prefix change
  const { keys, digest, mac } = reconfigureScenario([1, 2], 2);
  assert.ok(bytesEqual(mac(keys[1]), digest), `the digest is made with ${bytesEqual(mac(keys[0]), digest) ? "the first (superseded) key" : "an unknown key"}, not the key of the last Reply`);
});

test("finding (fixed in 7e24146): a Reconfigure scheduled before the client got a newer key is sent with the old one", () => {
  // the prefix change, then a second key (another IA of the same client), then the tick
  const { keys, digest, mac } = reconfigureScenario([1, 2], 1);
  assert.ok(bytesEqual(mac(keys[1]), digest), `the digest is made with ${bytesEqual(mac(keys[0]), digest) ? "the first (superseded) key" : "an unknown key"}, not the key of the last Reply`);
});
