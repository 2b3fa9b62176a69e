// A relayed client receives its Reconfigure through the relay (issue 5 item 4).
//
//   cli/c -- rc [rly] rs -- s [srv]
//
// The relay is ISC dhcrelay (`-l rc -u 2001:db8:9::1%rs`) or OUR relay
// (`dhcpv6 relay`, master on rs, ff05::1:3). Our server serves `relaylink` on s
// and `remote` on r0, a veth inside its namespace holding the client link's
// prefixes 2001:db8:1::fffe/64 and 2001:db8:1:10::1/60 `noprefixroute` (the
// dummy module is not available), `leasetime 1m`. dhcpcd
// (`option dhcp6_reconfigure_accept`) binds an address and a /62 through the
// relay; then r0's /60 becomes 2001:db8:1:30::1/60. Expected: a Relay-reply
// carrying an authenticated Reconfigure goes to the relay (peer-address = the
// client), the relay passes the very same Reconfigure down from its link-local
// address, dhcpcd renews within seconds through the relay and moves to the new
// /60 (its lease file, the server's `leases`, the route via the relay); the
// digest checks out with Python's hmac (key from the Reply the client got); the
// captures on both sides of the relay are clean.
//
// Needs root, dhcpcd, dhcrelay, tshark/dumpcap, python3 and a built project:
// without them the tests FAIL saying what to install.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { labLeftovers, startDhcrelay, withLab, type LabContext } from "./helpers/lab.js";
import { delegatedRoutes, delegatedRoutesText, flattenLeases } from "./support/server.js";
import { DhcpcdSession } from "./support/sessions.js";
import { RELAY_DOWN_ADDR, RELAY_UP_ADDR, SERVER_ADDR, annotate, oneRelayTopology, relayUci, serverUci, startDaemon, type UciDaemon } from "./relay-support/lab.js";
import {
  LAN_NET,
  LEASE_1M,
  NEW_PD,
  NEW_POOL,
  OLD_PD,
  OLD_POOL,
  addRemoteLink,
  assertCleanCapture,
  authOf,
  clientView,
  hex,
  inPrefix,
  innermost,
  listing,
  movePrefix,
  opt,
  pollFor,
  pythonVerify,
  requireReconfigureLab,
  sameAddr,
  timedPackets,
  type TimedPacket,
} from "./reconfigure-support/lab.js";
import { allIn, dhcpcdHeld, type Held } from "./reconfigure-support/clients.js";

const T = { timeout: 90_000 };
const RECONF_WINDOW_MS = 10_000;

type RelayKind = "dhcrelay" | "ours";

