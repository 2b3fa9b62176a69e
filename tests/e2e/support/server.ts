// OUR daemon in a lab namespace with a state directory of its own, so that a
// test can kill it (SIGTERM or SIGKILL) and start it again on the same state,
// and ask it for `leases` and `counters` through the CLI, as an operator would.
//
//   const srv = new OurDaemon(lab, { role: "srv", ifname, uci });
//   await srv.start();
//   const leases = await srv.leases();        // node build/host/cli.js leases --state-dir DIR
//   await srv.kill9(); await srv.start();     // same state dir, same config
//
// Every process goes through lab.spawn/lab.run, so lab.close() removes it.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LAB_DNS, LAB_DOMAIN, LabCommandError, ourCli, ROOT, type Lab, type LabProcess } from "../helpers/lab.js";

export interface DaemonOptions {
  /** Namespace role (default "srv"). */
  role?: string;
  /** The real interface the section serves (e.g. lab.ifname("srv") or a bridge). */
  ifname: string;
  /** `option`/`list` lines added to the `config dhcp` section. */
  extra?: string[];
  /** Write the lease file here (`config odhcpd` `leasefile`). */
  leasefile?: string;
  dns?: string[];
  domain?: string[];
  /** Copy the daemon's output to stderr (default: env E2E_VERBOSE). */
  verbose?: boolean;
  /** Bound on each start (default 8000 ms). */
  timeoutMs?: number;
  /** More environment for the daemon (e.g. ODHCPD_WASM_IO). */
  env?: Record<string, string>;
}

