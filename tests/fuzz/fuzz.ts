// The coverage-guided fuzzer of core.wasm (issue 6). README.md, "Fuzzing":
//
//   npm run fuzz -- [--seconds N] [--target T[,T...]] [--corpus DIR] [--crashes DIR]
//                   [--seed S] [--max-len N] [--distill DIR] [--timeout S] [--ci] [--quiet]
//
// For each target, in a worker thread: instrument build/core.wasm
// (instrument.ts), set it up, snapshot it, run the seeds (captures, synthetic
// messages, tests/fuzz/corpus, the regression corpus), then mutate inputs that
// reached new coverage until the time is up. Every input starts from the
// snapshot. A finding (a trap, a broken invariant, memory growth, a hang) is
// minimized, saved in the regression format (corpus.ts) under --crashes and
// makes the exit code 1.

import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { FuzzCore, PlainHarness, CoverageMap, readCoreWasm, ROOT } from "./harness.js";
import { instrument, type Instrumented } from "./instrument.js";
import { TARGETS, targetByName } from "./registry.js";
import type { Target } from "./targets.js";
import { Finding } from "./invariants.js";
import { Rng, mutate, type MutateContext } from "./mutate.js";
import { loadCorpusDir, saveCorpusInput, loadRegressions, formatRegression, digest, CORPUS } from "./corpus.js";
import { hex, unhex, parseTree, serializeTree, optionLists } from "./dhcpv6.js";
import type { MemoryBaseline } from "./invariants.js";

interface Options {
  seconds: number;
  targets: Target[];
  corpus: string | null;
  crashes: string;
  seed: number;
  maxLen: number;
  quiet: boolean;
  distill: string | null;
  timeout: number;
}

function usage(msg?: string): never {
  if (msg) console.error(msg);
  console.error(
    [
      "usage: npm run fuzz -- [options]",
      "  --seconds N       time per target (default 60)",
      `  --target T        ${TARGETS.map((t) => t.name).join(", ")} (comma-separated or repeated; default: all)`,
      "  --corpus DIR      read and grow DIR/<target>/ (default: read tests/fuzz/corpus only)",
      "  --crashes DIR     where findings are written (default build/fuzz-crashes)",
      "  --seed S          random seed (default: from the clock; printed)",
      "  --max-len N       longest input a mutation may produce (default 4096)",
      "  --distill DIR     after the campaign, write the smallest inputs that keep its coverage to DIR/<target>/",
      "                    (replacing what is there; tests/fuzz/corpus is the committed one)",
      "  --timeout S       an input running S seconds is a hang finding (default 10)",
      "  --ci              the bounded CI campaign: --seconds 60 unless given",
      "  --quiet           no status lines",
      "exit code: 0 no finding, 1 findings, 2 bad usage or a harness failure",
    ].join("\n"),
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seconds: 60, targets: [], corpus: null, crashes: join(ROOT, "build/fuzz-crashes"), seed: Date.now() >>> 0, maxLen: 4096, quiet: false, distill: null, timeout: 10 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === "--seconds") o.seconds = Number(val());
    else if (a === "--target") for (const t of val().split(",")) o.targets.push(targetByName(t.trim()));
    else if (a === "--corpus") o.corpus = resolve(val());
    else if (a === "--crashes") o.crashes = resolve(val());
    else if (a === "--seed") o.seed = Number(val()) >>> 0;
    else if (a === "--max-len") o.maxLen = Number(val());
    else if (a === "--distill") o.distill = resolve(val());
    else if (a === "--timeout") o.timeout = Number(val());
    else if (a === "--ci") {
      /* the defaults are the CI campaign */
    } else if (a === "--quiet") o.quiet = true;
    else if (a === "--help" || a === "-h") usage();
    else usage(`unknown argument ${a}`);
  }
  if (!(o.seconds > 0)) usage("--seconds must be positive");
  if (o.targets.length === 0) o.targets = [...TARGETS];
  return o;
}

