// The daemon's small persistent state, in the state directory:
//   secret      16 random bytes keying host parts and hashes (created once, 0600)
//   clock.json  the core's clock and the wall time it was saved at
//
// The core's clock is in seconds and only moves forward: on start it goes on
// from the saved value plus the wall time that passed (never backwards, so a
// router that boots in 1970 and jumps forward with NTP later cannot expire
// every lease at once), then follows the monotonic clock.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, renameSync, chmodSync } from "node:fs";
import { join } from "node:path";

export const SECRET_LEN = 16;
/** The clock of a fresh state directory: anything comfortably above 0. */
const CLOCK_START = 1000;
/** Wall-clock jumps larger than this (10 years) while we were down are not believed. */
const MAX_DOWNTIME = 10 * 365 * 86400;

/**
 * `n` random bytes from the kernel (getrandom's pool, as crypto.randomBytes
 * uses). Not node:crypto: loading it costs the daemon ~0.6 MiB of memory for
 * 16 bytes read once.
 */
export function randomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  const fd = openSync("/dev/urandom", "r");
  try {
    for (let got = 0; got < n; ) {
      const r = readSync(fd, b, got, n - got, null);
      if (r <= 0) throw new Error("/dev/urandom: short read");
      got += r;
    }
  } finally {
    closeSync(fd);
  }
  return b;
}

export class StateDir {
  readonly secret: Uint8Array;
  private base: number; // core clock at process start
  private startMs = performance.now();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.secret = this.loadSecret();
    this.base = this.loadClock();
  }

  get journalPath(): string {
    return join(this.dir, "bindings.journal");
  }

  get controlPath(): string {
    return join(this.dir, "control.sock");
  }

  private loadSecret(): Uint8Array {
    const path = join(this.dir, "secret");
    if (existsSync(path)) {
      const s = readFileSync(path);
      if (s.length === SECRET_LEN) return new Uint8Array(s);
    }
    const s = randomBytes(SECRET_LEN);
    writeFileSync(`${path}.tmp`, s, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    chmodSync(path, 0o600);
    return new Uint8Array(s);
  }

  private loadClock(): number {
    try {
      const saved = JSON.parse(readFileSync(join(this.dir, "clock.json"), "utf8")) as { clock: number; wall: number };
      if (Number.isInteger(saved.clock) && Number.isFinite(saved.wall)) {
        const down = Math.floor(Date.now() / 1000 - saved.wall);
        return saved.clock + Math.min(Math.max(down, 0), MAX_DOWNTIME) + 1;
      }
    } catch {
      /* none yet, or unreadable: start fresh */
    }
    return CLOCK_START;
  }

  /** The core's clock now (seconds). */
  now(): number {
    return this.base + Math.floor((performance.now() - this.startMs) / 1000);
  }

  /** Unix time (seconds) matching now(). */
  wallNow(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Saves the clock (atomically). */
  saveClock(): void {
    const path = join(this.dir, "clock.json");
    writeFileSync(`${path}.tmp`, JSON.stringify({ clock: this.now(), wall: this.wallNow() }));
    renameSync(`${path}.tmp`, path);
  }
}
