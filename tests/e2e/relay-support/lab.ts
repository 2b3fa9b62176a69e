// Support for the relay end-to-end tests (issue 4 item 4): the topologies
// (client, relay(s), server), the UCI files of our relay and of our server
// behind relays, our daemon with any UCI text, a stateful dhclient session
// that can wait for its Renew and then release with the same lease file, and
// the capture checks run on both sides of every relay.
//
// Everything runs through the lab (lab.spawn / lab.run / lab.ip), so closing
// the lab removes every process, namespace and file of a test.

import { mkdirSync, mkdtempSync, chmodSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  LabCommandError,
  checkCapture,
  checkDhcpv6Lengths,
  describePackets,
  formatCaptureProblems,
  parseDhclientLeases,
  readRecords,
  requireTool,
  sleep,
  withTimeout,
  type CaptureReport,
  type Lab,
  type LabProcess,
  type TopologySpec,
} from "../helpers/lab.js";
import { OurDaemon } from "../support/server.js";
import { parseIPv6 } from "../../../host/util/ipv6.js";

// ---------------------------------------------------------------------------
// Addresses

/** The client link (relay side): the relay's client-facing address. */
export const CLIENT_LINK = "2001:db8:1::";
export const RELAY_DOWN_ADDR = "2001:db8:1::1";
/** The server link: the relay's upstream address and the server's address. */
export const RELAY_UP_ADDR = "2001:db8:9::2";
export const SERVER_ADDR = "2001:db8:9::1";
/** In the chain: the link between the first relay (upstream side) and the second (client-facing side). */
export const MID_R1_ADDR = "2001:db8:8::1";
export const MID_R2_ADDR = "2001:db8:8::2";
/** Our server's prefixes for the remote (client) link, on a veth inside its namespace. */
export const REMOTE_NA_ADDR = "2001:db8:1::fffe";
export const REMOTE_PD_ADDR = "2001:db8:1:100::1";
export const REMOTE_PD_PLEN = 56;
/** What the servers hand out as DNS, and what our relay rewrites it to. */
export const SERVER_DNS = "2001:db8:1::53";
export const RELAY_DNS = "2001:db8:1::5353";
export const DOMAIN = "lab.example";

/**
 * client -- relay -- server (three namespaces), as host/lab's relayTopology but
 * with interface names of our own: cli/c; rly/rc (2001:db8:1::1/64) and
 * rly/rs (2001:db8:9::2/64); srv/s (2001:db8:9::1/64), whose route to the
 * client link goes via the relay.
 */
export function oneRelayTopology(): TopologySpec {
  return {
    name: "relay-one",
    namespaces: { cli: {}, rly: {}, srv: {} },
    links: [
      { a: { ns: "cli", ifname: "c" }, b: { ns: "rly", ifname: "rc", addrs: [`${RELAY_DOWN_ADDR}/64`] } },
      { a: { ns: "rly", ifname: "rs", addrs: [`${RELAY_UP_ADDR}/64`] }, b: { ns: "srv", ifname: "s", addrs: [`${SERVER_ADDR}/64`] } },
    ],
    routes: [{ ns: "srv", dst: `${CLIENT_LINK}/64`, via: RELAY_UP_ADDR, dev: "s" }],
  };
}

/**
 * client -- relay1 -- relay2 -- server (four namespaces): cli/c; r1/rc
 * (2001:db8:1::1/64) and r1/ru (2001:db8:8::1/64); r2/rd (2001:db8:8::2/64,
 * client-facing: the first relay's upstream link) and r2/ru (2001:db8:9::2/64);
 * srv/s (2001:db8:9::1/64).
 */