/** The UCI file: a `config odhcpd` section (lease file) and one `config dhcp 'lan'` section. */
export function daemonUci(o: DaemonOptions): string {
  const q = (s: string) => `'${s}'`;
  const lines: string[] = [];
  if (o.leasefile) lines.push("config odhcpd 'odhcpd'", `\toption leasefile ${q(o.leasefile)}`, "");
  lines.push("config dhcp 'lan'", `\toption ifname ${q(o.ifname)}`, "\toption dhcpv6 'server'");
  for (const d of o.dns ?? [LAB_DNS]) lines.push(`\tlist dns ${q(d)}`);
  for (const d of o.domain ?? [LAB_DOMAIN]) lines.push(`\tlist domain ${q(d)}`);
  for (const e of o.extra ?? []) lines.push(`\t${e}`);
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------
// The `leases` answer (odhcpd's ubus `dhcp ipv6leases` shape)

export interface LeaseAddr {
  address: string;
  "preferred-lifetime": number;
  "valid-lifetime": number;
  "prefix-length"?: number;
}

export interface LeaseJson {
  duid: string;
  iaid: number;
  hostname: string;
  "accept-reconf": boolean;
  assigned: string;
  flags: string[];
  "ipv6-addr"?: LeaseAddr[];
  "ipv6-prefix"?: LeaseAddr[];
  valid: number;
}

export interface LeasesAnswer {
  device: Record<string, { leases: LeaseJson[] }>;
}

/** One address or prefix of a binding, flattened. */
export interface FlatLease {
  device: string;
  duid: string;
  iaid: number;
  kind: "na" | "pd";
  /** Address, or prefix (network address). */
  address: string;
  /** 128 for addresses. */
  plen: number;
  valid: number;
  assigned: string;
  hostname: string;
}

export function flattenLeases(a: LeasesAnswer): FlatLease[] {
  const out: FlatLease[] = [];
  for (const [device, d] of Object.entries(a.device ?? {}))
    for (const l of d.leases ?? []) {
      for (const x of l["ipv6-addr"] ?? [])
        out.push({ device, duid: l.duid, iaid: l.iaid, kind: "na", address: x.address, plen: 128, valid: l.valid, assigned: l.assigned, hostname: l.hostname });
      for (const x of l["ipv6-prefix"] ?? [])
        out.push({ device, duid: l.duid, iaid: l.iaid, kind: "pd", address: x.address, plen: x["prefix-length"] ?? -1, valid: l.valid, assigned: l.assigned, hostname: l.hostname });
    }
  return out;
}

// ---------------------------------------------------------------------------

export class OurDaemon {
  readonly role: string;
  readonly stateDir: string;
  readonly configFile: string;
  readonly cli: string;
  /** The current (or last) process. */
  proc: LabProcess | null = null;
  /** Output of every run, each line prefixed with the run number. */
  readonly log: string[] = [];
  private runs = 0;
  private queries = 0;

  constructor(
    readonly lab: Lab,
    readonly opts: DaemonOptions,
  ) {
    this.role = opts.role ?? "srv";
    this.cli = ourCli(ROOT);
    const dir = lab.path(`daemon-${this.role}`);
    mkdirSync(dir, { recursive: true });
    this.stateDir = join(dir, "state");
    this.configFile = join(dir, "dhcp.uci");
    writeFileSync(this.configFile, daemonUci(opts));
    lab.onClose(`our daemon (${this.role})`, () => this.stop());
  }

  get running(): boolean {
    return !!this.proc?.running;
  }

  /** Starts the daemon (same config, same state dir every time) and waits until it serves and answers on its control socket. */
  async start(): Promise<void> {
    if (this.running) throw new Error("our daemon is already running");
    const run = ++this.runs;
    const verbose = this.opts.verbose ?? !!process.env.E2E_VERBOSE;
    const args = [this.cli, "run", "--config", this.configFile, "--state-dir", this.stateDir, "--log-level", "debug", "--no-syslog"];
    this.log.push(`#${run} --- start: ${args.join(" ")}`);
    const proc = this.lab.spawn(this.role, process.execPath, args, {
      name: `odhcpd-wasm#${run}`,
      env: { ...process.env, ...this.opts.env },
      onLine: (line) => {
        this.log.push(`#${run} ${line}`);
        if (verbose) process.stderr.write(`[server#${run}] ${line}\n`);
      },
    });
    this.proc = proc;
    const timeoutMs = this.opts.timeoutMs ?? 8000;
    const esc = this.opts.ifname.replace(/[.]/g, "\\.");
    try {
      await this.lab.waitUdpListening(this.role, 547, { addr: new RegExp(`ff02::1:2\\]?%${esc}:547$`), proc, timeoutMs });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (existsSync(join(this.stateDir, "control.sock"))) {
          try {
            await this.query("counters");
            break;
          } catch (e) {
            if (Date.now() > deadline) throw e;
          }
        }
        if (!proc.running) throw new LabCommandError(`our daemon exited (code ${proc.exit?.code}, signal ${proc.exit?.signal})`);
        if (Date.now() > deadline) throw new LabCommandError(`no control socket in ${this.stateDir} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 30));
      }
    } catch (e) {
      await proc.stop("SIGKILL", 1000);
      throw new LabCommandError(`our daemon did not start: ${(e as Error).message}\n${this.tail()}`);
    }
  }

  /** SIGTERM (graceful), SIGKILL after 3 s. */
  async stop(): Promise<void> {
    if (this.proc?.running) await this.proc.stop("SIGTERM", 3000);
  }

  /** kill -9: no chance to flush anything. Resolves once the process is gone. */
  async kill9(): Promise<void> {
    if (!this.proc?.running) throw new Error("our daemon is not running");
    this.log.push(`#${this.runs} --- SIGKILL`);
    const x = await this.proc.stop("SIGKILL", 2000);
    if (x.signal !== "SIGKILL") throw new LabCommandError(`our daemon exited with ${JSON.stringify(x)} instead of dying of SIGKILL`);
  }

  /**
   * `node build/host/cli.js COMMAND --state-dir DIR`, run in the server
   * namespace, its JSON answer. stdout goes to a FILE by default, `pipe: true`
   * reads it through a pipe: the CLI once lost the end of a large answer there
   * (process.exit() with the pipe write pending; fixed in 5f646c4, guarded by
   * the "leases through a pipe" test), so the other tests do not depend on it.
   */
  async query(command: "leases" | "counters", o: { pipe?: boolean } = {}): Promise<unknown> {
    let out: string;
    if (o.pipe) {
      const r = await this.lab.run(this.role, process.execPath, [this.cli, command, "--state-dir", this.stateDir], { check: false, timeoutMs: 8000 });
      if (r.code !== 0) throw new LabCommandError(`odhcpd-wasm ${command} failed (code ${r.code}): ${r.stderr.trim()}`);
      out = r.stdout;
    } else {
      const file = join(this.lab.tmpDir, `query-${command}-${++this.queries}.json`);
      const r = await this.lab.run(this.role, "/bin/sh", ["-c", 'exec "$@" > "$0"', file, process.execPath, this.cli, command, "--state-dir", this.stateDir], {
        check: false,
        timeoutMs: 8000,
      });
      if (r.code !== 0) throw new LabCommandError(`odhcpd-wasm ${command} failed (code ${r.code}): ${r.stderr.trim()}`);
      out = readFileSync(file, "utf8");
    }
    try {
      return JSON.parse(out);
    } catch {
      throw new LabCommandError(`odhcpd-wasm ${command}: not JSON (${out.length} bytes, ending ${JSON.stringify(out.slice(-40))})`);
    }
  }

  async leases(): Promise<LeasesAnswer> {
    return (await this.query("leases")) as LeasesAnswer;
  }

  async flatLeases(): Promise<FlatLease[]> {
    return flattenLeases(await this.leases());
  }

  async counters(): Promise<Record<string, number> & { bindings?: { used: number; capacity: number } }> {
    return (await this.query("counters")) as Record<string, number> & { bindings?: { used: number; capacity: number } };
  }

  /** The last n lines of the daemon's output (all runs). */
  tail(n = 60): string {
    return this.log.slice(-n).join("\n");
  }

  /** Lines of the log matching re. */
  grep(re: RegExp): string[] {
    return this.log.filter((l) => re.test(l));
  }
}

// ---------------------------------------------------------------------------
// Routes the daemon installs (proto 96 = RTPROT_... as odhcpd uses, metric 1024)

export interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  metric?: number;
  protocol?: string;
}

/** `ip -6 -j route show proto 96` in a namespace. */
export function delegatedRoutes(lab: Lab, role = "srv"): KernelRoute[] {
  const out = lab.ip(role, "-6", "-j", "route", "show", "proto", "96");
  return out.trim() ? (JSON.parse(out) as KernelRoute[]) : [];
}

/** The same, as text (for messages). */
export function delegatedRoutesText(lab: Lab, role = "srv"): string {
  return lab.ip(role, "-6", "route", "show", "proto", "96").trim() || "(none)";
}

/** Waits until pred(routes) holds; returns the routes. Throws with the last routes on timeout. */
export async function waitRoutes(lab: Lab, pred: (r: KernelRoute[]) => boolean, what: string, timeoutMs = 3000, role = "srv"): Promise<KernelRoute[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = delegatedRoutes(lab, role);
    if (pred(r)) return r;
    if (Date.now() > deadline) throw new LabCommandError(`${what}: not so after ${timeoutMs} ms; routes proto 96:\n${delegatedRoutesText(lab, role)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
