// Prefix change with real clients on one LAN (issue 5 item 4): our server on a
// bridge with 2001:db8:1::1/64 and 2001:db8:1:10::1/60 (the /60 is delegated
// from), `leasetime 1m` (T1 30 s), and three real clients bound with IA_NA +
// IA_PD, each in its own namespace:
//
//   c1  dhcpcd 9.4.1   `option dhcp6_reconfigure_accept` makes it send Reconfigure
//                      Accept (without it, it sends none); it takes the key from the
//                      Reply ("accepted reconfigure key"), checks a Reconfigure's
//                      HMAC-MD5 and renews on it, but only when the Reconfigure
//                      comes from a link-local address ("RECONFIGURE6 recv from X,
//                      not LL" otherwise).
//   c2  ISC dhclient   `send dhcp6.reconf-accept;` makes it send Reconfigure Accept;
//                      it ignores Reconfigure messages: the Renew at T1 moves it.
//   c3  WIDE dhcp6c    cannot send Reconfigure Accept (no such send option); gets no
//                      key and no Reconfigure: the Renew at T1 moves it.
//
// Then the ISP's prefix changes (`ip addr del 2001:db8:1:10::1/60; ip addr add
// 2001:db8:1:30::1/60 nodad` on the bridge). Checked from captures on each
// client's side, the clients' own records, the server's `leases` and the proto 96
// routes: Reconfigure Accept and key delivery, one Reconfigure per client per
// round (2, 4, 8 s...) until it renews, the digests (Python's hmac, key from the
// Reply), the replay values, who renews when, where everything ends up, and
// that every capture is clean (tshark, byte-level lengths).
//
// When dhcpcd does not renew on the server's Reconfigure, a control experiment
// sends the very bytes of the last captured Reconfigure again, from the
// server's link-local address, to see whether dhcpcd acts on them then.
//
// Needs root, dhcpcd, dhclient, dhcp6c, tshark/dumpcap, python3 and a built
// project: without them the test FAILS saying what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { labLeftovers, startCapture, withTopology, type Capture, type Lab } from "./helpers/lab.js";
import { OurDaemon, delegatedRoutes, delegatedRoutesText, flattenLeases, type LeasesAnswer } from "./support/server.js";
import { DhclientSession, DhcpcdSession, Dhcp6cSession } from "./support/sessions.js";
import { clientRoles, lanTopology, setupLanBridge } from "./support/topology.js";
import {
  LAN64,
  LAN_NET,
  LEASE_1M,
  NEW_PD,
  NEW_POOL,
  OLD_PD,
  OLD_POOL,
  assertCleanCapture,
  authOf,
  clientView,
  hex,
  inPrefix,
  listing,
  movePrefix,
  opt,
  pollFor,
  pythonSend,
  pythonVerify,
  requireReconfigureLab,
  sameAddr,
  timedPackets,
  type ClientCapture,
  type TimedPacket,
} from "./reconfigure-support/lab.js";
import { allIn, dhclientHeld, dhcp6cHeld, dhcpcdHeld, type Held } from "./reconfigure-support/clients.js";

const T = { timeout: 180_000 };
/** A client that acts on Reconfigure renews well within this (first Reconfigure <= 1 s, then +2 s, +4 s). */
const RECONF_WINDOW_MS = 10_000;
/** Bound on the Renew at T1 (30 s after the Reply) after the change. */
const T1_WAIT_MS = 50_000;

type Who = "dhcpcd" | "dhclient" | "dhcp6c";

interface Client {
  who: Who;
  role: string;
  ll: string;
  held: () => Held;
  tail: () => string;
  /** Capture on the client's side. */
  cap: Capture;
  /** After the run. */
  view?: ClientCapture;
  /** Client ID (hex) as sent in its Solicit. */
  duid?: string;
  before?: Held;
  after?: Held;
  /** When its record showed only new-pool prefixes (ms after the change), or null. */
  movedAfterMs?: number | null;
}

