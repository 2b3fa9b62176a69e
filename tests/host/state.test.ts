// The state directory's secret (host/store/state.ts): 16 random bytes created
// once with mode 0600, kept across restarts, different for every directory.
// It keys every address the server hands out, so a weak or reused secret is a bug.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateDir, randomBytes, SECRET_LEN } from "../../host/store/state.js";

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "d6-state-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("randomBytes: the length asked for, and not the same bytes twice", () => {
  for (const n of [0, 1, 16, 4096]) assert.equal(randomBytes(n).length, n);
  const seen = new Set<string>();
  for (let i = 0; i < 64; i++) seen.add(randomBytes(16).toString("hex"));
  assert.equal(seen.size, 64);
  // 64 x 16 bytes: every byte value should turn up somewhere in 64 KiB (a constant or a short cycle would not).
  const big = randomBytes(65536);
  assert.equal(new Set(big).size, 256);
});

test("the secret: created once (16 bytes, mode 0600), the same after a restart, another one in another directory", (t) => {
  const a = join(tmp(t), "state");
  const first = new StateDir(a);
  assert.equal(first.secret.length, SECRET_LEN);
  assert.deepEqual(new Uint8Array(readFileSync(join(a, "secret"))), first.secret, "the file holds it");
  assert.equal(statSync(join(a, "secret")).mode & 0o777, 0o600);
  assert.deepEqual(new StateDir(a).secret, first.secret, "kept across a restart");
  const other = new StateDir(join(tmp(t), "state"));
  assert.notDeepEqual(other.secret, first.secret, "each directory its own");
});
