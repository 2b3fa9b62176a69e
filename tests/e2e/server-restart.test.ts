// OUR server keeps its bindings across restarts and crashes (the binding
// journal in --state-dir): a binding that a Reply confirmed survives `kill -9`.
//  - dhclient and dhcpcd bind; the server is killed with SIGKILL right after,
//    restarted on the same state dir, then stopped with SIGTERM and started
//    again: `leases` shows the same bindings each time, the delegated routes are
//    there once, and the clients' Rebind (dhclient restarted on its lease file)
//    and Renew (dhcpcd, SIGUSR1) keep address and prefix. A Release after the
//    restart removes the route the previous process installed, and a released
//    binding does not come back at the next start.
//  - dhclient and dhcp6c left running through a kill -9 + restart renew at T1
//    by themselves (lease time 1 min) and keep address and prefix.
//  - Under load: perfdhcp (IA_NA + IA_PD) against the server, kill -9 mid-run,
//    restart: every (DUID, address) and (DUID, prefix) that a Reply captured on
//    the client side confirmed before the kill is in `leases` afterwards; a
//    dhcpcd bound before the load renews and keeps its binding.
// Every capture: no malformed packet; every packet of the server passes
// tshark's expert check and the length walk.

import { test } from "node:test";
import assert from "node:assert/strict";
import { labLeftovers, readCapture, requireLab, sleep, startCapture, withTopology, type Lab } from "./helpers/lab.js";
import { summarizeMessage, walkDhcpv6 } from "../../host/lab/dhcpv6-bytes.js";
import { OurDaemon, delegatedRoutes, delegatedRoutesText, type FlatLease } from "./support/server.js";
import { DhclientSession, DhcpcdSession, Dhcp6cSession, type Binding } from "./support/sessions.js";
import { LAN_ADDRS, PD_POOL, clientRoles, lanTopology, setupLanBridge } from "./support/topology.js";
import { assertBound, assertCleanCapture, assertReleased, pfx } from "./support/checks.js";

const T = { timeout: 90_000 };
const LEASE_1M = "option leasetime '1m'";
const NA_PREFIXES = ["2001:db8:1::/64", "2001:db8:100::/64"];

/** What identifies a binding for "is it still there": DUID, IAID, type, address or prefix, assigned. */
const key = (l: FlatLease) => `${l.duid} ${l.iaid} ${l.kind} ${pfx(l)} ${l.assigned}`;
const keys = (ls: FlatLease[]) => ls.map(key).sort();

