// A Solicit flood from random DUIDs cannot exhaust the binding table or the
// daemon's memory (issue 6 item 3), end to end:
//
//   c1/c (perfdhcp) --- p1 \
//                          br (our daemon: 2001:db8:1::1/64, 2001:db8:100::1/48; max_bindings 256, leasetime 1m)
//   c2/c (dhclient) --- p2 /
//
// perfdhcp first commits some 90 clients (IA_NA + IA_PD: ~180 bindings, so
// that the offers of the flood fill the rest of the table), then floods
// Solicits only (`-i`: Solicit-Advertise, no Request) from up to a million
// random DUIDs at 3000/s for 36 s. Meanwhile a real `dhclient -6 -N -P`
// binds, and renews at T1 (30 s); afterwards another dhclient binds. Every
// couple of seconds `counters` and `leases` are read: the table never holds
// more than its capacity and not one committed binding is pushed out; the
// daemon's VmRSS is sampled: it stays bounded and does not grow with the
// number of messages.

import { test } from "node:test";
import assert from "node:assert/strict";
import { labLeftovers, requireLab, requireTool, runDhclient, sleep, startCapture, withTopology, type Capture } from "./helpers/lab.js";
import { DhclientSession } from "./support/sessions.js";
import { clientRoles, inPrefix, lanTopology, setupLanBridge } from "./support/topology.js";
import { pfx, serverViewOf } from "./support/checks.js";
import type { FlatLease } from "./support/server.js";
import { RssSampler, counterDelta, describeExchange, dhclientLive, parsePerfdhcp, startRobustDaemon } from "./robust-support/lab.js";

const CAPACITY = 256;
const FLOOD_RATE = 3000;
const FLOOD_SECONDS = 36;
const key = (l: FlatLease) => `${l.duid} ${l.iaid} ${l.kind} ${pfx(l)}`;

function uci(bridge: string): string {
  return [
    "config odhcpd 'odhcpd'",
    `\toption max_bindings '${CAPACITY}'`,
    "",
    "config dhcp 'lan'",
    `\toption ifname '${bridge}'`,
    "\toption dhcpv6 'server'",
    "\toption leasetime '1m'",
    "\tlist dns '2001:db8:1::53'",
    "\tlist domain 'lab.example'",
    "",
  ].join("\n");
}

