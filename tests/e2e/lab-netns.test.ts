// The namespace lab itself: topologies, isolation, and full cleanup on every
// way out (normal close, exception, SIGINT, SIGTERM, uncaught exception, and
// SIGKILL followed by reapStaleLabs). Needs root and iproute2: without them the
// tests FAIL with a message saying what to do.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ROOT,
  checkLabPrerequisites,
  createLab,
  directTopology,
  labLeftovers,
  leftovers,
  pidsMatching,
  reapStaleLabs,
  relayTopology,
  requireLab,
  tmpLeftovers,
  withTopology,
  LabPrerequisiteError,
} from "./helpers/lab.js";

const T = { timeout: 30_000 };

test("prerequisites: root and every lab tool are present", T, () => {
  requireLab();
});

test("prerequisites: a missing tool fails with the package to install", T, () => {
  assert.throws(
    () => checkLabPrerequisites(["no-such-tool-d6"]),
    (e: Error) => e instanceof LabPrerequisiteError && /no-such-tool-d6/.test(e.message) && /apt-get install/.test(e.message),
  );
});

test("prerequisites: not root fails with a clear message", T, async () => {
  requireLab(["ip"]);
  const script = `import(${JSON.stringify(join(ROOT, "build/host/lab/netns.js"))}).then(async (m) => {
    try { await m.createLab(m.directTopology()); console.log("CREATED"); } catch (e) { console.log(e.name + ": " + e.message); }
  });`;
  const out = await runNode(["--input-type=module", "-e", script], { uid: 65534, gid: 65534 });
  assert.match(out.stdout, /LabPrerequisiteError: .*must run as root/, out.stdout + out.stderr);
  assert.deepEqual(leftovers(out.pid), { namespaces: [], etcNetns: [] });
  assert.deepEqual(tmpLeftovers(out.pid), []);
});

test("direct topology: names, addresses, DAD off, private resolv.conf; close removes everything", T, async () => {
  requireLab(["ip", "sysctl"]);
  const lab = await createLab(directTopology());
  const names = Object.values(lab.namespaces());
  try {
    assert.deepEqual(Object.keys(lab.namespaces()).sort(), ["cli", "srv"]);
    for (const n of names) assert.match(n, new RegExp(`^d6-${process.pid}-${lab.tag}-(srv|cli)$`));
    const sIf = lab.ifname("srv");
    const cIf = lab.ifname("cli");
    assert.ok(sIf.length <= 15 && cIf.length <= 15, `${sIf} ${cIf}`);
    assert.notEqual(sIf, cIf);
    const sAddrs = lab.addresses("srv");
    assert.ok(
      sAddrs.some((a) => a.addr === "2001:db8:1::1" && a.prefixlen === 64 && !a.flags.includes("tentative")),
      JSON.stringify(sAddrs),
    );
    assert.match(lab.linkLocal("srv") ?? "", /^fe80::/);
    assert.match(lab.linkLocal("cli") ?? "", /^fe80::/);
    for (const role of ["srv", "cli"]) {
      const r = await lab.run(role, "cat", ["/etc/resolv.conf"]);
      assert.match(r.stdout, new RegExp(`private resolv.conf of lab namespace ${lab.ns(role)}`));
      const d = await lab.run(role, "sysctl", ["-n", "net.ipv6.conf.all.accept_dad", "net.ipv6.conf.default.accept_dad", `net.ipv6.conf.${lab.ifname(role)}.accept_dad`]);
      assert.deepEqual(d.stdout.trim().split("\n"), ["0", "0", "0"]);
      // The interface is really in that namespace, and the host does not see it.
      assert.match(lab.ip(role, "link", "show", "dev", lab.ifname(role)), /state UP/);
    }
    assert.ok(!(await hostHasLink(sIf)), "veth ends must not appear in the host namespace");
    // Processes started in the lab, including a detached grandchild, die with it.
    lab.spawn("cli", "sleep", ["1000.25"]);
    await lab.run("srv", "sh", ["-c", "setsid sleep 1000.5 >/dev/null 2>&1 < /dev/null &"]);
    await waitFor(() => pidsMatching("sleep 1000.5").length === 1 && pidsMatching("sleep 1000.25").length === 1, 3000, "sleeps started");
    assert.ok(existsSync(lab.tmpDir));
  } finally {
    await lab.close();
  }
  assert.deepEqual(labLeftovers(names), []);
  assert.deepEqual(pidsMatching("sleep 1000.25"), []);
  assert.deepEqual(pidsMatching("sleep 1000.5"), []);
  assert.ok(!existsSync(lab.tmpDir), "temp dir removed");
  assert.deepEqual(leftovers(), { namespaces: [], etcNetns: [] });
  assert.deepEqual(tmpLeftovers(), []);
});

test("relay topology: three namespaces, two links, route back to the client link", T, async () => {
  requireLab(["ip", "sysctl"]);
  const lab = await createLab(relayTopology());
  const names = Object.values(lab.namespaces());
  try {
    assert.deepEqual(Object.keys(lab.namespaces()).sort(), ["cli", "rly", "srv"]);
    assert.ok(lab.addresses("rly", "rc").some((a) => a.addr === "2001:db8:1::1"));
    assert.ok(lab.addresses("rly", "rs").some((a) => a.addr === "2001:db8:9::2"));
    assert.ok(lab.addresses("srv").some((a) => a.addr === "2001:db8:9::1"));
    assert.match(lab.ip("srv", "-6", "route", "show", "2001:db8:1::/64"), /via 2001:db8:9::2/);
    assert.throws(() => lab.ifname("rly"), /has 2 interfaces/);
    for (const [role, i] of [["cli", undefined], ["rly", "rc"], ["rly", "rs"], ["srv", undefined]] as const) assert.match(lab.linkLocal(role, i) ?? "", /^fe80::/);
  } finally {
    await lab.close();
  }
  assert.deepEqual(labLeftovers(names), []);
});

