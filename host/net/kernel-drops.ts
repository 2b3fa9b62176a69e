// Datagrams the kernel dropped before we could read them: a receive buffer
// that filled up during a burst. The core never sees these, so its counters
// cannot hold them; /proc/net/udp6 has a `drops` column per socket. We sum it
// over the UDP/IPv6 sockets bound to a port (ours: 547) in our namespace.

import { readFileSync } from "node:fs";

/** Sum of the `drops` column of the sockets bound to local `port` in a /proc/net/udp6 text. */
export function udp6Drops(text: string, port: number): number {
  const lines = text.split("\n");
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  const dropsAt = header.indexOf("drops");
  if (dropsAt < 0) return 0;
  // The header names "tm->when" as one column where rows have two ("tr" then
  // "tm->when" is "00:00000000"): count fields from the end instead.
  const fromEnd = header.length - dropsAt;
  let sum = 0;
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    const local = f[1]; // ADDR:PORT, port in hex
    const colon = local.lastIndexOf(":");
    if (colon < 0 || parseInt(local.slice(colon + 1), 16) !== port) continue;
    const v = Number(f[f.length - fromEnd]);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** The kernel's drops on our port now, or null when /proc/net/udp6 cannot be read. */
export function kernelDrops(port: number, path = "/proc/net/udp6"): number | null {
  try {
    return udp6Drops(readFileSync(path, "utf8"), port);
  } catch {
    return null;
  }
}
