// Servers and relays run inside a lab namespace: OUR server (build/host/cli.js
// run), Kea (the reference peer) and ISC dhcrelay.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LabCommandError, LabPrerequisiteError, requireTool, type Lab, type LabProcess } from "./netns.js";

/**
 * The project root: the nearest directory above this module holding a
 * package.json (from build/host/lab/ that is three levels up; from
 * host/lab/ two).
 */
export function projectRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const pj = join(dir, "package.json");
    if (existsSync(pj)) {
      try {
        const name = (JSON.parse(readFileSync(pj, "utf8")) as { name?: string }).name;
        if (name === "odhcpd-wasm" || !existsSync(join(dirname(dir), "package.json"))) return dir;
      } catch {
        return dir;
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(from)}`);
    dir = up;
  }
}

export interface ServerHandle {
  kind: "ours" | "kea";
  proc: LabProcess;
  role: string;
  ifname: string;
  configFile: string;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------
// UCI configuration for our server

export interface UciLabOptions {
  /** Section name (default "lab"). */
  section?: string;
  /** The served (real) interface name. */
  ifname: string;
  /** dhcpv6 mode (default "server"). */
  dhcpv6?: "server" | "relay" | "hybrid" | "disabled";
  dns?: string[];
  domain?: string[];
  /** More `option`/`list` lines for the section, e.g. ["option leasetime '1h'"]. */
  extra?: string[];
  /** Text appended after the section (more sections). */
  append?: string;
}

export const LAB_DNS = "2001:db8:1::53";
export const LAB_DOMAIN = "lab.example";

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The UCI text of the lab's `config dhcp` section. */
export function uciLabConfig(o: UciLabOptions): string {
  const lines = [`config dhcp ${q(o.section ?? "lab")}`, `\toption ifname ${q(o.ifname)}`, `\toption dhcpv6 ${q(o.dhcpv6 ?? "server")}`];
  for (const d of o.dns ?? [LAB_DNS]) lines.push(`\tlist dns ${q(d)}`);
  for (const d of o.domain ?? [LAB_DOMAIN]) lines.push(`\tlist domain ${q(d)}`);
  for (const e of o.extra ?? []) lines.push(`\t${e}`);
  return lines.join("\n") + "\n" + (o.append ? `\n${o.append}\n` : "");
}

export interface StartOurServerOptions {
  /** A ready UCI file; default: uciLabConfig({ifname, ...uci}) written to the lab's temp dir. */
  configFile?: string;
  uci?: Partial<UciLabOptions>;
  /** Logical interface in `role` (default: its only interface). */
  logicalIf?: string;
  /** --log-level (default "info"). */
  logLevel?: string | number;
  /** Let the server log to syslog too (default false: adds --no-syslog). */
  syslog?: boolean;
  extraArgs?: string[];
  /** Project root (default: projectRoot()). */
  root?: string;
  /** Output lines of the server. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Bound on waiting for the server to listen (default 8000 ms). */
  timeoutMs?: number;
}

/** Path of our CLI; throws a clear error when the project is not built. */
export function ourCli(root = projectRoot()): string {
  const cli = join(root, "build", "host", "cli.js");
  if (!existsSync(cli)) throw new LabPrerequisiteError(`${cli} does not exist: build the project first (npm run build)`);
  return cli;
}

/**
 * Starts OUR server in a namespace: `node ROOT/build/host/cli.js run --config FILE
 * --log-level L`, and resolves once it listens on ff02::1:2 port 547 on the interface.
 */
export async function startOurServer(lab: Lab, role = "srv", o: StartOurServerOptions = {}): Promise<ServerHandle> {
  const cli = ourCli(o.root);
  const ifname = lab.ifname(role, o.logicalIf);
  const configFile = o.configFile ?? lab.path(`uci-${role}-${Date.now()}`);
  if (!o.configFile) writeFileSync(configFile, uciLabConfig({ ifname, ...o.uci }));
  const args = [cli, "run", "--config", configFile, "--log-level", String(o.logLevel ?? "info")];
  if (!o.syslog) args.push("--no-syslog");
  // A private state directory (journal, secret, control socket) per lab and role, unless given.
  if (!(o.extraArgs ?? []).includes("--state-dir")) args.push("--state-dir", lab.path(`state-${role}`));
  args.push(...(o.extraArgs ?? []));
  const proc = lab.spawn(role, process.execPath, args, { name: "odhcpd-wasm", onLine: o.onLine });
  const h = handle("ours", proc, role, ifname, configFile);
  lab.onClose("our server", () => h.stop());
  try {
    await lab.waitUdpListening(role, 547, { addr: new RegExp(`ff02::1:2\\]?%${ifname}:547$`), proc, timeoutMs: o.timeoutMs ?? 8000 });
  } catch (e) {
    await h.stop();
    throw new LabCommandError(`our server did not start (${args.join(" ")}): ${(e as Error).message}`);
  }
  return h;
}

function handle(kind: "ours" | "kea", proc: LabProcess, role: string, ifname: string, configFile: string): ServerHandle {
  return {
    kind,
    proc,
    role,
    ifname,
    configFile,
    stop: async () => {
      await proc.stop("SIGTERM", 3000);
    },
  };
}

// ---------------------------------------------------------------------------
// Kea

export interface KeaOptions {
  /** Logical interface in `role` (default: its only interface). */
  logicalIf?: string;
  /**
   * Listen on this unicast address of the interface (for relayed traffic:
   * Kea does not receive ff05::1:3 and a relay sends by unicast). The subnet then
   * has no "interface" and is chosen by the Relay-forward's link-address.
   */
  unicast?: string;
  subnet?: string;
  pool?: string;
  pdPrefix?: string;
  pdPrefixLen?: number;
  pdDelegatedLen?: number;
  dns?: string[];
  domain?: string[];
  rapidCommit?: boolean;
  /** Merged into Dhcp6 (overrides). */
  extra?: Record<string, unknown>;
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  timeoutMs?: number;
  /** Kea log severity (default INFO). */
  severity?: string;
}

/** The Kea configuration used by the captures (subnet 2001:db8:1::/64, T1/T2/pref/valid 1000/2000/3000/4000). */
export function keaConfig(ifname: string, o: KeaOptions = {}): object {
  const subnet: Record<string, unknown> = {
    subnet: o.subnet ?? "2001:db8:1::/64",
    pools: [{ pool: o.pool ?? "2001:db8:1::1000-2001:db8:1::1fff" }],
    "pd-pools": [{ prefix: o.pdPrefix ?? "2001:db8:100::", "prefix-len": o.pdPrefixLen ?? 48, "delegated-len": o.pdDelegatedLen ?? 56 }],
    "option-data": [
      { name: "dns-servers", data: (o.dns ?? [LAB_DNS]).join(", ") },
      { name: "domain-search", data: (o.domain ?? [LAB_DOMAIN]).join(", ") },
    ],
  };
  if (!o.unicast) subnet.interface = ifname;
  if (o.rapidCommit) subnet["rapid-commit"] = true;
  return {
    Dhcp6: {
      "interfaces-config": { interfaces: [o.unicast ? `${ifname}/${o.unicast}` : ifname] },
      "server-id": { type: "LLT", persist: false },
      "lease-database": { type: "memfile", persist: false },
      "renew-timer": 1000,
      "rebind-timer": 2000,
      "preferred-lifetime": 3000,
      "valid-lifetime": 4000,
      "subnet6": [subnet],
      loggers: [{ name: "kea-dhcp6", output_options: [{ output: "stdout" }], severity: o.severity ?? "INFO" }],
      ...(o.extra ?? {}),
    },
  };
}

/** Starts kea-dhcp6 in a namespace (private pid/lock dirs) and resolves once it listens. */
export async function startKea(lab: Lab, role = "srv", o: KeaOptions = {}): Promise<ServerHandle> {
  const kea = requireTool("kea-dhcp6");
  const ifname = lab.ifname(role, o.logicalIf);
  const dir = lab.path(`kea-${role}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, "kea-dhcp6.json");
  writeFileSync(configFile, JSON.stringify(keaConfig(ifname, o), null, 1));
  const env = { ...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir };
  const proc = lab.spawn(role, kea, ["-c", configFile], { env, name: "kea-dhcp6", onLine: o.onLine });
  const h = handle("kea", proc, role, ifname, configFile);
  lab.onClose("kea", () => h.stop());
  const addr = o.unicast ? new RegExp(`${o.unicast.replace(/[.]/g, "\\.")}\\]?(%\\S+)?:547$`) : new RegExp(`ff02::1:2\\]?%${ifname}:547$`);
  try {
    await lab.waitUdpListening(role, 547, { addr, proc, timeoutMs: o.timeoutMs ?? 8000 });
  } catch (e) {
    await h.stop();
    throw e;
  }
  return h;
}

