// A corrupted or truncated binding journal is recovered up to the last good
// record, with a warning, never a crash (issue 6 item 4), end to end:
//
//   c1/c (dhcpcd) --- p1 \
//                        br (our daemon, 2001:db8:1::1/64 + 2001:db8:100::1/56)
//   c2/c (perfdhcp) - p2 /
//
// dhcpcd binds first (its records open the journal), then perfdhcp commits
// some 20 clients, then a dhclient (its records close the journal). The daemon is stopped, its journal damaged, the daemon
// started again: it logs a warning naming the journal, the damage and its byte
// offset, and how many bindings it recovered; `leases` holds exactly the
// bindings journaled before the damage; dhcpcd renews and keeps its binding;
// the journal is clean again afterwards (cut at the damage, appended after).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { labLeftovers, requireLab, requireTool, runDhclient, withTopology, type Lab } from "./helpers/lab.js";
import { DhcpcdSession } from "./support/sessions.js";
import { pfx } from "./support/checks.js";
import { LAN_ADDRS, clientRoles, lanTopology, setupLanBridge } from "./support/topology.js";
import type { FlatLease } from "./support/server.js";
import { replay } from "../../host/store/journal.js";
import { startRobustDaemon, type RobustDaemon } from "./robust-support/lab.js";

const key = (l: FlatLease) => `${l.duid} ${l.iaid} ${l.kind} ${pfx(l)}`;

/** Record offsets of a journal file (magic, then crc 4 | kind 1 | id 4 | length 2 | payload). */
function recordOffsets(file: Buffer): number[] {
  const out: number[] = [];
  for (let o = 4; o + 11 <= file.length; o += 11 + file.readUInt16BE(o + 9)) out.push(o);
  return out;
}

/**
 * "DUID IAID na|pd" of a journaled binding record, read from the core's
 * binding layout (assembly/engine/bindings.ts: u8 type at 1 (3 IA_NA, 25
 * IA_PD), u32 IAID at 4 (little-endian), u8 DUID length at 33, DUID at 80).
 */
function bindingOf(record: Uint8Array): string {
  const b = Buffer.from(record);
  const kind = b[1] === 3 ? "na" : b[1] === 25 ? "pd" : `type${b[1]}`;
  return `${b.subarray(80, 80 + b[33]).toString("hex")} ${b.readUInt32LE(4)} ${kind}`;
}
const bindingKey = (l: FlatLease) => `${l.duid} ${l.iaid} ${l.kind}`;

/** The bindings (DUID IAID kind) a journal file holds, as replay sees it. */
function journaled(data: Uint8Array): string[] {
  return [...replay(data).records.values()].map(bindingOf).sort();
}
const bindingsOf = (leases: FlatLease[]) => [...new Set(leases.map(bindingKey))].sort();

interface Setup {
  lab: Lab;
  srv: RobustDaemon;
  dc: DhcpcdSession;
  first: { addresses: string[]; prefixes: string[] };
  before: FlatLease[];
  journal: string;
}

