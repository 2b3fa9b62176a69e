// Reloading the configuration (SIGHUP, and the control socket's `reload`)
// without network namespaces: the real daemon (build/host/cli.js run) serves
// an interface that does not exist, so it opens no DHCPv6 socket, but it loads
// the configuration, restores its bindings from a journal written here with
// the core's real binding records, and answers `leases` / `counters` on its
// control socket. What the running configuration is shows in `counters`
// (bindings.capacity = max_bindings, which a reload may raise).
//
// A bad file (syntax error, invalid value, unknown interface mode, a value the
// core refuses) must be refused with file, line, option and reason in the log,
// keeping the running configuration and every binding; a good file afterwards
// is applied.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { controlRequest } from "../../host/control.js";
import { Journal } from "../../host/store/journal.js";
import { EFFECT } from "../../host/core/abi.js";
import { Bench, clientId, duidLL, elapsed, iaNa, iaPd, message, serverId } from "./helpers/engine.js";

const CLI = fileURLToPath(new URL("../../host/cli.js", import.meta.url));
const T = { timeout: 30_000 };

/** A device name no machine has (<= 15 characters). */
const DEVICE = `d6nx${process.pid % 100000}`;

function uci(o: { maxBindings?: number; body?: string[]; dns?: string } = {}): string {
  return [
    "config odhcpd 'odhcpd'",
    `\toption max_bindings '${o.maxBindings ?? 64}'`,
    "",
    "config dhcp 'lan'",
    `\toption ifname '${DEVICE}'`,
    "\toption dhcpv6 'server'",
    `\tlist dns '${o.dns ?? "2001:db8:1::53"}'`,
    ...(o.body ?? []).map((l) => `\t${l}`),
    "",
  ].join("\n");
}

/** A journal of three clients' committed bindings (IA_NA + IA_PD each), written from the core's effects. */
function seedJournal(path: string): string[] {
  const b = new Bench();
  const j = new Journal(path);
  const duids: string[] = [];
  for (let c = 1; c <= 3; c++) {
    const duid = duidLL(c);
    duids.push(Buffer.from(duid).toString("hex"));
    b.send(message(1, c, clientId(duid), elapsed(), iaNa(1), iaPd(2, { plen: 64 })));
    for (const e of b.send(message(3, c, clientId(duid), serverId(), elapsed(), iaNa(1), iaPd(2, { plen: 64 }))).effects)
      if (e.type === EFFECT.BINDING_PUT) j.put(e.id, e.record);
  }
  j.close();
  return duids.sort();
}

interface Daemon {
  proc: ChildProcess;
  dir: string;
  config: string;
  state: string;
  log: string[];
  duids: string[];
}

