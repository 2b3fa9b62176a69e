// The coverage-guided fuzzer of core.wasm (issue 6):
//
//   npm run fuzz -- [--seconds N] [--target T[,T...]] [--corpus DIR] [--crashes DIR] [--seed S] [--ci]
//
// For each target: instrument build/core.wasm (instrument.ts), set it up,
// snapshot it, run the seeds, then mutate inputs that reached new coverage
// until the time is up. Every input starts from the snapshot. A finding (a
// trap, a broken invariant, memory growth) is saved in the regression format
// (corpus.ts) under --crashes and makes the exit code 1.

import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { FuzzCore, PlainHarness, CoverageMap, readCoreWasm, ROOT } from "./harness.js";
import { instrument, type Instrumented } from "./instrument.js";
import { TARGETS, targetByName, type Target } from "./targets.js";
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
      "  --ci              the bounded CI campaign: --seconds 60 unless given",
      "  --quiet           no status lines",
      "exit code: 0 no finding, 1 findings, 2 bad usage or a harness failure",
    ].join("\n"),
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seconds: 60, targets: [], corpus: null, crashes: join(ROOT, "build/fuzz-crashes"), seed: Date.now() >>> 0, maxLen: 4096, quiet: false };
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

  status(ms: number): void {
    const s = this.stats;
    console.log(
      `[${s.target}] ${(ms / 1000).toFixed(0)}s execs ${s.execs} (${Math.round(s.execs / (ms / 1000))}/s) edges ${this.map.edges}/${s.points} corpus ${this.corpus.length} findings ${s.findings.size}`,
    );
  }
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const wasm = readCoreWasm();
  const t = performance.now();
  const info = instrument(wasm);
  console.log(
    `core.wasm ${wasm.length} bytes, instrumented: ${info.points.length} points, area at page ${info.basePages} (${info.initialPages} pages), heap global ${info.heapGlobal ?? "not found"}, ${Math.round(performance.now() - t)} ms; seed ${o.seed}`,
  );
  const all: Stats[] = [];
  for (const target of o.targets) {
    console.log(`[${target.name}] ${o.seconds}s`);
    const s = new Campaign(target, info, wasm, o).run();
    all.push(s);
    console.log(
      `[${s.target}] done: ${s.execs} execs in ${s.seconds.toFixed(1)}s (${Math.round(s.execs / s.seconds)}/s), edges ${s.edges}/${s.points}, corpus ${s.corpus}, findings ${s.findings.size}`,
    );
  }
  console.log("\nsummary");
  console.log("target      execs/s   edges       corpus  findings");
  for (const s of all) {
    console.log(`${s.target.padEnd(11)} ${String(Math.round(s.execs / s.seconds)).padStart(7)}   ${`${s.edges}/${s.points}`.padEnd(11)} ${String(s.corpus).padStart(6)}  ${s.findings.size}`);
  }
  const findings = all.flatMap((s) => [...s.findings.values()]);
  if (findings.length) {
    console.log(`\n${findings.length} finding(s):`);
    for (const f of findings) console.log(`  ${f.finding.kind}: ${f.finding.message}\n    ${f.file}${f.reproduced ? "" : " (not reproduced on the plain core)"}`);
    process.exitCode = 1;
  }
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 2;
}
