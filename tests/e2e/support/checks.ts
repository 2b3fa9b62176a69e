// Assertions shared by the stateful tests: what the server says (leases), what
// the kernel has (routes), what the lease file says, and what the clients got
// must agree; no two bindings share an address or a prefix; captures are clean.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { checkCapture, describePackets, formatCaptureProblems, sleep, type CaptureReport } from "../helpers/lab.js";
import { msgLabel } from "../../../host/lab/dhcpv6-bytes.js";
import { delegatedRoutes, delegatedRoutesText, type FlatLease, type OurDaemon } from "./server.js";
import { parseLeaseFile, type LeaseFile } from "./leasefile.js";
import { inPrefix, isNetworkPrefix, overlaps } from "./topology.js";
import type { Binding } from "./sessions.js";

export const pfx = (l: FlatLease) => `${l.address}/${l.plen}`;

/** The server's bindings for the client that holds `address` (by its DUID): its address leases and prefix leases. */
export function serverViewOf(leases: FlatLease[], address: string): { duid: string; na: FlatLease[]; pd: FlatLease[] } {
  const na = leases.find((l) => l.kind === "na" && l.address === address);
  assert.ok(na, `the server's leases hold ${address}: ${JSON.stringify(leases)}`);
  const mine = leases.filter((l) => l.duid === na.duid);
  return { duid: na.duid, na: mine.filter((l) => l.kind === "na"), pd: mine.filter((l) => l.kind === "pd") };
}

/**
 * A client's binding (one address, one prefix) as the client sees it matches
 * the server's `leases`, and the delegated route is in the kernel via the
 * client's link-local address. Returns the server's view.
 */
export async function assertBound(srv: OurDaemon, b: Binding, o: { who: string; clientLinkLocal: string; serverIf: string; pool: string; naPrefixes: string[] }) {
  assert.equal(b.addresses.length, 1, `${o.who}: one address (${JSON.stringify(b)})`);
  assert.equal(b.prefixes.length, 1, `${o.who}: one prefix (${JSON.stringify(b)})`);
  const [address] = b.addresses;
  const [prefix] = b.prefixes;
  assert.ok(
    o.naPrefixes.some((p) => inPrefix(address, p)),
    `${o.who}: address ${address} lies in one of the server's on-link prefixes ${o.naPrefixes.join(", ")}`,
  );
  assert.ok(inPrefix(prefix, o.pool) && isNetworkPrefix(prefix), `${o.who}: prefix ${prefix} is a network prefix inside ${o.pool}`);
  const view = serverViewOf(await srv.flatLeases(), address);
  if (b.duid) assert.equal(view.duid, b.duid, `${o.who}: the server's binding has the client's DUID`);
  assert.deepEqual(view.na.map((l) => l.address), [address], `${o.who}: the server's IA_NA binding`);
  assert.deepEqual(view.pd.map(pfx), [prefix], `${o.who}: the server's IA_PD binding`);
  for (const l of [...view.na, ...view.pd]) assert.equal(l.device, o.serverIf, `${o.who}: binding on ${o.serverIf}`);
  const routes = delegatedRoutes(srv.lab);
  const r = routes.filter((x) => x.dst === prefix);
  assert.equal(r.length, 1, `${o.who}: one proto 96 route to ${prefix}:\n${delegatedRoutesText(srv.lab)}`);
  assert.equal(r[0].gateway, o.clientLinkLocal, `${o.who}: route to ${prefix} via the client's link-local address`);
  assert.equal(r[0].dev, o.serverIf);
  assert.equal(r[0].metric, 1024, `${o.who}: metric 1024`);
  return view;
}

/** After a release: the server has no binding for that DUID, the route is gone (waits up to timeoutMs for the route). */
export async function assertReleased(srv: OurDaemon, duid: string, prefix: string, who: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await srv.flatLeases()).filter((l) => l.duid === duid);
    const route = delegatedRoutes(srv.lab).some((r) => r.dst === prefix);
    if (!left.length && !route) return;
    if (Date.now() > deadline)
      assert.fail(`${who}: after the Release, leases still hold ${JSON.stringify(left)} / routes:\n${delegatedRoutesText(srv.lab)}\n--- server ---\n${srv.tail(20)}`);
    await sleep(100);
  }
}