/** Binds dhcpcd and ~20 perfdhcp clients, stops the daemon, damages the journal with `damage`, starts the daemon again. */
async function damaged(damage: (path: string, file: Buffer, offsets: number[]) => void, fn: (s: Setup) => Promise<void>): Promise<void> {
  let names: string[] = [];
  await withTopology(lanTopology(2), async (lab) => {
    names = Object.values(lab.namespaces());
    const [c1, c2] = clientRoles(2);
    const { bridge } = await setupLanBridge(lab, 2, LAN_ADDRS);
    const uci = ["config dhcp 'lan'", `\toption ifname '${bridge}'`, "\toption dhcpv6 'server'", "\toption leasetime '1h'", ""].join("\n");
    const srv = await startRobustDaemon(lab, "srv", bridge, uci);
    try {
      const dc = new DhcpcdSession(lab, c1, "dhcpcd");
      const first = (await dc.start()).binding;
      assert.deepEqual([first.addresses.length, first.prefixes.length], [1, 1], `dhcpcd bound: ${JSON.stringify(first)}`);
      await lab.run(c2, requireTool("perfdhcp"), ["-6", "-l", lab.ifname(c2), "-e", "address-and-prefix", "-R", "20", "-n", "40", "-r", "40"], { check: false, timeoutMs: 20_000 });
      // One more client, a dhclient that leaves without releasing: its two records, its first ones, end the journal.
      const late = await runDhclient(lab, c2, { mode: "NP", release: false, timeoutMs: 15_000 });
      assert.ok(late.ok, `the last dhclient bound: ${late.error}`);
      const before = await srv.flatLeases();
      assert.ok(before.length >= 20, `perfdhcp committed clients (${before.length} bindings)`);
      await srv.stop();
      const journal = join(srv.stateDir, "bindings.journal");
      const file = readFileSync(journal);
      assert.equal(replay(file).damage, null, "the journal is clean after a graceful stop");
      damage(journal, file, recordOffsets(file));
      await srv.start();
      await fn({ lab, srv, dc, first, before, journal });
    } catch (e) {
      (e as Error).message += `\n--- server log (all runs) ---\n${srv.tailExcept(/bytes from fe80::\S+ \(multicast\): sent/, 30)}`;
      throw e;
    }
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
}

/** dhcpcd renews with the restarted daemon and keeps its address and prefix; then the journal replays cleanly. */
async function servesAndHeals(s: Setup): Promise<void> {
  const r = await s.dc.renewNow();
  assert.equal(r.reason, "RENEW6");
  assert.deepEqual([r.binding.addresses, r.binding.prefixes], [s.first.addresses, s.first.prefixes], "dhcpcd's Renew keeps address and prefix");
  await s.srv.stop();
  const after = replay(readFileSync(s.journal));
  assert.equal(after.damage, null, "the journal is clean again: cut at the damage, written after it");
}

test("a journal torn in the middle of its last record: the daemon starts, warns (journal, 'truncated record at byte N', bindings recovered) and serves every binding journaled before it", { timeout: 90_000 }, async (t) => {
  requireLab(["ip", "ss", "sysctl", "mount", "dhcpcd", "perfdhcp", "dhclient"]);
  let cutAt = 0;
  let expected: string[] = [];
  await damaged(
    (path, file, offsets) => {
      cutAt = offsets[offsets.length - 1];
      truncateSync(path, cutAt + 100); // a write torn 100 bytes into the record
      expected = journaled(readFileSync(path));
    },
    async (s) => {
      const warn = s.srv.grep(/#2 .*binding journal/);
      assert.equal(warn.length, 1, `one warning about the journal:\n${s.srv.grep(/#2 /).join("\n")}`);
      assert.ok(warn[0].includes(`warning: binding journal ${s.journal}: truncated record at byte ${cutAt}; recovered ${expected.length} bindings before it`), `the warning names the journal, the damage, its offset and what was recovered:\n${warn[0]}`);
      assert.equal(statSync(s.journal).size, cutAt, "the torn tail was cut off the file");
      const now = await s.srv.flatLeases();
      assert.deepEqual(bindingsOf(now), expected, "leases = the bindings journaled before the damage");
      assert.equal(now.length, s.before.length - 1, "the last dhclient's second binding (its first record, torn) is the one binding lost");
      assert.ok(now.every((l) => s.before.some((b) => key(b) === key(l))), "with the same addresses and prefixes as before");
      await servesAndHeals(s);
      t.diagnostic(`${warn[0].replace(/^#2 /, "")}; ${now.length} of ${s.before.length} bindings served after the restart`);
    },
  );
});

test("a journal with a flipped byte in a middle record: the daemon starts, warns ('checksum mismatch at byte N') and serves every binding journaled before that record", { timeout: 90_000 }, async (t) => {
  requireLab(["ip", "ss", "sysctl", "mount", "dhcpcd", "perfdhcp", "dhclient"]);
  let at = 0;
  let expected: string[] = [];
  await damaged(
    (path, file, offsets) => {
      at = offsets[Math.floor(offsets.length / 2)];
      expected = journaled(file.subarray(0, at)); // what the records before the damaged one hold
      const bad = Buffer.from(file);
      bad[at + 40] ^= 0x5a; // inside the payload: the checksum no longer matches
      writeFileSync(path, bad);
    },
    async (s) => {
      const warn = s.srv.grep(/#2 .*binding journal/);
      assert.equal(warn.length, 1, `one warning about the journal:\n${s.srv.grep(/#2 /).join("\n")}`);
      assert.ok(warn[0].includes(`warning: binding journal ${s.journal}: checksum mismatch at byte ${at}; recovered ${expected.length} bindings before it`), `the warning names the journal, the damage, its offset and what was recovered:\n${warn[0]}`);
      const now = await s.srv.flatLeases();
      assert.deepEqual(bindingsOf(now), expected, "leases = the bindings journaled before the damaged record");
      assert.ok(now.length < s.before.length, "the records after the damage are gone");
      assert.ok(now.every((l) => s.before.some((b) => key(b) === key(l))), "with the same addresses and prefixes as before");
      await servesAndHeals(s);
      t.diagnostic(`${warn[0].replace(/^#2 /, "")}; ${now.length} of ${s.before.length} bindings served after the restart`);
    },
  );
});

test("a journal that is not one (bad magic) or empty: the daemon starts with a warning (or none for an empty file), no bindings, and serves a new client", { timeout: 90_000 }, async () => {
  requireLab(["ip", "ss", "sysctl", "mount", "dhcpcd", "perfdhcp", "dhclient"]);
  await damaged(
    (path, file) => writeFileSync(path, Buffer.concat([Buffer.from("XXXX"), file.subarray(4)])),
    async (s) => {
      const warn = s.srv.grep(/#2 .*binding journal/);
      assert.ok(warn.length === 1 && warn[0].includes(`binding journal ${s.journal}: not a binding journal (bad magic); recovered 0 bindings`), `warned:\n${s.srv.grep(/#2 /).join("\n")}`);
      assert.deepEqual(await s.srv.flatLeases(), []);
      // dhcpcd's Renew names a binding the server no longer has: it is served again (Renew/Rebind, or a new Solicit).
      await s.dc.renewNow(15_000);
      assert.ok((await s.srv.flatLeases()).length >= 1, "dhcpcd has a binding again");
      await s.srv.stop();
      writeFileSync(s.journal, Buffer.alloc(0));
      await s.srv.start();
      assert.deepEqual(s.srv.grep(/#3 .*binding journal/), [], "an empty journal is no damage: no warning");
      assert.deepEqual(await s.srv.flatLeases(), []);
    },
  );
});