interface Facts {
  changeAt: number;
  serverLL: string;
  bridge: string;
  leasesBefore: LeasesAnswer;
  leasesAfter: LeasesAnswer;
  routesBefore: string;
  routesAfter: string;
  dcRenewMs: number | null;
  /** The control experiment (only when dhcpcd did not renew on the server's Reconfigure). */
  control: { sentAt: number; bytes: Uint8Array; srcPort: number; renewMs: number | null } | null;
  dcLogReconf: string[];
  /** dhclient's output about Reconfigure messages. */
  dhLogReconf: string[];
  /** The server's counters at the end. */
  counters: Record<string, number>;
}

function since(p: TimedPacket, t0: number): string {
  return `${((p.time - t0) / 1000).toFixed(2)} s`;
}

/** The server's Reconfigures in a client's capture (the control experiment's copy left out). */
function serverReconfigures(c: Client, f: Facts): TimedPacket[] {
  const all = c.view!.reconfigures;
  if (!f.control || c.who !== "dhcpcd") return all;
  const copy = hex(f.control.bytes);
  return all.filter((p) => !(p.time >= f.control!.sentAt - 50 && hex(p.payload) === copy && p.srcPort === f.control!.srcPort));
}

/** The client's first Renew (or Rebind) after the change, from its capture. */
function firstRenewAfter(c: Client, t0: number): TimedPacket | undefined {
  return c.view!.sent.find((p) => p.time >= t0 && (p.msg?.msgType === 5 || p.msg?.msgType === 6));
}