/** The dictionary: tokens worth inserting into DHCPv6 bytes. */
function dictionary(): Uint8Array[] {
  const t = (h: string) => unhex(h);
  return [
    t("00030001020000000001"), // the server DUID (DUID-LL of the served interface)
    t("0002000a00030001020000000001"), // Server ID option
    t("0001000a00030001"), // Client ID header + DUID-LL type
    t("0009"), t("0003000c"), t("0019000c"), t("0005"), t("001a0019"), t("000e0000"), t("00120004"), t("00870002"),
    t("0c00"), t("0d00"), t("20010db8000100000000000000000001"), t("fe800000000000000000000000000001"),
    t("ffffffff"), t("00000e10"), t("0000ffff"),
  ];
}

interface Entry {
  input: Uint8Array;
  fresh: number;
}

interface Stats {
  target: string;
  execs: number;
  seconds: number;
  edges: number;
  points: number;
  corpus: number;
  findings: Map<string, { finding: Finding; file: string; reproduced: boolean }>;
}

class Campaign {
  fc!: FuzzCore;
  base!: MemoryBaseline;
  readonly map: CoverageMap;
  readonly corpus: Entry[] = [];
  readonly stats: Stats;
  private readonly rng: Rng;
  private readonly ctx: MutateContext;

  constructor(
    readonly target: Target,
    readonly info: Instrumented,
    readonly wasm: Uint8Array,
    readonly o: Options,
  ) {
    this.map = new CoverageMap(info.points.length);
    this.rng = new Rng(o.seed ^ createHash("sha1").update(target.name).digest().readUInt32BE(0));
    this.stats = { target: target.name, execs: 0, seconds: 0, edges: 0, points: info.points.length, corpus: 0, findings: new Map() };
    this.ctx = {
      rng: this.rng,
      other: () => (this.corpus.length ? this.rng.pick(this.corpus).input : null),
      maxLen: Math.min(o.maxLen, target.maxLen),
      dhcpOffset: target.dhcpOffset,
      dictionary: dictionary(),
    };
    this.fresh();
  }

  /** A new instrumented instance, set up and snapshotted. */
  private fresh(): void {
    this.fc = new FuzzCore(this.info);
    this.base = this.target.setup(this.fc);
    this.fc.snapshot();
  }

  /** Runs one input from the snapshot and returns to it; the finding, if any. */
  private attempt(input: Uint8Array): Finding | null {
    beacon(input);
    let finding: Finding | null = null;
    try {
      this.target.run(this.fc, input, this.base);
    } catch (e) {
      if (!(e instanceof Finding)) throw e;
      finding = e;
    }
    this.stats.execs++;
    return finding;
  }

  private reset(): void {
    if (this.fc.canRestore()) this.fc.restore();
    else this.fresh();
    if (this.stats.execs % 4096 === 0) {
      const at = this.fc.differsFromSnapshot();
      if (at >= 0) throw new Error(`harness: memory differs from the snapshot at ${at} after restore`);
    }
  }

  /** Runs one input; returns the number of new coverage features (-1 on a finding). */
  exec(input: Uint8Array): number {
    const finding = this.attempt(input);
    const fresh = this.fc.collect(this.map);
    this.reset();
    if (finding) {
      this.record(finding, input);
      return -1;
    }
    return fresh;
  }

  /** True when `input` still gives a finding with signature `sig`. */
  private still(input: Uint8Array, sig: string): boolean {
    const f = this.attempt(input);
    this.fc.clearCoverage();
    this.reset();
    return f !== null && f.signature === sig;
  }