export function chainTopology(): TopologySpec {
  return {
    name: "relay-chain",
    namespaces: { cli: {}, r1: {}, r2: {}, srv: {} },
    links: [
      { a: { ns: "cli", ifname: "c" }, b: { ns: "r1", ifname: "rc", addrs: [`${RELAY_DOWN_ADDR}/64`] } },
      { a: { ns: "r1", ifname: "ru", addrs: [`${MID_R1_ADDR}/64`] }, b: { ns: "r2", ifname: "rd", addrs: [`${MID_R2_ADDR}/64`] } },
      { a: { ns: "r2", ifname: "ru", addrs: [`${RELAY_UP_ADDR}/64`] }, b: { ns: "srv", ifname: "s", addrs: [`${SERVER_ADDR}/64`] } },
    ],
    routes: [
      { ns: "srv", dst: `${CLIENT_LINK}/64`, via: RELAY_UP_ADDR, dev: "s" },
      { ns: "srv", dst: "2001:db8:8::/64", via: RELAY_UP_ADDR, dev: "s" },
      { ns: "r2", dst: `${CLIENT_LINK}/64`, via: MID_R1_ADDR, dev: "rd" },
    ],
  };
}

export interface RemotePrefixOptions {
  /** preferred_lft / valid_lft of both prefixes (default forever). Short ones make the client renew soon (T1 = preferred / 2). */
  preferred?: number;
  valid?: number;
}

/**
 * Gives the server namespace the client link's prefixes without a route to
 * them (the `dummy` module is not available): a veth pair d0/d1 inside the
 * namespace, d0 holding 2001:db8:1::fffe/64 (addresses) and
 * 2001:db8:1:100::1/56 (prefix delegation), both `noprefixroute`, so the
 * route to the client link via the relay stays in charge. Returns "d0".
 */
export function addRemotePrefixes(lab: Lab, role = "srv", o: RemotePrefixOptions = {}): string {
  lab.ip(role, "link", "add", "d0", "type", "veth", "peer", "name", "d1");
  lab.sysctl(role, { "net.ipv6.conf.d0.accept_dad": "0", "net.ipv6.conf.d1.accept_dad": "0" });
  lab.ip(role, "link", "set", "d0", "up");
  lab.ip(role, "link", "set", "d1", "up");
  const life = o.preferred === undefined ? [] : ["preferred_lft", String(o.preferred), "valid_lft", String(o.valid ?? 600)];
  // The /56 first, the /64 second: with equal lifetimes the /64 is elected for IA_NA anyway.
  lab.ip(role, "-6", "addr", "add", `${REMOTE_PD_ADDR}/${REMOTE_PD_PLEN}`, "dev", "d0", "nodad", "noprefixroute", ...life);
  lab.ip(role, "-6", "addr", "add", `${REMOTE_NA_ADDR}/64`, "dev", "d0", "nodad", "noprefixroute", ...life);
  return "d0";
}

/** ifindex of an interface of a namespace (the Interface-ID our relay puts in its Relay-forwards). */
export function ifindex(lab: Lab, role: string, dev: string): number {
  const j = JSON.parse(lab.ip(role, "-j", "link", "show", "dev", dev)) as { ifindex: number }[];
  return j[0].ifindex;
}

