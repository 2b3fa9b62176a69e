// OUR server in the lab (build/host/cli.js run, started by the lab the way
// `npm start` does): a real dhclient -6 -S gets the configured DNS server and
// domain, and every byte the server sent passes tshark and our length walk.
// Needs root, dhclient and tshark, and a built project (npm run build).

import { test } from "node:test";
import assert from "node:assert/strict";
import { LAB_DNS, LAB_DOMAIN, assertClientOk, checkCapture, formatCaptureProblems, labLeftovers, leftovers, requireLab, runLab, withLab } from "./helpers/lab.js";

const T = { timeout: 40_000 };

test("our server answers dhclient -6 -S with DNS and domain; its Reply passes the checker", T, async () => {
  requireLab(["ip", "ss", "dhclient", "dumpcap", "tshark"]);
  let names: string[] = [];
  await withLab({ server: "ours" }, async (ctx) => {
    names = Object.values(ctx.lab.namespaces());
    assert.equal(ctx.server?.kind, "ours");
    const cap = await ctx.capture();
    const r = assertClientOk(await ctx.client("dhclient-S"));
    const file = await cap.stop();
    assert.deepEqual(r.dnsServers, [LAB_DNS]);
    assert.deepEqual(r.domainSearch, [LAB_DOMAIN]);
    const rep = await checkCapture(file, { from: ctx.serverLinkLocal });
    assert.ok(rep.checked.length >= 1, "the server's Reply was captured");
    assert.ok(
      rep.checked.every((p) => p.msgTypes[0] === 7 && p.srcPort === 547 && p.dstPort === 546),
      JSON.stringify(rep.checked.map((p) => [p.msgTypes, p.srcPort, p.dstPort])),
    );
    assert.deepEqual(rep.problems, [], formatCaptureProblems(rep.problems));
  });
  assert.deepEqual(labLeftovers(names), []);
});

test("runLab's default (npm start): our server and dhclient -6 -S, then cleanup", T, async () => {
  requireLab(["ip", "ss", "dhclient"]);
  const lines: string[] = [];
  const r = await runLab({ once: true, print: (l) => lines.push(l) });
  const text = lines.join("\n");
  assert.equal(r.ok, true, text);
  assert.match(text, /our server is listening/);
  assert.match(text, /DNS servers: +2001:db8:1::53/);
  assert.match(text, /domain search: +lab\.example/);
  assert.match(text, /^\[server\] /m, "the server's log is forwarded");
  assert.deepEqual(leftovers(), { namespaces: [], etcNetns: [] });
});