/** A LAN of n client namespaces behind a bridge, our daemon on the bridge; fn gets them; the lab is always removed. */
async function lan(n: number, extra: string[], fn: (lab: Lab, srv: OurDaemon, bridge: string, serverLL: string) => Promise<void>, addrs = LAN_ADDRS): Promise<void> {
  let names: string[] = [];
  await withTopology(lanTopology(n), async (lab) => {
    names = Object.values(lab.namespaces());
    const { bridge, linkLocal } = await setupLanBridge(lab, n, addrs);
    const srv = new OurDaemon(lab, { ifname: bridge, extra, leasefile: lab.path("odhcpd.leases") });
    await srv.start();
    try {
      await fn(lab, srv, bridge, linkLocal);
    } catch (e) {
      (e as Error).message += `\n--- server log (all runs) ---\n${srv.tail(60)}`;
      throw e;
    }
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
}

/** Every delegated prefix of `leases` has exactly one proto 96 route. */
function assertRoutesOnce(lab: Lab, leases: FlatLease[], what: string): void {
  const routes = delegatedRoutes(lab).map((r) => r.dst);
  for (const p of leases.filter((l) => l.kind === "pd").map(pfx))
    assert.equal(routes.filter((r) => r === p).length, 1, `${what}: one route to ${p}:\n${delegatedRoutesText(lab)}`);
}

test("kill -9 right after binding, then a graceful restart: leases keep the bindings, dhclient's Rebind and dhcpcd's Renew keep address and prefix; a Release after the restart is not forgotten", T, async () => {
  requireLab(["ip", "ss", "mount", "dhclient", "dhcpcd", "dumpcap", "tshark"]);
  await lan(2, [LEASE_1M], async (lab, srv, bridge, serverLL) => {
    const [r1, r2] = clientRoles(2);
    const caps = [await startCapture(lab, "srv", "p1"), await startCapture(lab, "srv", "p2")];
    const dh = new DhclientSession(lab, r1, "dhclient");
    const dc = new DhcpcdSession(lab, r2, "dhcpcd");
    const [b1, b2] = [(await dh.start()).binding, (await dc.start()).binding];
    const ll1 = await lab.waitLinkLocal(r1);
    const ll2 = await lab.waitLinkLocal(r2);
    const bound = async (who: string, b: Binding, ll: string) => assertBound(srv, b, { who, clientLinkLocal: ll, serverIf: bridge, pool: PD_POOL, naPrefixes: NA_PREFIXES });
    const v1 = await bound("dhclient", b1, ll1);
    const v2 = await bound("dhcpcd", b2, ll2);
    const before = await srv.flatLeases();
    assert.equal(before.length, 4);

    // kill -9 within moments of the Replies: what they confirmed must already be on disk.
    await srv.kill9();
    await srv.start();
    assert.deepEqual(keys(await srv.flatLeases()), keys(before), "after kill -9 + start, leases shows the same bindings");
    assertRoutesOnce(lab, before, "after kill -9 + start");
    assert.ok(srv.grep(/#2 .*restored 4 bindings/).length === 1, `the second run logs 'restored 4 bindings':\n${srv.grep(/#2 /).join("\n")}`);

    const rebound = await (async () => {
      await dh.kill();
      return dh.start();
    })();
    assert.equal(rebound.reason, "REBIND6", `dhclient restarted on its lease file rebinds (reasons ${dh.reasons().join(",")})`);
    assert.deepEqual([rebound.binding.addresses, rebound.binding.prefixes], [b1.addresses, b1.prefixes], "dhclient's Rebind keeps address and prefix");
    const renewed = await dc.renewNow();
    assert.equal(renewed.reason, "RENEW6");
    assert.deepEqual([renewed.binding.addresses, renewed.binding.prefixes], [b2.addresses, b2.prefixes], "dhcpcd's Renew keeps address and prefix");
    await bound("dhclient", rebound.binding, ll1);
    await bound("dhcpcd", renewed.binding, ll2);

    // A graceful restart (SIGTERM) keeps them too.
    await srv.stop();
    await srv.start();
    assert.deepEqual(keys(await srv.flatLeases()), keys(before), "after SIGTERM + start, leases shows the same bindings");
    assertRoutesOnce(lab, before, "after SIGTERM + start");

    // Releasing to the third process removes routes the first one installed; a fourth start does not resurrect them.
    await dh.release();
    await dc.release();
    await assertReleased(srv, v1.duid, b1.prefixes[0], "dhclient");
    await assertReleased(srv, v2.duid, b2.prefixes[0], "dhcpcd");
    await srv.kill9();
    await srv.start();
    assert.deepEqual(await srv.flatLeases(), [], "released bindings stay released after kill -9 + start");
    assert.equal(delegatedRoutes(lab).length, 0, delegatedRoutesText(lab));

    for (const c of caps) await assertCleanCapture(await c.stop(), [serverLL]);
  });
});

test("dhclient and dhcp6c left running through kill -9 + restart renew at T1 by themselves and keep address and prefix", T, async () => {
  requireLab(["ip", "ss", "mount", "dhclient", "dhcp6c", "dumpcap", "tshark"]);
  await lan(2, [LEASE_1M], async (lab, srv, bridge, serverLL) => {
    const [r1, r2] = clientRoles(2);
    const caps = [await startCapture(lab, "srv", "p1"), await startCapture(lab, "srv", "p2")];
    const dh = new DhclientSession(lab, r1, "dhclient");
    const c6 = new Dhcp6cSession(lab, r2, "dhcp6c");
    const [b1, b2] = await Promise.all([dh.start().then((r) => r.binding), c6.start()]);
    const ll1 = await lab.waitLinkLocal(r1);
    const ll2 = await lab.waitLinkLocal(r2);
    const bound = (who: string, b: Binding, ll: string) => assertBound(srv, b, { who, clientLinkLocal: ll, serverIf: bridge, pool: PD_POOL, naPrefixes: NA_PREFIXES });
    await bound("dhclient", b1, ll1);
    await bound("dhcp6c", b2, ll2);
    const before = await srv.flatLeases();

    await srv.kill9();
    await srv.start();
    assert.deepEqual(keys(await srv.flatLeases()), keys(before), "after kill -9 + start, leases shows the same bindings");

    // T1 = 30 s after the bind: both clients send Renew (multicast, with the Server ID, which is the same after the restart).
    const seen = dh.records().length;
    const from = c6.log.length;
    await Promise.all([
      dh.waitReason(/^RENEW6$/, seen, 40_000),
      (async () => {
        await c6.waitLine(/send renew/, 40_000, from);
        await c6.waitLine(/update_prefix: update a prefix/, 8000, from);
        await c6.waitLine(/update_address: update an address/, 8000, from);
      })(),
    ]);
    const n1 = dh.binding();
    const n2 = c6.binding();
    assert.deepEqual([n1.addresses, n1.prefixes], [b1.addresses, b1.prefixes], "dhclient's Renew keeps address and prefix");
    assert.deepEqual([n2.addresses, n2.prefixes], [b2.addresses, b2.prefixes], "dhcp6c's Renew keeps address and prefix");
    const v1 = await bound("dhclient", n1, ll1);
    const v2 = await bound("dhcp6c", n2, ll2);
    for (const l of [...v1.na, ...v1.pd, ...v2.na, ...v2.pd]) assert.ok(l.valid >= 50, `the Renew to the restarted server extended ${pfx(l)} (valid ${l.valid} s of 60)`);
    assertRoutesOnce(lab, await srv.flatLeases(), "after the Renews");

    for (const c of caps) {
      const rep = await assertCleanCapture(await c.stop(), [serverLL]);
      const renews = rep.packets.filter((p) => p.msgTypes[0] === 5);
      assert.ok(renews.length >= 1, "a Renew was captured");
      const replies = rep.checked.filter((p) => p.frame > renews[0].frame && p.msgTypes[0] === 7);
      assert.ok(replies.length >= 1, "the restarted server answered the Renew");
      for (const r of replies) {
        const s = summarizeMessage(rep.messages.get(r.frame)!);
        assert.deepEqual(s.statusCodes.filter((x) => x.code !== 0), [], `no error status in the Reply to the Renew: ${JSON.stringify(s.statusCodes)}`);
      }
    }
  });
});

/** Bindings that Replies in a capture confirmed: Client ID + each IA address / prefix with a valid lifetime > 0. */
async function confirmedByReplies(file: string, serverLL: string): Promise<{ na: Set<string>; pd: Set<string>; replies: number }> {
  const na = new Set<string>();
  const pd = new Set<string>();
  let replies = 0;
  for (const p of await readCapture(file)) {
    if (p.src !== serverLL || p.msgTypes[0] !== 7) continue;
    const w = walkDhcpv6(p.payload);
    assert.ok(w.message && !w.problems.length, `frame ${p.frame}: ${JSON.stringify(w.problems)}`);
    const s = summarizeMessage(w.message);
    if (!s.clientId) continue;
    replies++;
    for (const a of s.addresses) if (a.valid > 0) na.add(`${s.clientId} ${a.address}`);
    for (const x of s.prefixes) if (x.valid > 0) pd.add(`${s.clientId} ${x.prefix}/${x.length}`);
  }
  return { na, pd, replies };
}

/**
 * perfdhcp (`-e LEASETYPE`, RATE/s, up to CLIENTS clients, 4 s) from c1 against
 * the server, kill -9 two seconds in, restart once perfdhcp is done (so every
 * Reply in the capture is from the killed process); then every binding those
 * Replies confirmed must be in `leases`, and the dhcpcd in c2 (bound before the
 * load) renews and keeps its binding.
 */
async function killUnderLoad(leaseType: "address-only" | "address-and-prefix", rate: number, clients: number): Promise<string> {
  let stats = "";
  const pool = "2001:db8:100::/48"; // a /48 to delegate from: the pool never runs out under load (16384 /62s)
  await lan(
    2,
    [LEASE_1M],
    async (lab, srv, bridge, serverLL) => {
      const [r1, r2] = clientRoles(2);
      const dc = new DhcpcdSession(lab, r2, "dhcpcd");
      const b = (await dc.start()).binding;
      const ll2 = await lab.waitLinkLocal(r2);
      await assertBound(srv, b, { who: "dhcpcd", clientLinkLocal: ll2, serverIf: bridge, pool, naPrefixes: NA_PREFIXES });

      const cap = await startCapture(lab, r1);
      const perf = lab.spawn(r1, "/usr/sbin/perfdhcp", ["-6", "-l", lab.ifname(r1), "-e", leaseType, "-r", String(rate), "-R", String(clients), "-p", "4"], { name: "perfdhcp" });
      await sleep(2000);
      const counters = await srv.counters();
      await srv.kill9();
      await Promise.race([perf.exited, sleep(15_000)]);
      assert.ok(!perf.running, `perfdhcp finished (it runs for -p 4 s): ${perf.tail()}`);
      const file = await cap.stop();
      const confirmed = await confirmedByReplies(file, serverLL);
      assert.ok(confirmed.replies >= rate / 2, `the server confirmed bindings before the kill (${confirmed.replies} Replies; counters 2 s in: ${JSON.stringify(counters)}; perfdhcp: ${perf.tail(8)})`);

      await srv.start(); // fails when the restarted daemon dies (see the report in the assertion message)
      const leases = await srv.flatLeases();
      const haveNa = new Set(leases.filter((l) => l.kind === "na").map((l) => `${l.duid} ${l.address}`));
      const havePd = new Set(leases.filter((l) => l.kind === "pd").map((l) => `${l.duid} ${pfx(l)}`));
      const lostNa = [...confirmed.na].filter((k) => !haveNa.has(k));
      const lostPd = [...confirmed.pd].filter((k) => !havePd.has(k));
      assert.deepEqual(
        [lostNa.slice(0, 10), lostPd.slice(0, 10)],
        [[], []],
        `${lostNa.length} of ${confirmed.na.size} confirmed addresses and ${lostPd.length} of ${confirmed.pd.size} confirmed prefixes are missing after kill -9 + restart (${srv.grep(/#2 .*(restored|journal)/).join(" | ")})`,
      );
      stats = `${confirmed.replies} Replies before the kill confirmed ${confirmed.na.size} addresses and ${confirmed.pd.size} prefixes; all in leases after the restart (${leases.length} bindings)`;
      if (leaseType === "address-and-prefix") assertRoutesOnce(lab, leases, "after the restart");

      // The real client bound before the load renews with the restarted server and keeps its binding.
      const renewed = await dc.renewNow();
      assert.deepEqual([renewed.binding.addresses, renewed.binding.prefixes], [b.addresses, b.prefixes], "dhcpcd keeps address and prefix");
      await assertBound(srv, renewed.binding, { who: "dhcpcd", clientLinkLocal: ll2, serverIf: bridge, pool, naPrefixes: NA_PREFIXES });

      await assertCleanCapture(file, [serverLL]);
    },
    ["2001:db8:1::1/64", "2001:db8:100::1/48"],
  );
  return stats;
}

test("under perfdhcp load (IA_NA, 300/s), kill -9 mid-run: every address a captured Reply confirmed is in leases after the restart; a dhcpcd bound before renews", T, async (t) => {
  requireLab(["ip", "ss", "mount", "perfdhcp", "dhcpcd", "dumpcap", "tshark"]);
  t.diagnostic(await killUnderLoad("address-only", 300, 3000));
});

test("under perfdhcp load (IA_NA + IA_PD, 250/s, some 500 delegated prefixes), kill -9 mid-run: the restarted server serves, and every address and prefix a captured Reply confirmed is in leases", T, async (t) => {
  requireLab(["ip", "ss", "mount", "perfdhcp", "dhcpcd", "dumpcap", "tshark"]);
  t.diagnostic(await killUnderLoad("address-and-prefix", 250, 1500));
});

test("a graceful restart with 300 delegated prefixes in the journal: the daemon comes back, keeps them all and has one route each", T, async (t) => {
  requireLab(["ip", "ss", "perfdhcp"]);
  await lan(
    1,
    [],
    async (lab, srv) => {
      const [r1] = clientRoles(1);
      const perf = await lab.run(r1, "/usr/sbin/perfdhcp", ["-6", "-l", lab.ifname(r1), "-e", "address-and-prefix", "-R", "300", "-r", "300", "-n", "900"], { check: false, timeoutMs: 30_000 });
      const before = await srv.flatLeases();
      const pds = before.filter((l) => l.kind === "pd").length;
      assert.ok(pds >= 280, `perfdhcp got most of its 300 prefixes delegated (${pds}): ${perf.stdout.slice(-600)}`);
      assertRoutesOnce(lab, before, "before the restart");
      await srv.stop();
      await srv.start();
      assert.deepEqual(keys(await srv.flatLeases()), keys(before), "after SIGTERM + start, leases shows the same bindings");
      assertRoutesOnce(lab, before, "after the restart");
      await sleep(1500);
      assert.ok(srv.running, `the restarted daemon still runs:\n${srv.tail(10)}`);
      t.diagnostic(`${before.length} bindings, ${pds} delegated prefixes restored`);
    },
    ["2001:db8:1::1/64", "2001:db8:100::1/48"],
  );
});
