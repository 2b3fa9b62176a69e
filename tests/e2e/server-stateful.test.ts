// OUR server, stateful (IA_NA + IA_PD), end to end with real clients. The
// server's interface has 2001:db8:1::1/64 and 2001:db8:100::1/56 (the /56 is
// the delegation pool); `option leasetime '1m'` gives T1 = 30 s, so a client
// left running renews within the test.
//
// What each client exercises:
//   dhclient -6 -N -P  Solicit/Advertise/Request/Reply; killed and restarted on
//                      its lease file it sends Rebind; `dhclient -r` sends Release.
//   dhcpcd             Solicit with Rapid Commit answered by a Reply; SIGUSR1 makes it
//                      Renew at once; restarted on its lease file (it has IA_PD) it
//                      sends Rebind; SIGALRM makes it Release.
//   WIDE dhcp6c        Solicit/Advertise/Request/Reply; Renew at T1 (waits ~30 s);
//                      SIGTERM makes it Release.
// Each time: the client's view, the server's `leases`, the proto 96 route to
// the delegated prefix (via the client's link-local address, metric 1024) and
// the lease file (odhcpd's format) agree; after the Release all three forget
// the binding. On one bridged LAN, four real clients and 30 perfdhcp clients
// never share an address or a prefix. Every capture: no malformed packet, and
// every packet of the server passes tshark's expert check and the length walk.
//
// Needs root, dhclient, dhcpcd, dhcp6c, perfdhcp, tshark/dumpcap and a built
// project: without them the tests FAIL saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { LAB_DNS, LAB_DOMAIN, directTopology, labLeftovers, requireLab, startCapture, withTopology, type Capture, type Lab } from "./helpers/lab.js";
import { OurDaemon, delegatedRoutes, delegatedRoutesText, flattenLeases, type LeasesAnswer } from "./support/server.js";
import { DhclientSession, DhcpcdSession, Dhcp6cSession, type Binding } from "./support/sessions.js";
import { LAN_ADDRS, PD_POOL, clientRoles, lanTopology, setupLanBridge } from "./support/topology.js";
import { assertBound, assertCleanCapture, assertDisjoint, assertLeaseFileMatches, assertReleased, pfx, sequence, waitLeaseFile } from "./support/checks.js";
import { summarizeMessage } from "../../host/lab/dhcpv6-bytes.js";

const T = { timeout: 90_000 };
const LEASE_1M = "option leasetime '1m'";
/** Where IA_NA addresses may come from: the /64, or unit 0 of the /56 (whichever prefix the server elects). */
const NA_PREFIXES = ["2001:db8:1::/64", "2001:db8:100::/64"];

interface Direct {
  lab: Lab;
  srv: OurDaemon;
  cap: Capture;
  serverIf: string;
  serverLL: string;
  clientLL: string;
  leasefile: string;
}

