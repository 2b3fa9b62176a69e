// The lab against Kea (the reference server): real clients get what Kea
// serves, captures of the exchanges pass the checker, runLab works end to end,
// and nothing is left behind. Needs root, Kea, the clients and tshark: without
// them the tests FAIL with a message saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LAB_DNS,
  LAB_DOMAIN,
  assertClientOk,
  checkCapture,
  formatCaptureProblems,
  labLeftovers,
  leftovers,
  requireLab,
  runLab,
  withLab,
  type ClientKind,
  type LabContext,
} from "./helpers/lab.js";

const T = { timeout: 40_000 };

/** Runs fn in a lab, then checks that the lab left nothing behind. */
async function inLab<R>(opts: Parameters<typeof withLab>[0], fn: (ctx: LabContext) => Promise<R>): Promise<R> {
  let names: string[] = [];
  const r = await withLab(opts as object, async (ctx: LabContext) => {
    names = Object.values(ctx.lab.namespaces());
    return fn(ctx);
  });
  assert.ok(names.length >= 2);
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  return r;
}

test("dhclient -6 -S gets DNS and domain from Kea; the captured exchange passes the checker", T, async () => {
  requireLab(["ip", "ss", "kea-dhcp6", "dhclient", "dumpcap", "tshark"]);
  await inLab({ server: "kea" }, async (ctx) => {
    const cap = await ctx.capture();
    const r = assertClientOk(await ctx.client("dhclient-S"));
    const file = await cap.stop();
    assert.deepEqual(r.dnsServers, [LAB_DNS]);
    assert.deepEqual(r.domainSearch, [LAB_DOMAIN]);
    assert.deepEqual(r.addresses, []);
    assert.ok(r.serverId, "a server id");

    const all = await checkCapture(file);
    assert.deepEqual(
      all.packets.map((p) => p.msgTypes[0]),
      [11, 7],
      "Information-request, Reply",
    );
    const fromServer = await checkCapture(file, { from: ctx.serverLinkLocal });
    assert.equal(fromServer.checked.length, 1, "the server's Reply was captured and checked");
    assert.equal(fromServer.checked[0].srcPort, 547);
    assert.deepEqual(fromServer.problems, [], formatCaptureProblems(fromServer.problems));
    assert.deepEqual(all.problems, [], formatCaptureProblems(all.problems));
  });
  assert.deepEqual(leftovers(), { namespaces: [], etcNetns: [] });
});

test("stateful clients (dhclient -N -P, dhcpcd, dhcp6c) get an address and a /56; the interface is restored", T, async () => {
  requireLab(["ip", "ss", "mount", "kea-dhcp6", "dhclient", "dhcpcd", "dhcp6c"]);
  await inLab({ server: "kea" }, async (ctx) => {
    const seen = new Set<string>();
    for (const kind of ["dhclient-NP", "dhcpcd", "dhcp6c"] as ClientKind[]) {
      const before = ctx.lab.addresses("cli").map((a) => a.addr);
      const r = assertClientOk(await ctx.client(kind, { timeoutMs: 8000 }));
      assert.equal(r.addresses.length, 1, `${kind}: ${JSON.stringify(r.addresses)}`);
      assert.match(r.addresses[0].address, /^2001:db8:1::1[0-9a-f]{3}$/, kind);
      assert.equal(r.addresses[0].preferred, 3000, kind);
      assert.equal(r.addresses[0].valid, 4000, kind);
      assert.equal(r.prefixes.length, 1, `${kind}: ${JSON.stringify(r.prefixes)}`);
      assert.equal(r.prefixes[0].length, 56, kind);
      assert.match(r.prefixes[0].prefix, /^2001:db8:100(:[0-9a-f]{1,4})?::$/, kind);
      assert.deepEqual(r.dnsServers, [LAB_DNS], kind);
      assert.deepEqual(r.domainSearch, [LAB_DOMAIN], kind);
      seen.add(r.addresses[0].address);
      // Restored: same addresses as before, addrgenmode back to eui64 (dhcpcd sets none).
      assert.deepEqual(ctx.lab.addresses("cli").map((a) => a.addr), before, `${kind} left addresses behind`);
      assert.match(ctx.lab.ip("cli", "-d", "link", "show", "dev", ctx.clientIf), /addrgenmode eui64/, `${kind} left addrgenmode changed`);
    }
    assert.equal(seen.size, 3, "each client has its own DUID, so its own address");
  });
});

