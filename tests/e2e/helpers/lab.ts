// Test helpers for the namespace lab: re-exports of host/lab and a few
// test-only tools (what the lab left behind, a tiny pcap writer for crafted
// packets). The lab tests never skip: without root or a tool they FAIL with a
// message saying what to install.

import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { checkLabPrerequisites, listNamespaces, NAME_PREFIX } from "../../../host/lab/netns.js";
import { projectRoot } from "../../../host/lab/servers.js";
import { parseIPv6 } from "../../../host/util/ipv6.js";

export * from "../../../host/lab/netns.js";
export * from "../../../host/lab/servers.js";
export * from "../../../host/lab/clients.js";
export * from "../../../host/lab/capture.js";
export * from "../../../host/lab/with-lab.js";
export { runLab, type RunLabOptions, type RunLabResult } from "../../../host/lab/run-lab.js";

/** The tools the lab tests use (each names its Debian package when missing). */
export const LAB_TEST_TOOLS = ["ip", "ss", "sysctl", "mount", "dhclient", "dhcpcd", "dhcp6c", "kea-dhcp6", "dhcrelay", "tshark", "dumpcap"];

/** Throws (so the test fails) unless we are root and every tool exists. */
export function requireLab(tools: string[] = LAB_TEST_TOOLS): void {
  checkLabPrerequisites(tools);
}

export const ROOT = projectRoot();
export const CAPTURES = join(ROOT, "tests", "vectors", "captures");

/** What the labs of this process (pid) left behind: namespaces and /etc/netns dirs. */
export function leftovers(pid = process.pid): { namespaces: string[]; etcNetns: string[] } {
  const mine = (n: string) => n.startsWith(`${NAME_PREFIX}-${pid}-`);
  let etc: string[] = [];
  try {
    etc = readdirSync("/etc/netns");
  } catch {
    etc = [];
  }
  return { namespaces: listNamespaces().filter(mine), etcNetns: etc.filter(mine) };
}

/** Lab temp dirs ($TMPDIR/d6-lab-<pid>-...) of a process. */
export function tmpLeftovers(pid = process.pid): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith(`${NAME_PREFIX}-lab-${pid}-`));
}

/** Leftovers of one lab, by its namespace names. */
export function labLeftovers(names: string[]): string[] {
  const all = new Set(listNamespaces());
  return names.flatMap((n) => [...(all.has(n) ? [`namespace ${n}`] : []), ...(existsSync(`/etc/netns/${n}`) ? [`/etc/netns/${n}`] : [])]);
}

/** Pids of processes whose command line contains `needle` (for "no process left" checks). */
export function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ");
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (cmd.includes(needle) && !/\) [ZX] /.test(stat) && Number(d) !== process.pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface CraftedPacket {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Uint8Array;
}

/**
 * Writes a classic pcap (Ethernet) file of IPv6/UDP packets carrying the given
 * payloads, with correct IPv6 payload length, UDP length and checksum: only the
 * DHCPv6 bytes are whatever the test wants them to be.
 */
export function writePcap(file: string, packets: CraftedPacket[]): void {
  const chunks: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  chunks.push(gh);
  packets.forEach((p, i) => {
    const src = parseIPv6(p.src);
    const dst = parseIPv6(p.dst);
    if (!src || !dst) throw new Error(`writePcap: bad address ${p.src} or ${p.dst}`);
    const udpLen = 8 + p.payload.length;
    const frame = Buffer.alloc(14 + 40 + udpLen);
    Buffer.from([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd]).copy(frame, 0);
    frame.writeUInt32BE(0x60000000, 14);
    frame.writeUInt16BE(udpLen, 18);
    frame[20] = 17;
    frame[21] = 64;
    Buffer.from(src).copy(frame, 22);
    Buffer.from(dst).copy(frame, 38);
    frame.writeUInt16BE(p.sport, 54);
    frame.writeUInt16BE(p.dport, 56);
    frame.writeUInt16BE(udpLen, 58);
    Buffer.from(p.payload).copy(frame, 62);
    // UDP checksum over the IPv6 pseudo-header.
    let sum = 0;
    const add16 = (b: Buffer | Uint8Array, off: number, len: number) => {
      for (let k = 0; k < len; k += 2) sum += (b[off + k] << 8) | (k + 1 < len ? b[off + k + 1] : 0);
    };
    add16(src, 0, 16);
    add16(dst, 0, 16);
    sum += udpLen + 17;
    add16(frame, 54, udpLen);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    frame.writeUInt16BE(~sum & 0xffff || 0xffff, 60);
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(1_800_000_000 + i, 0);
    rh.writeUInt32LE(frame.length, 8);
    rh.writeUInt32LE(frame.length, 12);
    chunks.push(rh, frame);
  });
  writeFileSync(file, Buffer.concat(chunks));
}