test("prefix change on a LAN with dhcpcd, dhclient and dhcp6c: Reconfigure Accept and key, authenticated Reconfigures (Python hmac), who renews when, prefixes and routes move, clean captures", T, async (t) => {
  requireReconfigureLab(["ip", "ss", "mount", "dhclient", "dhcpcd", "dhcp6c", "dumpcap", "tshark"]);
  let names: string[] = [];
  const t0 = Date.now();
  await withTopology(lanTopology(3), async (lab: Lab) => {
    names = Object.values(lab.namespaces());
    const { bridge, linkLocal: serverLL } = await setupLanBridge(lab, 3, [LAN64, OLD_PD]);
    const srv = new OurDaemon(lab, { ifname: bridge, extra: [LEASE_1M] });
    await srv.start();
    const [r1, r2, r3] = clientRoles(3);
    const dc = new DhcpcdSession(lab, r1, "dhcpcd", { rapidCommit: false, conf: ["option dhcp6_reconfigure_accept"] });
    const dh = new DhclientSession(lab, r2, "dhclient", { conf: ["send dhcp6.reconf-accept;"] });
    const d6 = new Dhcp6cSession(lab, r3, "dhcp6c");
    const clients: Client[] = [
      { who: "dhcpcd", role: r1, ll: await lab.waitLinkLocal(r1), held: () => dhcpcdHeld(dc), tail: () => dc.tail(60), cap: await startCapture(lab, r1) },
      { who: "dhclient", role: r2, ll: await lab.waitLinkLocal(r2), held: () => dhclientHeld(dh), tail: () => dh.tail(60), cap: await startCapture(lab, r2) },
      { who: "dhcp6c", role: r3, ll: await lab.waitLinkLocal(r3), held: () => dhcp6cHeld(d6), tail: () => d6.tail(60), cap: await startCapture(lab, r3) },
    ];
    const [cdc, cdh, cd6] = clients;
    const fail = (e: unknown) => {
      const parts = [`--- server ---\n${srv.tail(60)}`, ...clients.map((c) => `--- ${c.who} ---\n${c.tail()}`)];
      (e as Error).message += `\n${parts.join("\n")}`;
      throw e;
    };

    // ---- bind
    await Promise.all([dc.start(15_000), dh.start(15_000), d6.start(15_000)]).catch(fail);
    for (const c of clients) c.before = c.held();
    const f: Facts = {
      changeAt: 0,
      serverLL,
      bridge,
      leasesBefore: await srv.leases(),
      leasesAfter: { device: {} },
      routesBefore: delegatedRoutesText(lab),
      routesAfter: "",
      dcRenewMs: null,
      control: null,
      dcLogReconf: [],
      dhLogReconf: [],
      counters: {},
    };
    for (const c of clients)
      if (!allIn(c.before!, OLD_POOL)) fail(new Error(`${c.who} did not bind a prefix of ${OLD_POOL}: ${JSON.stringify(c.before)}`));

    // ---- the ISP's new prefix
    const winCap = await startCapture(lab, r1, undefined, { file: lab.path("dhcpcd-window.pcapng") });
    f.changeAt = movePrefix(lab, "srv", bridge, OLD_PD, NEW_PD);
    const movedMs = async (c: Client, ms: number) => pollFor(() => (allIn(c.held(), NEW_POOL) ? Date.now() - f.changeAt : undefined), ms);
    f.dcRenewMs = (await movedMs(cdc, RECONF_WINDOW_MS)) ?? null;
    const win = clientView(await timedPackets(await winCap.stop()), cdc.ll);

    // ---- control experiment: the server's own Reconfigure bytes, from its link-local address
    if (f.dcRenewMs === null && win.reconfigures.length > 0) {
      const last = win.reconfigures[win.reconfigures.length - 1];
      const sentAt = Date.now();
      const srcPort = await pythonSend(lab, "srv", { src: serverLL, ifname: bridge, port: 547, dst: cdc.ll, dport: 546, bytes: last.payload });
      const renewMs = await pollFor(() => (allIn(cdc.held(), NEW_POOL) ? Date.now() - sentAt : undefined), 6000);
      f.control = { sentAt, bytes: last.payload, srcPort, renewMs: renewMs ?? null };
    }

    // ---- the others renew at T1
    const deadline = f.changeAt + T1_WAIT_MS;
    await Promise.all(
      clients.map(async (c) => {
        const ms = await movedMs(c, Math.max(0, deadline - Date.now()));
        c.movedAfterMs = ms ?? null;
      }),
    );
    if (f.dcRenewMs !== null) cdc.movedAfterMs = f.dcRenewMs;
    await new Promise((r) => setTimeout(r, 3000)); // a Reconfigure still due would show now
    for (const c of clients) c.after = c.held();
    f.leasesAfter = await srv.leases();
    f.routesAfter = delegatedRoutesText(lab);
    f.dcLogReconf = dc.log.filter((l) => /RECONFIGURE|reconfigure|authentic/i.test(l));
    f.dhLogReconf = dh.log.filter((l) => /reconfigure|nothing done/i.test(l));
    f.counters = await srv.counters();
    for (const c of clients) {
      c.view = clientView(await timedPackets(await c.cap.stop()), c.ll);
      const solicit = c.view.sent.find((p) => p.msg?.msgType === 1);
      const id = opt(solicit?.msg, 1);
      if (id) c.duid = hex(id);
    }
    const story = clients.map((c) => `--- ${c.who} (${c.ll}), times from the prefix change ---\n${listing(c.view!.packets, f.changeAt)}`).join("\n");
    t.diagnostic(`prefix changed ${((f.changeAt - t0) / 1000).toFixed(1)} s into the test; dhcpcd moved after ${cdc.movedAfterMs} ms, dhclient after ${cdh.movedAfterMs} ms, dhcp6c after ${cd6.movedAfterMs} ms`);
    const leases = flattenLeases(f.leasesAfter);
    const ctx = { lab, srv, clients, f, story, leases };

    // =====================================================================
    await t.test("Reconfigure Accept: dhcpcd and dhclient offer it and get option 20 back and the key once, in the Reply to their Request; dhcp6c offers none and gets neither", () => {
      for (const c of [cdc, cdh]) {
        const v = c.view!;
        const where = `${c.who}:\n${listing(v.packets, f.changeAt)}`;
        const sol = v.sent.find((p) => p.msg?.msgType === 1);
        const req = v.sent.find((p) => p.msg?.msgType === 3);
        assert.ok(sol && opt(sol.msg, 20), `${c.who}'s Solicit carries Reconfigure Accept (20): ${where}`);
        assert.ok(req && opt(req.msg, 20), `${c.who}'s Request carries Reconfigure Accept: ${where}`);
        const adv = v.received.find((p) => p.msg?.msgType === 2);
        assert.ok(adv && opt(adv.msg, 20) && !opt(adv.msg, 11), `the Advertise carries option 20 and no key: ${where}`);
        const reply = v.received.find((p) => p.msg?.msgType === 7 && p.msg.xid === req!.msg!.xid);
        assert.ok(reply, `a Reply to the Request: ${where}`);
        assert.ok(opt(reply.msg, 20), "the Reply to the Request carries option 20");
        const a = authOf(reply.msg);
        assert.ok(a, `the Reply to the Request carries the key (option 11): ${where}`);
        assert.deepEqual([a.protocol, a.algorithm, a.rdm, a.type, a.value.length], [3, 1, 0, 1, 32], "protocol 3 (reconfigure key), HMAC-MD5, RDM 0, type 1, 16 bytes");
        const keyed = v.received.filter((p) => authOf(p.msg)?.type === 1);
        assert.equal(keyed.length, 1, `the key goes out once (later Replies carry none): ${where}`);
      }
      assert.match(f.dcLogReconf.join("\n") + "\n" + cdc.tail(), /accepted reconfigure key/, "dhcpcd logs that it took the key");
      const v = cd6.view!;
      assert.ok(v.sent.length > 0 && v.sent.every((p) => !opt(p.msg, 20)), `dhcp6c sends no Reconfigure Accept:\n${listing(v.packets, f.changeAt)}`);
      assert.ok(v.received.every((p) => !opt(p.msg, 20) && !opt(p.msg, 11)), "dhcp6c gets no option 20 and no key");
      assert.equal(v.reconfigures.length, 0, "and no Reconfigure");
      const flags = new Map<string, boolean>();
      for (const d of Object.values(f.leasesBefore.device)) for (const l of d.leases) flags.set(l.duid, l["accept-reconf"]);
      assert.deepEqual(
        clients.map((c) => [c.who, flags.get(c.duid ?? "?")]),
        [
          ["dhcpcd", true],
          ["dhclient", true],
          ["dhcp6c", false],
        ],
        `leases' accept-reconf per client: ${JSON.stringify(f.leasesBefore)}`,
      );
    });

    await t.test("one Reconfigure per client per round, to its link-local address (port 547 -> 546), retransmitted after 2, 4, 8... s, at most 8, and none after the client's Renew", () => {
      for (const c of [cdc, cdh]) {
        const rs = serverReconfigures(c, f);
        const where = `${c.who}:\n${listing(c.view!.packets, f.changeAt)}`;
        assert.ok(rs.length >= 1, `${c.who} got a Reconfigure after the change: ${where}`);
        assert.ok(rs.length <= 8, `at most REC_MAX_RC (8) Reconfigures: ${where}`);
        assert.ok(rs[0].time - f.changeAt <= 2500, `the first Reconfigure within 2.5 s of the change (${since(rs[0], f.changeAt)}): ${where}`);
        const reply = c.view!.keyReply!;
        for (const p of rs) {
          const m = p.msg!;
          assert.deepEqual([sameAddr(p.dst, c.ll), p.dstPort, p.srcPort], [true, 546, 547], `Reconfigure at ${since(p, f.changeAt)} to the client's link-local address, 547 -> 546`);
          assert.equal(m.xid, 0, "transaction-id 0 (RFC 8415 18.3.11)");
          assert.equal(hex(opt(m, 1)!), c.duid, "Client ID = the client's DUID");
          assert.equal(hex(opt(m, 2)!), hex(opt(reply.msg, 2)!), "Server ID = the one in the Reply");
          assert.deepEqual([...opt(m, 19)!], [5], "Reconfigure Message: Renew");
          const a = authOf(m)!;
          assert.deepEqual([a.protocol, a.algorithm, a.rdm, a.type, a.value.length], [3, 1, 0, 2, 32], "Authentication: protocol 3, HMAC-MD5, RDM 0, type 2 (digest)");
          assert.deepEqual(
            m.options.map((o) => o.code).filter((x) => ![1, 2, 11, 19].includes(x)),
            [],
            "no other option (no IA, no ORO)",
          );
        }
        const gaps = rs.slice(1).map((p, i) => (p.time - rs[i].time) / 1000);
        gaps.forEach((g, i) => assert.ok(Math.abs(g - 2 * 2 ** i) <= 1.2, `gap ${i + 1} is ${g.toFixed(2)} s, expected ${2 * 2 ** i} s (REC_TIMEOUT doubling): ${gaps.join(", ")}`));
        const renew = firstRenewAfter(c, f.changeAt);
        assert.ok(renew, `${c.who} renewed after the change: ${where}`);
        const late = rs.filter((p) => p.time > renew.time + 1500);
        assert.deepEqual(late.map((p) => since(p, f.changeAt)), [], `no Reconfigure more than 1.5 s after the client's Renew at ${since(renew, f.changeAt)}: ${where}`);
      }
      const captured = serverReconfigures(cdc, f).length + serverReconfigures(cdh, f).length;
      assert.equal(f.counters.reconfigure_sent, captured, `the server's reconfigure_sent counter = the Reconfigures captured at the clients (${JSON.stringify(f.counters)})`);
    });

    await t.test("the Reconfigure is sent from the server's link-local address (as the reference did; dhcpcd drops one from any other source)", () => {
      const sources = [cdc, cdh].map((c) => [c.who, [...new Set(serverReconfigures(c, f).map((p) => p.src))]]);
      const replies = [...new Set([cdc, cdh].flatMap((c) => c.view!.received.filter((p) => p.msg?.msgType === 7).map((p) => p.src)))];
      assert.deepEqual(
        sources,
        [
          ["dhcpcd", [f.serverLL]],
          ["dhclient", [f.serverLL]],
        ],
        `Reconfigure source addresses per client; the server's link-local address is ${f.serverLL}, its Replies come from ${replies.join(", ")}.\n` +
          [cdc, cdh].map((c) => `${c.who}:\n${listing(serverReconfigures(c, f), f.changeAt)}`).join("\n") +
          `\ndhcpcd says (the last line, if any, is the control experiment's copy):\n${f.dcLogReconf.join("\n")}`,
      );
    });

    await t.test("dhcpcd acts on the server's Reconfigure: it renews within seconds and moves to the new prefix", () => {
      const rs = serverReconfigures(cdc, f);
      assert.ok(
        f.dcRenewMs !== null,
        `dhcpcd did not move to ${NEW_POOL} within ${RECONF_WINDOW_MS} ms of the change (it moved after ${cdc.movedAfterMs} ms${f.control ? ", after the control experiment below" : ""}).\n` +
          `Reconfigures it got:\n${listing(rs, f.changeAt)}\ndhcpcd says:\n${f.dcLogReconf.join("\n")}` +
          (f.control ? `\ncontrol experiment: the same bytes from ${f.serverLL} port ${f.control.srcPort}: dhcpcd moved after ${f.control.renewMs} ms` : ""),
      );
      const renew = firstRenewAfter(cdc, f.changeAt)!;
      assert.ok(renew.time - f.changeAt < RECONF_WINDOW_MS, `dhcpcd's Renew at ${since(renew, f.changeAt)}`);
    });

    await t.test("control: dhcpcd renews at once on the server's Reconfigure bytes sent again from the server's link-local address (its own HMAC-MD5 check accepts the digest)", () => {
      if (!f.control) {
        t.diagnostic(f.dcRenewMs !== null ? "not needed: dhcpcd renewed on the server's own Reconfigure" : "no Reconfigure was captured to replay");
        assert.ok(f.dcRenewMs !== null, "no Reconfigure was captured at dhcpcd in the window, so there was nothing to replay");
        return;
      }
      assert.ok(
        f.control.renewMs !== null && f.control.renewMs < 6000,
        `dhcpcd did not move within 6 s of the replayed Reconfigure; dhcpcd says:\n${f.dcLogReconf.join("\n")}\n${cdc.tail()}`,
      );
      assert.ok(
        f.dcLogReconf.some((l) => /RECONFIGURE6 from/.test(l) || /RECONFIGURE6 recv from fe80/.test(l)) || cdc.tail().includes("RECONFIGURE6"),
        `dhcpcd logged the Reconfigure:\n${f.dcLogReconf.join("\n")}`,
      );
      t.diagnostic(`dhcpcd moved ${f.control.renewMs} ms after the replayed Reconfigure`);
    });

    await t.test("dhclient ignores the Reconfigure (ISC 4.4) and dhcp6c gets none: their Renew at T1 moves them to the new prefix", () => {
      for (const c of [cdh, cd6]) {
        assert.ok(c.movedAfterMs !== null, `${c.who} did not move to ${NEW_POOL} within ${T1_WAIT_MS} ms of the change: holds ${JSON.stringify(c.after)}\n${ctx.story}`);
        const renew = firstRenewAfter(c, f.changeAt);
        assert.ok(renew, `${c.who} sent a Renew after the change`);
        t.diagnostic(`${c.who}: first Renew ${since(renew, f.changeAt)} after the change; moved after ${c.movedAfterMs} ms`);
      }
      const dhRenew = firstRenewAfter(cdh, f.changeAt)!;
      assert.ok(dhRenew.time - f.changeAt > RECONF_WINDOW_MS, `dhclient renewed only at T1 (${since(dhRenew, f.changeAt)}), not on the Reconfigure`);
      assert.ok(
        f.dhLogReconf.some((l) => /RCV: Reconfigure/.test(l)),
        `dhclient received the Reconfigures (and did nothing with them); its output about them:\n${f.dhLogReconf.join("\n") || "(none)"}\n${cdh.tail()}`,
      );
      t.diagnostic(`dhclient on the Reconfigures: ${[...new Set(f.dhLogReconf.map((l) => l.replace(/^#\d+ /, "").replace(/fe80::\S+|2001:\S+/g, "ADDR")))].join(" | ")}`);
    });

    await t.test("every client ends on the new /60 (its own record), keeps its address in the /64, and the Reply to its Renew lists the old prefix with lifetime 0", () => {
      for (const c of clients) {
        assert.ok(allIn(c.after!, NEW_POOL), `${c.who} holds ${JSON.stringify(c.after)}, expected prefixes in ${NEW_POOL}`);
        assert.ok(c.after!.addresses.length > 0 && c.after!.addresses.every((a) => inPrefix(a, LAN_NET)), `${c.who}'s address stays in ${LAN_NET}: ${JSON.stringify(c.after)}`);
        // dhcp6c renews each IA in a Renew of its own: the one with the IA_PD.
        const renew = c.view!.sent.find((p) => p.time >= f.changeAt && p.msg?.msgType === 5 && opt(p.msg, 25));
        const reply = c.view!.received.find((p) => p.msg?.msgType === 7 && p.msg.xid === renew?.msg?.xid);
        assert.ok(reply, `${c.who}: a Reply to its Renew of the IA_PD:\n${listing(c.view!.packets, f.changeAt)}`);
        const ia = reply.msg!.options.find((o) => o.code === 25);
        assert.ok(ia, `${c.who}: IA_PD in the Reply to the Renew`);
        const pfx = (ia.children ?? []).filter((o) => o.code === 26).map((o) => {
          const d = Buffer.from(o.data);
          const a = [...d.subarray(9, 25)];
          const text = Array.from({ length: 8 }, (_, i) => ((a[2 * i] << 8) | a[2 * i + 1]).toString(16)).join(":");
          return { prefix: `${text}/${d[8]}`, valid: d.readUInt32BE(4) };
        });
        const old = c.before!.prefixes[0];
        assert.ok(pfx.some((p) => inPrefix(p.prefix, NEW_POOL) && p.valid > 0), `${c.who}: a new prefix with a lifetime: ${JSON.stringify(pfx)}`);
        assert.ok(pfx.some((p) => inPrefix(p.prefix, old) && inPrefix(old, p.prefix) && p.valid === 0), `${c.who}: the old prefix ${old} with valid lifetime 0: ${JSON.stringify(pfx)}`);
      }
    });

    await t.test("the server's leases (odhcpd-wasm leases --state-dir) and the proto 96 routes moved to the new /60; nothing left in the old one", () => {
      for (const c of clients) {
        const mine = leases.filter((l) => l.duid === c.duid);
        const pd = mine.filter((l) => l.kind === "pd").map((l) => `${l.address}/${l.plen}`);
        assert.deepEqual(pd, c.after!.prefixes, `${c.who}: the server's IA_PD binding = the client's record (${JSON.stringify(f.leasesAfter)})`);
        const na = mine.filter((l) => l.kind === "na").map((l) => l.address);
        assert.deepEqual(na.sort(), [...c.after!.addresses].sort(), `${c.who}: the server's IA_NA binding = the client's record`);
      }
      const routes = delegatedRoutes(lab);
      assert.equal(routes.length, 3, `three delegated routes:\n${f.routesAfter}`);
      for (const c of clients) {
        const r = routes.find((x) => x.dst === c.after!.prefixes[0]);
        assert.ok(r, `route to ${c.who}'s ${c.after!.prefixes[0]}:\n${f.routesAfter}\n(before the change:\n${f.routesBefore})`);
        assert.ok(r.gateway && sameAddr(r.gateway, c.ll) && r.dev === bridge, `via ${c.who}'s link-local on ${bridge}: ${JSON.stringify(r)}`);
      }
      assert.ok(routes.every((r) => inPrefix(r.dst, NEW_POOL)), `no route left in ${OLD_POOL}:\n${f.routesAfter}`);
      assert.ok(f.routesBefore.split("\n").filter(Boolean).length === 3 && f.routesBefore.split("\n").every((l) => inPrefix(l.split(" ")[0], OLD_POOL)), `before the change, three routes in ${OLD_POOL}:\n${f.routesBefore}`);
    });

    await t.test("digests: Python's hmac verifies every Reconfigure with the key from the client's Reply; replay values increase from the Reply on", async () => {
      for (const c of [cdc, cdh]) {
        const rs = serverReconfigures(c, f);
        const reply = c.view!.keyReply;
        assert.ok(reply && rs.length > 0, `${c.who}: a key and at least one Reconfigure`);
        const v = await pythonVerify(lab, c.role, reply.payload, rs.map((p) => p.payload));
        assert.equal(v.key, authOf(reply.msg)!.value, "Python found the same key");
        const bad = v.reconfigures.filter((d) => !d.ok);
        assert.deepEqual(bad, [], `${c.who}: digests Python's HMAC-MD5 does not confirm: ${JSON.stringify(bad)}`);
        assert.ok(v.reconfigures.every((d) => d.msgType === 10 && d.xid === "000000" && d.protocol === 3 && d.algorithm === 1 && d.rdm === 0 && d.type === 2));
        const replays = [v.keyReplay, ...v.reconfigures.map((d) => d.replay)].map((x) => BigInt(`0x${x}`));
        for (let i = 1; i < replays.length; i++) assert.ok(replays[i] > replays[i - 1], `${c.who}: replay values increase: ${replays.map((x) => x.toString(16)).join(" < ")}`);
        t.diagnostic(`${c.who}: key ${v.key}; ${v.reconfigures.length} digests confirmed by python3 hmac; replay ${replays.map((x) => x.toString(16)).join(" < ")}`);
      }
    });

    await t.test("captures on each client's side: no malformed packet (tshark), no expert warning on the server's packets, every length exact", async () => {
      for (const c of clients) await assertCleanCapture(c.cap.file, `capture at ${c.who}`, [f.serverLL, "2001:db8:1::1", "2001:db8:1:30::1", "2001:db8:1:10::1"]);
    });
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  t.diagnostic(`run time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

