// End-to-end benchmarks in the namespace lab (root): perfdhcp -6 against our
// daemon, Kea (memfile) and a bare Node responder on the same veth pair, one
// server at a time, alternating step by step; latency from perfdhcp's
// per-packet timestamps; resident memory idle and holding N bindings; time
// from process start to the first Reply; CPU profile and syscall counts of
// the daemon under load. Every run is bounded in time and traffic stays
// inside the lab's namespaces.

import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openLab, type LabContext } from "../host/lab/with-lab.js";
import { checkLabPrerequisites, findTool, requireTool, sleep, LabCommandError, type Lab, type LabProcess } from "../host/lab/netns.js";
import { keaConfig, ourCli, projectRoot } from "../host/lab/servers.js";
import { controlRequest } from "../host/control.js";
import { launcherFlagsOf } from "../host/cli/launcher.js";
import { parsePerfdhcp, exchangeDropRatio, summarize, pairExchanges, type PerfdhcpRun, type LatencySummary } from "./perfdhcp.js";
import { summarizeProfile, type CpuProfile, type ProfileSummary } from "./cpuprofile.js";

export type Kind = "ours" | "kea" | "bare" | "floor";
export const KIND_LABEL: Record<Kind, string> = { ours: "odhcpd-wasm", kea: "Kea 2.2 memfile", bare: "bare Node responder", floor: "C recvmmsg responder (floor)" };
/** The canned responders: a reference for the rates, not servers (no memory, latency or start-up rows of their own beyond the rate search). */
const RESPONDERS: Kind[] = ["bare", "floor"];

/** More than this share of four-way exchanges lost makes a step unclean (Kea's method). */
export const DROP_LIMIT = 0.025;

export interface LabBenchOptions {
  smoke: boolean;
  servers: Kind[];
  ladder: number[];
  stepSeconds: number;
  /** perfdhcp -R: simulated clients (large: nearly every exchange is a new client). */
  clients: number;
  /** Stop a server's ladder after this many unclean steps in a row. */
  failuresToStop: number;
  latencySeconds: number;
  memoryTargets: number[];
  startupReps: number;
  profile: boolean;
  profileSeconds: number;
  /** A copy of build/ with a core.wasm that has a name section (for the CPU profile), or null. */
  namedBuild: string | null;
  outDir: string;
  log: (line: string) => void;
  /** Run only these phases (default all): startup, rate, latency, memory, profile. */
  only?: LabPhase[];
}

export const LAB_PHASES = ["startup", "rate", "latency", "memory", "profile"] as const;
export type LabPhase = (typeof LAB_PHASES)[number];

export interface StepResult {
  kind: Kind;
  requested: number;
  seconds: number;
  offered: number;
  answered: number;
  dropRatio: number;
  clean: boolean;
  saSent: number;
  saReceived: number;
  rrSent: number;
  rrReceived: number;
  saAvgMs: number;
  rrAvgMs: number;
  /** Server CPU (user + system) per answered exchange, microseconds. */
  cpuUsPerExchange: number;
  userShare: number;
  rssKb: number;
  load1: number;
  /** The step was unclean at first and was run a second time (the better run is kept). */
  retried?: boolean;
}

export interface Best {
  kind: Kind;
  rate: number;
  requested: number;
  /** Server CPU per exchange at that step. */
  cpuUsPerExchange: number;
  /** Why the ladder stopped: unclean steps, end of the ladder, or perfdhcp could not send faster. */
  stoppedBy: "drops" | "ladder" | "perfdhcp";
}

export interface LatencyResult {
  kind: Kind;
  label: string;
  rate: number;
  dropRatio: number;
  sa: LatencySummary;
  rr: LatencySummary;
  exchange: LatencySummary;
  pairedShare: number;
}

export interface MemoryRow {
  kind: Kind | "node";
  label: string;
  bindings: number;
  capacity: number | null;
  rssKb: number;
  hwmKb: number;
  /** VmRSS split: anonymous memory (heap, wasm memory, stacks) and mapped files (the node binary, libraries). */
  anonKb?: number;
  fileKb?: number;
  fillSeconds: number;
  /** Our daemon started again on the state directory of the row before (bindings replayed from the journal). */
  restarted?: boolean;
}

export interface StartupRow {
  kind: string;
  label: string;
  ms: number[];
  medianMs: number;
  minMs: number;
}