test("stateless variants of dhcpcd and dhcp6c get DNS and domain", T, async () => {
  requireLab(["ip", "ss", "mount", "kea-dhcp6", "dhcpcd", "dhcp6c"]);
  await inLab({ server: "kea" }, async (ctx) => {
    for (const kind of ["dhcpcd-inform", "dhcp6c-info"] as ClientKind[]) {
      const r = assertClientOk(await ctx.client(kind, { timeoutMs: 8000 }));
      assert.deepEqual([r.dnsServers, r.domainSearch, r.addresses, r.prefixes], [[LAB_DNS], [LAB_DOMAIN], [], []], kind);
    }
  });
});

test("a client that gets no answer reports it within its timeout", T, async () => {
  requireLab(["ip", "dhclient"]);
  await inLab({ server: "none" }, async (ctx) => {
    const t0 = Date.now();
    const r = await ctx.client("dhclient-S", { timeoutMs: 2500 });
    assert.equal(r.ok, false);
    assert.match(r.error ?? "", /no answer within 2500 ms/);
    assert.ok(Date.now() - t0 < 8000, `took ${Date.now() - t0} ms`);
  });
});

test("relay topology: dhclient -N -P through ISC dhcrelay to Kea; both sides of the relay pass the checker", T, async () => {
  requireLab(["ip", "ss", "kea-dhcp6", "dhcrelay", "dhclient", "dumpcap", "tshark"]);
  await inLab({ topology: "relay", server: "kea" }, async (ctx) => {
    assert.ok(ctx.relay?.running, "dhcrelay runs");
    const up = await ctx.capture("rly", "rs");
    const down = await ctx.capture("rly", "rc");
    const r = assertClientOk(await ctx.client("dhclient-NP", { timeoutMs: 8000 }));
    assert.match(r.addresses[0]?.address ?? "", /^2001:db8:1::1[0-9a-f]{3}$/);
    assert.equal(r.prefixes[0]?.length, 56);
    const upFile = await up.stop();
    const downFile = await down.stop();
    const u = await checkCapture(upFile);
    assert.deepEqual(
      [...new Set(u.packets.map((p) => p.msgTypes[0]))].sort(),
      [12, 13],
      "Relay-forward and Relay-reply on the server side",
    );
    assert.deepEqual(u.problems, [], formatCaptureProblems(u.problems));
    const fwd = u.messages.get(u.packets.find((p) => p.msgTypes[0] === 12)!.frame);
    assert.equal(fwd?.options.find((o) => o.code === 9)?.message?.msgType, 1, "the first Relay-forward carries the Solicit");
    const d = await checkCapture(downFile);
    assert.ok(d.packets.length >= 4, "client-side exchange captured");
    assert.deepEqual(d.problems, [], formatCaptureProblems(d.problems));
  });
});

test("runLab (npm start's lab) with Kea: prints what dhclient received and cleans up", T, async () => {
  requireLab(["ip", "ss", "kea-dhcp6", "dhclient"]);
  const lines: string[] = [];
  const r = await runLab({ server: "kea", client: "dhclient-S", once: true, print: (l) => lines.push(l) });
  const text = lines.join("\n");
  assert.equal(r.ok, true, text);
  assert.equal(r.stoppedBy, "once");
  assert.deepEqual(r.client?.dnsServers, [LAB_DNS]);
  assert.match(text, /DNS servers: +2001:db8:1::53/);
  assert.match(text, /domain search: +lab\.example/);
  assert.match(text, /^\[kea\] .*DHCP6_STARTED/m, "the server's log is forwarded");
  assert.match(text, /namespaces, processes and temp files removed/);
  assert.deepEqual(leftovers(), { namespaces: [], etcNetns: [] });
});

test("runLab serves until aborted (as with Ctrl-C), then cleans up", T, async () => {
  requireLab(["ip", "ss", "kea-dhcp6"]);
  const ac = new AbortController();
  const lines: string[] = [];
  const done = runLab({
    server: "kea",
    client: "none",
    signal: ac.signal,
    print: (l) => {
      lines.push(l);
      if (/press Ctrl-C/.test(l)) setTimeout(() => ac.abort(), 200);
    },
  });
  const r = await done;
  assert.equal(r.stoppedBy, "abort", lines.join("\n"));
  assert.equal(r.ok, true);
  assert.deepEqual(leftovers(), { namespaces: [], etcNetns: [] });
});
