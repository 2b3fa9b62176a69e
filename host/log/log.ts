// Logging in the reference's style: syslog priorities (0 emerg .. 7 debug),
// one line per event, to stderr and, when /dev/log exists, to syslog through
// one long-lived `logger --prio-prefix` child (Node has no Unix datagram
// sockets).

import { existsSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";

export const LEVELS = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"] as const;
export type LevelName = (typeof LEVELS)[number];

/** syslog facility "daemon" (3) shifted as in <syslog.h>. */
const FACILITY_DAEMON = 3 << 3;

let threshold = 6; // info
let ident = "odhcpd-wasm";
let syslogChild: ChildProcess | null = null;

/** Parses a level given as a number 0-7 or a name; null when invalid. */
export function parseLevel(s: string): number | null {
  if (/^[0-7]$/.test(s)) return Number(s);
  const i = LEVELS.indexOf(s as LevelName);
  return i >= 0 ? i : s === "error" ? 3 : s === "warn" ? 4 : null;
}

export function setLevel(level: number): void {
  threshold = level;
}

export function getLevel(): number {
  return threshold;
}

/** Starts forwarding to syslog when /dev/log exists and `logger` is available. */
export function openSyslog(name = ident): void {
  ident = name;
  if (syslogChild || !existsSync("/dev/log")) return;
  try {
    const child = spawn("logger", ["--prio-prefix", "-t", ident, `--id=${process.pid}`], { stdio: ["pipe", "ignore", "ignore"] });
    child.on("error", () => (syslogChild = null));
    child.stdin?.on("error", () => (syslogChild = null));
    child.unref();
    (child.stdin as unknown as { unref?: () => void })?.unref?.();
    syslogChild = child;
  } catch {
    syslogChild = null;
  }
}

export function closeSyslog(): void {
  syslogChild?.stdin?.end();
  syslogChild = null;
}

function emit(level: number, msg: string): void {
  if (level > threshold) return;
  process.stderr.write(`${ident}[${process.pid}]: ${LEVELS[level]}: ${msg}\n`);
  syslogChild?.stdin?.write(`<${FACILITY_DAEMON | level}>${msg.replace(/\n/g, " ")}\n`);
}

export const log = {
  err: (m: string) => emit(3, m),
  warn: (m: string) => emit(4, m),
  notice: (m: string) => emit(5, m),
  info: (m: string) => emit(6, m),
  debug: (m: string) => emit(7, m),
  enabled: (level: number) => level <= threshold,
};
