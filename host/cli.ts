#!/usr/bin/env -S node --max-semi-space-size=1 --v8-pool-size=1
// The command line. `odhcpd-wasm --help` lists the commands.
//
// The first line starts Node with the daemon's flags (bench/README.md,
// "Memory"): V8's young generation capped at 1 MiB per semi-space (by default
// it grows to 16 MiB under packet load and keeps that memory) and one V8
// worker thread instead of four. Run this file directly (`build/host/cli.js`,
// the `odhcpd-wasm` bin, `npm start`) to get them; `node build/host/cli.js`
// serves too, without them (it says so).

import { readFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launcherFlagsOf } from "./cli/launcher.js";
import { Server, CORE_WASM, DEFAULT_STATE_DIR } from "./server.js";
import { controlRequest } from "./control.js";
import { loadConfig } from "./config/schema.js";
import { Core } from "./core/core.js";
import { log, parseLevel, setLevel, openSyslog, closeSyslog } from "./log/log.js";

export const DEFAULT_CONFIG = "/etc/config/dhcp";

const USAGE = `usage: odhcpd-wasm [COMMAND] [OPTIONS]

Commands:
  (none)              with --config: serve (as 'run'); without: run the lab demo (as 'lab')
  run                 serve the interfaces configured in the UCI file
  lab                 demo: a namespace lab with our server and a real dhclient -6 -S (root)
  decode HEX|FILE     decode one DHCPv6 message (hex text or a binary file) with the core
  leases              print the running daemon's bindings (JSON, as odhcpd's ubus dhcp ipv6leases)
  counters            print the running daemon's packet counters (JSON)
  help                this text

Options:
  --config FILE       UCI configuration file (default ${DEFAULT_CONFIG})
  --state-dir DIR     journal, secret, clock and control socket (default: config 'statedir',
                      else ${DEFAULT_STATE_DIR})
  --log-level LEVEL   0-7 or emerg|alert|crit|err|warning|notice|info|debug (default info)
  --no-syslog         log to stderr only (default: also to syslog when /dev/log exists)
  --json              decode: print the raw JSON
`;

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2; // bad command line or bad configuration

interface Args {
  command: string;
  rest: string[];
  config?: string;
  stateDir?: string;
  logLevel?: number;
  syslog: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { command: "", rest: [], syslog: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const value = (): string => {
      if (i + 1 >= argv.length) throw new UsageError(`${v} needs a value`);
      return argv[++i];
    };
    if (v === "--config" || v === "-c") a.config = value();
    else if (v === "--state-dir") a.stateDir = value();
    else if (v === "--log-level" || v === "-l") {
      const l = parseLevel(value());
      if (l === null) throw new UsageError(`--log-level: expected 0-7 or a level name`);
      a.logLevel = l;
    } else if (v === "--no-syslog") a.syslog = false;
    else if (v === "--json") a.json = true;
    else if (v === "-h" || v === "--help") a.command = "help";
    else if (v.startsWith("--")) throw new UsageError(`unknown option ${v}`);
    else if (!a.command) a.command = v;
    else a.rest.push(v);
  }
  if (!a.command) a.command = a.config ? "run" : "lab";
  return a;
}

class UsageError extends Error {}

function checkLauncherFlags(): void {
  try {
    const missing = launcherFlagsOf(fileURLToPath(import.meta.url)).filter((f) => !process.execArgv.includes(f));
    if (missing.length) log.notice(`started without ${missing.join(" ")} (run ${process.argv[1]} itself, not through node): memory use will be higher`);
  } catch {
    /* not worth failing for */
  }
}

async function run(a: Args): Promise<number> {
  if (a.syslog) openSyslog();
  checkLauncherFlags();
  const configPath = a.config ?? DEFAULT_CONFIG;
  let server: Server;
  try {
    server = await Server.start({ configPath, stateDir: a.stateDir });
  } catch (e) {
    log.err((e as Error).message);
    return EXIT_USAGE;
  }
  log.notice(`serving with ${configPath}`);
  process.on("SIGHUP", () => server.reload());
  process.on("SIGUSR1", () => log.notice(`counters ${JSON.stringify(server.counters())}`));
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.notice(`${sig}: stopping`);
      server.close();
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  closeSyslog();
  return EXIT_OK;
}

/** The state directory of the daemon this command talks to. */
function stateDirOf(a: Args): string {
  if (a.stateDir) return a.stateDir;
  const file = a.config ?? DEFAULT_CONFIG;
  if (existsSync(file)) return loadConfig(file).config.global.statedir ?? DEFAULT_STATE_DIR;
  return DEFAULT_STATE_DIR;
}

async function query(a: Args, cmd: string): Promise<number> {
  try {
    const answer = await controlRequest(join(stateDirOf(a), "control.sock"), cmd);
    process.stdout.write(JSON.stringify(answer, null, 2) + "\n");
    return EXIT_OK;
  } catch (e) {
    process.stderr.write(`odhcpd-wasm: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

async function decode(a: Args): Promise<number> {
  const { decodeCommand } = await import("./cli/decode.js");
  const core = Core.loadSync(readFileSync(CORE_WASM));
  try {
    process.stdout.write(decodeCommand(a.json ? [...a.rest, "--json"] : a.rest, core) + "\n");
  } catch (e) {
    process.stderr.write(`odhcpd-wasm decode: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

async function lab(a: Args): Promise<number> {
  const { runLab } = await import("./lab/run-lab.js");
  const r = await runLab({ logLevel: a.logLevel });
  return r.ok ? EXIT_OK : EXIT_FAILURE;
}

export async function main(argv: string[]): Promise<number> {
  let a: Args;
  try {
    a = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (a.logLevel !== undefined) setLevel(a.logLevel);
  switch (a.command) {
    case "help":
      process.stdout.write(USAGE);
      return EXIT_OK;
    case "run":
      return run(a);
    case "decode":
      return decode(a);
    case "lab":
      return lab(a);
    case "leases":
    case "counters":
      return query(a, a.command);
    default:
      process.stderr.write(`unknown command '${a.command}'\n${USAGE}`);
      return EXIT_USAGE;
  }
}

main(process.argv.slice(2)).then(
  // Exit once stdout is flushed: a large answer (leases) piped to another
  // program would be cut short by an immediate process.exit.
  (code) => process.stdout.write("", () => process.exit(code)),
  (e) => {
    process.stderr.write(`odhcpd-wasm: ${(e as Error).stack ?? e}\n`);
    process.exit(EXIT_FAILURE);
  },
);