/** True when `a` (an address or a prefix's first address) lies in `prefix`/`plen`. */
export function inPrefix(a: string | undefined, prefix: string, plen: number): boolean {
  const x = a ? parseIPv6(a) : null;
  const p = parseIPv6(prefix);
  if (!x || !p) return false;
  for (let bit = 0; bit < plen; bit++) {
    const m = 0x80 >> bit % 8;
    if ((x[bit >> 3] & m) !== (p[bit >> 3] & m)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// UCI files

const q = (s: string) => `'${s}'`;

export interface ServerUciOptions {
  /** The device toward the relay (e.g. lab.ifname("srv")). */
  up: string;
  /** The device holding the remote link's prefixes ("d0"); omitted: none. */
  remote?: string;
  dns?: string[];
  /** Extra lines for the remote section (or the up one without remote). */
  extra?: string[];
  /** Put the remote section first in the file (default false). */
  remoteFirst?: boolean;
}

/** Our server behind relays: a section on the interface toward the relay, one on the remote link's prefixes. */
export function serverUci(o: ServerUciOptions): string {
  const dns = (o.dns ?? [SERVER_DNS]).map((d) => `\tlist dns ${q(d)}`);
  const up = ["config dhcp 'relaylink'", `\toption ifname ${q(o.up)}`, "\toption dhcpv6 'server'", ...dns, `\tlist domain ${q(DOMAIN)}`];
  if (!o.remote) return [...up, ...(o.extra ?? []).map((e) => `\t${e}`)].join("\n") + "\n";
  const remote = ["config dhcp 'remote'", `\toption ifname ${q(o.remote)}`, "\toption dhcpv6 'server'", ...dns, `\tlist domain ${q(DOMAIN)}`, ...(o.extra ?? []).map((e) => `\t${e}`)];
  const sections = o.remoteFirst ? [remote, up] : [up, remote];
  return sections.map((s) => s.join("\n")).join("\n\n") + "\n";
}

export interface RelayUciOptions {
  /** Client-facing device. */
  down: string;
  /** Upstream (master) device. */
  up: string;
  /** `dhcpv6_relay_servers` on the master (default none: ff05::1:3). */
  servers?: string[];
  /** `dns` on the client-facing section (DNS rewriting). */
  dns?: string[];
  /** `dhcpv6_relay_hop_limit` on the client-facing section. */
  hopLimit?: number;
  /** More lines for the client-facing section. */
  downExtra?: string[];
}

/** Our relay: a client-facing section (`dhcpv6 relay`) and an upstream one (`dhcpv6 relay`, `master 1`). */
export function relayUci(o: RelayUciOptions): string {
  const down = ["config dhcp 'lan'", `\toption ifname ${q(o.down)}`, "\toption dhcpv6 'relay'"];
  for (const d of o.dns ?? []) down.push(`\tlist dns ${q(d)}`);
  if (o.hopLimit !== undefined) down.push(`\toption dhcpv6_relay_hop_limit ${q(String(o.hopLimit))}`);
  for (const e of o.downExtra ?? []) down.push(`\t${e}`);
  const up = ["config dhcp 'wan'", `\toption ifname ${q(o.up)}`, "\toption dhcpv6 'relay'", "\toption master '1'"];
  for (const s of o.servers ?? []) up.push(`\tlist dhcpv6_relay_servers ${q(s)}`);
  return `${down.join("\n")}\n\n${up.join("\n")}\n`;
}

// ---------------------------------------------------------------------------
// Our daemon with a UCI text of our own

/**
 * OurDaemon (state dir, `counters`/`leases` CLI, log) with any UCI text;
 * `ifname` is the device whose ff02::1:2 socket means "started" (the
 * client-facing one for a relay, the one toward the relay for a server).
 */
export class UciDaemon extends OurDaemon {
  constructor(lab: Lab, role: string, ifname: string, readonly uci: string) {
    super(lab, { role, ifname });
    writeFileSync(this.configFile, uci);
  }
}

/** Starts our daemon in `role` with `uci`; its log is added to a failing test's message by `annotate`. */
export async function startDaemon(lab: Lab, role: string, ifname: string, uci: string): Promise<UciDaemon> {
  const d = new UciDaemon(lab, role, ifname, uci);
  await d.start();
  return d;
}

/** Runs fn; on failure appends the tails of the daemons' logs to the error message. */
export async function annotate<R>(daemons: () => (UciDaemon | null | undefined)[], fn: () => Promise<R>, extra?: () => string): Promise<R> {
  try {
    return await fn();
  } catch (e) {
    const parts: string[] = [];
    for (const d of daemons()) if (d) parts.push(`--- our daemon in ${d.role} ---\n${d.tail(50)}`);
    if (extra) {
      try {
        parts.push(extra());
      } catch {
        /* best effort */
      }
    }
    if (e instanceof Error) e.message += `\n${parts.join("\n")}`;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// A stateful dhclient session: bind, (wait for a Renew), release

export interface Binding {
  address?: string;
  prefix?: string;
  prefixLen?: number;
  preferred?: number;
  dns: string[];
  domains: string[];
}

const RECORDER = (envDir: string) => `#!/bin/sh
# recorder: dhclient runs it instead of dhclient-script
f='${envDir}'/env.$(date +%s%N).$$
env > "$f.tmp" && mv "$f.tmp" "$f"
exit 0
`;

/**
 * ISC dhclient -6 (-N -P by default, or -S) with private lease, pid and
 * script files in the lab's temp dir. `bind()` runs it until it bound (it
 * then keeps running as a daemon); `waitReason("RENEW6")` waits for the
 * script run of its Renew; `release()` runs `dhclient -6 -r` with the same
 * files, which sends a Release and stops the daemon.
 */
export class DhclientSession {
  readonly dir: string;
  readonly lf: string;
  readonly pf: string;
  readonly script: string;
  readonly ifname: string;
  readonly logs: string[] = [];
  private proc: LabProcess | null = null;

  constructor(
    readonly lab: Lab,
    readonly role: string,
    readonly flags: string[] = ["-N", "-P"],
    logicalIf?: string,
  ) {
    requireTool("dhclient");
    this.ifname = lab.ifname(role, logicalIf);
    this.dir = mkdtempSync(join(lab.tmpDir, "dhclient-session-"));
    mkdirSync(join(this.dir, "env"));
    this.lf = join(this.dir, "dhclient6.leases");
    this.pf = join(this.dir, "dhclient6.pid");
    this.script = join(this.dir, "record-env.sh");
    writeFileSync(this.script, RECORDER(join(this.dir, "env")));
    chmodSync(this.script, 0o755);
    lab.onClose("dhclient session", () => this.kill());
  }

  private args(extra: string[]): string[] {
    return ["-6", ...this.flags, ...extra, "-v", "-lf", this.lf, "-pf", this.pf, "-sf", this.script, this.ifname];
  }

  /** Script reasons so far (PREINIT6, BOUND6, RENEW6, RELEASE6, ...). */
  reasons(): string[] {
    return readRecords(this.dir).map((e) => e.reason ?? "?");
  }

  records(): Record<string, string>[] {
    return readRecords(this.dir);
  }

  /** Starts `dhclient -6 FLAGS -1` and resolves once it has bound (or throws after timeoutMs). */
  async bind(timeoutMs = 8000): Promise<Binding> {
    const bin = requireTool("dhclient");
    const p = this.lab.spawn(this.role, bin, this.args(["-1"]), { name: "dhclient" });
    this.proc = p;
    const exited = await withTimeout(p.exited.then(() => true), timeoutMs, false);
    this.logs.push(...p.lines.map((l) => l.line));
    if (!exited) {
      await p.stop("SIGKILL", 1000);
      throw new LabCommandError(`dhclient -6 ${this.flags.join(" ")}: no lease within ${timeoutMs} ms; reasons ${this.reasons().join(",") || "none"}\n${this.log()}`);
    }
    const wanted = this.flags.includes("-S") ? "INFORM6" : "BOUND6";
    if (p.exit?.code !== 0 || !this.reasons().includes(wanted))
      throw new LabCommandError(`dhclient -6 ${this.flags.join(" ")} exited with code ${p.exit?.code}, script reasons ${this.reasons().join(",") || "none"}\n${this.log()}`);
    if (wanted === "BOUND6") {
      // The daemon dhclient became writes its pid file just after the parent exits: wait for it,
      // so that release() (dhclient -r) finds and stops it.
      const deadline = Date.now() + 3000;
      while (!this.daemonAlive() && Date.now() < deadline) await sleep(20);
      if (!this.daemonAlive()) throw new LabCommandError(`dhclient bound but no daemon in its pid file ${this.pf}\n${this.log()}`);
    }
    return this.binding(wanted);
  }

  /** True when the pid file names a live process. */
  daemonAlive(): boolean {
    const pid = this.daemonPid();
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  }

  /** What the last script run with `reason` received. */
  binding(reason: string): Binding {
    const envs = this.records().filter((e) => e.reason === reason);
    if (!envs.length) throw new LabCommandError(`dhclient: no ${reason} script run (reasons ${this.reasons().join(",")})`);
    const b: Binding = { dns: [], domains: [] };
    for (const e of envs) {
      if (e.new_ip6_address) {
        b.address = e.new_ip6_address;
        b.preferred = Number(e.new_preferred_life);
      }
      if (e.new_ip6_prefix) [b.prefix, b.prefixLen] = [e.new_ip6_prefix.split("/")[0], Number(e.new_ip6_prefix.split("/")[1])];
      if (e.new_dhcp6_name_servers) b.dns = e.new_dhcp6_name_servers.split(/\s+/).filter(Boolean);
      if (e.new_dhcp6_domain_search) b.domains = e.new_dhcp6_domain_search.split(/\s+/).filter(Boolean).map((d) => d.replace(/\.$/, ""));
    }
    return b;
  }

  /** The lease file's last lease6 block (dhclient's own record). */
  lease(): ReturnType<typeof parseDhclientLeases>[number] | undefined {
    return existsSync(this.lf) ? parseDhclientLeases(readFileSync(this.lf, "utf8")).pop() : undefined;
  }

  /** Waits until the script has run with `reason` at least `count` times in all. */
  async waitReason(reason: string, timeoutMs: number, count = 1): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.reasons().filter((r) => r === reason).length < count) {
      if (Date.now() > deadline) throw new LabCommandError(`dhclient: no ${reason} within ${timeoutMs} ms (reasons ${this.reasons().join(",")})`);
      await sleep(50);
    }
  }

  /** The running daemon's pid, from the pid file. */
  daemonPid(): number | null {
    try {
      const n = Number(readFileSync(this.pf, "utf8").trim());
      return Number.isInteger(n) && n > 1 ? n : null;
    } catch {
      return null;
    }
  }

  /** `dhclient -6 FLAGS -r` with the same lease and pid files: Release, then the daemon stops. */
  async release(timeoutMs = 8000): Promise<void> {
    const r = await this.lab.run(this.role, requireTool("dhclient"), this.args(["-r"]), { check: false, timeoutMs });
    this.logs.push("--- dhclient -r ---", ...`${r.stdout}${r.stderr}`.split("\n"));
    if (r.code !== 0) throw new LabCommandError(`dhclient -r exited with code ${r.code}\n${this.log()}`);
    const deadline = Date.now() + 3000;
    while (this.daemonAlive() && Date.now() < deadline) await sleep(20);
    if (this.daemonAlive()) throw new LabCommandError(`dhclient -r did not stop the daemon (pid ${this.daemonPid()})`);
  }

  /** Stops a daemon left running (cleanup; the lab would kill it anyway). */
  kill(): void {
    const pid = this.daemonPid();
    if (!pid) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }

  log(): string {
    return this.logs.slice(-60).join("\n");
  }
}

// ---------------------------------------------------------------------------
// Capture checks

/**
 * tshark (no malformed packet, no expert warning) and the byte-level length
 * walk (checkDhcpv6Lengths on every payload) on one capture; `where` names it
 * in messages. Returns the report.
 */
export async function checkSide(file: string, where: string): Promise<CaptureReport> {
  const rep = await checkCapture(file);
  assert.deepEqual(rep.problems, [], `${where}: capture problems:\n${formatCaptureProblems(rep.problems)}\n${describePackets(rep.packets)}`);
  for (const p of rep.packets) assert.deepEqual(checkDhcpv6Lengths(p.payload), [], `${where}: frame ${p.frame}: length problems`);
  assert.ok(rep.packets.every((p) => !p.malformed), `${where}: a malformed packet`);
  return rep;
}

/** Outer message types of a capture, in order. */
export function outerTypes(rep: CaptureReport): number[] {
  return rep.packets.map((p) => p.msgTypes[0]);
}

/** The innermost (client/server) message types of a capture, in order (tshark's last decoded type per packet). */
export function innerTypes(rep: CaptureReport): number[] {
  return rep.packets.map((p) => p.msgTypes[p.msgTypes.length - 1]);
}
