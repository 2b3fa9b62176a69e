// The namespace lab: network namespaces joined by veth pairs, described as
// data, with a unique name per run, and full cleanup on every way out (normal
// return, exception, process exit, SIGINT/SIGTERM/SIGHUP).
//
// Facts this relies on (see /work/shared/lab-notes.md):
//  - `ip netns exec NS` shares the file system with the host, except that it
//    bind-mounts /etc/netns/NS/* over /etc/*. Every namespace therefore gets a
//    private /etc/netns/NS/resolv.conf, so that a DHCP client run inside can
//    never rewrite the host's /etc/resolv.conf.
//  - `ip netns exec` runs the command in a new mount namespace whose mounts are
//    slaves of the host's: a bind mount made inside stays inside.
//  - DAD is disabled in every namespace (and addresses are added `nodad`), so
//    link-local addresses are usable as soon as the link is up.
//  - Veth pairs are created directly inside their namespaces
//    (`ip -n A link add X type veth peer name Y netns B`): nothing ever appears in
//    the host's namespace, so two runs cannot collide on interface names.

import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { randomBytes } from "node:crypto";

// ---------------------------------------------------------------------------
// Topologies as data

/** One end of a veth pair. */
export interface LinkEnd {
  /** Role of the namespace (a key of TopologySpec.namespaces). */
  ns: string;
  /** Logical interface name, 1-5 characters [a-z0-9]; the real name is `d6<run>-<if>` (<= 15 chars). */
  ifname: string;
  /** Addresses with prefix length, e.g. "2001:db8:1::1/64"; added with `nodad`. */
  addrs?: string[];
}

export interface LinkSpec {
  a: LinkEnd;
  b: LinkEnd;
}

export interface RouteSpec {
  ns: string;
  /** Destination prefix, e.g. "2001:db8:1::/64". */
  dst: string;
  /** Next hop (an address of the neighbour). */
  via: string;
  /** Logical interface name (optional: the kernel finds it from `via`). */
  dev?: string;
}

export interface NamespaceSpec {
  /** Extra sysctls, e.g. {"net.ipv6.conf.all.forwarding": "1"}. */
  sysctls?: Record<string, string>;
}

export interface TopologySpec {
  /** Short description, used in messages. */
  name: string;
  /** Namespace roles (1-8 characters [a-z0-9]) and their settings. */
  namespaces: Record<string, NamespaceSpec>;
  links: LinkSpec[];
  routes?: RouteSpec[];
}

export const SERVER_PREFIX = "2001:db8:1::";
export const SERVER_ADDR = "2001:db8:1::1";

/** server <-> client on one link. The server's interface `s` has 2001:db8:1::1/64. */
export function directTopology(opts: { serverAddrs?: string[]; clientAddrs?: string[] } = {}): TopologySpec {
  return {
    name: "direct",
    namespaces: { srv: {}, cli: {} },
    links: [
      {
        a: { ns: "srv", ifname: "s", addrs: opts.serverAddrs ?? [`${SERVER_ADDR}/64`] },
        b: { ns: "cli", ifname: "c", addrs: opts.clientAddrs ?? [] },
      },
    ],
  };
}

/** The relay's address on the server link and the server's address there. */
export const RELAY_UPSTREAM_ADDR = "2001:db8:9::2";
export const RELAY_SERVER_ADDR = "2001:db8:9::1";

/**
 * client <-> relay <-> server, as in the capture README:
 * client `cli`/`c`; relay `rly` with `rc` (2001:db8:1::1/64, client side) and
 * `rs` (2001:db8:9::2/64, server side); server `srv`/`s` (2001:db8:9::1/64),
 * with a route to the client link 2001:db8:1::/64 via the relay.
 */
export function relayTopology(): TopologySpec {
  return {
    name: "relay",
    namespaces: { cli: {}, rly: {}, srv: {} },
    links: [
      { a: { ns: "cli", ifname: "c" }, b: { ns: "rly", ifname: "rc", addrs: [`${SERVER_ADDR}/64`] } },
      { a: { ns: "rly", ifname: "rs", addrs: [`${RELAY_UPSTREAM_ADDR}/64`] }, b: { ns: "srv", ifname: "s", addrs: [`${RELAY_SERVER_ADDR}/64`] } },
    ],
    routes: [{ ns: "srv", dst: `${SERVER_PREFIX}/64`, via: RELAY_UPSTREAM_ADDR, dev: "s" }],
  };
}