export interface SyscallRow {
  kind: Kind;
  exchanges: number;
  perExchange: { syscall: string; calls: number }[];
  totalPerExchange: number;
}

export interface LabBenchResult {
  steps: StepResult[];
  best: Best[];
  latency: LatencyResult[];
  memory: MemoryRow[];
  startup: StartupRow[];
  profile: {
    rate: number;
    seconds: number;
    answered: number;
    cpuUsPerExchange: number;
    summary: ProfileSummary;
    /** The same profile before the load: process start until perfdhcp began (start-up and waiting). */
    startup: ProfileSummary;
    file: string;
    named: boolean;
  } | null;
  syscalls: SyscallRow[];
  notes: string[];
}

// ---------------------------------------------------------------- processes

const CLK_TCK = 100; // Linux USER_HZ

function cpuSeconds(pid: number): { user: number; sys: number } {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return { user: Number(f[11]) / CLK_TCK, sys: Number(f[12]) / CLK_TCK };
}

function memKb(pid: number): { rss: number; hwm: number; anon: number; file: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
  return { rss: get("VmRSS"), hwm: get("VmHWM"), anon: get("RssAnon"), file: get("RssFile") };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

interface Running {
  kind: Kind;
  proc: LabProcess;
  pid: number;
  stateDir: string | null;
  /** Our daemon's configuration file. */
  config: string | null;
  ready(): Promise<void>;
  stop(): Promise<void>;
}

interface StartOpts {
  maxBindings?: number;
  /** Node flags added to the daemon's own (those of its launcher line). */
  nodeFlags?: string[];
  /** Our daemon again on this (stopped) one's state directory and configuration. */
  reuse?: Running;
  /** Root of a build/ copy to run our daemon from (named core.wasm). */
  buildDir?: string;
}

class Servers {
  private n = 0;
  constructor(private ctx: LabContext) {}

  /** Spawns a server in "srv" without waiting (ready() waits for its multicast socket). */
  spawn(kind: Kind, o: StartOpts = {}): Running {
    const lab = this.ctx.lab;
    const ifname = this.ctx.serverIf;
    const id = ++this.n;
    let proc: LabProcess;
    let stateDir: string | null = null;
    let cfg: string | null = null;
    if (kind === "ours") {
      const cli = o.buildDir ? join(o.buildDir, "host", "cli.js") : ourCli();
      if (o.reuse?.stateDir && o.reuse.config) {
        stateDir = o.reuse.stateDir;
        cfg = o.reuse.config;
      } else {
        stateDir = lab.path(`state-${id}`);
        mkdirSync(stateDir, { recursive: true });
        cfg = lab.path(`dhcp-${id}`);
        const global = o.maxBindings ? `config odhcpd 'odhcpd'\n\toption max_bindings '${o.maxBindings}'\n\n` : "";
        writeFileSync(
          cfg,
          `${global}config dhcp 'lab'\n\toption ifname '${ifname}'\n\toption dhcpv6 'server'\n\tlist dns '2001:db8:1::53'\n\tlist domain 'lab.example'\n`,
        );
      }
      const args = ["run", "--config", cfg, "--state-dir", stateDir, "--log-level", "notice", "--no-syslog"];
      // As users start it: the file itself, whose first line starts Node with
      // the daemon's flags; with profiling flags, node with both.
      proc = o.nodeFlags?.length
        ? lab.spawn("srv", process.execPath, [...launcherFlagsOf(cli), ...o.nodeFlags, cli, ...args], { name: "odhcpd-wasm" })
        : lab.spawn("srv", cli, args, { name: "odhcpd-wasm" });
    } else if (kind === "kea") {
      const dir = lab.path(`kea-${id}`);
      mkdirSync(dir, { recursive: true });
      const cfg = join(dir, "kea-dhcp6.json");
      // Pool large enough for every client of the run; logging above INFO (no line per lease).
      writeFileSync(cfg, JSON.stringify(keaConfig(ifname, { pool: "2001:db8:1::/80", severity: "WARN" }), null, 1));
      proc = lab.spawn("srv", requireTool("kea-dhcp6"), ["-c", cfg], { env: { ...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir }, name: "kea-dhcp6" });
    } else if (kind === "floor") {
      proc = lab.spawn("srv", floorResponder(lab), [ifname], { name: "floor" });
    } else {
      proc = lab.spawn("srv", process.execPath, [benchJs("bare-responder.js"), ifname], { name: "bare" });
    }
    const pid = proc.pid;
    if (!pid) throw new LabCommandError(`${kind}: spawn failed: ${proc.stderr}`);
    return {
      kind,
      proc,
      pid,
      stateDir,
      config: cfg,
      ready: async () => {
        await lab.waitUdpListening("srv", 547, { addr: new RegExp(`ff02::1:2\\]?%${ifname}:547$`), proc, timeoutMs: 15000 });
        await sleep(150); // the group join follows the bind
      },
      stop: async () => {
        await proc.stop("SIGTERM", 5000);
      },
    };
  }

  async start(kind: Kind, o: StartOpts = {}): Promise<Running> {
    const r = this.spawn(kind, o);
    try {
      await r.ready();
    } catch (e) {
      await r.stop();
      throw e;
    }
    return r;
  }
}

function benchJs(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** bench/floor-responder.c compiled into the lab's directory (once per lab). */
function floorResponder(lab: Lab): string {
  const bin = lab.path("floor-responder");
  if (existsSync(bin)) return bin;
  const cc = findTool("cc") ?? findTool("gcc");
  if (!cc) throw new LabCommandError("the floor responder needs a C compiler (apt-get install gcc)");
  const src = join(projectRoot(import.meta.url), "bench", "floor-responder.c");
  const r = spawnSync(cc, ["-O2", "-Wall", "-o", bin, src], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new LabCommandError(`cc ${src} failed: ${r.stderr}`);
  return bin;
}

// ---------------------------------------------------------------- perfdhcp

interface PerfOpts {
  rate: number;
  seconds?: number;
  count?: number;
  clients: number;
  timestamps?: boolean;
  /** -b mac=...: where the (sequential) client MACs, and so the DUIDs, start. */
  macBase?: string;
}

async function perfdhcp(ctx: LabContext, o: PerfOpts): Promise<PerfdhcpRun & { text: string; code: number | null }> {
  const bin = requireTool("perfdhcp");
  const args = ["-6", "-l", ctx.clientIf, "-r", String(Math.round(o.rate)), "-R", String(o.clients), "-W", "500000"];
  if (o.seconds) args.push("-p", String(o.seconds));
  if (o.count) args.push("-n", String(o.count));
  if (o.timestamps) args.push("-x", "t");
  if (o.macBase) args.push("-b", `mac=${o.macBase}`);
  const out = ctx.lab.path(`perfdhcp-${Date.now()}-${Math.random().toString(36).slice(2, 7)}.txt`);
  const bound = ((o.seconds ?? 0) + (o.count ? o.count / Math.max(1, o.rate) : 0)) * 1000 + 20000;
  const r = await ctx.lab.run("cli", "/bin/sh", ["-c", `exec ${bin} ${args.join(" ")} > ${out} 2>&1`], { check: false, timeoutMs: bound });
  const text = existsSync(out) ? readFileSync(out, "utf8") : r.stdout + r.stderr;
  rmSync(out, { force: true });
  // 0: all answered; 3: some exchanges not completed. Anything else: perfdhcp itself failed.
  if (r.code !== 0 && r.code !== 3) throw new LabCommandError(`perfdhcp ${args.join(" ")} failed (code ${r.code}):\n${text.slice(-2000)}`);
  const parsed = parsePerfdhcp(text);
  if (!parsed.sa || !parsed.rr) throw new LabCommandError(`perfdhcp ${args.join(" ")}: no statistics in its output:\n${text.slice(-2000)}`);
  return { ...parsed, text, code: r.code };
}

// ---------------------------------------------------------------- the phases

export async function runLabBench(o: LabBenchOptions): Promise<LabBenchResult> {
  checkLabPrerequisites(["perfdhcp", "kea-dhcp6", "ss"]);
  const res: LabBenchResult = { steps: [], best: [], latency: [], memory: [], startup: [], profile: null, syscalls: [], notes: [] };
  const ctx = await openLab({ server: "none" });
  try {
    const servers = new Servers(ctx);
    const t0 = Date.now();
    const phase = async (name: string, fn: () => Promise<void>) => {
      const t = Date.now();
      await fn();
      o.log(`  (${name}: ${((Date.now() - t) / 1000).toFixed(0)} s; lab ${((Date.now() - t0) / 1000).toFixed(0)} s so far)`);
    };
    const on = (p: LabPhase) => !o.only || o.only.includes(p);
    if (on("startup")) await phase("start-up", () => startup(ctx, servers, o, res));
    if (on("rate")) await phase("rate search", () => search(ctx, servers, o, res));
    if (on("latency")) await phase("latency", () => latency(ctx, servers, o, res));
    if (on("memory")) await phase("memory", () => memory(ctx, servers, o, res));
    if (o.profile && on("profile")) await phase("profile", () => profile(ctx, servers, o, res));
  } finally {
    await ctx.lab.close();
  }
  return res;
}

/** (d) Process start to first Reply to an Information-request sent every 2 ms. */
async function startup(ctx: LabContext, servers: Servers, o: LabBenchOptions, res: LabBenchResult): Promise<void> {
  o.log("start-up: process start -> first Reply (Information-request every 2 ms)");
  const cases: { kind: string; label: string; run: () => Promise<number> }[] = [];
  const viaProbe = (kind: Kind, so: StartOpts) => async () => {
    const probe = ctx.lab.spawn("cli", process.execPath, [benchJs("probe.js"), ctx.clientIf, "8000"], { name: "probe" });
    await probe.waitForLine(/^ready \d+/, 8000);
    const t0 = process.hrtime.bigint();
    const srv = servers.spawn(kind, so);
    try {
      const m = await probe.waitForLine(/^(reply (\d+)|timeout|error .*)$/, 10000);
      if (!m[2]) throw new LabCommandError(`${kind}: no Reply to the start-up probe (${m[1]}); server output:\n${srv.proc.tail()}`);
      return Number(BigInt(m[2]) - t0) / 1e6;
    } finally {
      await srv.stop();
      await probe.stop("SIGTERM", 1000);
    }
  };
  cases.push({
    kind: "node",
    label: "node -e 0 (start to exit; the runtime's floor)",
    run: async () => {
      const t0 = process.hrtime.bigint();
      const p = ctx.lab.spawn("srv", process.execPath, ["-e", "0"], { name: "node" });
      await p.exited;
      return Number(process.hrtime.bigint() - t0) / 1e6;
    },
  });
  cases.push({ kind: "ours", label: `${KIND_LABEL.ours} (default max_bindings 4096)`, run: viaProbe("ours", {}) });
  if (!o.smoke) cases.push({ kind: "ours-100k", label: `${KIND_LABEL.ours}, max_bindings 110000`, run: viaProbe("ours", { maxBindings: 110_000 }) });
  if (o.servers.includes("kea")) cases.push({ kind: "kea", label: KIND_LABEL.kea, run: viaProbe("kea", {}) });
  const times = new Map<string, number[]>(cases.map((c) => [c.kind, []]));
  for (let rep = 0; rep < o.startupReps; rep++) {
    for (const c of cases) times.get(c.kind)!.push(await c.run()); // alternating
  }
  for (const c of cases) {
    const ms = times.get(c.kind)!;
    const row = { kind: c.kind, label: c.label, ms, medianMs: median(ms), minMs: Math.min(...ms) };
    res.startup.push(row);
    o.log(`  ${c.label.padEnd(50)} median ${row.medianMs.toFixed(0).padStart(5)} ms  (min ${row.minMs.toFixed(0)}, runs ${ms.map((x) => x.toFixed(0)).join(" ")})`);
  }
}

async function step(ctx: LabContext, servers: Servers, kind: Kind, rate: number, o: LabBenchOptions): Promise<StepResult> {
  const maxBindings = Math.max(4096, Math.ceil(rate * o.stepSeconds * 1.3));
  const srv = await servers.start(kind, { maxBindings });
  try {
    const c0 = cpuSeconds(srv.pid);
    const load1 = loadavg()[0];
    const r = await perfdhcp(ctx, { rate, seconds: o.stepSeconds, clients: o.clients });
    const c1 = cpuSeconds(srv.pid);
    const mem = memKb(srv.pid);
    const cpu = c1.user + c1.sys - c0.user - c0.sys;
    const sa = r.sa!;
    const rrs = r.rr!;
    const drop = exchangeDropRatio(r);
    return {
      kind,
      requested: rate,
      seconds: o.stepSeconds,
      offered: sa.sent / o.stepSeconds,
      answered: rrs.received / o.stepSeconds,
      dropRatio: drop,
      clean: drop <= DROP_LIMIT,
      saSent: sa.sent,
      saReceived: sa.received,
      rrSent: rrs.sent,
      rrReceived: rrs.received,
      saAvgMs: sa.avgDelayMs,
      rrAvgMs: rrs.avgDelayMs,
      cpuUsPerExchange: rrs.received > 0 ? (cpu * 1e6) / rrs.received : NaN,
      userShare: cpu > 0 ? (c1.user - c0.user) / cpu : NaN,
      rssKb: mem.rss,
      load1,
    };
  } finally {
    await srv.stop();
  }
}

/** (b) Kea's method: raise the rate until more than 2.5% of exchanges drop; servers alternate at every step. */
async function search(ctx: LabContext, servers: Servers, o: LabBenchOptions, res: LabBenchResult): Promise<void> {
  o.log(`rate search: perfdhcp -6 -R ${o.clients}, ${o.stepSeconds} s per step, unclean above ${DROP_LIMIT * 100}% lost exchanges; servers alternate`);
  const active = new Map<Kind, { fails: number; stoppedBy: Best["stoppedBy"] | null }>(o.servers.map((k) => [k, { fails: 0, stoppedBy: null }]));
  for (let i = 0; i < o.ladder.length; i++) {
    const rate = o.ladder[i];
    const order = o.servers.map((_, j) => o.servers[(i + j) % o.servers.length]).filter((k) => active.get(k)!.stoppedBy === null);
    if (!order.length) break;
    for (const kind of order) {
      let s = await step(ctx, servers, kind, rate, o);
      if (!s.clean && s.offered >= 0.9 * rate) {
        // The machine is shared: an unclean step is run again once and the better run counts.
        const again = await step(ctx, servers, kind, rate, o);
        o.log(`  ${kind.padEnd(5)} ${String(rate).padStart(6)}/s: lost ${(s.dropRatio * 100).toFixed(2)}%, run again: lost ${(again.dropRatio * 100).toFixed(2)}%`);
        if (again.dropRatio < s.dropRatio) s = again;
        s.retried = true;
      }
      res.steps.push(s);
      const st = active.get(kind)!;
      o.log(
        `  ${kind.padEnd(5)} ${String(rate).padStart(6)}/s: offered ${s.offered.toFixed(0).padStart(6)} answered ${s.answered.toFixed(0).padStart(6)} lost ${(s.dropRatio * 100).toFixed(2).padStart(6)}%` +
          `  delay SA ${s.saAvgMs.toFixed(2)} RR ${s.rrAvgMs.toFixed(2)} ms  cpu ${s.cpuUsPerExchange.toFixed(0)} us/exch  load ${s.load1.toFixed(1)}${s.clean ? "" : "  UNCLEAN"}`,
      );
      if (s.offered < 0.9 * rate) st.stoppedBy = "perfdhcp";
      else if (s.clean) st.fails = 0;
      else if (++st.fails >= o.failuresToStop) st.stoppedBy = "drops";
    }
  }
  for (const kind of o.servers) {
    const clean = res.steps.filter((s) => s.kind === kind && s.clean);
    const b = clean.reduce<StepResult | null>((a, s) => (!a || s.answered > a.answered ? s : a), null);
    res.best.push({ kind, rate: b?.answered ?? 0, requested: b?.requested ?? 0, cpuUsPerExchange: b?.cpuUsPerExchange ?? NaN, stoppedBy: active.get(kind)!.stoppedBy ?? "ladder" });
  }
  for (const b of res.best) o.log(`  highest clean rate ${KIND_LABEL[b.kind]}: ${b.rate.toFixed(0)} exchanges/s (requested ${b.requested}/s; ladder stopped by ${b.stoppedBy})`);
}

/** Median / 99th percentile from perfdhcp -x t: at a rate all servers handle, and at each one's highest clean rate. */
async function latency(ctx: LabContext, servers: Servers, o: LabBenchOptions, res: LabBenchResult): Promise<void> {
  const best = (k: Kind) => res.best.find((b) => b.kind === k)?.requested ?? 0;
  const cleanOf = o.servers.filter((k) => !RESPONDERS.includes(k)).map(best).filter((r) => r > 0);
  const common = Math.max(100, Math.floor((0.5 * Math.min(...(cleanOf.length ? cleanOf : [200]))) / 100) * 100);
  const runs: { kind: Kind; label: string; rate: number }[] = [];
  for (const k of o.servers) runs.push({ kind: k, label: "same load", rate: common });
  if (!o.smoke) for (const k of o.servers) if (best(k) > 0) runs.push({ kind: k, label: "own highest clean rate", rate: best(k) });
  o.log(`latency: perfdhcp -x t, ${o.latencySeconds} s per run; same load ${common}/s for all, then each at its highest clean rate`);
  for (const r of runs) {
    const srv = await servers.start(r.kind, { maxBindings: Math.max(4096, Math.ceil(r.rate * o.latencySeconds * 1.3)) });
    let p;
    try {
      p = await perfdhcp(ctx, { rate: r.rate, seconds: o.latencySeconds, clients: o.clients, timestamps: true });
    } finally {
      await srv.stop();
    }
    const ms = (t: [number, number][]) => t.map(([a, b]) => (b - a) * 1000);
    const pair = pairExchanges(p.saTimes, p.rrTimes);
    const row: LatencyResult = {
      kind: r.kind,
      label: r.label,
      rate: r.rate,
      dropRatio: exchangeDropRatio(p),
      sa: summarize(ms(p.saTimes)),
      rr: summarize(ms(p.rrTimes)),
      exchange: summarize(pair.latenciesMs),
      pairedShare: p.rrTimes.length ? pair.paired / p.rrTimes.length : 0,
    };
    if (!row.sa.count || !row.rr.count) throw new LabCommandError(`perfdhcp -x t printed no timestamps for ${r.kind} at ${r.rate}/s`);
    res.latency.push(row);
    o.log(
      `  ${r.kind.padEnd(5)} ${String(r.rate).padStart(6)}/s (${r.label}): exchange p50 ${row.exchange.p50Ms.toFixed(2)} p99 ${row.exchange.p99Ms.toFixed(2)} ms` +
        `  (SA p50 ${row.sa.p50Ms.toFixed(2)}, RR p50 ${row.rr.p50Ms.toFixed(2)}; lost ${(row.dropRatio * 100).toFixed(2)}%, paired ${(row.pairedShare * 100).toFixed(1)}%)`,
    );
  }
}

async function bindingsOf(srv: Running, which: "used" | "committed" = "used"): Promise<number> {
  const a = (await controlRequest(join(srv.stateDir!, "control.sock"), "counters")) as { bindings?: { used: number; committed: number } };
  return a.bindings?.[which] ?? NaN;
}

/** (c) Resident memory: idle node, our daemon and Kea idle and holding N bindings (filled by perfdhcp); our daemon again after a restart on those bindings. */
async function memory(ctx: LabContext, servers: Servers, o: LabBenchOptions, res: LabBenchResult): Promise<void> {
  o.log("memory: VmRSS after 2 s idle");
  const settle = () => sleep(o.smoke ? 500 : 2000);
  const row = (kind: MemoryRow["kind"], label: string, pid: number, r: Partial<MemoryRow> = {}): void => {
    const m = memKb(pid);
    res.memory.push({ kind, label, bindings: 0, capacity: null, rssKb: m.rss, hwmKb: m.hwm, anonKb: m.anon, fileKb: m.file, fillSeconds: 0, ...r });
  };
  {
    const p = ctx.lab.spawn("srv", process.execPath, ["-e", "setInterval(()=>{},1000)"], { name: "node-idle" });
    await settle();
    row("node", "idle node -e 'setInterval(()=>{},1000)'", p.pid!);
    await p.stop("SIGTERM", 2000);
  }
  const kinds = o.servers.filter((k): k is "ours" | "kea" => !RESPONDERS.includes(k));
  for (const kind of kinds) {
    const srv = await servers.start(kind);
    await settle();
    row(kind, `${KIND_LABEL[kind]} idle${kind === "ours" ? " (max_bindings 4096)" : ""}`, srv.pid, { capacity: kind === "ours" ? 4096 : null });
    await srv.stop();
  }
  for (const target of o.memoryTargets) {
    for (const kind of kinds) {
      const best = res.best.find((b) => b.kind === kind)?.requested ?? 0;
      // At the server's highest clean rate (without the rate search: 4000/s): the few exchanges lost are made up by the next round.
      const rate = Math.max(200, Math.min(20000, best || 4000));
      const capacity = kind === "ours" ? Math.ceil(target * 1.05) + 512 : null;
      const srv = await servers.start(kind, capacity ? { maxBindings: capacity } : {});
      const t0 = Date.now();
      let have = 0;
      let committed = 0;
      try {
        for (let round = 0; round < 4 && have < target; round++) {
          const want = Math.ceil((target - have) * 1.02) + 5;
          // perfdhcp numbers its clients sequentially from the base MAC: a fresh range per round.
          const p = await perfdhcp(ctx, { rate, count: want, clients: 100_000_000, macBase: `00:0c:${(0x10 + round).toString(16)}:00:00:00` });
          have = kind === "ours" ? await bindingsOf(srv) : have + p.rr!.received;
        }
        const fillSeconds = (Date.now() - t0) / 1000;
        if (have < target * 0.98) throw new LabCommandError(`${kind}: only ${have} of ${target} bindings after 4 fills at ${rate}/s`);
        await settle();
        row(kind, `${KIND_LABEL[kind]} holding ${have} bindings`, srv.pid, { bindings: have, capacity, fillSeconds });
        if (kind === "ours") committed = await bindingsOf(srv, "committed");
      } finally {
        await srv.stop();
      }
      if (kind !== "ours") continue;
      // The same bindings after a restart: replayed from the journal, nothing else.
      const again = await servers.start(kind, { reuse: srv });
      try {
        // Offers (Advertise without a Request yet) are not journaled; every committed binding must come back.
        const restored = await bindingsOf(again);
        const back = await bindingsOf(again, "committed");
        if (back !== committed || restored !== back)
          throw new LabCommandError(`ours: ${back} committed bindings (${restored} in all) after a restart, ${committed} committed (${have} in all) before`);
        await settle();
        row(kind, `${KIND_LABEL[kind]} restarted on those ${restored} bindings`, again.pid, { bindings: restored, capacity, restarted: true });
      } finally {
        await again.stop();
      }
    }
  }
  const mib = (kb: number | undefined) => (kb === undefined ? "?" : (kb / 1024).toFixed(1));
  for (const r of res.memory)
    o.log(
      `  ${r.label.padEnd(55)} VmRSS ${mib(r.rssKb).padStart(7)} MiB (anon ${mib(r.anonKb)}, files ${mib(r.fileKb)}; peak ${mib(r.hwmKb)} MiB)${r.fillSeconds ? `  filled in ${r.fillSeconds.toFixed(1)} s` : ""}`,
    );
}

/** Where a packet's time goes in the daemon: V8 CPU profile under load, and syscalls per exchange (strace -c). */
async function profile(ctx: LabContext, servers: Servers, o: LabBenchOptions, res: LabBenchResult): Promise<void> {
  // Without a rate search (--only profile): BENCH_PROFILE_BEST stands for our highest clean rate.
  const best = res.best.find((b) => b.kind === "ours")?.requested ?? Number(process.env.BENCH_PROFILE_BEST ?? 1000);
  const rate = Math.max(200, Math.floor((0.7 * best) / 100) * 100);
  const dir = join(o.outDir, "cpuprofile.tmp");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  o.log(`profile: node --cpu-prof on our daemon under perfdhcp at ${rate}/s for ${o.profileSeconds} s${o.namedBuild ? " (core.wasm with a name section)" : ""}`);
  const srv = await servers.start("ours", {
    maxBindings: Math.max(4096, Math.ceil(rate * o.profileSeconds * 1.3)),
    nodeFlags: ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", "200"],
    buildDir: o.namedBuild ?? undefined,
  });
  let p;
  const c0 = cpuSeconds(srv.pid);
  let c1 = c0;
  const loadStart = Number(process.hrtime.bigint() / 1000n);
  let loadEnd = loadStart;
  try {
    p = await perfdhcp(ctx, { rate, seconds: o.profileSeconds, clients: o.clients });
    loadEnd = Number(process.hrtime.bigint() / 1000n);
    c1 = cpuSeconds(srv.pid);
  } finally {
    await srv.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new LabCommandError(`no .cpuprofile written in ${dir}; daemon output:\n${srv.proc.tail()}`);
  const prof = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
  const summary = summarizeProfile(prof, [
    "onDatagram",
    "handle",
    "effects",
    "applyEffects",
    "put",
    "encodeRecord",
    "crc32",
    "wantsCompaction",
    "compact",
    "sync",
    "send",
    "formatIPv6",
    "parseIPv6",
    "emit",
    "onMessage",
    "tick",
  ], 15, [loadStart, loadEnd]); // the samples while perfdhcp ran (V8 stamps samples with CLOCK_MONOTONIC, as hrtime)
  const answered = p.rr!.received;
  const startupSummary = summarizeProfile(prof, [], 15, [prof.startTime, loadStart]);
  res.profile = {
    rate,
    seconds: o.profileSeconds,
    answered: answered / o.profileSeconds,
    cpuUsPerExchange: answered ? ((c1.user + c1.sys - c0.user - c0.sys) * 1e6) / answered : NaN,
    summary,
    startup: startupSummary,
    file: join(dir, file),
    named: !!o.namedBuild,
  };
  o.log(`  busy ${summary.busyMs.toFixed(0)} of ${summary.wallMs.toFixed(0)} ms; ${summary.layers.map((l) => `${l.layer} ${l.layer === "idle" ? `${l.ms.toFixed(0)} ms` : `${l.pctOfBusy.toFixed(1)}%`}`).join(", ")}`);
  for (const f of summary.topSelf.slice(0, 10)) o.log(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.layer.padEnd(9)} ${f.frame}`);
  for (const f of summary.topWasm.slice(0, 5)) o.log(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.layer.padEnd(9)} ${f.frame}`);

  // Syscalls per exchange, ours and Kea, at a light load (strace slows the traced process).
  const strace = findTool("strace");
  if (!strace) {
    res.notes.push("strace not installed: syscall counts skipped (apt-get install strace)");
    return;
  }
  for (const kind of o.servers) {
    const kbest = res.best.find((b) => b.kind === kind)?.requested ?? 1000;
    const srate = Math.max(100, Math.floor((0.25 * kbest) / 100) * 100);
    const s = await servers.start(kind, { maxBindings: Math.max(4096, srate * 5) });
    const out = ctx.lab.path(`strace-${kind}.txt`);
    const tr = spawn(strace, ["-f", "-c", "-q", "-o", out, "-p", String(s.pid)], { stdio: "ignore" });
    let p2;
    try {
      await sleep(500);
      p2 = await perfdhcp(ctx, { rate: srate, seconds: 3, clients: o.clients });
    } finally {
      const exited = new Promise((r) => tr.once("exit", r));
      if (tr.pid) process.kill(tr.pid, "SIGINT");
      await Promise.race([exited, sleep(5000)]);
      await s.stop();
    }
    const ex = p2.rr!.received;
    const rows = parseStraceSummary(existsSync(out) ? readFileSync(out, "utf8") : "");
    const perExchange = rows.filter((r) => r.calls / Math.max(1, ex) >= 0.01).map((r) => ({ syscall: r.syscall, calls: r.calls / Math.max(1, ex) }));
    res.syscalls.push({ kind, exchanges: ex, perExchange, totalPerExchange: rows.reduce((a, r) => a + r.calls, 0) / Math.max(1, ex) });
    o.log(`  syscalls per exchange, ${kind} (${srate}/s, ${ex} exchanges): ${perExchange.map((r) => `${r.syscall} ${r.calls.toFixed(2)}`).join(", ")}`);
  }
}

/** The table of `strace -c`: syscall and calls. */
export function parseStraceSummary(text: string): { syscall: string; calls: number }[] {
  const out: { syscall: string; calls: number }[] = [];
  for (const line of text.split("\n")) {
    // % time     seconds  usecs/call     calls    errors syscall
    const m = /^\s*[0-9.]+\s+[0-9.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (m && m[2] !== "total") out.push({ syscall: m[2], calls: Number(m[1]) });
  }
  return out.sort((a, b) => b.calls - a.calls);
}

/**
 * A copy of build/ whose core.wasm carries a name section, so that the CPU
 * profile names the core's functions. Built from the working tree with the
 * release options (+ --debug for names). Returns its directory or null.
 */
export function namedBuild(dir: string, log: (l: string) => void): string | null {
  const root = projectRoot(import.meta.url);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, "build", "host"), join(dir, "host"), { recursive: true });
  // The batched UDP addon, when built, so the profiled daemon does the same I/O.
  if (existsSync(join(root, "build", "native"))) cpSync(join(root, "build", "native"), join(dir, "native"), { recursive: true });
  const asc = join(root, "node_modules", ".bin", "asc");
  const r = spawnSyncSafe(asc, ["assembly/index.ts", "--target", "release", "--debug", "--outFile", join(dir, "core.wasm")], root);
  if (!r.ok || !existsSync(join(dir, "core.wasm"))) {
    log(`  (could not build a named core.wasm: ${r.output.slice(-300)}; profiling the release build, core frames unnamed)`);
    cpSync(join(root, "build", "core.wasm"), join(dir, "core.wasm"));
    return null;
  }
  return dir;
}

import { spawnSync } from "node:child_process";
function spawnSyncSafe(cmd: string, args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 180_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}