const running: Daemon[] = [];
after(() => {
  for (const d of running) d.proc.kill("SIGKILL");
});

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, d: Daemon, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (d.proc.exitCode !== null) throw new Error(`the daemon exited (${d.proc.exitCode}) while waiting for ${what}:\n${d.log.join("\n")}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${d.log.slice(-20).join("\n")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts the daemon on a fresh state directory seeded with a journal; resolves once it answers on its control socket. */
async function startDaemon(): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "d6-reload-test-"));
  const state = join(dir, "state");
  mkdirSync(state, { mode: 0o700 });
  const duids = seedJournal(join(state, "bindings.journal"));
  const config = join(dir, "dhcp");
  writeFileSync(config, uci());
  const proc = spawn(process.execPath, [CLI, "run", "--config", config, "--state-dir", state, "--log-level", "debug", "--no-syslog"], { stdio: ["ignore", "pipe", "pipe"] });
  const d: Daemon = { proc, dir, config, state, log: [], duids };
  running.push(d);
  let partial = "";
  const onData = (b: Buffer) => {
    const lines = (partial + b.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    d.log.push(...lines);
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  await waitFor("control socket", async () => ((await counters(d)).bindings ? true : undefined), d);
  return d;
}

async function stopDaemon(d: Daemon): Promise<void> {
  if (d.proc.exitCode === null) {
    const exited = new Promise((r) => d.proc.once("exit", r));
    d.proc.kill("SIGTERM");
    await exited;
  }
  rmSync(d.dir, { recursive: true, force: true });
}

type Counters = Record<string, number> & { bindings: { used: number; capacity: number } };
const counters = (d: Daemon) => controlRequest(join(d.state, "control.sock"), "counters") as Promise<Counters>;

async function leaseDuids(d: Daemon): Promise<string[]> {
  const j = (await controlRequest(join(d.state, "control.sock"), "leases")) as { device: Record<string, { leases: { duid: string }[] }> };
  return [...new Set(Object.values(j.device ?? {}).flatMap((x) => x.leases.map((l) => l.duid)))].sort();
}

/** kill -HUP with `text` as the configuration file; resolves with the log lines the reload wrote. */
async function hup(d: Daemon, text: string): Promise<string[]> {
  writeFileSync(d.config, text);
  const from = d.log.length;
  d.proc.kill("SIGHUP");
  await waitFor("a reload line", () => (d.log.slice(from).some((l) => /reload refused|reloaded /.test(l)) ? true : undefined), d);
  return d.log.slice(from);
}

/** The running configuration and the bindings are what they were at the start. */
async function assertUnchanged(d: Daemon, what: string): Promise<void> {
  const c = await counters(d);
  assert.equal(c.bindings.capacity, 64, `${what}: the running configuration (max_bindings 64) stays`);
  assert.equal(c.bindings.used, 6, `${what}: the six bindings stay`);
  assert.deepEqual(await leaseDuids(d), d.duids, `${what}: leases shows the same clients`);
}

// Each bad file also raises max_bindings to 128 (and changes dns), so that a
// half-applied reload would show in `counters`.
const BAD: { what: string; text: string; line: number; option: string | null; reason: RegExp }[] = [
  {
    what: "a syntax error (unterminated quote)",
    text: uci({ maxBindings: 128, body: ["option leasetime '1h"] }),
    line: 8,
    option: "leasetime",
    reason: /unterminated single quote/,
  },
  {
    what: "a syntax error (a line that is no UCI statement)",
    text: uci({ maxBindings: 128, body: ["this is not uci"] }),
    line: 8,
    option: null,
    reason: /./,
  },
  {
    what: "an invalid value (leasetime 'abc')",
    text: uci({ maxBindings: 128, dns: "2001:db8:1::99", body: ["option leasetime 'abc'"] }),
    line: 8,
    option: "leasetime",
    reason: /'abc' is not a lease time/,
  },
  {
    what: "an invalid address in a list (dns)",
    text: uci({ maxBindings: 128, dns: "2001:db8:1::zz" }),
    line: 7,
    option: "dns",
    reason: /2001:db8:1::zz/,
  },
  {
    what: "an unknown interface mode (dhcpv6 'bogus')",
    text: uci({ maxBindings: 128, body: ["option dhcpv6 'bogus'"] }),
    line: 8,
    option: "dhcpv6",
    reason: /'bogus' is not a mode/,
  },
  {
    what: "an out-of-range global value (max_bindings 0)",
    text: uci({ maxBindings: 0 }),
    line: 2,
    option: "max_bindings",
    reason: /out of range/,
  },
];

test("SIGHUP with a bad file (syntax error, invalid values, unknown interface mode): refused with file, line, option and reason; the running configuration and every binding stay; a good file afterwards is applied", T, async () => {
  const d = await startDaemon();
  try {
    assert.ok(d.log.some((l) => /restored 6 bindings/.test(l)), `the journal was restored:\n${d.log.join("\n")}`);
    await assertUnchanged(d, "at the start");
    for (const bad of BAD) {
      const lines = await hup(d, bad.text);
      const refused = lines.find((l) => /reload refused/.test(l));
      assert.ok(refused, `${bad.what}: refused (log: ${lines.join(" | ")})`);
      assert.ok(!lines.some((l) => /reloaded /.test(l)), `${bad.what}: not applied`);
      assert.match(refused, /^odhcpd-wasm\[\d+\]: err: /, `${bad.what}: logged as an error`);
      const where = `${d.config}:${bad.line}:${bad.option === null ? "" : ` option '${bad.option}':`}`;
      assert.ok(refused.includes(`keeping the running configuration: ${where}`), `${bad.what}: names file, line and option (${where}):\n${refused}`);
      assert.match(refused, bad.reason, `${bad.what}: says why`);
      await assertUnchanged(d, bad.what);
    }

    // The control socket's `reload` refuses the same way and says so.
    writeFileSync(d.config, BAD[2].text);
    assert.deepEqual(await controlRequest(join(d.state, "control.sock"), "reload"), { ok: false });
    await assertUnchanged(d, "control-socket reload of a bad file");

    // A good file is applied: max_bindings grows to 128, the bindings stay.
    const lines = await hup(d, uci({ maxBindings: 128, dns: "2001:db8:1::99", body: ["option leasetime '2h'"] }));
    assert.ok(lines.some((l) => l.includes(`reloaded ${d.config}`)), `the good file is reloaded: ${lines.join(" | ")}`);
    const c = await counters(d);
    assert.deepEqual(c.bindings, { used: 6, committed: 6, capacity: 128 }, "the new max_bindings is in force, the bindings are kept");
    assert.deepEqual(await leaseDuids(d), d.duids);

    // And a bad file after that keeps the NEW configuration.
    await hup(d, BAD[0].text);
    assert.equal((await counters(d)).bindings.capacity, 128, "a later refused reload keeps the configuration the good reload applied");
    assert.equal(d.proc.exitCode, null, "the daemon is still running");
  } finally {
    await stopDaemon(d);
  }
});

test("SIGHUP with a file the host layer accepts but the core refuses (257 dns servers, 300 static hosts): refused, everything kept, and the log names file, line and option", T, async () => {
  const d = await startDaemon();
  try {
    const cases = [
      { what: "257 dns servers", text: uci({ maxBindings: 128, body: Array.from({ length: 256 }, (_, i) => `list dns '2001:db8::${(i + 1).toString(16)}'`) }), option: "dns" },
      {
        what: "300 static hosts",
        text: uci({ maxBindings: 128 }) + Array.from({ length: 300 }, (_, i) => `config host\n\toption duid '000100${(i + 1).toString(16).padStart(4, "0")}'\n\toption hostid '${(i + 1).toString(16)}'\n`).join("\n"),
        option: null,
      },
    ];
    const missing: string[] = [];
    for (const c of cases) {
      const lines = await hup(d, c.text);
      const refused = lines.find((l) => /reload refused/.test(l));
      assert.ok(refused, `${c.what}: refused (log: ${lines.join(" | ")})`);
      await assertUnchanged(d, c.what);
      // The README: "If the new file is invalid, it logs why (file, line, option, reason)".
      const located = refused.includes(`${d.config}:`) && (c.option === null || refused.includes(`option '${c.option}'`));
      if (!located) missing.push(`${c.what}: ${refused}`);
    }
    assert.deepEqual(missing, [], "every refusal names the file, the line and the option");
  } finally {
    await stopDaemon(d);
  }
});