// ---------------------------------------------------------------------------
// Prerequisites

/** Thrown when the machine cannot run the lab; the message says what to do. */
export class LabPrerequisiteError extends Error {
  override name = "LabPrerequisiteError";
}

/** Thrown when a command of the lab fails. */
export class LabCommandError extends Error {
  override name = "LabCommandError";
}

/** Debian package providing each tool the lab may run. */
export const TOOL_PACKAGES: Record<string, string> = {
  ip: "iproute2",
  ss: "iproute2",
  sysctl: "procps",
  mount: "mount",
  dhclient: "isc-dhcp-client",
  dhcpcd: "dhcpcd-base",
  dhcp6c: "wide-dhcpv6-client",
  "kea-dhcp6": "kea-dhcp6-server",
  perfdhcp: "kea-admin",
  dhcrelay: "isc-dhcp-relay",
  tshark: "tshark",
  dumpcap: "tshark (wireshark-common; preseed wireshark-common/install-setuid false)",
};

const EXTRA_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** Absolute path of an executable found on PATH or in the sbin directories, or null. */
export function findTool(name: string): string | null {
  if (name.includes("/")) return existsSync(name) ? name : null;
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...EXTRA_PATH];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** Like findTool, but throws LabPrerequisiteError naming the package to install. */
export function requireTool(name: string): string {
  const p = findTool(name);
  if (!p) throw new LabPrerequisiteError(missingToolsMessage([name]));
  return p;
}

function missingToolsMessage(names: string[]): string {
  const pk = names.map((n) => `${n} (Debian package ${TOOL_PACKAGES[n] ?? "?"})`);
  const pkgs = [...new Set(names.map((n) => (TOOL_PACKAGES[n] ?? n).split(" ")[0]))];
  return (
    `the lab needs ${pk.join(", ")}, not found on PATH or in /usr/sbin. ` +
    `Install with: apt-get install --no-install-recommends ${pkgs.join(" ")} (or run scripts/setup as root)`
  );
}

/**
 * Checks that we are root and that `ip` (plus the given tools) exist; throws
 * LabPrerequisiteError with a message saying what to install or do otherwise.
 */
export function checkLabPrerequisites(tools: string[] = []): void {
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push(`the lab needs Linux network namespaces (this is ${process.platform})`);
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    problems.push(`the lab must run as root (uid 0; this is uid ${process.getuid()}): run it with sudo or as root`);
  const missing = [...new Set(["ip", "sysctl", ...tools])].filter((t) => !findTool(t));
  if (missing.length) problems.push(missingToolsMessage(missing));
  if (problems.length) throw new LabPrerequisiteError(problems.join("; "));
}

