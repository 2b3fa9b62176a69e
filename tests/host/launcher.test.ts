// The daemon's launcher line (host/cli/launcher.ts, first line of host/cli.ts):
// `#!/usr/bin/env -S node FLAGS`. Running build/host/cli.js starts Node with
// the flags; started through plain `node` it serves but says what it lacks.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { fileURLToPath } from "node:url";
import { launcherFlags, launcherFlagsOf } from "../../host/cli/launcher.js";

const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));

test("launcherFlags: the Node flags of an env -S line, nothing from any other line", () => {
  assert.deepEqual(launcherFlags("#!/usr/bin/env -S node --max-semi-space-size=1 --v8-pool-size=1"), ["--max-semi-space-size=1", "--v8-pool-size=1"]);
  assert.deepEqual(launcherFlags("#!/usr/bin/env -S node"), []);
  assert.deepEqual(launcherFlags("#!/usr/bin/env node"), []);
  assert.deepEqual(launcherFlags("#!/usr/bin/env -S node --a b"), [], "only flags, no arguments");
  assert.deepEqual(launcherFlags("// a comment"), []);
  assert.deepEqual(launcherFlags(""), []);
});

test("the built cli.js: executable, its flags cap the young generation and every one of them is accepted by this node", () => {
  accessSync(CLI, constants.X_OK);
  const flags = launcherFlagsOf(CLI);
  assert.ok(flags.includes("--max-semi-space-size=1"), `flags: ${flags.join(" ")}`);
  const r = spawnSync(process.execPath, [...flags, "-e", "0"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

test("run directly, the daemon gets the flags and does not complain; through plain node it says which it lacks", () => {
  // A missing configuration file: the daemon stops at once with exit code 2, after the check.
  const args = ["run", "--config", "/nonexistent/odhcpd-wasm-test", "--no-syslog"];
  const direct = spawnSync(CLI, args, { encoding: "utf8" });
  assert.equal(direct.status, 2, direct.stderr);
  assert.doesNotMatch(direct.stderr, /started without/, "the check compares process.execArgv with the first line");
  const viaNode = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  assert.equal(viaNode.status, 2, viaNode.stderr);
  assert.match(viaNode.stderr, /notice: started without --max-semi-space-size=1 --v8-pool-size=1/);
});
