// The inspector on any bytes: mutated and cut captures and random bytes
// always give valid JSON whose every offset lies inside the datagram, never
// depend on what lies in RX past `len`, and stay valid JSON when the decode
// does not fit in OUT.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core } from "../../host/core/core.js";
import { dhcpv6Packets } from "../../host/util/pcap.js";
import type { InspectResult, InspectMsg, InspectOption } from "../../host/cli/decode.js";

const CORE_WASM = fileURLToPath(new URL("../../core.wasm", import.meta.url));
const CAPTURES = fileURLToPath(new URL("../../../tests/vectors/captures/", import.meta.url));
const core = Core.loadSync(readFileSync(CORE_WASM));

const SEEDS: Uint8Array[] = [];
for (const f of readdirSync(CAPTURES).filter((n) => n.endsWith(".pcapng")).sort()) {
  for (const p of dhcpv6Packets(new Uint8Array(readFileSync(CAPTURES + f)))) SEEDS.push(Uint8Array.from(p.payload));
}

/** Deterministic PRNG (mulberry32), so that a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(r: () => number): Uint8Array {
  const pick = Math.floor(r() * 10);
  if (pick === 0) {
    const b = new Uint8Array(Math.floor(r() * 400));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
    return b;
  }
  let b = Uint8Array.from(SEEDS[Math.floor(r() * SEEDS.length)]);
  const edits = 1 + Math.floor(r() * 4);
  // bytes that matter to framing: lengths, relay types, container codes
  const special = [0, 0xff, 0x7f, 9, 12, 13, 3, 5, 25, 26, 0xc0, 0x40];
  for (let k = 0; k < edits && b.length > 0; k++) {
    b[Math.floor(r() * b.length)] = r() < 0.5 ? Math.floor(r() * 256) : special[Math.floor(r() * special.length)];
  }
  if (r() < 0.3) b = b.subarray(0, Math.floor(r() * (b.length + 1)));
  return b;
}

/** Raw inspect with the rest of RX filled with `fill`: the JSON text. */
function inspectText(bytes: Uint8Array, fill: number): string {
  core.rx.fill(fill);
  core.rx.set(bytes);
  const n = core.exports.inspect!(bytes.length);
  return new TextDecoder().decode(core.out.subarray(0, n));
}

/** Every offset range in the result lies within [0, len]. */
function checkRanges(r: InspectResult, len: number, what: string): void {
  const range = (off: number, l: number, who: string) => {
    assert.ok(Number.isInteger(off) && off >= 0 && off + l <= len, `${what}: ${who} range ${off}+${l} outside ${len} bytes`);
  };
  const msg = (m: InspectMsg): void => {
    range(m.off, m.len, "message");
    m.errors.forEach((e) => range(e.off, e.len, `error "${e.error}"`));
    m.options.forEach(opt);
  };
  const opt = (o: InspectOption): void => {
    range(o.off, 4, `option ${o.code} header`);
    (o.errors ?? []).forEach((e) => range(e.off, e.len, `error "${e.error}"`));
    o.options?.forEach(opt);
    if (o.msg) msg(o.msg);
  };
  msg(r.msg);
}

test("20 000 mutated, cut and random datagrams: valid JSON, ranges inside, nothing read past len", () => {
  const r = rng(0x5eed);
  let withErrors = 0;
  for (let i = 0; i < 20_000; i++) {
    const b = mutate(r);
    const what = `case ${i} (${Buffer.from(b).toString("hex")})`;
    const a = inspectText(b, 0x00);
    const c = inspectText(b, 0xff);
    assert.equal(c, a, `${what}: output depends on bytes past len`);
    const j = JSON.parse(a) as InspectResult;
    assert.equal(j.msg.len, b.length, what);
    checkRanges(j, b.length, what);
    if (a.includes('"error":')) withErrors++;
  }
  assert.ok(withErrors > 2000, `mutations reach the error paths (${withErrors})`);
});

test("a decode larger than OUT ends in a top-level \"truncated\": true and is still JSON", () => {
  // Solicit with an ORO asking 32 763 times for option 21: about 1.5 MB of JSON for 1 MiB of OUT
  const b = new Uint8Array(4 + 4 + 2 * 32763);
  b[0] = 1;
  b[4] = 0;
  b[5] = 6;
  b[6] = (2 * 32763) >> 8;
  b[7] = (2 * 32763) & 0xff;
  for (let i = 8; i < b.length; i += 2) b[i + 1] = 21;
  const text = inspectText(b, 0);
  assert.ok(text.length <= core.out.length);
  assert.ok(text.length > core.out.length - 4096, `OUT was filled (${text.length})`);
  const j = JSON.parse(text) as InspectResult & { msg: { options: { fields: { codes: unknown[] } }[] } };
  assert.equal(j.truncated, true);
  assert.ok(text.endsWith(',"truncated":true}'));
  assert.ok(j.msg.options[0].fields.codes.length > 10000);
});

test("the largest datagram (65535 bytes of options) decodes within OUT when it can", () => {
  // one unknown option of 65527 bytes (65535 - 4 header - 4 option header): 131 KB of hex
  const b = new Uint8Array(65535);
  b[0] = 1;
  b[4] = 0xfd;
  b[5] = 0xe8;
  b[6] = 0xff;
  b[7] = 0xf7;
  const j = JSON.parse(inspectText(b, 0)) as InspectResult;
  assert.equal(j.truncated, undefined);
  assert.equal(j.msg.options[0].len, 65527);
  assert.equal((j.msg.options[0].fields.data as string).length, 65527 * 2);
  assert.equal(j.msg.options[0].errors, undefined);
  assert.deepEqual(j.msg.errors, []);
});
