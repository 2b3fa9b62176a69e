// The bench's pure parts: perfdhcp output, latency pairing and quantiles,
// strace -c tables, CPU profile summaries, the targets and the SVG plot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePerfdhcp, exchangeDropRatio, quantile, summarize, pairExchanges } from "../../bench/perfdhcp.js";
import { summarizeProfile, layerOf, type CpuProfile } from "../../bench/cpuprofile.js";
import { parseStraceSummary, type StepResult } from "../../bench/lab-bench.js";
import { rateSvg, targets, markdown, type Results } from "../../bench/report.js";

// perfdhcp 2.2.0 -6 -r 100 -R 50 -p 1 -x t (trimmed to three exchanges).
const PERFDHCP = `Running: perfdhcp -6 -l d6mqams-c -r 100 -R 50 -p 1 -x t
Scenario: basic.
Multi-thread mode enabled.
***Rate statistics***
Rate: 98.9601 4-way exchanges/second, expected rate: 100

***Malformed Packets***
Malformed packets: 0
***Statistics for: SOLICIT-ADVERTISE***
sent packets: 99
received packets: 98
drops: 1
drops ratio: 1.01 %
orphans: 0
rejected leases: 0
non unique addresses: 0

min delay: 0.480 ms
avg delay: 0.820 ms
max delay: 2.419 ms
std deviation: 0.287 ms
collected packets: 0

***Statistics for: REQUEST-REPLY***
sent packets: 98
received packets: 97
drops: 1
drops ratio: 1.020 %
orphans: 0
rejected leases: 0
non unique addresses: 0

min delay: 0.246 ms
avg delay: 0.493 ms
max delay: 1.175 ms
std deviation: 0.184 ms
collected packets: 0

***Timestamps for packets: SOLICIT-ADVERTISE***
sent / received: 000000.000086 / 000000.002505
sent / received: 000000.020138 / 000000.020936
sent / received: 000000.030182 / 000000.030943
***Timestamps for packets: REQUEST-REPLY***
sent / received: 000000.002600 / 000000.003100
sent / received: 000000.021000 / 000000.021500
sent / received: 000000.031000 / 000000.031250
`;

test("perfdhcp output: rate, both exchange blocks, timestamps", () => {
  const r = parsePerfdhcp(PERFDHCP);
  assert.equal(r.rate, 98.9601);
  assert.equal(r.expectedRate, 100);
  assert.deepEqual(
    [r.sa?.sent, r.sa?.received, r.sa?.drops, r.sa?.avgDelayMs, r.sa?.maxDelayMs],
    [99, 98, 1, 0.82, 2.419],
  );
  assert.deepEqual([r.rr?.sent, r.rr?.received, r.rr?.dropsRatio, r.rr?.minDelayMs, r.rr?.stddevMs], [98, 97, 1.02, 0.246, 0.184]);
  assert.equal(r.saTimes.length, 3);
  assert.equal(r.rrTimes.length, 3);
  assert.deepEqual(r.saTimes[0], [0.000086, 0.002505]);
  // 2 of 99 exchanges started got no Reply.
  assert.ok(Math.abs(exchangeDropRatio(r) - 2 / 99) < 1e-12);
});

test("perfdhcp output without statistics: everything lost", () => {
  const r = parsePerfdhcp("ERROR: running perfdhcp: pkt6 send failed\n");
  assert.equal(r.sa, null);
  assert.equal(exchangeDropRatio(r), 1);
});

test("exchange latency pairs each Request with the Advertise just before it", () => {
  const r = parsePerfdhcp(PERFDHCP);
  const p = pairExchanges(r.saTimes, r.rrTimes);
  assert.equal(p.paired, 3);
  const ms = p.latenciesMs.map((x) => Number(x.toFixed(3)));
  assert.deepEqual(ms, [3.014, 1.362, 1.068]);
  // An Advertise whose Request got no Reply does not shift the pairs after it.
  const q = pairExchanges(
    [
      [0, 0.001],
      [0.0005, 0.0015],
      [0.002, 0.003],
    ],
    [
      [0.0016, 0.002],
      [0.0031, 0.004],
    ],
  );
  assert.deepEqual(q.latenciesMs.map((x) => Number(x.toFixed(3))), [1.5, 2]);
  // A Request with no Advertise within the gap stays unpaired.
  assert.equal(pairExchanges([[0, 0.001]], [[0.1, 0.101]], 10).paired, 0);
});

test("quantiles by nearest rank", () => {
  const s = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(s, 0.5), 50);
  assert.equal(quantile(s, 0.99), 99);
  assert.equal(quantile(s, 1), 100);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  const z = summarize([3, 1, 2]);
  assert.deepEqual([z.count, z.p50Ms, z.maxMs], [3, 2, 3]);
});

