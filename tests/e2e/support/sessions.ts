// Long-lived real DHCPv6 clients in a lab namespace, for the stateful tests:
// unlike host/lab/clients.ts (one exchange, then stop), a session keeps the
// client running, so a test can watch it renew, crash it and start it again on
// the same lease file, and release at a moment of its choosing.
//
//   dhclient -6 -N -P -d   Renew at T1; restarted on its lease file it sends Rebind;
//                          `dhclient -r` releases.
//   dhcpcd -6 -B           SIGUSR1 = Renew now, SIGHUP = rebind, restarted on its lease
//                          file (with IA_PD) it sends Rebind; SIGALRM = Release and exit.
//   dhcp6c -f              Renew at T1; SIGTERM = Release and exit.
//
// Each session has private files (lease, pid, DUID, /run) under the lab's temp
// dir; dhcpcd and dhcp6c get them through bind mounts in their own mount
// namespace, as host/lab/clients.ts does. The script every client runs is the
// lab's recorder (host/lab/clients.ts), which only saves its environment:
// nothing touches resolv.conf, and addresses are not configured by scripts.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabCommandError, parseDhclientLeases, readRecords, requireTool, sleep, type Lab, type LabProcess } from "../helpers/lab.js";
import { summarizeMessage, walkDhcpv6 } from "../../../host/lab/dhcpv6-bytes.js";

export interface Binding {
  addresses: string[];
  /** "prefix/len". */
  prefixes: string[];
  /** Client DUID (hex, no separators) when the client tells. */
  duid?: string;
  /** Lifetimes of the first address and prefix, as the client recorded them. */
  addrValid?: number;
  prefixValid?: number;
  dns: string[];
  domains: string[];
}

const emptyBinding = (): Binding => ({ addresses: [], prefixes: [], dns: [], domains: [] });

/** Writes the recorder: each run saves its environment as DIR/env/env.<ns-time>.<pid> (read back with readRecords). */
function writeRecorder(dir: string): string {
  const script = join(dir, "record-env.sh");
  mkdirSync(join(dir, "env"), { recursive: true });
  writeFileSync(script, `#!/bin/sh\nf='${join(dir, "env")}'/env.$(date +%s%N).$$\nenv > "$f.tmp" && mv "$f.tmp" "$f"\nexit 0\n`);
  chmodSync(script, 0o755);
  return script;
}

/** "0:3:0:1:..." or "00:03:..." -> "00030001...". */
const hexDuid = (s: string) =>
  s
    .split(":")
    .map((x) => x.padStart(2, "0"))
    .join("")
    .toLowerCase();

abstract class Session {
  readonly dir: string;
  readonly script: string;
  proc: LabProcess | null = null;
  /** All output lines of every run of the client (prefixed with the run number). */
  readonly log: string[] = [];
  protected runs = 0;

  constructor(
    readonly lab: Lab,
    readonly role: string,
    readonly name: string,
    readonly logicalIf?: string,
  ) {
    this.dir = join(lab.tmpDir, `session-${name}`);
    mkdirSync(this.dir, { recursive: true });
    this.script = writeRecorder(this.dir);
  }

  get ifname(): string {
    return this.lab.ifname(this.role, this.logicalIf);
  }

  /** Script environments so far, oldest first. */
  records(): Record<string, string>[] {
    return readRecords(this.dir);
  }

  reasons(): string[] {
    return this.records().map((e) => e.reason ?? e.REASON ?? "?");
  }

  /** Waits for a script run (after the first `since` runs) whose reason matches; returns it. */
  async waitReason(re: RegExp, since: number, timeoutMs: number): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.records().slice(since);
      const hit = r.find((e) => re.test(e.reason ?? e.REASON ?? ""));
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new LabCommandError(`${this.name}: no script run with reason ${re} within ${timeoutMs} ms (reasons so far: ${this.reasons().join(",") || "none"})\n${this.tail()}`);
      if (this.proc && !this.proc.running && !r.length)
        throw new LabCommandError(`${this.name} exited (code ${this.proc.exit?.code}, signal ${this.proc.exit?.signal}) before a script run with reason ${re}\n${this.tail()}`);
      await sleep(50);
    }
  }

  /** Waits for an output line (of the current run) matching re. */
  async waitLine(re: RegExp, timeoutMs: number, sinceLine = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.log.slice(sinceLine).find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > deadline) throw new LabCommandError(`${this.name}: no output matching ${re} within ${timeoutMs} ms\n${this.tail()}`);
      if (this.proc && !this.proc.running) {
        await sleep(100);
        const late = this.log.slice(sinceLine).find((l) => re.test(l));
        if (late) return late;
        throw new LabCommandError(`${this.name} exited (code ${this.proc.exit?.code}, signal ${this.proc.exit?.signal}) before printing ${re}\n${this.tail()}`);
      }
      await sleep(50);
    }
  }

  protected spawnRun(cmd: string, args: string[]): LabProcess {
    const run = ++this.runs;
    this.log.push(`#${run} --- ${cmd} ${args.join(" ")}`);
    const verbose = !!process.env.E2E_VERBOSE;
    this.proc = this.lab.spawn(this.role, cmd, args, {
      name: `${this.name}#${run}`,
      onLine: (l) => {
        this.log.push(`#${run} ${l}`);
        if (verbose) process.stderr.write(`[${this.name}#${run}] ${l}\n`);
      },
    });
    return this.proc;
  }

  /** Crash: SIGKILL, no Release; the lease file stays. */
  async kill(): Promise<void> {
    if (this.proc?.running) await this.proc.stop("SIGKILL", 2000);
  }

  tail(n = 40): string {
    return this.log.slice(-n).join("\n");
  }

  /** Sends a signal to the client process itself (not its group). */
  protected signalMain(sig: NodeJS.Signals): void {
    if (!this.proc?.running || !this.proc.pid) throw new LabCommandError(`${this.name} is not running`);
    process.kill(this.proc.pid, sig);
  }
}