  /** Shrinks a finding's input: whole options (DHCPv6 targets), then byte ranges. */
  private minimize(input: Uint8Array, sig: string, budget = 4000): Uint8Array {
    let best = input;
    const t0 = this.stats.execs;
    const left = () => this.stats.execs - t0 < budget;
    if (this.target.dhcpOffset >= 0) {
      let progress = true;
      while (progress && left()) {
        progress = false;
        const head = best.subarray(0, this.target.dhcpOffset);
        const tree = parseTree(best.subarray(this.target.dhcpOffset));
        const lists = optionLists(tree);
        outer: for (const l of lists) {
          for (let i = 0; i < l.length && left(); i++) {
            const saved = l[i];
            l.splice(i, 1);
            const cand = Uint8Array.from([...head, ...serializeTree(tree)]);
            if (this.still(cand, sig)) {
              best = cand;
              progress = true;
              break outer;
            }
            l.splice(i, 0, saved);
          }
        }
      }
    }
    for (let size = best.length >> 1; size >= 1 && left(); size >>= 1) {
      for (let i = 0; i + size <= best.length && left(); ) {
        const cand = Uint8Array.from([...best.subarray(0, i), ...best.subarray(i + size)]);
        if (this.still(cand, sig)) best = cand;
        else i += size;
      }
    }
    return best;
  }

  private record(f: Finding, input: Uint8Array): void {
    const sig = f.signature;
    if (this.stats.findings.has(sig)) return;
    this.stats.findings.set(sig, { finding: f, file: "", reproduced: false }); // claimed while minimizing
    const original = input;
    input = this.minimize(input, sig);
    if (input.length < original.length) f = this.rerun(input) ?? f;
    // Does it reproduce on the real build/core.wasm, from a fresh start?
    let again: Finding | null = null;
    let trace: string[] = [];
    try {
      const h = new PlainHarness(this.wasm);
      const base = this.target.setup(h);
      trace = [];
      this.target.run(h, input, base, trace);
    } catch (e) {
      if (e instanceof Finding) again = e;
      else again = new Finding("error", String(e));
    }
    const name = `${this.target.name}-${f.kind}-${digest(input)}.hex`;
    const file = join(this.o.crashes, name);
    mkdirSync(this.o.crashes, { recursive: true });
    const comments = [
      `finding (${f.kind}): ${f.message}`,
      again ? `reproduces on build/core.wasm: ${again.message}` : "does NOT reproduce on the plain build/core.wasm (instrumented-only check, e.g. heap top)",
      `core.wasm sha256 ${createHash("sha256").update(this.wasm).digest("hex").slice(0, 16)}, fuzz seed ${this.o.seed}`,
      ...(trace.length ? ["trace:", ...trace.map((l) => `  ${l}`)] : []),
    ];
    if (input.length < original.length) comments.push(`minimized from ${original.length} bytes: ${hex(original)}`);
    writeFileSync(file, formatRegression(this.target.name, comments, [input]));
    this.stats.findings.set(sig, { finding: f, file, reproduced: again !== null });
    console.log(`[${this.target.name}] FINDING ${f.kind}: ${f.message}\n    input ${hex(input).slice(0, 200)}${input.length > 100 ? "..." : ""}\n    saved ${file}`);
  }

  private rerun(input: Uint8Array): Finding | null {
    const f = this.attempt(input);
    this.fc.clearCoverage();
    this.reset();
    return f;
  }

  private add(input: Uint8Array, fresh: number): void {
    this.corpus.push({ input, fresh });
    this.stats.corpus = this.corpus.length;
    if (this.o.corpus) saveCorpusInput(this.o.corpus, this.target.name, input);
  }

  private pickParent(): Uint8Array {
    const n = this.corpus.length;
    if (this.rng.chance(0.3)) return this.corpus[n - 1 - this.rng.below(Math.min(n, 16))].input;
    // favour short inputs: best of two
    const a = this.rng.pick(this.corpus).input;
    const b = this.rng.pick(this.corpus).input;
    return a.length <= b.length ? a : b;
  }

