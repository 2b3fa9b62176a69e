// The rate limits (issue 6 item 3), end to end, on the direct topology
// (srv/s -- cli/c). The traffic generator (robust-support/flood-worker.ts)
// runs in the client namespace, sends Solicits to ff02::1:2 and counts the
// Advertises that come back, per second and per client.
//
//  - dhcpv6_client_ratelimit: one DUID sending Solicits as fast as it can is
//    answered at most the bucket (2 x rate) plus rate per second; another
//    client sending now and then meanwhile is answered every time; the rest is
//    counted as drop_rate_limit in the `counters` CLI (rx = tx + drop_rate_limit).
//  - dhcpv6_ratelimit: Solicits from random DUIDs (no per-client limit
//    applies) are answered at most 2 x rate plus rate per second in total.

import { test } from "node:test";
import assert from "node:assert/strict";
import { directTopology, labLeftovers, requireLab, withTopology, type Lab } from "./helpers/lab.js";
import { counterDelta, runFlood, startRobustDaemon, udp6Stats, type FloodResult, type RobustDaemon } from "./robust-support/lab.js";

const T = { timeout: 60_000 };

function uci(ifname: string, extra: string[]): string {
  return ["config dhcp 'lan'", `\toption ifname '${ifname}'`, "\toption dhcpv6 'server'", "\tlist dns '2001:db8:1::53'", ...extra.map((e) => `\t${e}`), ""].join("\n");
}