// ---------------------------------------------------------------------------
// ISC dhclient

export interface DhclientSessionOptions {
  logicalIf?: string;
  /** Extra dhclient.conf lines (the conf asks for DNS and the domain list). */
  conf?: string[];
}

export class DhclientSession extends Session {
  readonly bin = requireTool("dhclient");
  readonly lf: string;
  readonly pf: string;
  readonly cf: string;

  constructor(lab: Lab, role: string, name: string, o: DhclientSessionOptions = {}) {
    super(lab, role, name, o.logicalIf);
    this.lf = join(this.dir, "dhclient6.leases");
    this.pf = join(this.dir, "dhclient6.pid");
    this.cf = join(this.dir, "dhclient.conf");
    writeFileSync(this.cf, ["request dhcp6.name-servers, dhcp6.domain-search;", ...(o.conf ?? [])].join("\n") + "\n");
  }

  private common(): string[] {
    return ["-6", "-N", "-P", "-v", "-lf", this.lf, "-pf", this.pf, "-sf", this.script, "-cf", this.cf];
  }

  /**
   * Starts `dhclient -6 -N -P -d -1` (foreground, one try). With no lease file it
   * solicits; with one (a restart) it sends Rebind for the address and prefix it
   * holds. Resolves with the binding once the script ran with BOUND6/REBIND6/...
   */
  async start(timeoutMs = 10_000): Promise<{ reason: string; binding: Binding }> {
    if (this.proc?.running) throw new Error(`${this.name} is running`);
    const since = this.records().length;
    await this.lab.waitLinkLocal(this.role, this.logicalIf);
    this.spawnRun(this.bin, [...this.common(), "-d", "-1", this.ifname]);
    const env = await this.waitReason(/^(BOUND6|REBIND6|RENEW6|REBOOT6)$/, since, timeoutMs);
    return { reason: env.reason, binding: await this.settledBinding() };
  }

  /**
   * dhclient runs its script once per address and prefix and writes the lease
   * file only after the last run, so right after the first BOUND6 the file may
   * still hold nothing (or the lease before). Waits up to 3 s for a lease with
   * both an address and a prefix (-N -P), then returns what the file holds.
   */
  private async settledBinding(): Promise<Binding> {
    const until = Date.now() + 3000;
    let b = this.binding();
    while ((b.addresses.length === 0 || b.prefixes.length === 0) && Date.now() < until) {
      await sleep(50);
      b = this.binding();
    }
    return b;
  }

  /** What the lease file holds (the client's own record), plus the DUID dhclient uses. */
  binding(): Binding {
    const b = emptyBinding();
    if (!existsSync(this.lf)) return b;
    const text = readFileSync(this.lf, "utf8");
    const lease = parseDhclientLeases(text).pop();
    if (lease) {
      b.addresses = lease.addresses.map((a) => a.address);
      b.prefixes = lease.prefixes.map((p) => `${p.prefix}/${p.length}`);
      b.addrValid = lease.addresses[0]?.valid;
      b.prefixValid = lease.prefixes[0]?.valid;
      b.dns = (lease.options["dhcp6.name-servers"] ?? "").split(/[,\s]+/).filter(Boolean);
      b.domains = (lease.options["dhcp6.domain-search"] ?? "")
        .split(/[,\s]+/)
        .map((x) => x.replace(/^"|"$/g, "").replace(/\.$/, ""))
        .filter(Boolean);
    }
    // default-duid "\000\001\000\001..." (octal escapes) or hex
    const m = /default-duid\s+"((?:[^"\\]|\\.)*)"/.exec(text);
    if (m) b.duid = Buffer.from(unescapeC(m[1]), "latin1").toString("hex");
    return b;
  }

  /** `dhclient -6 -N -P -r`: stops the running client and sends Release for its lease. */
  async release(timeoutMs = 8000): Promise<void> {
    const since = this.records().length;
    const r = await this.lab.run(this.role, this.bin, [...this.common(), "-r", this.ifname], { check: false, timeoutMs });
    this.log.push(`--- dhclient -r (code ${r.code})`, ...`${r.stdout}${r.stderr}`.split("\n").filter(Boolean));
    if (this.proc?.running) await this.proc.stop("SIGTERM", 2000);
    if (r.code !== 0) throw new LabCommandError(`${this.name}: dhclient -r failed (code ${r.code})\n${this.tail()}`);
    void since;
  }
}