/** A direct lab whose server interface has the LAN /64 and the /56; our daemon (lease time 1 min, lease file); a capture on the client. */
async function direct(fn: (d: Direct) => Promise<void>): Promise<void> {
  let names: string[] = [];
  await withTopology(directTopology({ serverAddrs: LAN_ADDRS }), async (lab) => {
    names = Object.values(lab.namespaces());
    const serverIf = lab.ifname("srv");
    const leasefile = lab.path("odhcpd.leases");
    const srv = new OurDaemon(lab, { ifname: serverIf, extra: [LEASE_1M], leasefile });
    await srv.start();
    const cap = await startCapture(lab, "cli");
    const d: Direct = { lab, srv, cap, serverIf, serverLL: await lab.waitLinkLocal("srv"), clientLL: await lab.waitLinkLocal("cli"), leasefile };
    try {
      await fn(d);
    } catch (e) {
      (e as Error).message += `\n--- server log ---\n${srv.tail(50)}`;
      throw e;
    }
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
}

/** `expected` appears in `seq` in this order (other packets, e.g. retransmissions, may come between). */
function assertInOrder(seq: string[], expected: string[], what: string): void {
  let i = 0;
  for (const s of seq) if (s === expected[i]) i++;
  assert.equal(i, expected.length, `${what}: expected ${expected.join(" > ")} in this order; the capture has ${seq.join(" > ")}`);
}

function sameBinding(a: Binding, b: Binding, what: string): void {
  assert.deepEqual([b.addresses, b.prefixes], [a.addresses, a.prefixes], `${what}: same address and prefix as before`);
}

test("dhclient -6 -N -P: address + /62, route, leases and lease file agree; restarted on its lease file it Rebinds and keeps both; dhclient -r releases", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  await direct(async ({ lab, srv, cap, serverIf, serverLL, clientLL, leasefile }) => {
    const who = "dhclient";
    const dh = new DhclientSession(lab, "cli", who, { conf: ['send fqdn.fqdn "alpha";'] });
    const first = await dh.start();
    assert.equal(first.reason, "BOUND6", dh.tail());
    const b = first.binding;
    const view = await assertBound(srv, b, { who, clientLinkLocal: clientLL, serverIf, pool: PD_POOL, naPrefixes: NA_PREFIXES });
    assert.equal(b.prefixes[0].split("/")[1], "62", "the default delegated length is /62");
    assert.deepEqual([b.dns, b.domains], [[LAB_DNS], [LAB_DOMAIN]]);
    assert.deepEqual([b.addrValid, b.prefixValid], [60, 60], "lifetimes = leasetime 1m");
    assert.equal(view.na[0].hostname, "alpha", "hostname from the Client FQDN option");
    const f = await waitLeaseFile(leasefile, (x) => x.bindings.length === 2, "two binding lines (IA_NA, IA_PD)");
    assertLeaseFileMatches(f, await srv.flatLeases(), LAB_DOMAIN);

    await dh.kill(); // a crash: no Release; the lease file stays
    const again = await dh.start();
    assert.equal(again.reason, "REBIND6", `restarted on its lease file dhclient rebinds (reasons ${dh.reasons().join(",")})`);
    sameBinding(b, again.binding, "after Rebind");
    await assertBound(srv, again.binding, { who, clientLinkLocal: clientLL, serverIf, pool: PD_POOL, naPrefixes: NA_PREFIXES });

    await dh.release();
    await assertReleased(srv, view.duid, b.prefixes[0], who);
    await waitLeaseFile(leasefile, (x) => x.bindings.length === 0 && x.hosts.length === 0 && x.problems.length === 0, "empty after the Release");

    const rep = await assertCleanCapture(await cap.stop(), [serverLL]);
    assertInOrder(sequence(rep), ["Solicit", "Advertise", "Request", "Reply", "Rebind", "Reply", "Release", "Reply"], who);
    const last = rep.checked[rep.checked.length - 1];
    const s = summarizeMessage(rep.messages.get(last.frame)!);
    assert.deepEqual(s.statusCodes.map((c) => c.code), [0], "the Reply to the Release carries status Success");
  });
});

test("dhcpcd (IA_NA + IA_PD + Rapid Commit): Solicit answered by a Reply; SIGUSR1 Renew and a restart's Rebind keep address and prefix; SIGALRM releases", T, async () => {
  requireLab(["ip", "ss", "mount", "dhcpcd", "dumpcap", "tshark"]);
  await direct(async ({ lab, srv, cap, serverIf, serverLL, clientLL, leasefile }) => {
    const who = "dhcpcd";
    const dc = new DhcpcdSession(lab, "cli", who, { conf: ["hostname gamma", "fqdn both"] });
    const first = await dc.start();
    assert.equal(first.reason, "BOUND6", dc.tail());
    const b = first.binding;
    const view = await assertBound(srv, b, { who, clientLinkLocal: clientLL, serverIf, pool: PD_POOL, naPrefixes: NA_PREFIXES });
    assert.deepEqual([b.dns, b.domains], [[LAB_DNS], [LAB_DOMAIN]]);
    assert.equal(view.na[0].hostname, "gamma");
    assertLeaseFileMatches(await waitLeaseFile(leasefile, (x) => x.bindings.length === 2, "two binding lines"), await srv.flatLeases(), LAB_DOMAIN);

    const renewed = await dc.renewNow();
    assert.equal(renewed.reason, "RENEW6");
    sameBinding(b, renewed.binding, "after Renew");
    await assertBound(srv, renewed.binding, { who, clientLinkLocal: clientLL, serverIf, pool: PD_POOL, naPrefixes: NA_PREFIXES });

    await dc.kill();
    const again = await dc.start();
    assert.equal(again.reason, "REBIND6", `restarted on its lease6 file dhcpcd rebinds (reasons ${dc.reasons().join(",")})`);
    sameBinding(b, again.binding, "after Rebind");
    await assertBound(srv, again.binding, { who, clientLinkLocal: clientLL, serverIf, pool: PD_POOL, naPrefixes: NA_PREFIXES });

    await dc.release();
    await assertReleased(srv, view.duid, b.prefixes[0], who);
    await waitLeaseFile(leasefile, (x) => x.bindings.length === 0 && x.problems.length === 0, "empty after the Release");

    const rep = await assertCleanCapture(await cap.stop(), [serverLL]);
    const seq = sequence(rep);
    assert.ok(!seq.includes("Advertise"), `Rapid Commit: no Advertise (capture: ${seq.join(" > ")})`);
    assertInOrder(seq, ["Solicit", "Reply", "Renew", "Reply", "Rebind", "Reply", "Release", "Reply"], who);
    const solicit = rep.packets.find((p) => p.msgTypes[0] === 1)!;
    const firstReply = rep.checked.find((p) => p.frame > solicit.frame)!;
    const opts = rep.messages.get(firstReply.frame)!.options.map((o) => o.code);
    assert.ok(opts.includes(14), `the Reply to the Solicit carries Rapid Commit (options ${opts.join(",")})`);
  });
});

test("WIDE dhcp6c: address + prefix; its Renew at T1 (lease time 1 min) keeps them and extends the lease; SIGTERM releases", T, async () => {
  requireLab(["ip", "ss", "mount", "dhcp6c", "dumpcap", "tshark"]);
  await direct(async ({ lab, srv, cap, serverIf, serverLL, clientLL, leasefile }) => {
    const who = "dhcp6c";
    const c = new Dhcp6cSession(lab, "cli", who);
    const b = await c.start();
    const view = await assertBound(srv, b, { who, clientLinkLocal: clientLL, serverIf, pool: PD_POOL, naPrefixes: NA_PREFIXES });
    assert.deepEqual([b.dns, b.domains], [[LAB_DNS], [LAB_DOMAIN]]);
    assertLeaseFileMatches(await waitLeaseFile(leasefile, (x) => x.bindings.length === 2, "two binding lines"), await srv.flatLeases(), LAB_DOMAIN);

    const from = c.log.length;
    await c.waitLine(/send renew/, 40_000, from);
    await c.waitLine(/update_prefix: update a prefix/, 8000, from);
    await c.waitLine(/update_address: update an address/, 8000, from);
    const renewed = c.binding();
    sameBinding(b, renewed, "after Renew");
    const after = await assertBound(srv, renewed, { who, clientLinkLocal: clientLL, serverIf, pool: PD_POOL, naPrefixes: NA_PREFIXES });
    for (const l of [...after.na, ...after.pd]) assert.ok(l.valid >= 55, `the Renew extended the binding (valid ${l.valid} s of 60)`);

    await c.release();
    await assertReleased(srv, view.duid, b.prefixes[0], who);
    await waitLeaseFile(leasefile, (x) => x.bindings.length === 0, "empty after the Release");

    const rep = await assertCleanCapture(await cap.stop(), [serverLL]);
    assertInOrder(sequence(rep), ["Solicit", "Advertise", "Request", "Reply", "Renew", "Reply", "Release", "Reply"], who);
  });
});

test("one bridged LAN: two dhclients, dhcpcd, dhcp6c and 30 perfdhcp clients never share an address or a prefix; leases, routes and lease file agree", T, async () => {
  requireLab(["ip", "ss", "mount", "dhclient", "dhcpcd", "dhcp6c", "perfdhcp", "dumpcap", "tshark"]);
  let names: string[] = [];
  await withTopology(lanTopology(5), async (lab) => {
    names = Object.values(lab.namespaces());
    const { bridge, linkLocal: serverLL } = await setupLanBridge(lab, 5);
    const leasefile = lab.path("odhcpd.leases");
    const srv = new OurDaemon(lab, { ifname: bridge, extra: [LEASE_1M], leasefile });
    await srv.start();
    const caps: Capture[] = [];
    for (let i = 1; i <= 5; i++) caps.push(await startCapture(lab, "srv", `p${i}`));
    const [r1, r2, r3, r4, r5] = clientRoles(5);
    const clients = [
      { who: "dhclient#1", role: r1, s: new DhclientSession(lab, r1, "dhclient1", { conf: ['send fqdn.fqdn "alpha";'] }) },
      { who: "dhclient#2", role: r2, s: new DhclientSession(lab, r2, "dhclient2") },
      { who: "dhcpcd", role: r3, s: new DhcpcdSession(lab, r3, "dhcpcd", { conf: ["hostname gamma", "fqdn both"] }) },
      { who: "dhcp6c", role: r4, s: new Dhcp6cSession(lab, r4, "dhcp6c") },
    ];
    try {
      const bound = await Promise.all(clients.map(async (c) => (c.s instanceof Dhcp6cSession ? c.s.start() : (await c.s.start()).binding)));
      const perf = await lab.run(r5, "/usr/sbin/perfdhcp", ["-6", "-l", lab.ifname(r5), "-e", "address-and-prefix", "-R", "30", "-r", "30", "-p", "2"], { check: false, timeoutMs: 20_000 });
      assert.match(perf.stdout, /REQUEST-REPLY/, `perfdhcp ran: ${perf.stdout}${perf.stderr}`);

      const leases = await srv.flatLeases();
      assertDisjoint(leases, "all bindings on the LAN");
      const views: Awaited<ReturnType<typeof assertBound>>[] = [];
      for (let i = 0; i < clients.length; i++) {
        const c = clients[i];
        views.push(await assertBound(srv, bound[i], { who: c.who, clientLinkLocal: await lab.waitLinkLocal(c.role), serverIf: bridge, pool: PD_POOL, naPrefixes: NA_PREFIXES }));
      }
      const duids = new Set(leases.map((l) => l.duid));
      const perfDuids = [...duids].filter((d) => !views.some((v) => v.duid === d));
      assert.equal(duids.size, 4 + perfDuids.length);
      assert.ok(perfDuids.length >= 25, `most of the 30 perfdhcp clients are bound (${perfDuids.length})`);
      for (const d of perfDuids) {
        const mine = leases.filter((l) => l.duid === d);
        assert.deepEqual(mine.map((l) => l.kind).sort(), ["na", "pd"], `perfdhcp client ${d}: one address and one prefix`);
      }
      // One route per delegated prefix, via its holder's link-local address.
      const pds = leases.filter((l) => l.kind === "pd");
      const routes = delegatedRoutes(lab);
      assert.deepEqual(routes.map((r) => r.dst).sort(), pds.map(pfx).sort(), `routes = delegated prefixes:\n${delegatedRoutesText(lab)}`);
      assertLeaseFileMatches(await waitLeaseFile(leasefile, (f) => f.bindings.length === leases.length, `${leases.length} binding lines`), leases, LAB_DOMAIN);

      // The real clients release; perfdhcp's bindings stay.
      await Promise.all(clients.map((c) => c.s.release()));
      for (let i = 0; i < clients.length; i++) await assertReleased(srv, views[i].duid, bound[i].prefixes[0], clients[i].who);
      const rest = await srv.flatLeases();
      assert.deepEqual([...new Set(rest.map((l) => l.duid))].sort(), perfDuids.sort(), "only perfdhcp's bindings are left");
      const f = await waitLeaseFile(leasefile, (x) => x.bindings.length === rest.length, `${rest.length} binding lines after the Releases`);
      assertLeaseFileMatches(f, rest, LAB_DOMAIN);
    } catch (e) {
      (e as Error).message += `\n--- server log ---\n${srv.tail(40)}\n--- clients ---\n${clients.map((c) => `${c.who}:\n${c.s.tail(15)}`).join("\n")}`;
      throw e;
    }
    for (const cap of caps) await assertCleanCapture(await cap.stop(), [serverLL]);
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
});

test("the leases CLI prints its whole JSON answer through a pipe (600 IA_NA bindings, some 200 KB)", T, async () => {
  requireLab(["ip", "ss", "perfdhcp"]);
  await direct(async ({ lab, srv }) => {
    const perf = await lab.run("cli", "/usr/sbin/perfdhcp", ["-6", "-l", lab.ifname("cli"), "-e", "address-only", "-R", "600", "-r", "400", "-n", "1200"], { check: false, timeoutMs: 30_000 });
    const toFile = await srv.flatLeases(); // stdout to a file
    assert.ok(toFile.length >= 560, `perfdhcp made some 600 bindings (${toFile.length}): ${perf.stdout.slice(-400)}`);
    const viaPipe = flattenLeases((await srv.query("leases", { pipe: true })) as LeasesAnswer); // what `odhcpd-wasm leases | jq` sees
    assert.equal(viaPipe.length, toFile.length, "the same bindings through a pipe");
  });
});
