// The whole benchmark of issue 7 in one go:
//   node build/bench/run.js [--smoke] [--out DIR] [--no-lab] [--no-profile] [--only PHASE,...]
//   node build/bench/run.js --render [DIR]     (results.md and rate.svg again from DIR/results.json)
// (a) the core in-process at 1k/10k/100k bindings, (b) perfdhcp against our
// daemon, Kea and a bare Node responder in the namespace lab (root), (c)
// resident memory, (d) start-up, (e) core.wasm size; the daemon's CPU profile.
// Writes results.json, results.md and rate.svg to DIR (default bench/results,
// with --smoke bench/results/smoke.tmp). --smoke: tiny counts, one perfdhcp
// step per server; asserts nothing about timings, exits 1 when a step could
// not run. Full run: about 8 minutes on the 2-core machine.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCoreSuite, CORE_WASM } from "./core-suite.js";
import { runLabBench, namedBuild, LAB_PHASES, type Kind, type LabPhase } from "./lab-bench.js";
import { markdown, rateSvg, targets, type Results } from "./report.js";
import { findTool } from "../host/lab/netns.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Args {
  smoke: boolean;
  out: string;
  lab: boolean;
  profile: boolean;
  /** Only re-render results.md and rate.svg from DIR/results.json. */
  render: string | null;
  /** Only these parts: core, or lab phases (startup, rate, latency, memory, profile). */
  only: string[] | null;
}

const PARTS = ["core", ...LAB_PHASES];