// ---------------------------------------------------------------------------
// Small utilities

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves with p's value, or with `onTimeout` after ms; the timer never outlives the race. */
export async function withTimeout<T, U>(p: Promise<T>, ms: number, onTimeout: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<U>((r) => (timer = setTimeout(() => r(onTimeout), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function ipSync(args: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  try {
    return execFileSync(findTool("ip") ?? "ip", args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], input: opts.input, timeout: 10_000 });
  } catch (e) {
    if (opts.allowFail) return "";
    const err = e as { stderr?: string; message: string };
    throw new LabCommandError(`ip ${args.join(" ")}: ${(err.stderr || err.message).trim()}`);
  }
}

/** Is this pid a live process (not a zombie)? */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Pids of the processes living in a namespace (zombies are not listed). */
export function namespacePids(ns: string): number[] {
  return ipSync(["netns", "pids", ns], { allowFail: true })
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
}

function killQuiet(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/** Names of all namespaces (`ip netns list`). */
export function listNamespaces(): string[] {
  return ipSync(["netns", "list"], { allowFail: true })
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean);
}

/** Kills every process in the namespace (TERM, then KILL after graceMs), deletes it and /etc/netns/NS. */
function destroyNamespaceSync(ns: string, graceMs: number): string[] {
  const problems: string[] = [];
  let pids = namespacePids(ns);
  if (pids.length) {
    for (const p of pids) killQuiet(p, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while ((pids = namespacePids(ns)).length && Date.now() < deadline) sleepSync(20);
    for (const p of pids) killQuiet(p, "SIGKILL");
    const killDeadline = Date.now() + 2000;
    while ((pids = namespacePids(ns)).length && Date.now() < killDeadline) sleepSync(20);
    if (pids.length) problems.push(`processes ${pids.join(",")} in ${ns} survived SIGKILL`);
  }
  if (listNamespaces().includes(ns)) {
    try {
      ipSync(["netns", "del", ns]);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  try {
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  } catch (e) {
    problems.push(`rm /etc/netns/${ns}: ${(e as Error).message}`);
  }
  return problems;
}

export const NAME_PREFIX = "d6";
const STALE_RE = new RegExp(`^${NAME_PREFIX}-(\\d+)-([a-z0-9]+)-`);
const TMP_RE = new RegExp(`^${NAME_PREFIX}-lab-(\\d+)-([a-z0-9]+)-`);

/**
 * Removes what earlier runs left behind when they were killed with SIGKILL:
 * namespaces and /etc/netns dirs named `d6-<pid>-...`, and temp dirs named
 * `d6-lab-<pid>-...`, whose pid is dead. Returns what it removed.
 */
export function reapStaleLabs(): string[] {
  const names = new Set(listNamespaces());
  try {
    for (const d of readdirSync("/etc/netns")) names.add(d);
  } catch {
    /* no /etc/netns */
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = STALE_RE.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    destroyNamespaceSync(n, 300);
    removed.push(n);
  }
  if (removed.length) {
    try {
      rmdirSync("/etc/netns"); // only when empty
    } catch {
      /* not empty, or absent */
    }
  }
  // Temp dirs of dead runs: $TMPDIR/d6-lab-<pid>-<tag>-XXXXXX
  try {
    for (const d of readdirSync(tmpdir())) {
      const m = TMP_RE.exec(d);
      if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
      rmSync(join(tmpdir(), d), { recursive: true, force: true });
      removed.push(join(tmpdir(), d));
    }
  } catch {
    /* unreadable tmpdir */
  }
  return removed;
}

// ---------------------------------------------------------------------------
// Processes run inside a namespace

export interface SpawnInNsOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Name used in messages and log prefixes (default: the command's base name). */
  name?: string;
  /** Called with every complete output line (stdout and stderr). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Keep at most this many lines (default 20000). */
  maxLines?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process started in a namespace with `ip netns exec`, in its own process group. */
export class LabProcess {
  readonly child: ChildProcess;
  readonly name: string;
  readonly lines: { stream: "stdout" | "stderr"; line: string }[] = [];
  stdout = "";
  stderr = "";
  exit: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;
  private listeners: ((line: string, stream: "stdout" | "stderr") => void)[] = [];
  private maxLines: number;

  constructor(ns: string, cmd: string, args: string[], opts: SpawnInNsOptions = {}) {
    this.name = opts.name ?? cmd.split("/").pop()!;
    this.maxLines = opts.maxLines ?? 20000;
    if (opts.onLine) this.listeners.push(opts.onLine);
    const so: SpawnOptions = { env: opts.env ?? process.env, cwd: opts.cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] };
    this.child = spawn(findTool("ip") ?? "ip", ["netns", "exec", ns, cmd, ...args], so);
    this.exited = new Promise((resolve) => {
      this.child.once("error", (e) => {
        this.stderr += `spawn error: ${e.message}\n`;
        this.exit ??= { code: -1, signal: null };
        resolve(this.exit);
      });
      this.child.once("close", (code, signal) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
      // A daemon that forked and kept our stdout open would delay "close"
      // forever: after "exit", give the pipes a moment, then stop waiting.
      this.child.once("exit", (code, signal) => {
        setTimeout(() => {
          if (this.exit) return;
          this.exit = { code, signal };
          this.child.stdout?.destroy();
          this.child.stderr?.destroy();
          resolve(this.exit);
        }, 300).unref();
      });
    });
    for (const stream of ["stdout", "stderr"] as const) {
      let partial = "";
      const s = this.child[stream]!;
      s.setEncoding("utf8");
      s.on("data", (chunk: string) => {
        if (stream === "stdout") this.stdout = clip(this.stdout + chunk);
        else this.stderr = clip(this.stderr + chunk);
        partial += chunk;
        const parts = partial.split("\n");
        partial = parts.pop()!;
        for (const l of parts) this.addLine(l, stream);
      });
      s.on("end", () => {
        if (partial) this.addLine(partial, stream);
        partial = "";
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === null && this.child.pid !== undefined;
  }

  private addLine(line: string, stream: "stdout" | "stderr"): void {
    this.lines.push({ stream, line });
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    for (const l of this.listeners) {
      try {
        l(line, stream);
      } catch {
        /* a listener must not break the lab */
      }
    }
  }

  onLine(cb: (line: string, stream: "stdout" | "stderr") => void): () => void {
    this.listeners.push(cb);
    return () => (this.listeners = this.listeners.filter((l) => l !== cb));
  }

  /** The last n output lines, for error messages. */
  tail(n = 30): string {
    return this.lines
      .slice(-n)
      .map((l) => l.line)
      .join("\n");
  }

  /** Resolves with the first output line matching re (earlier lines count); rejects on timeout or exit. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    for (const l of this.lines) {
      const m = re.exec(l.line);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const done = (f: () => void) => {
        clearTimeout(timer);
        off();
        f();
      };
      const off = this.onLine((line) => {
        const m = re.exec(line);
        if (m) done(() => resolve(m));
      });
      const timer = setTimeout(
        () => done(() => reject(new LabCommandError(`${this.name}: no output matching ${re} within ${timeoutMs} ms; last output:\n${this.tail()}`))),
        timeoutMs,
      );
      void this.exited.then((x) =>
        setImmediate(() =>
          done(() => reject(new LabCommandError(`${this.name} exited (code ${x.code}, signal ${x.signal}) before printing ${re}; last output:\n${this.tail()}`))),
        ),
      );
    });
  }

  /** Sends a signal to the process group. */
  signal(sig: NodeJS.Signals = "SIGTERM"): void {
    if (!this.running || !this.child.pid) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      killQuiet(this.child.pid, sig);
    }
  }

  /** Signals (default SIGTERM), waits up to timeoutMs, then SIGKILLs. */
  async stop(sig: NodeJS.Signals = "SIGTERM", timeoutMs = 2000): Promise<ExitInfo> {
    if (!this.running) return this.exit ?? (await this.exited);
    this.signal(sig);
    const t = await withTimeout(this.exited, timeoutMs, null);
    if (t) return t;
    this.signal("SIGKILL");
    return await this.exited;
  }
}

function clip(s: string, max = 4 << 20): string {
  return s.length > max ? s.slice(s.length - max) : s;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunInNsOptions extends SpawnInNsOptions {
  /** Kill the command after this long (default 10 s) and throw. */
  timeoutMs?: number;
  /** Throw LabCommandError on a non-zero exit (default true). */
  check?: boolean;
}

// ---------------------------------------------------------------------------
// The lab

export interface CreateLabOptions {
  /** Wait until every interface has a usable link-local address (default true). */
  waitLinkLocal?: boolean;
  /** Bound on each wait (default 5000 ms). */
  timeoutMs?: number;
  /** Keep the temp dir after close (for post-mortems). */
  keepTmp?: boolean;
  /** Remove leftovers of killed earlier runs first (default true). */
  reapStale?: boolean;
}

interface ResolvedIface {
  ns: string; // role
  logical: string;
  name: string; // real
}

const activeLabs = new Set<Lab>();
let createdEtcNetns = false;

export class Lab {
  /** Per-run tag, e.g. "k3x9f"; appears in every name. */
  readonly tag: string;
  readonly spec: TopologySpec;
  private tmp: string | null = null;
  private nsNames = new Map<string, string>();
  private ifaces = new Map<string, ResolvedIface>();
  private procs = new Set<LabProcess>();
  private created: string[] = [];
  private closed = false;
  private cleanups: { name: string; fn: () => void | Promise<void> }[] = [];

  constructor(spec: TopologySpec, private opts: CreateLabOptions = {}) {
    validateSpec(spec);
    this.spec = spec;
    this.tag = randomBytes(8).readBigUInt64BE().toString(36).slice(0, 5).padStart(5, "0");
    for (const role of Object.keys(spec.namespaces)) this.nsNames.set(role, `${NAME_PREFIX}-${process.pid}-${this.tag}-${role}`);
    for (const l of spec.links)
      for (const e of [l.a, l.b]) this.ifaces.set(`${e.ns}/${e.ifname}`, { ns: e.ns, logical: e.ifname, name: `${NAME_PREFIX}${this.tag}-${e.ifname}` });
  }

  /** Private temp dir for this run (configs, leases, captures); removed by close. */
  get tmpDir(): string {
    if (!this.tmp) throw new Error("lab not set up (call setup() or use createLab)");
    return this.tmp;
  }

  /** The real namespace name of a role. */
  ns(role: string): string {
    const n = this.nsNames.get(role);
    if (!n) throw new Error(`lab ${this.spec.name}: no namespace role '${role}' (have ${[...this.nsNames.keys()].join(", ")})`);
    return n;
  }

  /** The real interface name of a logical interface in a namespace role. */
  ifname(role: string, logical?: string): string {
    if (logical === undefined) {
      const mine = [...this.ifaces.values()].filter((i) => i.ns === role);
      if (mine.length !== 1) throw new Error(`lab ${this.spec.name}: namespace '${role}' has ${mine.length} interfaces; name one`);
      return mine[0].name;
    }
    const i = this.ifaces.get(`${role}/${logical}`);
    if (!i) throw new Error(`lab ${this.spec.name}: no interface '${logical}' in '${role}'`);
    return i.name;
  }

  /** Namespace names, role -> name. */
  namespaces(): Record<string, string> {
    return Object.fromEntries(this.nsNames);
  }

  /** Builds the topology; on failure removes whatever was created and rethrows. */
  async setup(): Promise<void> {
    checkLabPrerequisites();
    if (this.tmp || this.closed) throw new Error("lab already set up");
    if (this.opts.reapStale ?? true) reapStaleLabs();
    this.tmp = mkdtempSync(join(tmpdir(), `${NAME_PREFIX}-lab-${process.pid}-${this.tag}-`));
    activeLabs.add(this);
    installHandlers();
    try {
      this.buildSync();
      if (this.opts.waitLinkLocal ?? true)
        for (const i of this.ifaces.values()) await this.waitLinkLocal(i.ns, i.logical, this.opts.timeoutMs ?? 5000);
    } catch (e) {
      this.closeSync();
      throw e;
    }
  }

  private buildSync(): void {
    if (!existsSync("/etc/netns")) {
      mkdirSync("/etc/netns", { recursive: true });
      createdEtcNetns = true;
    }
    for (const [role, ns] of this.nsNames) {
      ipSync(["netns", "add", ns]);
      this.created.push(ns);
      mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      writeFileSync(`/etc/netns/${ns}/resolv.conf`, `# private resolv.conf of lab namespace ${ns}\n`);
      const sysctls: Record<string, string> = {
        "net.ipv6.conf.all.accept_dad": "0",
        "net.ipv6.conf.default.accept_dad": "0",
        ...(this.spec.namespaces[role].sysctls ?? {}),
      };
      this.sysctlSync(ns, sysctls);
      ipSync(["-n", ns, "link", "set", "lo", "up"]);
    }
    for (const l of this.spec.links) {
      const a = this.ifaces.get(`${l.a.ns}/${l.a.ifname}`)!;
      const b = this.ifaces.get(`${l.b.ns}/${l.b.ifname}`)!;
      ipSync(["-n", this.ns(a.ns), "link", "add", a.name, "type", "veth", "peer", "name", b.name, "netns", this.ns(b.ns)]);
      for (const [end, i] of [
        [l.a, a],
        [l.b, b],
      ] as const) {
        const ns = this.ns(i.ns);
        this.sysctlSync(ns, { [`net.ipv6.conf.${i.name}.accept_dad`]: "0" });
        for (const addr of end.addrs ?? []) ipSync(["-n", ns, "addr", "add", addr, "dev", i.name, "nodad"]);
      }
      ipSync(["-n", this.ns(a.ns), "link", "set", a.name, "up"]);
      ipSync(["-n", this.ns(b.ns), "link", "set", b.name, "up"]);
    }
    for (const r of this.spec.routes ?? []) {
      const args = ["-n", this.ns(r.ns), "-6", "route", "add", r.dst, "via", r.via];
      if (r.dev) args.push("dev", this.ifname(r.ns, r.dev));
      ipSync(args);
    }
  }

  private sysctlSync(ns: string, kv: Record<string, string>): void {
    const args = ["netns", "exec", ns, findTool("sysctl") ?? "sysctl", "-q", "-w", ...Object.entries(kv).map(([k, v]) => `${k}=${v}`)];
    ipSync(args);
  }

  /** Sets sysctls inside a namespace role. */
  sysctl(role: string, kv: Record<string, string>): void {
    this.sysctlSync(this.ns(role), kv);
  }

  /** `ip -n NS ARGS...` (synchronous); returns stdout. */
  ip(role: string, ...args: string[]): string {
    return ipSync(["-n", this.ns(role), ...args]);
  }

  /** IPv6 addresses of an interface, from `ip -j addr`. */
  addresses(role: string, logical?: string): { addr: string; prefixlen: number; scope: string; flags: string[] }[] {
    const out = ipSync(["-n", this.ns(role), "-j", "-6", "addr", "show", "dev", this.ifname(role, logical)], { allowFail: true });
    if (!out.trim()) return [];
    const j = JSON.parse(out) as { addr_info?: Record<string, unknown>[] }[];
    const res: { addr: string; prefixlen: number; scope: string; flags: string[] }[] = [];
    for (const link of j)
      for (const a of link.addr_info ?? []) {
        if (a.family !== "inet6") continue;
        const flags = Object.entries(a)
          .filter(([, v]) => v === true)
          .map(([k]) => k);
        res.push({ addr: String(a.local), prefixlen: Number(a.prefixlen), scope: String(a.scope), flags });
      }
    return res;
  }

  /** The usable (not tentative) link-local address of an interface, or undefined. */
  linkLocal(role: string, logical?: string): string | undefined {
    return this.addresses(role, logical).find((a) => a.scope === "link" && !a.flags.includes("tentative") && !a.flags.includes("dadfailed"))?.addr;
  }

  /** Waits until the interface has a usable link-local address; returns it. */
  async waitLinkLocal(role: string, logical?: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ll = this.linkLocal(role, logical);
      if (ll) return ll;
      if (Date.now() > deadline)
        throw new LabCommandError(
          `no usable link-local address on ${this.ifname(role, logical)} in ${this.ns(role)} after ${timeoutMs} ms: ${JSON.stringify(this.addresses(role, logical))}`,
        );
      await sleep(20);
    }
  }

  /** Waits until some process in the namespace listens on UDP `port` (optionally on a local address matching `addr`). */
  async waitUdpListening(role: string, port: number, opts: { addr?: RegExp; timeoutMs?: number; proc?: LabProcess } = {}): Promise<string[]> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.run(role, findTool("ss") ?? "ss", ["-Hnlu"], { check: false, timeoutMs: 3000 });
      const locals = r.stdout
        .split("\n")
        .map((l) => l.trim().split(/\s+/)[3])
        .filter((x): x is string => !!x && x.endsWith(`:${port}`));
      if (locals.length && (!opts.addr || locals.some((l) => opts.addr!.test(l)))) return locals;
      if (opts.proc && !opts.proc.running)
        throw new LabCommandError(`${opts.proc.name} exited (code ${opts.proc.exit?.code}, signal ${opts.proc.exit?.signal}) before listening on UDP ${port}; last output:\n${opts.proc.tail()}`);
      if (Date.now() > deadline)
        throw new LabCommandError(
          `nothing listens on UDP ${port}${opts.addr ? ` at ${opts.addr}` : ""} in ${this.ns(role)} after ${timeoutMs} ms (sockets: ${locals.join(" ") || "none"})` +
            (opts.proc ? `; last output of ${opts.proc.name}:\n${opts.proc.tail()}` : ""),
        );
      await sleep(30);
    }
  }

  /** Starts a command inside a namespace (own process group); it is killed by close(). */
  spawn(role: string, cmd: string, args: string[] = [], opts: SpawnInNsOptions = {}): LabProcess {
    if (this.closed) throw new Error("lab is closed");
    const p = new LabProcess(this.ns(role), cmd, args, opts);
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
    return p;
  }

  /** Runs a command inside a namespace to completion (bounded by timeoutMs). */
  async run(role: string, cmd: string, args: string[] = [], opts: RunInNsOptions = {}): Promise<RunResult> {
    const p = this.spawn(role, cmd, args, opts);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void p.stop("SIGKILL", 500);
    }, timeoutMs);
    const x = await p.exited;
    clearTimeout(timer);
    const res = { code: x.code, signal: x.signal, stdout: p.stdout, stderr: p.stderr };
    if (timedOut) throw new LabCommandError(`${cmd} ${args.join(" ")} (in ${this.ns(role)}) did not finish within ${timeoutMs} ms; output:\n${p.tail()}`);
    if ((opts.check ?? true) && x.code !== 0)
      throw new LabCommandError(`${cmd} ${args.join(" ")} (in ${this.ns(role)}) failed (code ${x.code}, signal ${x.signal}):\n${p.tail()}`);
    return res;
  }

  /** Registers an undo action run by close() (last registered first), before the namespaces go. */
  onClose(name: string, fn: () => void | Promise<void>): void {
    this.cleanups.push({ name, fn });
  }

  /** Path inside the lab's temp dir. */
  path(...parts: string[]): string {
    return join(this.tmpDir, ...parts);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Stops everything gracefully (registered undo actions, then SIGTERM to every
   * process started, 2 s grace), then closeSync(). Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const errors: string[] = [];
    for (const c of this.cleanups.splice(0).reverse()) {
      try {
        if ((await withTimeout(Promise.resolve(c.fn()).then(() => "done"), 5000, "timeout")) === "timeout") errors.push(`${c.name}: timed out`);
      } catch (e) {
        errors.push(`${c.name}: ${(e as Error).message}`);
      }
    }
    await Promise.all([...this.procs].map((p) => p.stop("SIGTERM", 2000)));
    errors.push(...this.closeSync());
    if (errors.length) throw new LabCommandError(`lab cleanup: ${errors.join("; ")}`);
  }

  /**
   * Synchronous full cleanup: kills every process started by the lab and every
   * process still in its namespaces (TERM, then KILL), deletes the namespaces,
   * /etc/netns/NS and the temp dir. Used by close() and by the exit/signal
   * handlers. Returns problems (empty when all went well).
   */
  closeSync(): string[] {
    if (this.closed) return [];
    this.closed = true;
    const problems: string[] = [];
    for (const c of this.cleanups.splice(0).reverse()) {
      try {
        const r = c.fn();
        if (r instanceof Promise) r.catch(() => undefined);
      } catch (e) {
        problems.push(`${c.name}: ${(e as Error).message}`);
      }
    }
    for (const p of this.procs) p.signal("SIGTERM");
    for (const ns of this.created.splice(0).reverse()) problems.push(...destroyNamespaceSync(ns, 1000));
    for (const p of this.procs) p.signal("SIGKILL");
    // Namespaces that were never recorded as created (failure half-way) but may exist.
    for (const ns of this.nsNames.values()) if (listNamespaces().includes(ns) || existsSync(`/etc/netns/${ns}`)) problems.push(...destroyNamespaceSync(ns, 300));
    if (this.tmp && !this.opts.keepTmp) rmSync(this.tmp, { recursive: true, force: true });
    activeLabs.delete(this);
    if (activeLabs.size === 0) {
      uninstallHandlers();
      if (createdEtcNetns) {
        try {
          rmdirSync("/etc/netns"); // only when empty
          createdEtcNetns = false;
        } catch {
          /* someone else's namespace dirs are there */
        }
      }
    }
    return problems;
  }
}

function validateSpec(spec: TopologySpec): void {
  const roles = Object.keys(spec.namespaces);
  if (!roles.length) throw new Error(`topology ${spec.name}: no namespaces`);
  for (const r of roles) if (!/^[a-z0-9]{1,8}$/.test(r)) throw new Error(`topology ${spec.name}: bad namespace role '${r}' (1-8 of [a-z0-9])`);
  const seen = new Set<string>();
  for (const l of spec.links)
    for (const e of [l.a, l.b]) {
      if (!roles.includes(e.ns)) throw new Error(`topology ${spec.name}: link end in unknown namespace '${e.ns}'`);
      if (!/^[a-z0-9]{1,5}$/.test(e.ifname)) throw new Error(`topology ${spec.name}: bad interface name '${e.ifname}' (1-5 of [a-z0-9])`);
      const k = `${e.ns}/${e.ifname}`;
      if (seen.has(k)) throw new Error(`topology ${spec.name}: interface ${k} twice`);
      seen.add(k);
    }
  for (const r of spec.routes ?? []) {
    if (!roles.includes(r.ns)) throw new Error(`topology ${spec.name}: route in unknown namespace '${r.ns}'`);
    if (r.dev && !seen.has(`${r.ns}/${r.dev}`)) throw new Error(`topology ${spec.name}: route via unknown interface '${r.ns}/${r.dev}'`);
  }
}

/** Creates and builds a lab; the caller must close() it (or use withTopology). */
export async function createLab(spec: TopologySpec, opts: CreateLabOptions = {}): Promise<Lab> {
  const lab = new Lab(spec, opts);
  await lab.setup();
  return lab;
}

/** Creates a lab, runs fn, and always closes the lab (errors of fn win over cleanup errors). */
export async function withTopology<T>(spec: TopologySpec, fn: (lab: Lab) => Promise<T>, opts: CreateLabOptions = {}): Promise<T> {
  const lab = await createLab(spec, opts);
  let result: T;
  try {
    result = await fn(lab);
  } catch (e) {
    await lab.close().catch(() => undefined);
    throw e;
  }
  await lab.close();
  return result;
}

/** Labs not yet closed (for diagnostics). */
export function activeLabCount(): number {
  return activeLabs.size;
}

/** Synchronously closes every open lab of this process. */
export function closeAllLabsSync(): string[] {
  const problems: string[] = [];
  for (const l of [...activeLabs]) problems.push(...l.closeSync());
  return problems;
}

// ---------------------------------------------------------------------------
// Exit and signal handling

type InterruptHandler = (sig: NodeJS.Signals) => void;
const interruptHandlers = new Set<InterruptHandler>();
let interruptedOnce = false;
let handlersInstalled = false;
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const SIGNUM: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Lets a long-running user of the lab (runLab) handle the FIRST SIGINT/SIGTERM/
 * SIGHUP itself, to shut down gracefully. Without such a handler, or on a
 * second signal, every lab is closed synchronously and the process exits with
 * 128 + signal number. Returns a function that unregisters the handler.
 */
export function onInterrupt(cb: InterruptHandler): () => void {
  interruptHandlers.add(cb);
  return () => interruptHandlers.delete(cb);
}

function onSignal(sig: NodeJS.Signals): void {
  if (interruptHandlers.size && !interruptedOnce) {
    interruptedOnce = true;
    for (const h of interruptHandlers) {
      try {
        h(sig);
      } catch {
        /* ignore */
      }
    }
    return;
  }
  const problems = closeAllLabsSync();
  if (problems.length) process.stderr.write(`lab cleanup on ${sig}: ${problems.join("; ")}\n`);
  process.exit(128 + (SIGNUM[sig] ?? 0));
}

function onExit(): void {
  const problems = closeAllLabsSync();
  if (problems.length) process.stderr.write(`lab cleanup at exit: ${problems.join("; ")}\n`);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  interruptedOnce = false;
  process.on("exit", onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off("exit", onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}