/** dhclient writes the DUID with C escapes (\ooo octal, \" etc.). */
function unescapeC(s: string): string {
  return s.replace(/\\([0-7]{1,3}|.)/g, (_, e: string) => (/^[0-7]+$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e));
}

// ---------------------------------------------------------------------------
// dhcpcd

export interface DhcpcdSessionOptions {
  logicalIf?: string;
  na?: boolean;
  pd?: boolean;
  rapidCommit?: boolean;
  /** More dhcpcd.conf lines. */
  conf?: string[];
}

export class DhcpcdSession extends Session {
  readonly bin = requireTool("dhcpcd");
  readonly db: string;
  readonly run: string;
  readonly conf: string;

  constructor(lab: Lab, role: string, name: string, o: DhcpcdSessionOptions = {}) {
    super(lab, role, name, o.logicalIf);
    requireTool("mount");
    this.db = join(this.dir, "db");
    this.run = join(this.dir, "run");
    mkdirSync(this.db, { recursive: true });
    mkdirSync(this.run, { recursive: true });
    this.conf = join(this.dir, "dhcpcd.conf");
    const lines = ["duid", "noipv6rs", "ipv6only", "option dhcp6_name_servers, dhcp6_domain_search"];
    if (o.na ?? true) lines.push("ia_na 1");
    if (o.pd ?? true) lines.push("ia_pd 2");
    if (o.rapidCommit ?? true) lines.push("option dhcp6_rapid_commit"); // "option rapid_commit" is the DHCPv4 option 80: dhcpcd then sends no Rapid Commit in its Solicit
    lines.push(`script ${this.script}`, ...(o.conf ?? []));
    writeFileSync(this.conf, lines.join("\n") + "\n");
  }

  /** Starts `dhcpcd -6 -B` (foreground, keeps running); resolves at the first BOUND6/REBIND6/... script run. */
  async start(timeoutMs = 10_000): Promise<{ reason: string; binding: Binding }> {
    if (this.proc?.running) throw new Error(`${this.name} is running`);
    const since = this.records().length;
    await this.lab.waitLinkLocal(this.role, this.logicalIf);
    this.spawnRun("/bin/sh", [
      "-c",
      'mkdir -p /var/lib/dhcpcd && mount --bind "$1" /var/lib/dhcpcd && mount --bind "$2" /run && shift 2 && exec "$@"',
      "sh",
      this.db,
      this.run,
      this.bin,
      "-6",
      "-B",
      "-d",
      "-f",
      this.conf,
      this.ifname,
    ]);
    const env = await this.waitReason(/^(BOUND6|REBIND6|RENEW6|REBOOT6)$/, since, timeoutMs);
    return { reason: env.reason, binding: this.binding() };
  }

  /** SIGUSR1: dhcpcd renews now (Renew for a bound DHCPv6 lease). Resolves at the next RENEW6 (or other bound) script run. */
  async renewNow(timeoutMs = 8000): Promise<{ reason: string; binding: Binding }> {
    const since = this.records().length;
    this.signalMain("SIGUSR1");
    const env = await this.waitReason(/^(RENEW6|REBIND6|BOUND6)$/, since, timeoutMs);
    return { reason: env.reason, binding: this.binding() };
  }