test("topologies are validated before anything is created", T, async () => {
  requireLab(["ip"]);
  await assert.rejects(
    createLab({ name: "bad", namespaces: { srv: {} }, links: [{ a: { ns: "srv", ifname: "toolongname" }, b: { ns: "srv", ifname: "b" } }] }),
    /bad interface name/,
  );
  await assert.rejects(createLab({ name: "bad", namespaces: { srv: {} }, links: [{ a: { ns: "srv", ifname: "a" }, b: { ns: "nope", ifname: "b" } }] }), /unknown namespace/);
  assert.deepEqual(leftovers(), { namespaces: [], etcNetns: [] });
});

test("an exception inside the lab still removes everything", T, async () => {
  requireLab(["ip"]);
  let names: string[] = [];
  await assert.rejects(
    withTopology(directTopology(), async (lab) => {
      names = Object.values(lab.namespaces());
      lab.spawn("srv", "sleep", ["1000.75"]);
      throw new Error("boom inside the lab");
    }),
    /boom inside the lab/,
  );
  assert.equal(names.length, 2);
  assert.deepEqual(labLeftovers(names), []);
  assert.deepEqual(pidsMatching("sleep 1000.75"), []);
});

// A child process builds a lab, starts processes in it (one detached with
// setsid, as daemons do), says READY, then dies in the way under test.
const CHILD = (how: string, id: number) => `
import(${JSON.stringify(join(ROOT, "build/host/lab/netns.js"))}).then(async (m) => {
  const lab = await m.createLab(m.relayTopology());
  lab.spawn("cli", "sleep", ["1001.${id}"]);
  await lab.run("srv", "sh", ["-c", "setsid sleep 1002.${id} >/dev/null 2>&1 < /dev/null &"]);
  console.log("READY " + JSON.stringify(Object.values(lab.namespaces())));
  if (${JSON.stringify(how)} === "throw") setTimeout(() => { throw new Error("uncaught in child"); }, 50);
  if (${JSON.stringify(how)} === "reject") setTimeout(() => Promise.reject(new Error("unhandled rejection in child")), 50);
  setInterval(() => {}, 1000);
});`;

for (const [id, how, expectCode] of [
  [1, "SIGINT", 130],
  [2, "SIGTERM", 143],
  [3, "SIGHUP", 129],
  [4, "throw", 1],
  [5, "reject", 1],
] as const) {
  test(`a lab process ended by ${how} removes its namespaces, /etc/netns dirs and processes`, T, async () => {
    requireLab(["ip"]);
    const child = startNode(["--input-type=module", "-e", CHILD(how, id)]);
    const names = await child.ready;
    assert.equal(names.length, 3);
    assert.deepEqual(labLeftovers(names).length, 6, "the lab exists while the child runs");
    if (how.startsWith("SIG")) child.proc.kill(how as NodeJS.Signals);
    const code = await child.exit;
    assert.equal(code, expectCode, child.output());
    assert.deepEqual(labLeftovers(names), [], child.output());
    assert.deepEqual(pidsMatching(`sleep 1001.${id}`), []);
    assert.deepEqual(pidsMatching(`sleep 1002.${id}`), []);
    assert.deepEqual(tmpLeftovers(child.proc.pid), []);
  });
}

test("after SIGKILL, reapStaleLabs removes what the dead run left", T, async () => {
  requireLab(["ip"]);
  const child = startNode(["--input-type=module", "-e", CHILD("kill", 6)]);
  const names = await child.ready;
  child.proc.kill("SIGKILL");
  await child.exit;
  assert.equal(labLeftovers(names).length, 6, "SIGKILL cannot be caught: the lab is still there");
  assert.equal(tmpLeftovers(child.proc.pid).length, 1, "and its temp dir");
  const removed = reapStaleLabs();
  assert.deepEqual(removed.filter((n) => names.includes(n)).sort(), [...names].sort());
  assert.deepEqual(labLeftovers(names), []);
  assert.deepEqual(pidsMatching("sleep 1001.6"), []);
  assert.deepEqual(pidsMatching("sleep 1002.6"), []);
  assert.deepEqual(tmpLeftovers(child.proc.pid), []);
});

// ---------------------------------------------------------------------------

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function hostHasLink(name: string): Promise<boolean> {
  try {
    execFileSync("ip", ["link", "show", "dev", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function runNode(args: string[], opts: { uid?: number; gid?: number } = {}): Promise<{ stdout: string; stderr: string; code: number | null; pid: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { ...opts, cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 15_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, pid: p.pid! });
    });
  });
}

function startNode(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "lab-child-"));
  const proc = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const exit = new Promise<number | null>((resolve) =>
    proc.on("close", (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve(code ?? (signal === "SIGKILL" ? 137 : null));
    }),
  );
  proc.stderr.on("data", (d) => (err += d));
  const ready = new Promise<string[]>((resolve, reject) => {
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /READY (\[.*\])/.exec(out);
      if (m) resolve(JSON.parse(m[1]) as string[]);
    });
    void exit.then(() => reject(new Error(`child exited before READY:\n${out}\n${err}`)));
  });
  return { proc, ready, exit, output: () => `--- child stdout ---\n${out}\n--- child stderr ---\n${err}` };
}

