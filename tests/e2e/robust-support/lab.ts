// Support for the robustness end-to-end tests (issue 6 items 3-5): our daemon
// with any UCI text plus SIGHUP, its RSS and its log; the traffic generator
// (flood-worker.ts) run in a namespace; perfdhcp's report; counter deltas.
// Everything goes through the lab (lab.spawn / lab.run), so closing the lab
// removes every process, namespace and file of a test.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { LabCommandError, labLeftovers, parseDhclientLeases, readCapture, sleep, withTopology, type Lab, type LabProcess, type TopologySpec } from "../helpers/lab.js";
import { msgLabel, summarizeMessage, walkDhcpv6 } from "../../../host/lab/dhcpv6-bytes.js";
import { UciDaemon } from "../relay-support/lab.js";

export { UciDaemon } from "../relay-support/lab.js";

// ---------------------------------------------------------------------------
// Our daemon

export type Counters = Record<string, number> & { bindings?: { used: number; capacity: number } };

/** The drop counters (and rx/tx etc.) that changed between two `counters` answers, as after - before. */
export function counterDelta(before: Counters, after: Counters): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    if (typeof v !== "number") continue;
    const x = v - ((before[k] as number | undefined) ?? 0);
    if (x !== 0) d[k] = x;
  }
  return d;
}

/** VmRSS / VmHWM of a process, in KiB. */
export function procMemory(pid: number): { rssKb: number; hwmKb: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
  return { rssKb: get("VmRSS"), hwmKb: get("VmHWM") };
}

/** Our daemon with a UCI text of our own, plus what the robustness tests need: SIGHUP, its pid and RSS, its log. */
export class RobustDaemon extends UciDaemon {
  constructor(lab: Lab, role: string, ifname: string, uci: string) {
    super(lab, role, ifname, uci);
  }

  get pid(): number {
    const pid = this.proc?.pid;
    if (!this.proc?.running || !pid) throw new LabCommandError(`our daemon in ${this.role} is not running`);
    return pid;
  }

  /** Replaces the configuration file (takes effect at the next start or SIGHUP). */
  writeConfig(text: string): void {
    writeFileSync(this.configFile, text);
  }

  /** kill -HUP (reload); returns the log position before it, for waitLog. */
  hup(): number {
    const at = this.log.length;
    process.kill(this.pid, "SIGHUP");
    return at;
  }

  /** Waits for a log line (after position `from`) matching re. */
  async waitLog(re: RegExp, from: number, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.log.slice(from).find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > deadline) throw new LabCommandError(`our daemon in ${this.role}: no log line matching ${re} within ${timeoutMs} ms; log since:\n${this.log.slice(from).slice(-30).join("\n")}`);
      await sleep(30);
    }
  }

  /** The last n lines of the log that do not match `skip` (e.g. the per-datagram lines of a flood). */
  tailExcept(skip: RegExp, n = 40): string {
    return this.log.filter((l) => !skip.test(l)).slice(-n).join("\n");
  }

  memory(): { rssKb: number; hwmKb: number } {
    return procMemory(this.pid);
  }

  override async counters(): Promise<Counters> {
    return (await this.query("counters")) as Counters;
  }
}

/** Starts our daemon in `role` on `ifname` (the device whose ff02::1:2 socket means "started") with `uci`. */
export async function startRobustDaemon(lab: Lab, role: string, ifname: string, uci: string): Promise<RobustDaemon> {
  const d = new RobustDaemon(lab, role, ifname, uci);
  await d.start();
  return d;
}

/** Samples a process's RSS every `everyMs` until stop(). */
export class RssSampler {
  readonly samples: { t: number; rssKb: number }[] = [];
  private timer: NodeJS.Timeout;
  private t0 = Date.now();