test("strace -c table", () => {
  const text = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 40.00    0.004000          13       300           sendmsg
 30.00    0.003000           5       600       150 recvmsg
  0.50    0.000050           0      1200           socket
------ ----------- ----------- --------- --------- ----------------
100.00    0.007050                  2100       150 total
`;
  assert.deepEqual(parseStraceSummary(text), [
    { syscall: "socket", calls: 1200 },
    { syscall: "recvmsg", calls: 600 },
    { syscall: "sendmsg", calls: 300 },
  ]);
});

test("CPU profile: layers, self and inclusive time", () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
  const p: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 3, 6] },
      { id: 2, callFrame: frame("(idle)", "") },
      { id: 3, callFrame: frame("onDatagram", "file:///x/build/host/server.js"), children: [4, 5] },
      { id: 4, callFrame: frame("handle", "wasm://wasm/abc"), children: [] },
      { id: 5, callFrame: frame("send", "node:dgram") },
      { id: 6, callFrame: frame("(garbage collector)", "") },
    ],
    startTime: 0,
    endTime: 1000,
    samples: [2, 3, 4, 4, 5, 6, 2],
    timeDeltas: [0, 100, 100, 100, 100, 100, 100],
  };
  const s = summarizeProfile(p, ["onDatagram", "handle"]);
  // Sample i gets the next delta: 2:100, 3:100, 4:200, 5:100, 6:100, last 2: 0.
  assert.equal(s.busyMs, 0.5);
  const layer = Object.fromEntries(s.layers.map((l) => [l.layer, l.ms]));
  assert.deepEqual([layer["core.wasm"], layer["host JS"], layer["node JS"], layer.GC, layer.idle], [0.2, 0.1, 0.1, 0.1, 0.1]);
  assert.equal(s.topSelf[0].frame, "handle [wasm]");
  assert.equal(s.topSelf[0].pct, 40);
  const inc = Object.fromEntries(s.inclusive.map((f) => [f.frame, f.pct]));
  assert.deepEqual(inc, { onDatagram: 80, handle: 40 });
  assert.deepEqual(s.topWasm.map((f) => f.frame), ["handle [wasm]"]);
  // A window (profile clock, microseconds) keeps only the samples inside it: t = 200, 300, 400 -> samples 4, 4, 5.
  const w = summarizeProfile(p, [], 15, [150, 450]);
  assert.equal(w.samples, 3);
  assert.equal(w.wallMs, 0.3);
  assert.equal(layerOf("$func12", ""), "core.wasm");
  assert.equal(layerOf("send", ""), "native/V8");
});

function stepOf(kind: StepResult["kind"], requested: number, answered: number, clean: boolean): StepResult {
  return {
    kind,
    requested,
    seconds: 4,
    offered: requested,
    answered,
    dropRatio: clean ? 0 : 0.1,
    clean,
    saSent: requested * 4,
    saReceived: answered * 4,
    rrSent: answered * 4,
    rrReceived: answered * 4,
    saAvgMs: 1,
    rrAvgMs: 1,
    cpuUsPerExchange: 100,
    userShare: 0.7,
    rssKb: 50000,
    load1: 1,
  };
}

test("targets, Markdown and the SVG plot from a results document", () => {
  const steps = [stepOf("kea", 1000, 1000, true), stepOf("kea", 2000, 1800, false), stepOf("ours", 1000, 1000, true), stepOf("ours", 2000, 2000, true)];
  const partial: Omit<Results, "targets"> = {
    meta: { date: "2026-01-01T00:00:00Z", mode: "full", commit: "abc", node: "v20", cpus: "cpu", cores: 2, kea: "2.2.0", perfdhcp: "2.2.0", kernel: "6", load1Start: 1, load1End: 1, durationS: 1 },
    coreWasmBytes: 50000,
    core: null,
    lab: {
      steps,
      best: [
        { kind: "kea", rate: 1000, requested: 1000, cpuUsPerExchange: 100, stoppedBy: "drops" },
        { kind: "ours", rate: 2000, requested: 2000, cpuUsPerExchange: 50, stoppedBy: "ladder" },
        { kind: "floor", rate: 1500, requested: 1500, cpuUsPerExchange: 20, stoppedBy: "drops" },
      ],
      latency: [],
      memory: [
        { kind: "node", label: "idle node", bindings: 0, capacity: null, rssKb: 40000, hwmKb: 40000, fillSeconds: 0 },
        { kind: "ours", label: "ours 10k", bindings: 10000, capacity: 11000, rssKb: 45000, hwmKb: 46000, anonKb: 12000, fileKb: 33000, fillSeconds: 3 },
        // A restart on those bindings (a few offers fewer) is shown, not what the target is judged on.
        { kind: "ours", label: "ours restarted", bindings: 9990, capacity: 11000, rssKb: 99000, hwmKb: 99000, fillSeconds: 0, restarted: true },
      ],
      startup: [{ kind: "ours", label: "ours", ms: [200, 250], medianMs: 225, minMs: 200 }],
      profile: null,
      syscalls: [],
      notes: [],
    },
    errors: [],
  };
  const t = targets(partial);
  const byName = Object.fromEntries(t.map((x) => [x.name.split(" (")[0], x.met]));
  assert.deepEqual(byName, { "end to end": true, memory: true, "start-up": true, "core.wasm size": true });
  const md = markdown({ ...partial, targets: t });
  assert.match(
    md,
    /\| end to end \| >= 2x Kea's highest clean four-way rate \| 2000\/s vs Kea 1000\/s = 2\.00x; the floor \(a C responder with no logic\) 1500\/s = 1\.50x Kea: perfdhcp cannot drive 2x Kea here; server CPU per exchange at the highest clean rate: ours 50 us, Kea 100 us \(2\.00x less\) \| yes \|/,
  );
  assert.match(md, /\| memory \(10000 bindings\) \| [^|]+ \| 43\.9 MiB vs idle node 39\.1 MiB: \+4\.9 MiB \| yes \|/);
  assert.match(md, /\| ours 10k \| 10000 \| 11000 \| 43\.9 \| \+4\.9 \| 11\.7 \/ 32\.2 \| 44\.9 \| 3\.0 \|/, "the anon / files split");
  assert.match(md, /\| ours restarted \| 9990 \| 11000 \| 96\.7 \| \+57\.6 \| - \|/);
  const svg = rateSvg(steps, "test <plot>");
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /test &lt;plot&gt;/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.equal((svg.match(/<circle [^>]*fill="white"/g) ?? []).length, 2); // the unclean Kea step + the legend
  assert.ok(svg.trim().endsWith("</svg>"));
});
