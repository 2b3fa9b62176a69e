import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LeaseOutputs } from "../../host/store/leasefile.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("the lease file is rewritten atomically after a burst; the trigger runs only when the set changed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "d6-leasefile-"));
  const file = join(dir, "leases");
  const marker = join(dir, "runs");
  const trigger = join(dir, "trigger.sh");
  writeFileSync(trigger, `#!/bin/sh\necho run >> '${marker}'\n`);
  chmodSync(trigger, 0o755);
  let version = 0;
  let renders = 0;
  const out = new LeaseOutputs(file, trigger, () => {
    renders++;
    return `# lan0 0001 1 - ${version} 100 128 2001:db8::1/128\n`;
  });
  version = 1;
  for (let i = 0; i < 50; i++) out.changed(false); // renewals only
  await sleep(400);
  assert.equal(renders, 1, "one write for the burst");
  assert.match(readFileSync(file, "utf8"), /^# lan0 0001 1 - 1 /);
  assert.equal(existsSync(marker), false, "no trigger without a change of the set");
  version = 2;
  out.changed(true);
  out.changed(false);
  await sleep(600);
  assert.match(readFileSync(file, "utf8"), / - 2 /);
  assert.equal(readFileSync(marker, "utf8"), "run\n", "one trigger run");
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "no temp file left");
});

test("flush writes at once (shutdown); no file or trigger configured: nothing happens", () => {
  const dir = mkdtempSync(join(tmpdir(), "d6-leasefile-"));
  const file = join(dir, "leases");
  const out = new LeaseOutputs(file, null, () => "x\n");
  out.changed(false);
  out.flush();
  assert.equal(readFileSync(file, "utf8"), "x\n");
  let called = false;
  const none = new LeaseOutputs(null, null, () => ((called = true), ""));
  none.changed(true);
  none.flush();
  assert.equal(called, false);
});