  constructor(
    readonly pid: number,
    everyMs = 250,
  ) {
    const take = () => {
      try {
        this.samples.push({ t: Date.now() - this.t0, rssKb: procMemory(pid).rssKb });
      } catch {
        /* the process is gone: the test notices elsewhere */
      }
    };
    take();
    this.timer = setInterval(take, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get maxKb(): number {
    return Math.max(...this.samples.map((s) => s.rssKb));
  }

  /** Largest sample taken in [fromMs, toMs) since the start. */
  maxBetween(fromMs: number, toMs: number): number {
    return Math.max(...this.samples.filter((s) => s.t >= fromMs && s.t < toMs).map((s) => s.rssKb));
  }

  describe(): string {
    const mb = (k: number) => (k / 1024).toFixed(1);
    const step = Math.max(1, Math.floor(this.samples.length / 12));
    return this.samples
      .filter((_, i) => i % step === 0)
      .map((s) => `${(s.t / 1000).toFixed(1)}s:${mb(s.rssKb)}M`)
      .join(" ");
  }
}

// ---------------------------------------------------------------------------
// The traffic generator (flood-worker.ts) in a namespace

export type FloodGen =
  | { kind: "solicit"; duid: string; na?: boolean; pd?: boolean }
  | { kind: "relay-forward"; hop: number; link: string; peer: string; inner: FloodGen; ifaceId?: string }
  | { kind: "hex"; list: string[] };

export interface FloodSpec {
  bind: { addr: string; port: number };
  dst: { addr: string; port: number };
  /** Messages per second; 0 = as fast as the socket takes them. */
  rate: number;
  durationMs?: number;
  count?: number;
  messages: FloodGen;
  victim?: { duid: string; everyMs: number };
  listenMs?: number;
  mcastIf?: string;
}

export interface FloodResult {
  sent: number;
  sendErrors: number;
  firstSendError: string;
  victimSent: number;
  received: number;
  receivedBytes: number;
  /** Replies by message type (number as string). */
  byType: Record<string, number>;
  victimReplies: number;
  perSecond: number[];
  victimPerSecond: number[];
  sources: Record<string, number>;
  elapsedMs: number;
  sendMs: number;
}

export const FLOOD_WORKER = fileURLToPath(new URL("./flood-worker.js", import.meta.url));
let floods = 0;

/** Starts the generator in `role`; `result` resolves with its report once it is done. */
export function startFlood(lab: Lab, role: string, spec: FloodSpec): { proc: LabProcess; result: Promise<FloodResult> } {
  const file = lab.path(`flood-spec-${++floods}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const proc = lab.spawn(role, process.execPath, [FLOOD_WORKER, `@${file}`], { name: "flood" });
  const bound = (spec.durationMs ?? 60_000) + (spec.listenMs ?? 1000) + 15_000;
  const result = (async () => {
    const exited = await Promise.race([proc.exited.then(() => true), sleep(bound).then(() => false)]);
    if (!exited) {
      await proc.stop("SIGKILL", 1000);
      throw new LabCommandError(`flood in ${role} did not finish within ${bound} ms:\n${proc.tail()}`);
    }
    const last = proc.stdout.trim().split("\n").pop() ?? "";
    let j: FloodResult & { error?: string };
    try {
      j = JSON.parse(last);
    } catch {
      throw new LabCommandError(`flood in ${role} printed no JSON (code ${proc.exit?.code}):\n${proc.tail()}`);
    }
    if (j.error) throw new LabCommandError(`flood in ${role} failed: ${j.error}`);
    return j;
  })();
  return { proc, result };
}

export function runFlood(lab: Lab, role: string, spec: FloodSpec): Promise<FloodResult> {
  return startFlood(lab, role, spec).result;
}

// ---------------------------------------------------------------------------
// perfdhcp

export interface PerfdhcpStats {
  sent: number;
  received: number;
  drops: number;
  rate: number;
}

/** "sent packets: N", "received packets: N", "drops: N" and the achieved rate of the first exchange's statistics. */
export function parsePerfdhcp(text: string): PerfdhcpStats {
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    sent: num(/sent packets:\s*(\d+)/),
    received: num(/received packets:\s*(\d+)/),
    drops: num(/drops:\s*(\d+)/),
    rate: num(/Rate:\s*([\d.]+)/),
  };
}

// ---------------------------------------------------------------------------
// What a real client holds, and what a capture shows

/** The addresses and prefixes with a valid lifetime > 0 in dhclient's lease file (its last lease6 block). */
export function dhclientLive(leaseFile: string): { addresses: string[]; prefixes: string[]; all: string[] } {
  const lease = existsSync(leaseFile) ? parseDhclientLeases(readFileSync(leaseFile, "utf8")).pop() : undefined;
  const addresses = (lease?.addresses ?? []).filter((a) => (a.valid ?? 0) > 0).map((a) => a.address);
  const prefixes = (lease?.prefixes ?? []).filter((p) => (p.valid ?? 0) > 0).map((p) => `${p.prefix}/${p.length}`);
  const all = [...(lease?.addresses ?? []).map((a) => `${a.address} valid ${a.valid}`), ...(lease?.prefixes ?? []).map((p) => `${p.prefix}/${p.length} valid ${p.valid}`)];
  return { addresses, prefixes, all };
}

/** One line per DHCPv6 packet of a capture: frame, source, type, IA addresses/prefixes with their valid lifetimes, status codes. */
export async function describeExchange(file: string, max = 40): Promise<string> {
  const lines: string[] = [];
  for (const p of await readCapture(file)) {
    const w = walkDhcpv6(p.payload);
    if (!w.message) {
      lines.push(`#${p.frame} ${p.src} -> ${p.dst}: undecodable (${JSON.stringify(w.problems)})`);
      continue;
    }
    let m = w.message;
    while ((m.msgType === 12 || m.msgType === 13) && m.options.find((o) => o.code === 9)?.message) m = m.options.find((o) => o.code === 9)!.message!;
    const s = summarizeMessage(m);
    const ia = [...s.addresses.map((a) => `${a.address}(${a.valid})`), ...s.prefixes.map((x) => `${x.prefix}/${x.length}(${x.valid})`)];
    const st = s.statusCodes.map((c) => `status ${c.code} ${c.message}`);
    lines.push(`#${p.frame} ${p.src} -> ${p.dst}: ${msgLabel(w.message.msgType)}${m !== w.message ? `>${msgLabel(m.msgType)}` : ""} ${[...ia, ...st].join(" ")}`);
  }
  return lines.length > max ? [...lines.slice(0, max / 2), `... ${lines.length - max} more ...`, ...lines.slice(-max / 2)].join("\n") : lines.join("\n");
}

/** The kernel's UDP over IPv6 counters of a namespace (/proc/net/snmp6: Udp6InDatagrams, Udp6RcvbufErrors, ...). */
export async function udp6Stats(lab: Lab, role: string): Promise<Record<string, number>> {
  const r = await lab.run(role, "/bin/cat", ["/proc/net/snmp6"], { timeoutMs: 3000 });
  const out: Record<string, number> = {};
  for (const line of r.stdout.split("\n")) {
    const m = /^(Udp6\w+)\s+(\d+)/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * Runs `fn` in a fresh lab; on failure the tail of each daemon's log (lines
 * matching `skip` left out) is added to the error; afterwards nothing of the
 * lab may be left.
 */
export async function inLab(spec: TopologySpec, fn: (lab: Lab, daemons: RobustDaemon[]) => Promise<void>, skip?: RegExp): Promise<void> {
  let names: string[] = [];
  const daemons: RobustDaemon[] = [];
  await withTopology(spec, async (lab) => {
    names = Object.values(lab.namespaces());
    try {
      await fn(lab, daemons);
    } catch (e) {
      for (const d of daemons) (e as Error).message += `\n--- our daemon in ${d.role} ---\n${skip ? d.tailExcept(skip, 25) : d.tail(25)}`;
      throw e;
    }
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
}