  run(): Stats {
    const t0 = performance.now();
    const deadline = t0 + this.o.seconds * 1000;
    const inputs: Uint8Array[] = [...this.target.seeds(), ...loadCorpusDir(CORPUS, this.target.name)];
    if (this.o.corpus && resolve(this.o.corpus) !== resolve(CORPUS)) inputs.push(...loadCorpusDir(this.o.corpus, this.target.name));
    for (const r of loadRegressions()) if (r.target === this.target.name) inputs.push(...r.inputs.map((i) => i.bytes));
    for (const input of inputs) {
      const fresh = this.exec(input);
      if (fresh > 0 || (fresh === 0 && this.corpus.length === 0)) this.add(input, fresh);
      if (performance.now() > deadline) break;
    }
    if (this.corpus.length === 0) this.add(new Uint8Array(1), 0);
    let nextStatus = performance.now() + 5000;
    while (performance.now() < deadline) {
      for (let k = 0; k < 64; k++) {
        const child = mutate(this.pickParent(), this.ctx);
        const fresh = this.exec(child);
        if (fresh > 0) this.add(child, fresh);
      }
      const now = performance.now();
      if (now >= nextStatus && !this.o.quiet) {
        this.status(now - t0);
        nextStatus = now + 5000;
      }
    }
    this.stats.seconds = (performance.now() - t0) / 1000;
    this.stats.edges = this.map.edges;
    return this.stats;
  }

  /** The smallest inputs, shortest first, that together reach every edge the
   *  corpus reached (edges, not hit-count classes: a small committed corpus). */
  distill(): Uint8Array[] {
    const map = new CoverageMap(this.info.points.length);
    const kept: Uint8Array[] = [];
    const sorted = [...this.corpus].map((e) => e.input).sort((a, b) => a.length - b.length);
    for (const input of sorted) {
      const f = this.attempt(input);
      const edges = map.edges;
      this.fc.collect(map);
      this.reset();
      if (!f && map.edges > edges) kept.push(input);
    }
    return kept;
  }

  status(ms: number): void {
    const s = this.stats;
    console.log(
      `[${s.target}] ${(ms / 1000).toFixed(0)}s execs ${s.execs} (${Math.round(s.execs / (ms / 1000))}/s) edges ${this.map.edges}/${s.points} corpus ${this.corpus.length} findings ${s.findings.size}`,
    );
  }
}

// ---------------------------------------------------------------- supervisor and worker
// Each target runs in a worker thread. Before every input the worker copies it
// into a shared buffer and bumps a counter; when the counter stops moving for
// --timeout seconds the supervisor saves that input as a hang finding,
// terminates the worker and goes on with the next target.

const SHARED_INPUT = 1 << 17;

interface Summary {
  target: string;
  execs: number;
  seconds: number;
  edges: number;
  points: number;
  corpus: number;
  findings: { kind: string; message: string; file: string; reproduced: boolean }[];
}

let shared: { ctl: Int32Array; bytes: Uint8Array } | null = null;

/** Called before every execution (worker side). */
function beacon(input: Uint8Array): void {
  if (!shared) return;
  const n = Math.min(input.length, SHARED_INPUT);
  shared.bytes.set(input.subarray(0, n));
  Atomics.store(shared.ctl, 1, n);
  Atomics.add(shared.ctl, 0, 1);
}

function workerMain(): void {
  const { argv, target, sab } = workerData as { argv: string[]; target: string; sab: SharedArrayBuffer };
  shared = { ctl: new Int32Array(sab, 0, 2), bytes: new Uint8Array(sab, 8) };
  const o = parseArgs(argv);
  const wasm = readCoreWasm();
  const info = instrument(wasm);
  const t = targetByName(target);
  console.log(`[${t.name}] ${o.seconds}s, ${info.points.length} instrumentation points`);
  const c = new Campaign(t, info, wasm, o);
  const s = c.run();
  if (o.distill) {
    const kept = c.distill();
    const dir = join(o.distill, t.name);
    rmSync(dir, { recursive: true, force: true });
    for (const input of kept) saveCorpusInput(o.distill, t.name, input);
    console.log(`[${t.name}] distilled ${s.corpus} inputs to ${kept.length} (${kept.reduce((n, i) => n + i.length, 0)} bytes) in ${dir}`);
  }
  console.log(
    `[${s.target}] done: ${s.execs} execs in ${s.seconds.toFixed(1)}s (${Math.round(s.execs / s.seconds)}/s), edges ${s.edges}/${s.points}, corpus ${s.corpus}, findings ${s.findings.size}`,
  );
  const summary: Summary = {
    ...s,
    findings: [...s.findings.values()].map((f) => ({ kind: f.finding.kind, message: f.finding.message, file: f.file, reproduced: f.reproduced })),
  };
  parentPort!.postMessage(summary);
}

