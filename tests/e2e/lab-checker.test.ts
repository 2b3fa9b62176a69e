// The lab's capture checker: tshark's verdict plus our byte-level length walk.
// Needs tshark (the test FAILS, naming the package, when it is missing).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CAPTURES, checkCapture, checkDhcpv6Lengths, formatCaptureProblems, hexToBytes, requireTool, walkDhcpv6, writePcap } from "./helpers/lab.js";

const MALFORMED = join(CAPTURES, "malformed-odhcpd2026-relay.pcapng");

// --- hand-made messages ----------------------------------------------------

const opt = (code: number, data: number[]) => [code >> 8, code & 0xff, data.length >> 8, data.length & 0xff, ...data];
const duid = [0, 3, 0, 1, 2, 0, 0, 0, 0, 1];
const dns = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53];
const labExample = [3, ..."lab".split("").map((c) => c.charCodeAt(0)), 7, ..."example".split("").map((c) => c.charCodeAt(0)), 0];
const reply = [7, 1, 2, 3, ...opt(1, duid), ...opt(2, duid), ...opt(23, dns), ...opt(24, labExample)];
const iaaddr = opt(5, [...dns, 0, 0, 0x0b, 0xb8, 0, 0, 0x0f, 0xa0]);
const solicitNa = [1, 0, 0, 1, ...opt(1, duid), ...opt(3, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, ...iaaddr]), ...opt(8, [0, 0])];
const relayHeader = (t: number) => [t, 0, ...new Array(16).fill(0).map((_, i) => (i === 15 ? 1 : i === 0 ? 0x20 : 0)), 0xfe, 0x80, ...new Array(13).fill(0), 9];
const relay = (t: number, inner: number[], declared = inner.length) => [...relayHeader(t), 0, 9, declared >> 8, declared & 0xff, ...inner];

function problemsOf(bytes: number[]): string[] {
  return checkDhcpv6Lengths(Uint8Array.from(bytes)).map((p) => `${p.path}: ${p.message}`);
}

test("length walker: well-formed messages have no problems", () => {
  assert.deepEqual(problemsOf(reply), []);
  assert.deepEqual(problemsOf(solicitNa), []);
  assert.deepEqual(problemsOf(relay(12, solicitNa)), []);
  assert.deepEqual(problemsOf(relay(13, relay(13, reply))), [], "nested relays");
  const w = walkDhcpv6(Uint8Array.from(relay(13, reply)));
  assert.equal(w.message?.msgType, 13);
  assert.equal(w.message?.options[0].message?.msgType, 7);
  assert.deepEqual(
    w.message?.options[0].message?.options.map((o) => o.code),
    [1, 2, 23, 24],
  );
});

test("length walker: a Relay Message longer or shorter than its content is flagged", () => {
  const tooLong = problemsOf(relay(13, reply, reply.length + 1));
  assert.equal(tooLong.length, 1, tooLong.join("\n"));
  assert.match(tooLong[0], /Relay Message\(9\)@34: declares length \d+ .* only \d+ byte\(s\) remain/);
  // Two bytes short: the inner message loses the end of its Domain List and two bytes trail.
  const tooShort = problemsOf(relay(13, reply, reply.length - 2));
  assert.ok(tooShort.some((p) => /Reply > Domain List\(24\)/.test(p)), tooShort.join("\n"));
  assert.ok(tooShort.some((p) => /^Relay-reply: 2 trailing byte\(s\).*Relay Message option@34/.test(p)), tooShort.join("\n"));
  // Declared 0: an empty relayed message.
  assert.ok(problemsOf(relay(12, [], 0)).some((p) => /empty message/.test(p)));
});

test("length walker: options that overrun, trail or have the wrong size are flagged", () => {
  // IA Address inside IA_NA overruns the IA_NA by one byte.
  const bad = solicitNa.slice();
  const iaStart = 4 + 4 + duid.length; // IA_NA header
  bad[iaStart + 4 + 12 + 3] += 1; // IA Address length + 1
  assert.ok(
    problemsOf(bad).some((p) => /IA_NA\(3\)@18 > IA Address\(5\)@34: declares length 25/.test(p)),
    problemsOf(bad).join("\n"),
  );
  assert.ok(problemsOf([...reply, 0, 1, 0]).some((p) => /3 trailing byte\(s\)/.test(p)));
  assert.ok(problemsOf([7, 0, 0, 1, ...opt(23, dns.slice(0, 15))]).some((p) => /not a multiple of 16/.test(p)));
  assert.ok(problemsOf([7, 0, 0, 1, ...opt(8, [0, 0, 0])]).some((p) => /Elapsed Time\(8\).*must be 2/.test(p)));
  assert.ok(problemsOf([7, 0, 0, 1, ...opt(24, labExample.slice(0, -1))]).some((p) => /not terminated by a root label/.test(p)));
  assert.ok(problemsOf([7, 0, 0, 1, ...opt(24, [3, 0x6c, 0x61])]).some((p) => /runs past the option end/.test(p)));
  assert.ok(problemsOf([7, 0, 0, 1, ...opt(9, reply)]).some((p) => /Relay Message option outside a relay message/.test(p)));
  assert.ok(problemsOf([12, 0, 1]).some((p) => /shorter than the 34-byte relay header/.test(p)));
  assert.ok(problemsOf(relayHeader(12).slice(0, 34)).some((p) => /without a Relay Message option/.test(p)));
});

