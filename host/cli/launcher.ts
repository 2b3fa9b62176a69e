// The daemon's Node flags live in one place: the first line of host/cli.ts,
// `#!/usr/bin/env -S node FLAGS`, so that running the file (the `odhcpd-wasm`
// bin, `build/host/cli.js`, `npm start`) starts Node with them. The daemon
// checks it got them; the bench starts it with exactly these (plus its own
// profiling flags, where it profiles).

import { openSync, readSync, closeSync } from "node:fs";

/** The Node flags of a `#!/usr/bin/env -S node FLAGS` line; [] for any other line. */
export function launcherFlags(firstLine: string): string[] {
  const m = /^#!\S*\benv -S node((?: --?[\w-]+(?:=\S+)?)*)\s*$/.exec(firstLine);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

/** The launcher flags of a script file (its first line). */
export function launcherFlagsOf(file: string): string[] {
  const b = Buffer.alloc(256); // Linux reads at most 256 bytes of a #! line
  const fd = openSync(file, "r");
  try {
    const n = readSync(fd, b, 0, b.length, 0);
    return launcherFlags(b.toString("utf8", 0, n).split("\n", 1)[0]);
  } finally {
    closeSync(fd);
  }
}