test(
  `a Solicit flood from random DUIDs (perfdhcp -i, ${FLOOD_RATE}/s for ${FLOOD_SECONDS} s) against max_bindings ${CAPACITY}: committed bindings are never pushed out, a real dhclient binds and renews during it and another binds after it, RSS stays bounded`,
  { timeout: 150_000 },
  async (t) => {
    requireLab(["ip", "ss", "sysctl", "perfdhcp", "dhclient"]);
    let names: string[] = [];
    await withTopology(lanTopology(2), async (lab) => {
      names = Object.values(lab.namespaces());
      const [c1, c2] = clientRoles(2);
      const { bridge } = await setupLanBridge(lab, 2, ["2001:db8:1::1/64", "2001:db8:100::1/48"]);
      const srv = await startRobustDaemon(lab, "srv", bridge, uci(bridge));
      // dhclient's own exchanges (its link-local address only: not the flood's multicast), for the failure messages.
      const c2ll = await lab.waitLinkLocal(c2);
      // The daemon's debug lines about perfdhcp's datagrams (left out of failure messages).
      const floodLine = new RegExp(`bytes from ${await lab.waitLinkLocal(c1)}%`);
      let cap: Capture | null = null;
      try {
        cap = await startCapture(lab, c2, undefined, { filter: `host ${c2ll} and udp and (port 546 or port 547)` });
        // 1. Committed bindings: full exchanges (Solicit, Advertise, Request, Reply) of up to 100 perfdhcp clients.
        const pre = await lab.run(c1, requireTool("perfdhcp"), ["-6", "-l", lab.ifname(c1), "-e", "address-and-prefix", "-R", "100", "-n", "250", "-r", "125"], {
          check: false,
          timeoutMs: 30_000,
        });
        const committed = await srv.flatLeases();
        const committedKeys = new Set(committed.map(key));
        assert.ok(committed.length >= 150, `perfdhcp committed most of its 100 clients (${committed.length} bindings):\n${pre.stdout.slice(-500)}`);
        const before = await srv.counters();
        assert.ok(before.bindings && before.bindings.capacity === CAPACITY, `capacity ${JSON.stringify(before.bindings)}`);

        // 2. The flood, with the RSS sampled from its start.
        const rss0 = srv.memory().rssKb;
        const rss = new RssSampler(srv.pid, 250);
        const flood = lab.spawn(c1, requireTool("perfdhcp"), ["-6", "-l", lab.ifname(c1), "-i", "-e", "address-and-prefix", "-R", "1000000", "-r", String(FLOOD_RATE), "-p", String(FLOOD_SECONDS)], {
          name: "perfdhcp flood",
        });
        const t0 = Date.now();
        const problems: string[] = [];
        const samples: string[] = [];
        let maxUsed = 0;
        let monitoring = true;
        const monitor = (async () => {
          while (monitoring && flood.running) {
            try {
              const c = await srv.counters();
              const leases = await srv.flatLeases();
              const have = new Set(leases.map(key));
              const lost = [...committedKeys].filter((k) => !have.has(k));
              maxUsed = Math.max(maxUsed, c.bindings?.used ?? 0);
              samples.push(`${((Date.now() - t0) / 1000).toFixed(0)}s rx=${c.rx} used=${c.bindings?.used} leases=${leases.length}`);
              if ((c.bindings?.used ?? Infinity) > CAPACITY) problems.push(`${samples.at(-1)}: more bindings than the capacity`);
              if (lost.length) problems.push(`${samples.at(-1)}: ${lost.length} committed bindings gone, e.g. ${lost.slice(0, 3).join(" | ")}`);
            } catch (e) {
              if (monitoring) problems.push(`${((Date.now() - t0) / 1000).toFixed(0)}s: counters/leases failed: ${(e as Error).message}`);
            }
            await sleep(2000);
          }
        })();
        const stopMonitoring = async () => {
          monitoring = false;
          rss.stop();
          await monitor;
        };
        try {
          // 3. A real client binds during the flood, then renews at T1 (30 s) while the flood goes on.
          await sleep(1500);
          assert.ok(flood.running, `perfdhcp runs: ${flood.tail()}`);
          const dh = new DhclientSession(lab, c2, "dhclient");
          await dh.start(20_000);
          const boundAt = (Date.now() - t0) / 1000;
          // Only what has a valid lifetime: a prefix the Advertise offered may come back with lifetime 0
          // when the flood took it meanwhile (the offer itself was pushed out within milliseconds).
          const bound = dhclientLive(dh.lf);
          assert.equal(bound.addresses.length, 1, `dhclient got an address during the flood: ${bound.all.join(", ")}`);
          assert.equal(bound.prefixes.length, 1, `dhclient got a prefix during the flood: ${bound.all.join(", ")}`);
          const view = serverViewOf(await srv.flatLeases(), bound.addresses[0]);
          assert.deepEqual(view.pd.map(pfx), bound.prefixes, "the server's leases hold dhclient's prefix");
          const seen = dh.records().length;
          await dh.waitReason(/^RENEW6$/, seen, 45_000);
          const renewedAt = (Date.now() - t0) / 1000;
          assert.ok(flood.running, `the flood was still running when dhclient renewed (${renewedAt.toFixed(1)} s in): ${flood.tail()}`);
          const renewed = dhclientLive(dh.lf);
          assert.deepEqual([renewed.addresses, renewed.prefixes], [bound.addresses, bound.prefixes], `dhclient's Renew during the flood keeps address and prefix (${renewed.all.join(", ")})`);

          // 4. The end of the flood.
          await Promise.race([flood.exited, sleep(FLOOD_SECONDS * 1000 + 15_000)]);
          await stopMonitoring();
          assert.ok(!flood.running, "perfdhcp finished");
          const perf = parsePerfdhcp(flood.stdout);
          const after = await srv.counters();
          const d = counterDelta(before, after);
          const leases = await srv.flatLeases();
          const have = new Set(leases.map(key));
          const lost = [...committedKeys].filter((k) => !have.has(k));

          assert.deepEqual(problems, [], `during the flood:\n${problems.join("\n")}\nsamples: ${samples.join("; ")}`);
          assert.deepEqual(lost, [], `committed bindings pushed out by the flood (${lost.length} of ${committedKeys.size})`);
          assert.ok((after.bindings?.used ?? Infinity) <= CAPACITY, `bindings after the flood: ${JSON.stringify(after.bindings)}`);
          assert.ok(perf.sent >= FLOOD_RATE * FLOOD_SECONDS * 0.8, `perfdhcp sent most of its Solicits: ${JSON.stringify(perf)}\n${flood.tail(20)}`);
          assert.ok((d.rx ?? 0) >= perf.sent * 0.95, `the daemon received the flood (rx +${d.rx}, perfdhcp sent ${perf.sent})`);
          assert.ok(perf.received >= perf.sent * 0.9, `the flood's Solicits were answered, each with an offer made room for (${JSON.stringify(perf)})`);
          const dropped = Object.entries(d).filter(([k, v]) => k.startsWith("drop_") && v > 0);
          assert.deepEqual(dropped, [], "nothing in the flood was dropped (random DUIDs: no per-client limit applies; no per-interface limit configured)");
          assert.ok(serverViewOf(leases, bound.addresses[0]).na.length === 1, "dhclient's binding is in leases after the flood");

          // Memory: bounded, and not growing with the number of messages (the second half of the flood adds nothing much).
          const peak = rss.maxKb;
          const half = (FLOOD_SECONDS * 1000) / 2;
          const firstHalf = rss.maxBetween(0, half);
          const secondHalf = rss.maxBetween(half, FLOOD_SECONDS * 1000 + 5000);
          assert.ok(peak - rss0 <= 48 * 1024, `VmRSS grew by ${((peak - rss0) / 1024).toFixed(1)} MiB during the flood (from ${(rss0 / 1024).toFixed(1)} MiB): ${rss.describe()}`);
          assert.ok(secondHalf - firstHalf <= 16 * 1024, `VmRSS kept growing in the second half of the flood (${(firstHalf / 1024).toFixed(1)} -> ${(secondHalf / 1024).toFixed(1)} MiB): ${rss.describe()}`);

          // 5. After the flood, another real client binds (in c1, where perfdhcp ran).
          const late = await runDhclient(lab, c1, { mode: "NP", timeoutMs: 15_000 });
          assert.ok(late.ok, `a dhclient after the flood binds: ${late.error}\n${late.log.split("\n").slice(-20).join("\n")}`);
          assert.ok(inPrefix(late.addresses[0].address, "2001:db8:1::/64"), `its address ${late.addresses[0].address}`);

          t.diagnostic(
            `flood: perfdhcp sent ${perf.sent} Solicits at ${perf.rate.toFixed(0)}/s, ${perf.received} Advertises back; daemon rx +${d.rx}, tx +${d.tx}; ` +
              `${committed.length} committed bindings before, all kept; table use max ${maxUsed}/${CAPACITY}; dhclient bound ${boundAt.toFixed(1)} s and renewed ${renewedAt.toFixed(1)} s into the flood; ` +
              `VmRSS ${(rss0 / 1024).toFixed(1)} MiB before, peak ${(peak / 1024).toFixed(1)} MiB (first half ${(firstHalf / 1024).toFixed(1)}, second half ${(secondHalf / 1024).toFixed(1)}); samples ${rss.describe()}`,
          );
          t.diagnostic(`monitor: ${samples.join("; ")}`);
        } finally {
          await stopMonitoring();
        }
      } catch (e) {
        const exchange = cap ? await describeExchange(await cap.stop()).catch((x: Error) => x.message) : "";
        (e as Error).message += `\n--- dhclient's exchanges ---\n${exchange}\n--- server log (without the flood's lines) ---\n${srv.tailExcept(floodLine, 40)}`;
        throw e;
      }
    });
    assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
  },
);