function runTarget(argv: string[], target: Target, o: Options): Promise<Summary> {
  return new Promise((done, fail) => {
    const sab = new SharedArrayBuffer(8 + SHARED_INPUT);
    const ctl = new Int32Array(sab, 0, 2);
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { argv, target: target.name, sab } });
    let summary: Summary | null = null;
    let last = -1;
    let still = 0;
    const watch = setInterval(() => {
      const n = Atomics.load(ctl, 0);
      if (n === 0 || n !== last) {
        last = n;
        still = 0;
        return;
      }
      if (++still < o.timeout) return;
      // no progress: a hang inside the core (or the harness)
      clearInterval(watch);
      const input = new Uint8Array(sab, 8, Atomics.load(ctl, 1)).slice();
      mkdirSync(o.crashes, { recursive: true });
      const file = join(o.crashes, `${target.name}-hang-${digest(input)}.hex`);
      const message = `no progress for ${o.timeout} s on one input (a hang)`;
      writeFileSync(file, formatRegression(target.name, [`finding (hang): ${message}`, `fuzz seed ${o.seed}`], [input]));
      console.log(`[${target.name}] FINDING hang: ${message}\n    input ${hex(input).slice(0, 200)}\n    saved ${file}`);
      summary = { target: target.name, execs: n, seconds: NaN, edges: NaN, points: NaN, corpus: NaN, findings: [{ kind: "hang", message, file, reproduced: false }] };
      void w.terminate();
    }, 1000);
    w.on("message", (m: Summary) => (summary = m));
    w.on("error", (e) => {
      clearInterval(watch);
      fail(e);
    });
    w.on("exit", () => {
      clearInterval(watch);
      if (summary) done(summary);
      else fail(new Error(`worker for ${target.name} exited without a summary`));
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  const wasm = readCoreWasm();
  console.log(`core.wasm ${wasm.length} bytes (sha256 ${createHash("sha256").update(wasm).digest("hex").slice(0, 16)}); seed ${o.seed}; ${o.seconds}s per target`);
  // the workers must share the seed the supervisor printed
  const wargv = [...argv.filter((a, i) => a !== "--seed" && argv[i - 1] !== "--seed"), "--seed", String(o.seed)];
  const all: Summary[] = [];
  for (const target of o.targets) all.push(await runTarget(wargv, target, o));
  console.log("\nsummary");
  console.log("target      execs/s   edges       corpus  findings");
  for (const s of all) {
    const rate = Number.isFinite(s.seconds) ? String(Math.round(s.execs / s.seconds)) : "-";
    const edges = Number.isFinite(s.edges) ? `${s.edges}/${s.points}` : "-";
    const corpus = Number.isFinite(s.corpus) ? String(s.corpus) : "-";
    console.log(`${s.target.padEnd(11)} ${rate.padStart(7)}   ${edges.padEnd(11)} ${corpus.padStart(6)}  ${s.findings.length}`);
  }
  const findings = all.flatMap((s) => s.findings);
  if (findings.length) {
    console.log(`\n${findings.length} finding(s):`);
    for (const f of findings) console.log(`  ${f.kind}: ${f.message}\n    ${f.file}${f.reproduced ? "" : " (not reproduced on the plain core)"}`);
    process.exitCode = 1;
  }
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 2;
  });
} else {
  workerMain();
}