  /** SIGALRM: dhcpcd releases its lease and exits. */
  async release(timeoutMs = 8000): Promise<void> {
    this.signalMain("SIGALRM");
    const exited = await Promise.race([this.proc!.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!exited) {
      await this.proc!.stop("SIGKILL", 1000);
      throw new LabCommandError(`${this.name}: still running ${timeoutMs} ms after SIGALRM (release)\n${this.tail()}`);
    }
  }

  /** The binary lease (the server's last Reply as dhcpcd stored it), read with the lab's walker. */
  binding(): Binding {
    const b = emptyBinding();
    const f = join(this.db, `${this.ifname}.lease6`);
    if (!existsSync(f)) return b;
    const w = walkDhcpv6(new Uint8Array(readFileSync(f)));
    if (!w.message) return b;
    const s = summarizeMessage(w.message);
    b.addresses = s.addresses.filter((a) => a.valid > 0).map((a) => a.address);
    b.prefixes = s.prefixes.filter((p) => p.valid > 0).map((p) => `${p.prefix}/${p.length}`);
    b.addrValid = s.addresses[0]?.valid;
    b.prefixValid = s.prefixes[0]?.valid;
    b.duid = s.clientId;
    b.dns = s.dnsServers;
    b.domains = s.domainSearch;
    return b;
  }
}

// ---------------------------------------------------------------------------
// WIDE dhcp6c

export class Dhcp6cSession extends Session {
  readonly bin = requireTool("dhcp6c");
  readonly db: string;
  readonly conf: string;
  readonly pidFile: string;

  constructor(lab: Lab, role: string, name: string, o: { logicalIf?: string } = {}) {
    super(lab, role, name, o.logicalIf);
    requireTool("mount");
    this.db = join(this.dir, "db");
    mkdirSync(this.db, { recursive: true });
    this.conf = join(this.dir, "dhcp6c.conf");
    this.pidFile = join(this.dir, "dhcp6c.pid");
  }

  /** Starts `dhcp6c -f -D` (IA_NA 1 + IA_PD 2); resolves once the Reply to its Request was processed. */
  async start(timeoutMs = 10_000): Promise<Binding> {
    if (this.proc?.running) throw new Error(`${this.name} is running`);
    writeFileSync(
      this.conf,
      `interface ${this.ifname} {\n  send ia-na 1;\n  send ia-pd 2;\n  request domain-name-servers;\n  request domain-name;\n  script "${this.script}";\n};\nid-assoc na 1 { };\nid-assoc pd 2 { };\n`,
    );
    await this.lab.waitLinkLocal(this.role, this.logicalIf);
    const from = this.log.length;
    this.spawnRun("/bin/sh", [
      "-c",
      'mkdir -p /var/lib/dhcpv6 && mount --bind "$1" /var/lib/dhcpv6 && shift && exec "$@"',
      "sh",
      this.db,
      this.bin,
      "-f",
      "-D",
      "-c",
      this.conf,
      "-p",
      this.pidFile,
      this.ifname,
    ]);
    await this.waitLine(/got an expected reply, sleeping/, timeoutMs, from);
    return this.binding();
  }

  /** Addresses and prefixes dhcp6c created or updated (its debug log), latest state. */
  binding(): Binding {
    const b = emptyBinding();
    const addrs = new Map<string, number>();
    const prefixes = new Map<string, number>();
    let clientIdNext = false;
    for (const l of this.log) {
      // "get DHCP option client ID, len 14" is followed by "  DUID: 00:01:..."
      if (/get DHCP option client ID/.test(l)) clientIdNext = true;
      else if (clientIdNext) {
        const d = /DUID: ([0-9a-f:]+)/.exec(l);
        if (d) b.duid = hexDuid(d[1]);
        clientIdNext = false;
      }
      const a = /update_address: (?:create|update) an address ([0-9a-fA-F:.]+) pltime=(\d+), vltime=(\d+)/.exec(l);
      if (a) addrs.set(a[1], Number(a[3]));
      const p = /update_prefix: (?:create|update) a prefix ([0-9a-fA-F:.]+\/\d+) pltime=(\d+), vltime=(\d+)/.exec(l);
      if (p) prefixes.set(p[1], Number(p[3]));
      const rm = /remove_addr: remove an address ([0-9a-fA-F:.]+)/.exec(l);
      if (rm) addrs.delete(rm[1]);
    }
    b.addresses = [...addrs.keys()];
    b.prefixes = [...prefixes.keys()];
    b.addrValid = [...addrs.values()][0];
    b.prefixValid = [...prefixes.values()][0];
    const env = this.records().pop();
    if (env) {
      b.dns = (env.new_domain_name_servers ?? "").split(/\s+/).filter(Boolean);
      b.domains = (env.new_domain_name ?? "")
        .split(/\s+/)
        .filter(Boolean)
        .map((x) => x.replace(/\.$/, ""));
    }
    return b;
  }

  /** SIGTERM: dhcp6c sends Release for its IAs, then exits. */
  async release(timeoutMs = 8000): Promise<void> {
    if (!this.proc?.running) throw new LabCommandError(`${this.name} is not running`);
    this.signalMain("SIGTERM");
    const exited = await Promise.race([this.proc.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!exited) {
      await this.proc.stop("SIGKILL", 1000);
      throw new LabCommandError(`${this.name}: still running ${timeoutMs} ms after SIGTERM (release)\n${this.tail()}`);
    }
  }
}