// ---------------------------------------------------------------------------
// ISC dhcrelay

export interface RelayOptions {
  /** Logical client-side interface of the relay namespace (default "rc"). */
  down?: string;
  /** Logical server-side interface (default "rs"). */
  up?: string;
  /** Server address (default 2001:db8:9::1). */
  server?: string;
  extraArgs?: string[];
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  timeoutMs?: number;
}

/** Starts `dhcrelay -6 -d -l DOWN -u SERVER%UP` in the relay namespace. */
export async function startDhcrelay(lab: Lab, role = "rly", o: RelayOptions = {}): Promise<LabProcess> {
  const bin = requireTool("dhcrelay");
  const down = lab.ifname(role, o.down ?? "rc");
  const up = lab.ifname(role, o.up ?? "rs");
  const pidFile = lab.path(`dhcrelay-${role}.pid`);
  const args = ["-6", "-d", "-pf", pidFile, "-l", down, "-u", `${o.server ?? "2001:db8:9::1"}%${up}`, ...(o.extraArgs ?? [])];
  const proc = lab.spawn(role, bin, args, { name: "dhcrelay", onLine: o.onLine });
  lab.onClose("dhcrelay", () => proc.stop("SIGTERM", 2000).then(() => undefined));
  await lab.waitUdpListening(role, 547, { proc, timeoutMs: o.timeoutMs ?? 5000 });
  return proc;
}