function parseArgs(argv: string[]): Args {
  const a: Args = { smoke: false, out: "", lab: true, profile: true, render: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === "--smoke") a.smoke = true;
    else if (v === "--out") a.out = argv[++i] ?? "";
    else if (v === "--no-lab") a.lab = false;
    else if (v === "--no-profile") a.profile = false;
    else if (v === "--render") a.render = argv[++i] ?? "";
    else if (v === "--only") {
      a.only = (argv[++i] ?? "").split(",").filter(Boolean);
      const bad = a.only.filter((p) => !PARTS.includes(p));
      if (!a.only.length || bad.length) {
        process.stderr.write(`--only: expected a comma-separated list of ${PARTS.join(", ")}\n`);
        process.exit(2);
      }
    } else if (v === "-h" || v === "--help") {
      process.stdout.write(`usage: node build/bench/run.js [--smoke] [--out DIR] [--no-lab] [--no-profile] [--only ${PARTS.join(",")}] | --render DIR\n`);
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${v}\n`);
      process.exit(2);
    }
  }
  // A partial run (--only) never replaces the committed full results.
  a.out ||= join(ROOT, "bench", "results", a.smoke ? "smoke.tmp" : a.only ? "only.tmp" : "");
  return a;
}

function version(cmd: string, args: string[]): string | null {
  const bin = findTool(cmd);
  if (!bin) return null;
  try {
    return execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5000 }).trim().split("\n")[0].replace(/^VERSION:\s*/, "");
  } catch {
    return null;
  }
}

function commit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, encoding: "utf8" }).trim() ? "+changes" : "";
    return head + dirty;
  } catch {
    return "unknown";
  }
}

function render(dir: string): number {
  const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;
  const partial = { meta: r.meta, coreWasmBytes: r.coreWasmBytes, core: r.core, lab: r.lab, errors: r.errors };
  const results: Results = { ...partial, targets: targets(partial) };
  writeFileSync(join(dir, "results.md"), markdown(results));
  if (r.lab) writeFileSync(join(dir, "rate.svg"), rateSvg(r.lab.steps, `perfdhcp -6 four-way exchanges (${r.meta.date.slice(0, 10)}, ${r.meta.cores} cores)`));
  process.stdout.write(`rendered ${join(dir, "results.md")}\n`);
  return 0;
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  if (a.render !== null) return render(a.render || join(ROOT, "bench", "results"));
  const t0 = Date.now();
  const log = (l: string) => process.stdout.write(l + "\n");
  mkdirSync(a.out, { recursive: true });
  const errors: string[] = [];
  const meta = {
    date: new Date().toISOString(),
    mode: a.smoke ? ("smoke" as const) : ("full" as const),
    commit: commit(),
    node: process.version,
    cpus: cpus()[0]?.model ?? "?",
    cores: cpus().length,
    kea: version("kea-dhcp6", ["-v"]),
    perfdhcp: version("perfdhcp", ["-v"]),
    kernel: release(),
    load1Start: loadavg()[0],
    load1End: 0,
    durationS: 0,
  };
  const coreWasmBytes = statSync(CORE_WASM).size;
  log(`odhcpd-wasm bench (${meta.mode}) -> ${a.out}`);
  log(`core.wasm ${coreWasmBytes} bytes`);

  let core: Results["core"] = null;
  const part = (p: string) => !a.only || a.only.includes(p);
  if (part("core")) {
    log("core in-process:");
    try {
      core = await runCoreSuite({
        sizes: a.smoke ? [1000] : [1000, 10_000, 100_000],
        iterations: a.smoke ? 2000 : 200_000,
        reps: a.smoke ? 1 : 3,
        budgetMs: a.smoke ? 300 : 1500,
        splitAt: a.smoke ? 1000 : 10_000,
        log,
      });
    } catch (e) {
      errors.push(`core in-process: ${(e as Error).stack ?? e}`);
      log(`  FAILED: ${(e as Error).message}`);
    }
    log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s so far)`);
  }

  let lab: Results["lab"] = null;
  const only = a.only?.filter((p): p is LabPhase => p !== "core") ?? null;
  if (a.lab && (!only || only.length)) {
    const servers: Kind[] = ["kea", "ours", "bare", "floor"];
    const named = a.profile && !a.smoke && part("profile") ? namedBuild(join(ROOT, "bench", "results", "named-build.tmp"), log) : null;
    try {
      lab = await runLabBench({
        smoke: a.smoke,
        servers,
        ladder: a.smoke ? [200] : [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 7000, 8000, 10000, 12000, 15000, 20000, 25000, 30000],
        stepSeconds: a.smoke ? 1 : 4,
        clients: 16_777_216,
        failuresToStop: 2,
        latencySeconds: a.smoke ? 1 : 4,
        memoryTargets: a.smoke ? [200] : [10_000, 100_000],
        startupReps: a.smoke ? 1 : 5,
        profile: a.profile,
        profileSeconds: a.smoke ? 1 : 5,
        namedBuild: named,
        outDir: a.out,
        log,
        only: only ?? undefined,
      });
    } catch (e) {
      errors.push(`lab: ${(e as Error).stack ?? e}`);
      log(`  FAILED: ${(e as Error).message}`);
    }
  } else {
    log(`lab: skipped (${a.lab ? "--only" : "--no-lab"})`);
  }

  meta.load1End = loadavg()[0];
  meta.durationS = (Date.now() - t0) / 1000;
  const partial = { meta, coreWasmBytes, core, lab, errors };
  const results: Results = { ...partial, targets: targets(partial) };
  writeFileSync(join(a.out, "results.json"), JSON.stringify(results, null, 1) + "\n");
  writeFileSync(join(a.out, "results.md"), markdown(results));
  if (lab) writeFileSync(join(a.out, "rate.svg"), rateSvg(lab.steps, `perfdhcp -6 four-way exchanges (${meta.date.slice(0, 10)}, ${meta.cores} cores)`));
  log("");
  log("targets:");
  for (const t of results.targets) log(`  ${t.met === null ? "n/a" : t.met ? "met" : "NOT met"}  ${t.name}: ${t.measured} (goal ${t.goal})`);
  log(`wrote ${join(a.out, "results.md")}, results.json${lab ? ", rate.svg" : ""} in ${meta.durationS.toFixed(0)} s`);
  if (errors.length) {
    for (const e of errors) process.stderr.write(`bench step failed: ${e}\n`);
    return 1;
  }
  if (a.smoke && !a.only) return checkSmoke(results, a.lab);
  return 0;
}

/** Smoke: every step ran and produced its figures (no timing is judged). */
function checkSmoke(r: Results, withLab: boolean): number {
  const problems: string[] = [];
  if (!r.core || !r.core.figures.length) problems.push("no core figures");
  for (const layer of ["core", "wrapper", "server", "server+send"]) if (!r.core?.figures.some((f) => f.layer === layer && f.ops > 0)) problems.push(`no ${layer} figure`);
  if (withLab) {
    const lab = r.lab;
    if (!lab) problems.push("no lab results");
    else {
      for (const k of ["ours", "kea", "bare", "floor"]) if (!lab.steps.some((s) => s.kind === k && s.rrReceived > 0)) problems.push(`perfdhcp step against ${k}: no exchange completed`);
      if (!lab.latency.some((l) => l.exchange.count > 0)) problems.push("no latency samples");
      if (!lab.memory.some((m) => m.kind === "ours" && m.bindings > 0)) problems.push("no memory figure with bindings");
      if (!lab.startup.some((s) => s.kind === "ours" && s.ms.length)) problems.push("no start-up figure");
      if (!lab.profile || lab.profile.summary.samples === 0) problems.push("no CPU profile samples");
    }
  }
  if (problems.length) {
    process.stderr.write(`bench smoke failed: ${problems.join("; ")}\n`);
    return 1;
  }
  process.stdout.write("bench smoke: every step ran\n");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
