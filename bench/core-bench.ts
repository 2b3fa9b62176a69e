// In-process benchmark of the core alone (no root, no lab): the figures of
// bench/core-suite.ts printed as a table. `npm run bench` runs the whole suite
// (bench/run.ts); this is the quick in-process part.
//   node build/bench/core-bench.js [--smoke]      (after npm run build)
// Environment: BENCH_N (iterations per loop, default 200000).

import { runCoreSuite } from "./core-suite.js";

const smoke = process.argv.includes("--smoke");
const N = Number(process.env.BENCH_N ?? (smoke ? 2000 : 200_000));
const r = await runCoreSuite({
  sizes: smoke ? [1000] : [1000, 10_000, 100_000],
  iterations: N,
  reps: smoke ? 1 : 3,
  budgetMs: smoke ? 200 : 1500,
  splitAt: smoke ? 1000 : 10_000,
  log: (l) => console.log(l),
});
console.log(`core.wasm ${r.wasmBytes} bytes; binding record ${r.recordBytes} B, linear memory per binding ${r.bytesPerBinding.toFixed(1)} B`);
