// Replays a regression or crash file (corpus.ts format) on the plain
// build/core.wasm and prints what happened, with the scenario trace for the
// sequence target (FUZZ_TRACE_LEASES=1 adds the leases after every step):
//   node build/tests/fuzz/replay.js FILE

import { readFileSync } from "node:fs";
import { PlainHarness } from "./harness.js";
import { targetByName } from "./registry.js";
import { parseRegression } from "./corpus.js";
import { Finding } from "./invariants.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: node build/tests/fuzz/replay.js FILE");
  process.exit(2);
}
const c = parseRegression(file, readFileSync(file, "utf8"));
const target = targetByName(c.target);
const h = new PlainHarness();
const base = target.setup(h);
let status = 0;
for (const input of c.inputs) {
  const trace: string[] = [];
  try {
    target.run(h, input.bytes, base, trace);
    console.log(`line ${input.line}: ok`);
  } catch (e) {
    if (!(e instanceof Finding)) throw e;
    console.log(`line ${input.line}: ${e.kind}: ${e.message}`);
    status = 1;
  }
  for (const l of trace) console.log(`  ${l}`);
}
process.exitCode = status;