async function lab(extra: string[], fn: (lab: Lab, srv: RobustDaemon) => Promise<void>): Promise<void> {
  let names: string[] = [];
  await withTopology(directTopology(), async (lab) => {
    names = Object.values(lab.namespaces());
    const srv = await startRobustDaemon(lab, "srv", lab.ifname("srv"), uci(lab.ifname("srv"), extra));
    try {
      await fn(lab, srv);
    } catch (e) {
      (e as Error).message += `\n--- server log ---\n${srv.tail(30)}`;
      throw e;
    }
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
}

/** Sends from the client namespace's link-local address (port 546) to ff02::1:2 on its interface. */
function toServers(lab: Lab) {
  const ifname = lab.ifname("cli");
  return { bind: { addr: "::", port: 546 }, dst: { addr: `ff02::1:2%${ifname}`, port: 547 }, mcastIf: ifname };
}

const ADVERTISE = "2";
const fmt = (r: FloodResult) => `sent ${r.sent} in ${r.sendMs} ms (${Math.round((r.sent * 1000) / Math.max(1, r.sendMs))}/s), answered ${r.received} (${JSON.stringify(r.byType)}), per second ${JSON.stringify(r.perSecond)}; victim ${r.victimReplies}/${r.victimSent} ${JSON.stringify(r.victimPerSecond)}; send errors ${r.sendErrors} ${r.firstSendError}`;

test("dhcpv6_client_ratelimit 10: one DUID sending Solicits as fast as it can is answered at most 2 x 10 + 10 per second, another client is still answered, drop_rate_limit counts the rest", T, async (t) => {
  requireLab(["ip", "ss", "sysctl"]);
  const RATE = 10;
  const SECONDS = 4;
  await lab(["option dhcpv6_client_ratelimit '10'"], async (lab, srv) => {
    const before = await srv.counters();
    const k0 = await udp6Stats(lab, "srv");
    const r = await runFlood(lab, "cli", {
      ...toServers(lab),
      rate: 0, // as fast as the socket takes them
      durationMs: SECONDS * 1000,
      messages: { kind: "solicit", duid: "000300010a0000000bad" },
      victim: { duid: "000300010a0000000001", everyMs: 250 },
      listenMs: 1000,
    });
    const after = await srv.counters();
    const k1 = await udp6Stats(lab, "srv");
    const d = counterDelta(before, after);
    const answered = r.byType[ADVERTISE] - r.victimReplies;
    const seconds = Math.ceil(r.sendMs / 1000);
    const kernelDrops = (k1.Udp6RcvbufErrors ?? 0) - (k0.Udp6RcvbufErrors ?? 0);
    t.diagnostic(`per-client flood: ${fmt(r)}; counters delta ${JSON.stringify(d)}; the kernel dropped ${kernelDrops} datagrams at the daemon's full receive buffers (Udp6RcvbufErrors)`);
    assert.equal(d.kernel_drops ?? 0, kernelDrops, "counters' kernel_drops = the namespace's Udp6RcvbufErrors (only our daemon receives there)");

    assert.ok(r.sent >= 2000, `the flood sent thousands of Solicits: ${fmt(r)}`);
    // The bucket: 2 x rate at the start, + rate per second of the host clock.
    assert.ok(answered <= 2 * RATE + RATE * (seconds + 1), `answered ${answered} Solicits of the flooding DUID in ${seconds} s: at most ${2 * RATE} + ${RATE}/s (${fmt(r)})`);
    assert.ok(answered >= RATE * (seconds - 1), `but the DUID is not shut out: ${answered} answered (${fmt(r)})`);
    assert.ok(r.perSecond[0] <= 3 * RATE, `first second: the bucket (${2 * RATE}) and at most one refill: ${r.perSecond[0]}`);
    for (let s = 1; s < seconds; s++) assert.ok((r.perSecond[s] ?? 0) <= 2 * RATE, `second ${s}: at most about 2 x rate answered (${r.perSecond[s]})`);
    // The other client's Solicits are never rate-limited, but at this rate some die in the kernel
    // (the daemon's socket buffer overflows: Udp6RcvbufErrors) before the daemon sees them.
    assert.ok(r.victimReplies >= r.victimSent * 0.75, `the other client (4 Solicits/s) is answered during the flood (${fmt(r)}; kernel drops ${kernelDrops})`);

    // The counters CLI tells the same story: every received Solicit was answered or counted as rate-limited.
    assert.equal(d.tx, answered + r.victimReplies, "tx = the Advertises the clients got");
    assert.equal(d.drop_rate_limit, d.rx - d.tx, `rx - tx = drop_rate_limit (${JSON.stringify(d)})`);
    assert.ok(d.rx >= r.sent * 0.5, `the daemon received most of the flood (rx +${d.rx} of ${r.sent + r.victimSent} sent)`);
    const others = Object.entries(d).filter(([k]) => k.startsWith("drop_") && k !== "drop_rate_limit");
    assert.deepEqual(others, [], "no other drop reason");
    assert.equal(d.rx, r.sent + r.victimSent - kernelDrops, "what the daemon did not receive, the kernel dropped at its receive buffer");
  });
});

test("dhcpv6_ratelimit 50: Solicits from random DUIDs at 1000/s are answered at most 2 x 50 + 50 per second in total; drop_rate_limit counts the rest", T, async (t) => {
  requireLab(["ip", "ss", "sysctl"]);
  const RATE = 50;
  const SECONDS = 4;
  await lab(["option dhcpv6_ratelimit '50'"], async (lab, srv) => {
    const before = await srv.counters();
    const r = await runFlood(lab, "cli", {
      ...toServers(lab),
      rate: 1000,
      durationMs: SECONDS * 1000,
      messages: { kind: "solicit", duid: "random" },
      victim: { duid: "000300010a0000000001", everyMs: 250 },
      listenMs: 1000,
    });
    const after = await srv.counters();
    const d = counterDelta(before, after);
    const answered = r.byType[ADVERTISE] ?? 0;
    const seconds = Math.ceil(r.sendMs / 1000);
    t.diagnostic(`per-interface flood: ${fmt(r)}; counters delta ${JSON.stringify(d)} (the interface limit does not tell clients apart: the occasional client got ${r.victimReplies} of ${r.victimSent} answered)`);

    assert.ok(r.sent >= 0.9 * 1000 * SECONDS, `the flood went out: ${fmt(r)}`);
    assert.ok(d.rx >= 0.95 * (r.sent + r.victimSent), `the daemon received it: rx +${d.rx}`);
    assert.ok(answered <= 2 * RATE + RATE * (seconds + 1), `answered ${answered} in ${seconds} s in total: at most ${2 * RATE} + ${RATE}/s (${fmt(r)})`);
    assert.ok(answered >= RATE * (seconds - 1), `the interface still answers at its rate: ${answered} (${fmt(r)})`);
    assert.ok(r.perSecond[0] <= 3 * RATE, `first second: ${r.perSecond[0]}`);
    for (let s = 1; s < seconds; s++) assert.ok((r.perSecond[s] ?? 0) <= 2 * RATE, `second ${s}: ${r.perSecond[s]}`);
    assert.equal(d.tx, answered, "tx = the Advertises the clients got");
    assert.equal(d.drop_rate_limit, d.rx - d.tx, `rx - tx = drop_rate_limit (${JSON.stringify(d)})`);
    const others = Object.entries(d).filter(([k]) => k.startsWith("drop_") && k !== "drop_rate_limit");
    assert.deepEqual(others, [], "no other drop reason");
  });
});