async function relayedReconfigure(t: TestContext, kind: RelayKind): Promise<void> {
  requireReconfigureLab(["ip", "ss", "mount", "dhcpcd", "dumpcap", "tshark", ...(kind === "dhcrelay" ? ["dhcrelay"] : [])]);
  let names: string[] = [];
  let server: UciDaemon | null = null;
  let relay: UciDaemon | null = null;
  const t0 = Date.now();
  await withLab({ topology: oneRelayTopology(), server: "none", relay: false }, async (ctx: LabContext) => {
    const lab = ctx.lab;
    names = Object.values(lab.namespaces());
    const remote = addRemoteLink(lab, "srv");
    server = await startDaemon(lab, "srv", ctx.serverIf, serverUci({ up: ctx.serverIf, remote, extra: [LEASE_1M] }));
    const rc = lab.ifname("rly", "rc");
    const rs = lab.ifname("rly", "rs");
    let dhcrelayLog = () => "";
    if (kind === "dhcrelay") {
      const p = await startDhcrelay(lab, "rly", { down: "rc", up: "rs", server: SERVER_ADDR });
      dhcrelayLog = () => p.lines.map((l) => l.line).slice(-40).join("\n");
    } else {
      relay = await startDaemon(lab, "rly", rc, relayUci({ down: rc, up: rs }));
    }
    const clientLL = await lab.waitLinkLocal("cli");
    const relayLL = await lab.waitLinkLocal("rly", "rc");
    const down = await ctx.capture("cli");
    const up = await ctx.capture("rly", "rs");
    const dc = new DhcpcdSession(lab, "cli", "dhcpcd", { rapidCommit: false, conf: ["option dhcp6_reconfigure_accept"] });

    let before: Held = { addresses: [], prefixes: [] };
    let after: Held = before;
    let changeAt = 0;
    let movedMs: number | null = null;
    let routesBefore = "";
    await annotate(
      () => [server, relay],
      async () => {
        await dc.start(15_000);
        before = dhcpcdHeld(dc);
        assert.ok(allIn(before, OLD_POOL), `dhcpcd bound a prefix of ${OLD_POOL} through the relay: ${JSON.stringify(before)}`);
        routesBefore = delegatedRoutesText(lab);
        changeAt = movePrefix(lab, "srv", remote, OLD_PD, NEW_PD, ["noprefixroute"]);
        movedMs = (await pollFor(() => (allIn(dhcpcdHeld(dc), NEW_POOL) ? Date.now() - changeAt : undefined), RECONF_WINDOW_MS)) ?? null;
        await new Promise((r) => setTimeout(r, 2500)); // a Reconfigure still due would show now
        after = dhcpcdHeld(dc);
      },
      () => `--- dhcpcd ---\n${dc.tail(40)}\n--- dhcrelay ---\n${dhcrelayLog()}`,
    );
    const leases = flattenLeases(await server!.leases());
    const routes = delegatedRoutes(lab);
    const routesAfter = delegatedRoutesText(lab);
    const dcReconf = dc.log.filter((l) => /RECONFIGURE|reconfigure|authentic/i.test(l));
    const cv = clientView(await timedPackets(await down.stop()), clientLL);
    const upPackets = await timedPackets(await up.stop());
    const story = `--- client side (cli), times from the prefix change ---\n${listing(cv.packets, changeAt)}\n--- server side of the relay (rs) ---\n${listing(upPackets, changeAt)}`;
    const logs = () => `${story}\n--- dhcpcd ---\n${dcReconf.join("\n")}\n${dc.tail(20)}\n--- server ---\n${server!.tail(30)}${relay ? `\n--- our relay ---\n${relay.tail(30)}` : `\n--- dhcrelay ---\n${dhcrelayLog()}`}`;
    t.diagnostic(`prefix changed ${((changeAt - t0) / 1000).toFixed(1)} s into the test; dhcpcd moved after ${movedMs} ms`);

    const wrapped = upPackets.filter((p) => p.msg?.msgType === 13 && innermost(p.msg)?.msgType === 10);
    const reconfs: TimedPacket[] = cv.reconfigures;

    await t.test("the server sends the Reconfigure to the relay inside a Relay-reply (link-address, peer-address = the client)", () => {
      assert.ok(wrapped.length >= 1, `a Relay-reply carrying a Reconfigure on the relay's server side:\n${logs()}`);
      for (const p of wrapped) {
        const m = p.msg!;
        assert.deepEqual([p.src, p.dst, p.dstPort], [SERVER_ADDR, RELAY_UP_ADDR, 547], `Relay-reply at ${((p.time - changeAt) / 1000).toFixed(2)} s: from the server to the relay's port 547`);
        assert.equal(m.hopCount, 0, "hop-count copied (0)");
        assert.ok(sameAddr(addrText(m.linkAddress!), RELAY_DOWN_ADDR), `link-address ${addrText(m.linkAddress!)}`);
        assert.ok(sameAddr(addrText(m.peerAddress!), clientLL), `peer-address ${addrText(m.peerAddress!)} = the client ${clientLL}`);
        const forward = upPackets.find((x) => x.msg?.msgType === 12);
        const ifid = opt(forward?.msg, 18);
        if (ifid) assert.equal(hex(opt(m, 18) ?? new Uint8Array()), hex(ifid), "the relay's Interface-ID echoed");
        else assert.equal(opt(m, 18), undefined, "no Interface-ID when the relay sent none");
      }
      assert.ok(wrapped[0].time - changeAt <= 2500, `the first within 2.5 s of the change:\n${logs()}`);
    });

    await t.test(`the relay (${kind}) passes it down: the client gets the same Reconfigure bytes from the relay's link-local address, 547 -> 546`, () => {
      assert.ok(reconfs.length >= 1, `a Reconfigure reached the client:\n${logs()}`);
      const inner = new Set(wrapped.map((p) => hex(p.msg!.options.find((o) => o.code === 9)!.data)));
      for (const p of reconfs) {
        assert.ok(inner.has(hex(p.payload)), `Reconfigure at ${((p.time - changeAt) / 1000).toFixed(2)} s is byte for byte one the server wrapped`);
        assert.deepEqual([p.dstPort, p.srcPort], [546, 547]);
      }
      assert.deepEqual(
        [...new Set(reconfs.map((p) => p.src))],
        [relayLL],
        `the Reconfigure comes from the relay's link-local address ${relayLL} (dhcpcd drops any other source):\n${logs()}`,
      );
    });

    await t.test("dhcpcd renews within seconds through the relay and moves to the new /60 (its lease file, the server's leases, the route via the relay)", () => {
      assert.ok(movedMs !== null, `dhcpcd did not move to ${NEW_POOL} within ${RECONF_WINDOW_MS} ms of the change; it holds ${JSON.stringify(dhcpcdHeld(dc))}\n${logs()}`);
      assert.ok(allIn(after, NEW_POOL) && after.addresses.every((a) => inPrefix(a, LAN_NET)), `dhcpcd's lease file: ${JSON.stringify(after)}`);
      const pd = leases.filter((l) => l.kind === "pd").map((l) => `${l.address}/${l.plen}`);
      assert.deepEqual(pd, after.prefixes, `the server's IA_PD binding = dhcpcd's: ${JSON.stringify(leases)}`);
      const r = routes.find((x) => x.dst === after.prefixes[0]);
      assert.ok(r && r.gateway && sameAddr(r.gateway, RELAY_UP_ADDR) && r.dev === ctx.serverIf, `route to ${after.prefixes[0]} via the relay ${RELAY_UP_ADDR} on ${ctx.serverIf}:\n${routesAfter}\n(before:\n${routesBefore})`);
      assert.ok(routes.every((x) => !inPrefix(x.dst, OLD_POOL)), `no route left in ${OLD_POOL}:\n${routesAfter}`);
      assert.match(dcReconf.join("\n"), /RECONFIGURE6 from fe80:/, "dhcpcd logs the Reconfigure it accepted");
      const last = reconfs[reconfs.length - 1];
      const renew = cv.sent.find((p) => p.time >= changeAt && p.msg?.msgType === 5);
      assert.ok(renew && last && last.time <= renew.time + 1500, `no Reconfigure more than 1.5 s after the Renew:\n${logs()}`);
    });

    await t.test("digest: Python's hmac verifies every Reconfigure the client got with the key from its Reply; replay values increase", async () => {
      const reply = cv.keyReply;
      assert.ok(reply, `the client got a Reply with the reconfigure key:\n${logs()}`);
      const a = authOf(reply.msg)!;
      assert.deepEqual([a.protocol, a.algorithm, a.rdm, a.type], [3, 1, 0, 1]);
      assert.ok(reconfs.length > 0, `a Reconfigure to check:\n${logs()}`);
      const v = await pythonVerify(lab, "cli", reply.payload, reconfs.map((p) => p.payload));
      assert.deepEqual(v.reconfigures.filter((d) => !d.ok), [], "every digest confirmed by Python's HMAC-MD5");
      const replays = [v.keyReplay, ...v.reconfigures.map((d) => d.replay)].map((x) => BigInt(`0x${x}`));
      for (let i = 1; i < replays.length; i++) assert.ok(replays[i] > replays[i - 1], `replay values increase: ${replays.map((x) => x.toString(16)).join(" < ")}`);
      t.diagnostic(`key ${v.key}; ${v.reconfigures.length} digest(s) confirmed by python3 hmac; replay ${replays.map((x) => x.toString(16)).join(" < ")}`);
    });

    await t.test("captures on both sides of the relay: no malformed packet (tshark), no expert warning on the server's and the relay's packets, every length exact", async () => {
      await assertCleanCapture(down.file, "client side (cli)", [relayLL, RELAY_DOWN_ADDR]);
      await assertCleanCapture(up.file, "server side of the relay (rs)", [SERVER_ADDR, RELAY_UP_ADDR]);
    });
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  t.diagnostic(`run time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function addrText(b: Uint8Array): string {
  return Array.from({ length: 8 }, (_, i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16)).join(":");
}

test("ISC dhcrelay in front of our server: dhcpcd gets its Reconfigure through the relay and moves to the new prefix; digest checked with Python's hmac; clean captures", T, (t) => relayedReconfigure(t, "dhcrelay"));

test("our relay in front of our server: dhcpcd gets its Reconfigure through the relay and moves to the new prefix; digest checked with Python's hmac; clean captures", T, (t) => relayedReconfigure(t, "ours"));
