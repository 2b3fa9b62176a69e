// The fuzzer's harness checked against the real core: the instrumented
// core.wasm answers exactly as build/core.wasm does, the snapshot restore
// returns memory to the snapshot byte for byte, the coverage counters are
// deterministic and see new code, and the counter area lies above all the
// memory the core uses.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FuzzCore, PlainHarness, CoverageMap, readCoreWasm, type Harness } from "../fuzz/harness.js";
import { instrument, pagesAfterStart, WASM_PAGE } from "../fuzz/instrument.js";
import { handleTarget, handleDatagram, capturePackets, handleInput, syntheticMessages } from "../fuzz/targets.js";
import { hex } from "../fuzz/dhcpv6.js";

const WASM = readCoreWasm();
const INFO = instrument(WASM);
const INPUTS = [...capturePackets().map((p) => handleInput(p.payload, p.multicast)), ...syntheticMessages().map((m) => handleInput(m))];

function answer(h: Harness, input: Uint8Array): string {
  const d = handleDatagram(input);
  const before = h.core.counters();
  const r = h.core.handle(d.bytes, d.ifslot, d.src, d.srcPort, d.multicast, d.now);
  const after = h.core.counters();
  const moved = Object.keys(after)
    .filter((k) => after[k] !== before[k])
    .map((k) => `${k}+${after[k] - before[k]}`)
    .join(" ");
  if (typeof r === "number") return `${r} ${moved}`;
  return `${hex(h.core.tx.subarray(0, r.length))} ${r.ifslot} ${r.port} ${r.kind} ${hex(r.addr)} ${moved}`;
}

test("the instrumented core answers every capture and synthetic datagram exactly as build/core.wasm", () => {
  assert.ok(INPUTS.length > 100, `${INPUTS.length} inputs`);
  const fc = new FuzzCore(INFO);
  handleTarget.setup(fc);
  fc.snapshot();
  let replies = 0;
  for (const input of INPUTS) {
    const plain = new PlainHarness(WASM);
    handleTarget.setup(plain);
    const want = answer(plain, input);
    assert.equal(answer(fc, input), want, hex(input));
    if (!want.startsWith("-")) replies++;
    fc.clearCoverage();
    fc.restore();
  }
  assert.ok(replies > 10, `${replies} replies`);
});

test("restore returns linear memory to the snapshot byte for byte, globals included", () => {
  const fc = new FuzzCore(INFO);
  handleTarget.setup(fc);
  fc.snapshot();
  const first = answer(fc, INPUTS[0]);
  for (const input of INPUTS) {
    answer(fc, input);
    fc.clearCoverage();
    fc.restore();
    assert.equal(fc.differsFromSnapshot(), -1, `after ${hex(input).slice(0, 40)}`);
  }
  // and the state really is the snapshot's: the first answer again, counters included
  assert.equal(answer(fc, INPUTS[0]), first);
  // without restore, state (counters, offers) carries over
  assert.notEqual(fc.differsFromSnapshot(), -1);
});

test("coverage is deterministic per input and grows with new code paths", () => {
  const fc = new FuzzCore(INFO);
  handleTarget.setup(fc);
  fc.snapshot();
  const map = new CoverageMap(INFO.points.length);
  const run = (input: Uint8Array) => {
    answer(fc, input);
    const fresh = fc.collect(map);
    fc.restore();
    return fresh;
  };
  const solicit = INPUTS.find((i) => i[2] === 1)!;
  assert.ok(run(solicit) > 0, "a Solicit reaches points");
  const edges = map.edges;
  assert.equal(run(solicit), 0, "the same input again reaches nothing new");
  assert.equal(map.edges, edges);
  assert.ok(run(Uint8Array.of(1, 0, 12, 0)) > 0, "a truncated Relay-forward takes another path");
  assert.ok(map.edges > edges);
  assert.ok(map.edges < INFO.points.length);
});

test("the counter area lies above every byte the core uses, and the heap top is known", () => {
  const pages = pagesAfterStart(WASM);
  assert.equal(INFO.basePages, pages);
  assert.equal(INFO.counters, pages * WASM_PAGE);
  assert.ok(INFO.points.length > 1000, `${INFO.points.length} points`);
  assert.ok(INFO.heapGlobal, "the stub runtime's heap-top global was found");
  const fc = new FuzzCore(INFO);
  handleTarget.setup(fc); // configure grows memory for the binding table: above the area
  const heap = fc.heapTop()!;
  assert.ok(heap > 0 && heap <= INFO.counters, `heap top ${heap} below the counters at ${INFO.counters}`);
  assert.ok(fc.memoryBytes() > INFO.initialPages * WASM_PAGE, "the binding table was placed above the area");
});