/** No address is given twice, no two prefixes overlap, no address lies inside a delegated prefix. */
export function assertDisjoint(leases: FlatLease[], what = "leases"): void {
  const na = leases.filter((l) => l.kind === "na");
  const pd = leases.filter((l) => l.kind === "pd");
  const seen = new Map<string, FlatLease>();
  for (const l of na) {
    const o = seen.get(l.address);
    assert.ok(!o, `${what}: address ${l.address} given to ${o?.duid}/${o?.iaid} and to ${l.duid}/${l.iaid}`);
    seen.set(l.address, l);
  }
  for (let i = 0; i < pd.length; i++)
    for (let j = i + 1; j < pd.length; j++)
      assert.ok(!overlaps(pfx(pd[i]), pfx(pd[j])), `${what}: prefixes ${pfx(pd[i])} (${pd[i].duid}) and ${pfx(pd[j])} (${pd[j].duid}) overlap`);
  for (const p of pd) for (const a of na) assert.ok(!inPrefix(a.address, pfx(p)), `${what}: address ${a.address} (${a.duid}) lies inside the delegated ${pfx(p)} (${p.duid})`);
}

/** Reads the lease file once it satisfies pred (the daemon debounces writes); throws with the last content. */
export async function waitLeaseFile(file: string, pred: (f: LeaseFile) => boolean, what: string, timeoutMs = 3000): Promise<LeaseFile> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  for (;;) {
    text = existsSync(file) ? readFileSync(file, "utf8") : "";
    const f = parseLeaseFile(text);
    if (pred(f)) return f;
    if (Date.now() > deadline) assert.fail(`lease file ${file}: ${what} not so after ${timeoutMs} ms; content:\n${text || "(missing or empty)"}`);
    await sleep(100);
  }
}

/**
 * The lease file says exactly what `leases` says, in odhcpd's format: one
 * binding line per (DUID, IAID, type), same addresses/prefix, assigned and
 * length; expiry = now + valid (±3 s); a hosts line per address of each IA_NA
 * binding with a hostname.
 */
export function assertLeaseFileMatches(f: LeaseFile, leases: FlatLease[], domain: string): void {
  assert.deepEqual(f.problems, [], `lease file format:\n${f.problems.join("\n")}`);
  type Group = { l: FlatLease; addrs: string[] };
  const groups = new Map<string, Group>();
  for (const l of leases) {
    const k = `${l.duid}/${l.iaid}/${l.kind}`;
    const g = groups.get(k) ?? { l, addrs: [] };
    g.addrs.push(pfx(l));
    groups.set(k, g);
  }
  assert.equal(f.bindings.length, groups.size, `one lease file line per binding: file has ${f.bindings.length}, leases ${groups.size}`);
  const now = Math.floor(Date.now() / 1000);
  for (const { l, addrs } of groups.values()) {
    const length = l.kind === "na" ? 128 : l.plen;
    const line = f.bindings.find((b) => b.duid === l.duid && b.iaid === l.iaid && b.length === length);
    assert.ok(line, `lease file has a line for ${l.duid} IAID ${l.iaid} length ${length}`);
    assert.equal(line.ifname, l.device);
    assert.equal(line.assigned, l.assigned, "assigned (hex)");
    assert.deepEqual(line.addrs.map((a) => `${a.address}/${a.plen}`).sort(), addrs.sort(), "addresses");
    assert.equal(line.hostname ?? "", l.hostname, "hostname");
    assert.ok(Math.abs(line.expiry - (now + l.valid)) <= 3, `expiry ${line.expiry} ≈ now ${now} + valid ${l.valid}`);
    if (l.kind === "na" && l.hostname) {
      for (const a of addrs) {
        const h = f.hosts.find((x) => x.address === a.split("/")[0]);
        assert.ok(h, `hosts line for ${a}`);
        assert.deepEqual(h.names, [`${l.hostname}.${domain}`, l.hostname], "hosts line names");
      }
    }
  }
  assert.equal(f.hosts.length, leases.filter((l) => l.kind === "na" && l.hostname).length, "hosts lines only for IA_NA bindings with a hostname");
}

/**
 * Every packet of the capture: no malformed packet (tshark). Packets from the
 * server: no expert warning and every length exact (checkCapture's walk).
 * Returns the report of the server's packets.
 */
export async function assertCleanCapture(file: string, serverAddrs: string[]): Promise<CaptureReport> {
  const all = await checkCapture(file, { lengths: false, minSeverity: "error" });
  const malformed = all.problems.filter((p) => p.kind === "malformed");
  assert.deepEqual(malformed, [], `malformed packets:\n${formatCaptureProblems(malformed)}\n${describePackets(all.packets)}`);
  const ours = await checkCapture(file, { from: serverAddrs });
  assert.deepEqual(ours.problems, [], `packets from the server:\n${formatCaptureProblems(ours.problems)}\n${describePackets(ours.checked)}`);
  return ours;
}

/** The outer message type names of every packet of a capture, in order. */
export function sequence(report: CaptureReport): string[] {
  return report.packets.map((p) => msgLabel(p.msgTypes[0]));
}