test("length walker: flags frame 2 of malformed-odhcpd2026-relay.pcapng (Relay Message 18 bytes short)", async () => {
  requireTool("tshark");
  assert.ok(existsSync(MALFORMED), `${MALFORMED} is missing: copy it from /work/shared/captures`);
  const r = await checkCapture(MALFORMED);
  assert.equal(r.packets.length, 8);
  const framesWithLengthProblems = [...new Set(r.problems.filter((p) => p.kind === "length").map((p) => p.frame))];
  assert.deepEqual(framesWithLengthProblems, [2, 4, 6, 8], formatCaptureProblems(r.problems));
  const f2 = r.problems.filter((p) => p.frame === 2).map((p) => p.message);
  assert.ok(f2.some((m) => /Relay Message\(9\)@34 > Advertise > IA_PD\(25\)@191: declares length 41 .* only 23 byte/.test(m)), f2.join("\n"));
  assert.ok(f2.some((m) => /^Relay-reply > option 49214@218: declares length 8193 .*Relay Message option@34 of declared length 180/.test(m)), f2.join("\n"));
  // Frame 2's payload as raw bytes gives the same answer without tshark's help.
  const p2 = r.packets.find((p) => p.frame === 2)!;
  assert.equal(p2.payload.length, 236);
  assert.equal(checkDhcpv6Lengths(p2.payload).length, 2);
  // The `from` filter: the Relay-forwards from 2001:db8:9::2 are well formed.
  const fromRelay = await checkCapture(MALFORMED, { from: "2001:db8:9::2" });
  assert.deepEqual(
    fromRelay.checked.map((p) => p.frame),
    [1, 3, 5, 7],
  );
  assert.deepEqual(fromRelay.problems, []);
  const fromServer = await checkCapture(MALFORMED, { from: "2001:0db8:9:0::1%cap-s" });
  assert.deepEqual(
    fromServer.checked.map((p) => p.frame),
    [2, 4, 6, 8],
  );
});

test("capture checker: every well-formed capture in tests/vectors/captures passes", async () => {
  requireTool("tshark");
  const files = existsSync(CAPTURES) ? readdirSync(CAPTURES).filter((f) => f.endsWith(".pcapng") && !f.startsWith("malformed")) : [];
  assert.ok(files.length > 0, `no well-formed captures in ${CAPTURES}: copy /work/shared/captures/*.pcapng there`);
  for (const f of files) {
    const r = await checkCapture(join(CAPTURES, f));
    assert.ok(r.packets.length > 0, `${f}: no DHCPv6 packets read`);
    assert.deepEqual(r.problems, [], `${f}:\n${formatCaptureProblems(r.problems)}`);
  }
});

test("capture checker: reports tshark's malformed verdicts and our length problems per sender", async () => {
  requireTool("tshark");
  const dir = mkdtempSync(join(tmpdir(), "lab-checker-"));
  try {
    const file = join(dir, "crafted.pcap");
    const c = "fe80::c", s = "fe80::5";
    writePcap(file, [
      { src: c, dst: "ff02::1:2", sport: 546, dport: 547, payload: Uint8Array.from([11, 0, 0, 1, ...opt(1, duid), ...opt(8, [0])]) }, // tshark: malformed Elapsed Time
      { src: s, dst: c, sport: 547, dport: 546, payload: Uint8Array.from([7, 0, 0, 1, ...opt(23, dns.slice(0, 15))]) }, // tshark: malformed DNS
      { src: s, dst: c, sport: 547, dport: 546, payload: Uint8Array.from([7, 0, 0, 1, 0, 1, 0, 40, 1, 2, 3, 4]) }, // tshark: silent overrun
      { src: s, dst: c, sport: 547, dport: 546, payload: Uint8Array.from(reply) }, // fine
    ]);
    const all = await checkCapture(file);
    assert.equal(all.packets.length, 4);
    const by = (k: string) => [...new Set(all.problems.filter((p) => p.kind === k).map((p) => p.frame))];
    assert.deepEqual(by("malformed"), [1, 2], formatCaptureProblems(all.problems));
    assert.deepEqual(by("length"), [1, 2, 3], formatCaptureProblems(all.problems));
    assert.ok(all.problems.some((p) => p.frame === 2 && p.kind === "expert" && /DNS/.test(p.message)));
    const server = await checkCapture(file, { from: s });
    assert.deepEqual([...new Set(server.problems.map((p) => p.frame))], [2, 3]);
    assert.deepEqual(
      server.checked.map((p) => p.frame),
      [2, 3, 4],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("hexToBytes accepts tshark's forms and rejects junk", () => {
  assert.deepEqual([...hexToBytes("0b:00 0a")], [11, 0, 10]);
  assert.throws(() => hexToBytes("0g"));
});
