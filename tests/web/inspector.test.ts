// The browser inspector (build/web) in Debian's chromium: a real dhclient
// capture dropped on the page, the list, the tree, the byte highlighting both
// ways, filters and exchanges, a pasted hex dump with malformed options, the
// simulated server reply next to the captured one, the shareable link, the page
// opened from file://, and a 100k-packet capture that must not freeze the page.
// Expected values come from the capture files and from the same core.wasm run
// here in Node, never from the page itself.
//
// Screenshots: build/artifacts/inspector.png, inspector-malformed.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Server } from "node:http";
import type { Page } from "playwright-core";
import { Core } from "../../host/core/core.js";
import { encodeIface } from "../../host/core/records.js";
import { parseConfig } from "../../host/config/schema.js";
import { encodeConfig } from "../../host/config/encode.js";
import { dhcpv6Packets, readFrames, type UdpPacket } from "../../host/util/pcap.js";
import { formatIPv6, parseIPv6 } from "../../host/util/ipv6.js";
import type { InspectResult, InspectOption } from "../../host/cli/decode.js";
import { serveStatic } from "../../web/serve.js";
import { CAPTURES, WEB, artifact, hexBytes, launchChromium, listRows, loadAndWait, range, treeNodes, waitStarted, watchErrors, type Browser } from "./helpers.js";

const NA_PD = join(CAPTURES, "kea-dhclient-na-pd.pcapng");
const MALFORMED = join(CAPTURES, "malformed-odhcpd2026-relay.pcapng");
const PERFDHCP = join(CAPTURES, "perfdhcp-sample.pcapng");
const DHCP6C = join(CAPTURES, "kea-dhcp6c-na-pd.pcapng");

const wasm = readFileSync(join(WEB, "core.wasm"));
const core = Core.loadSync(wasm);
const inspect = (b: Uint8Array) => core.inspect(b) as InspectResult;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const xidOf = (p: UdpPacket) => "0x" + hex(p.payload.subarray(1, 4));
const opt = (opts: InspectOption[], code: number) => {
  const o = opts.find((x) => x.code === code);
  assert.ok(o, `option ${code} in ${opts.map((x) => x.code)}`);
  return o;
};

let browser: Browser;
let server: Server;
let base: string;
let page: Page;
let pageErrors: string[];
/** Every URL the pages asked for. */
const requests: string[] = [];

before(async () => {
  browser = await launchChromium();
  browser.ctx.on("request", (r) => requests.push(r.url()));
  ({ server, url: base } = await serveStatic(WEB));
  page = await browser.ctx.newPage();
  pageErrors = watchErrors(page);
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("the page loads core.wasm from the static server, with no other request", async () => {
  await page.goto(base);
  await waitStarted(page);
  assert.match(await page.textContent("#core-info") ?? "", /ABI 1, loaded from core\.wasm/);
  const outside = requests.filter((u) => !u.startsWith(base) && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(outside, []);
  assert.deepEqual(
    requests.map((u) => u.replace(base, "/")).sort(),
    ["/", "/app.js", "/core.wasm", "/style.css"],
  );
});

const packets = dhcpv6Packets(new Uint8Array(readFileSync(NA_PD)));

test("a pcapng from dhclient and Kea, dropped on the page: the message list", async () => {
  assert.equal(packets.length, 6);
  const b64 = readFileSync(NA_PD).toString("base64");
  await loadAndWait(page, () =>
    page.evaluate((b64) => {
      const bin = atob(b64);
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "kea-dhclient-na-pd.pcapng"));
      document.getElementById("list")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, b64),
  );
  assert.match(await page.textContent("#status") ?? "", /kea-dhclient-na-pd\.pcapng: 6 DHCPv6 messages/);
  const rows = await listRows(page);
  assert.deepEqual(
    rows.map((r) => r.type),
    ["Solicit", "Advertise", "Request", "Reply", "Release", "Reply"],
  );
  const solicit = inspect(packets[0].payload);
  const clientDuid = opt(solicit.msg.options, 1).fields.duid;
  assert.match(String(clientDuid), /^00010001/, "dhclient's DUID-LLT");
  rows.forEach((r, i) => {
    const p = packets[i];
    assert.equal(r.no, String(p.frame));
    assert.equal(r.src, formatIPv6(p.src));
    assert.equal(r.dst, formatIPv6(p.dst));
    assert.equal(r.xid, xidOf(p));
    assert.equal(r.client, clientDuid, `row ${i + 1}: every message carries the client's DUID`);
    assert.equal(r.time, (p.time - packets[0].time).toFixed(6));
    assert.equal(r.mal, "", `row ${i + 1} is well formed`);
  });
  assert.equal(rows[0].time, "0.000000");
  assert.match(rows[0].summary, /ORO 23,24,39,31; IA_NA; IA_PD/);
  assert.match(rows[1].summary, /IA_NA 2001:db8:1::1000; .*IA_PD 2001:db8:100::\/56/);
  assert.match(rows[5].summary, /Status Success/);
  assert.equal(rows[0].classes.includes("sel"), true, "the first message is selected");
  assert.match(await page.textContent("#count") ?? "", /^6 of 6 messages, 3 exchanges$/);
});

test("the decoded tree, and selecting a node highlights its bytes (and the reverse)", async () => {
  await page.click('#list .row[data-index="1"]');
  const adv = inspect(packets[1].payload);
  const nodes = await treeNodes(page, "#tree");
  assert.equal(nodes[0].label, "Advertise (2)");
  assert.equal(nodes[0].value, `${packets[1].payload.length} bytes`);
  const iaNa = opt(adv.msg.options, 3);
  const iaAddr = opt(iaNa.options!, 5);
  const iaPd = opt(adv.msg.options, 25);
  const iaPrefix = opt(iaPd.options!, 26);
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  assert.equal(byKey.get("m.xid")?.value, xidOf(packets[1]));
  assert.equal(byKey.get("m/3#0")?.label, "IA_NA (3)");
  assert.equal(byKey.get("m/3#0/5#0.addr")?.value, "2001:db8:1::1000");
  assert.equal(byKey.get("m/25#0/26#0.prefix")?.value, "2001:db8:100::");
  assert.equal(byKey.get("m/25#0/26#0.prefix_len")?.value, "56");
  assert.equal(byKey.get("m/25#0/26#0.preferred")?.value, "3000");
  assert.equal(byKey.get("m/24#0.names")?.value, "lab.example");
  assert.equal(byKey.get("m/23#0.addrs")?.value, "2001:db8:1::53");
  assert.equal(nodes.filter((n) => n.classes.includes("k-err")).length, 0);

  // tree -> hex: the IA_PD option's bytes, its 4 header bytes marked
  await page.click('#tree .node[data-key="m/25#0"]');
  assert.deepEqual(await hexBytes(page, "sel"), range(iaPd.off, 4 + iaPd.len));
  assert.deepEqual(await hexBytes(page, "selhdr"), range(iaPd.off, 4));
  assert.equal(iaPd.off + 4 + iaPd.len, packets[1].payload.length, "IA_PD is the last option");
  // the transaction id: bytes 1..3
  await page.click('#tree .node[data-key="m.xid"]');
  assert.deepEqual(await hexBytes(page, "sel"), [1, 2, 3]);

  // hex -> tree: a byte of the IA Address's address selects that field
  await page.click(`#hexview .hb[data-i="${iaAddr.off + 4 + 5}"]`);
  let sel = (await treeNodes(page, "#tree")).filter((n) => n.classes.split(" ").includes("sel"));
  assert.deepEqual(sel.map((n) => n.key), ["m/3#0/5#0.addr"]);
  assert.deepEqual(await hexBytes(page, "sel"), range(iaAddr.off + 4, iaAddr.len));
  // ... and a byte of the IA Prefix header selects the IA Prefix option
  await page.click(`#hexview .hb[data-i="${iaPrefix.off + 2}"]`);
  sel = (await treeNodes(page, "#tree")).filter((n) => n.classes.split(" ").includes("sel"));
  assert.deepEqual(sel.map((n) => n.label), ["IA Prefix (26)"]);
  assert.deepEqual(await hexBytes(page, "sel"), range(iaPrefix.off, 4 + iaPrefix.len));
  // the exchange it belongs to
  assert.equal(await page.textContent("#exchange"), `Exchange #1 (transaction ${xidOf(packets[0])}): Solicit [1] → Advertise [2]`);
});

test("filtering by type, transaction and client", async () => {
  const frames = async () => (await listRows(page)).map((r) => Number(r.no));
  await page.selectOption("#f-type", "Reply");
  assert.deepEqual(await frames(), [4, 6]);
  await page.selectOption("#f-type", "");
  await page.fill("#f-xid", xidOf(packets[2]));
  assert.deepEqual(await frames(), [3, 4]);
  await page.fill("#f-xid", "");
  const client = String(opt(inspect(packets[0].payload).msg.options, 1).fields.duid);
  await page.fill("#f-client", client.slice(-12).replace(/(..)/g, "$1:").slice(0, -1));
  assert.deepEqual(await frames(), [1, 2, 3, 4, 5, 6], "client filter: the MAC part of the DUID, with colons");
  await page.fill("#f-client", "deadbeefdead");
  assert.deepEqual(await frames(), []);
  assert.match(await page.textContent("#count") ?? "", /^0 of 6 messages/);
  await page.click("#f-clear");
  assert.deepEqual(await frames(), [1, 2, 3, 4, 5, 6]);
  // "this one": the selected message's transaction
  await page.click('#list .row[data-index="4"]');
  await page.click("#f-this-xid");
  assert.deepEqual(await frames(), [5, 6]);
  await page.click("#f-clear");
});

test("exchanges grouped by transaction: dhcp6c's two Releases and their Replies interleave", async () => {
  const ps = dhcpv6Packets(new Uint8Array(readFileSync(DHCP6C)));
  const xids = ps.map(xidOf);
  const firstSeen = [...new Set(xids)];
  const interleaved = xids.some((x, i) => i > 0 && x !== xids[i - 1] && xids.slice(0, i - 1).includes(x));
  assert.ok(interleaved, "the capture order interleaves exchanges");
  await loadAndWait(page, () => page.setInputFiles("#file", DHCP6C));
  assert.match(await page.textContent("#count") ?? "", new RegExp(`^${ps.length} of ${ps.length} messages, ${firstSeen.length} exchanges$`));
  let rows = await allListRows(page);
  assert.deepEqual(rows.map((r) => r.no), ps.map((p) => String(p.frame)), "capture order");
  await page.check("#f-group");
  rows = await allListRows(page);
  assert.equal(rows.length, ps.length);
  // grouped: each transaction one run, in order of first appearance, capture order inside
  const runs = rows.filter((r, i) => i === 0 || r.xid !== rows[i - 1].xid).map((r) => r.xid);
  assert.deepEqual(runs, firstSeen);
  rows.forEach((r, i) => {
    assert.equal(r.classes.includes("g-start"), i === 0 || r.xid !== rows[i - 1].xid, `row ${i}: ${r.classes}`);
    if (i > 0 && r.xid === rows[i - 1].xid) assert.ok(Number(r.no) > Number(rows[i - 1].no));
  });
  // README: frames 5 and 6 are one Release per IA, 7 and 8 their Replies
  assert.deepEqual(rows.map((r) => [r.no, r.type]), [["1", "Solicit"], ["2", "Advertise"], ["3", "Request"], ["4", "Reply"], ["5", "Release"], ["7", "Reply"], ["6", "Release"], ["8", "Reply"]]);
  assert.equal(await page.textContent("#exchange"), `Exchange #1 (transaction ${xids[0]}): Solicit [1] → Advertise [2]`);
  await page.click('#list .row[data-index="5"]'); // frame 6
  assert.equal(await page.textContent("#exchange"), `Exchange #4 (transaction ${xids[5]}): Release [6] → Reply [8]`);
  await page.uncheck("#f-group");
});

/** Every row of the (virtual) list: scrolls it from top to bottom. */
async function allListRows(p: Page) {
  const seen = new Map<number, Awaited<ReturnType<typeof listRows>>[number]>();
  const order: number[] = [];
  await p.$eval("#list", (e) => (e.scrollTop = 0));
  for (;;) {
    await p.evaluate(() => new Promise(requestAnimationFrame));
    for (const r of await listRows(p)) {
      if (!seen.has(r.index)) order.push(r.index);
      seen.set(r.index, r);
    }
    const done = await p.$eval("#list", (e) => {
      const before = e.scrollTop;
      e.scrollTop += e.clientHeight - 30;
      return e.scrollTop === before;
    });
    if (done) break;
  }
  await p.$eval("#list", (e) => (e.scrollTop = 0));
  return order.map((i) => seen.get(i)!);
}

const SIM_CONFIG = `config odhcpd 'odhcpd'
	option loglevel '7'

config dhcp 'lan'
	option interface 'lan'
	option ifname 'eth9'
	option dhcpv6 'server'
	list dns '2001:db8:1::99'
	list domain 'sim.example'
`;
const SIM_IFACE = `device eth9
mac 02:00:00:00:99:01
link-local fe80::99
address 2001:db8:1::1/64
address 2001:db8:100::1/48
`;

/** What the daemon's code path answers, in Node: the expected simulation. */
function expectedReply(p: UdpPacket, serverDuid?: string): Uint8Array | number {
  const c = Core.loadSync(wasm);
  const { config } = parseConfig(SIM_CONFIG, "/etc/config/dhcp");
  if (serverDuid) config.global.duid = Buffer.from(serverDuid, "hex");
  c.configure(encodeConfig(config, new Map([["eth9", 0]])));
  const inf = 0xffffffff;
  c.setIface(
    encodeIface({
      slot: 0,
      name: "eth9",
      ifindex: 1,
      up: true,
      mac: Uint8Array.of(2, 0, 0, 0, 0x99, 1),
      linkLocal: parseIPv6("fe80::99"),
      addrs: [
        { addr: parseIPv6("2001:db8:1::1")!, plen: 64, preferredUntil: inf, validUntil: inf },
        { addr: parseIPv6("2001:db8:100::1")!, plen: 48, preferredUntil: inf, validUntil: inf },
      ],
    }),
  );
  const r = c.handle(p.payload, 0, p.src, p.srcPort, p.dst[0] === 0xff, 1000);
  return typeof r === "number" ? r : c.tx.slice(0, r.length);
}

async function simStatus(): Promise<string> {
  await page.waitForFunction(() => (document.getElementById("sim-status")?.textContent ?? "") !== "", null, { timeout: 10_000 });
  return (await page.textContent("#sim-status")) ?? "";
}

async function select(index: number): Promise<void> {
  await page.evaluate(() => (document.getElementById("sim-status")!.textContent = ""));
  await page.click(`#list .row[data-index="${index}"]`);
}

test("what would our server answer: the simulated Advertise beside Kea's, differences marked", async () => {
  await loadAndWait(page, () => page.setInputFiles("#file", NA_PD));
  await page.fill("#sim-config", SIM_CONFIG);
  await page.fill("#sim-iface", SIM_IFACE);
  await select(0);
  const status = await simStatus();
  assert.match(status, /^Our server answers \d+ bytes to \[fe80::[0-9a-f:]+\]:546; \d+ differences from the captured reply are marked\. Open our reply/);
  assert.equal(await page.$eval("#sim-src", (e) => (e as HTMLInputElement).value), formatIPv6(packets[0].src));
  assert.equal(await page.$eval("#sim-mc", (e) => (e as HTMLInputElement).checked), true);
  // the reply is byte for byte what the daemon's path computes in Node
  const want = expectedReply(packets[0]);
  assert.ok(want instanceof Uint8Array, `Node's core answers the Solicit (${want})`);
  const href = (await page.getAttribute("#sim-open", "href")) ?? "";
  assert.equal(href, `#hex=${hex(want)}`);
  const ours = await treeNodes(page, "#sim-ours");
  const captured = await treeNodes(page, "#sim-captured");
  const o = new Map(ours.map((n) => [n.key, n]));
  const c = new Map(captured.map((n) => [n.key, n]));
  assert.equal(o.get("m")?.label, "Advertise (2)");
  assert.equal(c.get("m")?.label, "Advertise (2)");
  assert.equal(await page.textContent("#sim-cap-title"), "Captured reply (frame 2)");
  // the DUID-LL of the interface's MAC, our DNS and domain, addresses from the interface's prefixes
  assert.equal(o.get("m/2#0.duid")?.value, "000300010200000099" + "01");
  assert.equal(o.get("m/23#0.addrs")?.value, "2001:db8:1::99");
  assert.equal(o.get("m/24#0.names")?.value, "sim.example");
  assert.match(o.get("m/3#0/5#0.addr")?.value ?? "", /^2001:db8:1:(0:|:)/);
  assert.match(o.get("m/25#0/26#0.prefix")?.value ?? "", /^2001:db8:100:/);
  // differences: marked on both sides, same values unmarked
  const diffClass = (n?: { classes: string }) => n?.classes.match(/d-(changed|only)/)?.[1] ?? "";
  assert.equal(diffClass(o.get("m/2#0.duid")), "changed");
  assert.equal(diffClass(c.get("m/2#0.duid")), "changed");
  assert.equal(diffClass(o.get("m/23#0.addrs")), "changed");
  assert.equal(diffClass(o.get("m/1#0.duid")), "", "the Client ID is the same");
  assert.equal(diffClass(o.get("m.xid")), "", "the transaction id is the same");
  assert.equal(diffClass(o.get("m/3#0.iaid")), "", "the IAID is the same");
  const marked = [...ours, ...captured].filter((n) => diffClass(n) !== "").length;
  assert.match(status, new RegExp(`; ${marked} differences`));
  for (const [k, n] of o) if (!c.has(k)) assert.equal(diffClass(n), "only", `${k} is only in ours`);
  for (const [k, n] of c) if (!o.has(k)) assert.equal(diffClass(n), "only", `${k} is only in the capture`);
  // the Solicit's IA_PD selected: its 16 bytes (header underlined) in the hex view
  const iaPd = opt(inspect(packets[0].payload).msg.options, 25);
  await page.click('#tree .node[data-key="m/25#0"]');
  assert.deepEqual(await hexBytes(page, "sel"), range(iaPd.off, 4 + iaPd.len));
  await page.screenshot({ path: artifact("inspector.png"), fullPage: true });
  assert.ok(statSync(artifact("inspector.png")).size > 20_000);
});

test("simulation: a Request naming Kea as its server, answered as that server or dropped", async () => {
  await select(2);
  assert.match(await simStatus(), /^Our server answers/);
  const kea = String(opt(inspect(packets[2].payload).msg.options, 2).fields.duid);
  const want = expectedReply(packets[2], kea);
  assert.ok(want instanceof Uint8Array);
  assert.equal(await page.getAttribute("#sim-open", "href"), `#hex=${hex(want)}`);
  assert.equal((await treeNodes(page, "#sim-ours"))[0].label, "Reply (7)");
  await page.uncheck("#sim-sid");
  await page.evaluate(() => (document.getElementById("sim-status")!.textContent = ""));
  await page.click("#sim-run");
  assert.match(await simStatus(), /^Our server would not answer: dropped \(drop_server_id\)/);
  assert.equal(expectedReply(packets[2]), -5, "Node's core drops it too (drop_server_id)");
  await page.check("#sim-sid");
  // an invalid configuration: the daemon's diagnostic, with file, line and option
  await page.fill("#sim-config", "config dhcp 'lan'\n\toption dhcpv6 'bogus'\n");
  await page.evaluate(() => (document.getElementById("sim-status")!.textContent = ""));
  await page.click("#sim-run");
  assert.match(await simStatus(), /^\/etc\/config\/dhcp:2: option 'dhcpv6': 'bogus' is not a mode/);
  assert.equal(await page.getAttribute("#sim-status", "class"), "error");
  await page.fill("#sim-config", SIM_CONFIG);
  // a server's message: nothing to simulate
  await select(1);
  assert.match(await simStatus(), /^Select a client message/);
});

let shareHref = "";

test("a shareable link: the hex of one message in the URL fragment", async () => {
  await page.click('#list .row[data-index="1"]');
  shareHref = (await page.getAttribute("#share", "href")) ?? "";
  assert.equal(shareHref, `${base}#hex=${hex(packets[1].payload)}`);
  const tree = await treeNodes(page, "#tree");
  const p2 = await browser.ctx.newPage();
  const errs = watchErrors(p2);
  await p2.goto(shareHref);
  await p2.waitForFunction(() => document.body.dataset.state === "ready");
  const rows = await listRows(p2);
  assert.deepEqual(rows.map((r) => r.type), ["Advertise"]);
  assert.deepEqual(
    (await treeNodes(p2, "#tree")).map((n) => [n.key, n.label, n.value]),
    tree.map((n) => [n.key, n.label, n.value]),
  );
  assert.deepEqual(errs, []);
  await p2.close();
});

// An Information-request with an Elapsed Time of 3 bytes and a last option
// that declares 16 bytes where 2 remain.
const BAD = "0b7b23c6 0001000a00030001be4ab3be836e 0008 0003 000000 00ff 0010 abcd";

test("a hex dump with malformed options: marked in the list, the core's errors where they are", async () => {
  const bytes = Buffer.from(BAD.replace(/ /g, ""), "hex");
  const j = inspect(bytes);
  const errors = j.msg.options.flatMap((o) => o.errors ?? []);
  assert.deepEqual(
    errors.map((e) => e.error),
    ["Elapsed Time needs exactly 2 bytes, has 3", "option length 16 exceeds the 2 bytes remaining in Information-request (truncated by 14)"],
  );
  await page.fill("#hex", BAD.replace(/(\S\S)/g, "$1 "));
  await loadAndWait(page, () => page.click("#decode"));
  const rows = await listRows(page);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].type, "Information-request");
  assert.equal(rows[0].mal, "⚠ 2");
  assert.equal(rows[0].malTitle, errors[0].error);
  assert.equal(await page.evaluate(() => location.hash), `#hex=${hex(bytes)}`);
  const nodes = await treeNodes(page, "#tree");
  const errNodes = nodes.filter((n) => n.classes.includes("k-err"));
  assert.deepEqual(
    errNodes.map((n) => [n.key, n.value, n.off, n.len]),
    [
      ["m/8#0!0", errors[0].error, errors[0].off, errors[0].len],
      ["m/255#0!0", errors[1].error, errors[1].off, Math.min(errors[1].len, bytes.length - errors[1].off)],
    ],
  );
  // the bytes the errors are about are marked in the hex view
  assert.deepEqual(await hexBytes(page, "err"), [...range(errors[0].off, errors[0].len), ...range(errors[1].off, errors[1].len)]);
  assert.match(await page.textContent("#errors") ?? "", /^Malformed: 2 problems found by the core: \[18\] Elapsed Time needs exactly 2 bytes, has 3; \[25\] option length 16 exceeds/);
  await page.click("#errors a >> nth=1");
  const sel = (await treeNodes(page, "#tree")).filter((n) => n.classes.split(" ").includes("sel"));
  assert.deepEqual(sel.map((n) => n.key), ["m/255#0!0"]);
  assert.deepEqual(await hexBytes(page, "sel"), range(25, 6));
  // a Wireshark-style hex dump (offset column, ASCII column) gives the same message
  const dump = [0, 16].map((o) => `${o.toString(16).padStart(4, "0")}   ${[...bytes.subarray(o, o + 16)].map((b) => b.toString(16).padStart(2, "0")).join(" ")}   ..ascii..`).join("\n");
  await page.fill("#hex", dump);
  await loadAndWait(page, () => page.click("#decode"));
  assert.equal(await page.evaluate(() => location.hash), `#hex=${hex(bytes)}`);
});

test("a file that is no capture: the reader's error, nothing left of the previous message", async () => {
  await page.evaluate(() => (document.body.dataset.state = "test-pending"));
  await page.setInputFiles("#file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a capture\n") });
  await page.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.state ?? ""));
  assert.equal(await page.evaluate(() => document.body.dataset.state), "error");
  assert.equal(await page.textContent("#status"), "notes.txt: capture: unknown file format (magic 0x6e6f7420); expected pcap or pcapng");
  assert.equal(await page.getAttribute("#status", "class"), "error");
  assert.deepEqual(await listRows(page), []);
  assert.deepEqual(await treeNodes(page, "#tree"), []);
  assert.equal(await page.isHidden("#share"), true);
});

test("the malformed odhcpd relay capture: frames 2, 4, 6, 8 flagged with the core's three errors", async () => {
  await loadAndWait(page, () => page.setInputFiles("#file", MALFORMED));
  const rows = await listRows(page);
  assert.deepEqual(rows.map((r) => [r.no, r.mal]), [["1", ""], ["2", "⚠ 3"], ["3", ""], ["4", "⚠ 3"], ["5", ""], ["6", "⚠ 3"], ["7", ""], ["8", "⚠ 3"]]);
  assert.equal(rows[1].type, "Relay-reply > Advertise");
  await page.check("#f-mal");
  assert.deepEqual((await listRows(page)).map((r) => r.no), ["2", "4", "6", "8"]);
  await page.click('#list .row[data-index="1"]');
  const errs = (await treeNodes(page, "#tree")).filter((n) => n.classes.includes("k-err"));
  assert.deepEqual(
    errs.map((n) => [n.key, n.value]),
    [
      ["m/9#0/m/25#0/26#0!0", "option length 25 exceeds the 7 bytes remaining in IA_PD (truncated by 18)"],
      ["m/9#0/m/25#0!0", "option length 41 exceeds the 23 bytes remaining in Advertise (truncated by 18)"],
      ["m/49214#0!0", "option length 8193 exceeds the 14 bytes remaining in Relay-reply (truncated by 8179)"],
    ],
  );
  // relay hops nested: Relay-reply > Relay Message > Advertise
  const nodes = await treeNodes(page, "#tree");
  assert.deepEqual(nodes.filter((n) => n.classes.includes("k-msg")).map((n) => [n.key, n.label]), [["m", "Relay-reply (13)"], ["m/9#0/m", "Advertise (2)"]]);
  assert.equal(nodes.find((n) => n.key === "m.link")?.value, "2001:db8:1::1");
  await page.click('#tree .node[data-key="m/49214#0!0"]');
  assert.deepEqual(await hexBytes(page, "sel"), range(218, 18));
  await page.screenshot({ path: artifact("inspector-malformed.png"), fullPage: true });
  await page.uncheck("#f-mal");
  assert.deepEqual(pageErrors, []);
});

test("opened from file://: the embedded core, a link and a capture decoded in the worker", async () => {
  const p = await browser.ctx.newPage();
  const errs = watchErrors(p);
  const seen: string[] = [];
  p.on("request", (r) => seen.push(r.url()));
  const url = `${pathToFileURL(join(WEB, "index.html")).href}#hex=${hex(packets[0].payload)}`;
  await p.goto(url);
  await p.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 15_000 });
  assert.match(await p.textContent("#core-info") ?? "", /embedded copy \(file:\/\/\)/);
  assert.equal((await treeNodes(p, "#tree"))[0].label, "Solicit (1)");
  await loadAndWait(p, () => p.setInputFiles("#file", NA_PD));
  assert.equal((await listRows(p)).length, 6);
  assert.ok(seen.some((u) => u.startsWith("blob:")), "the capture was decoded by a worker");
  assert.deepEqual(seen.filter((u) => !/^(file|blob|data):/.test(u)), []);
  assert.deepEqual(errs, []);
  await p.close();
});

test("100 000 packets: decoded in a worker with progress, the page never freezes", async () => {
  // perfdhcp's frames repeated into a classic pcap of 100 000 Ethernet frames
  const frames = readFrames(new Uint8Array(readFileSync(PERFDHCP)));
  const N = 100_000;
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  parts.push(gh);
  for (let i = 0; i < N; i++) {
    const f = frames[i % frames.length];
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_800_000_000 + Math.floor(i / 1000), 0);
    h.writeUInt32LE((i % 1000) * 1000, 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(f.data.length, 12);
    parts.push(h, Buffer.from(f.data));
  }
  const dir = mkdtempSync(join(tmpdir(), "inspector-big-"));
  const file = join(dir, "big.pcap");
  writeFileSync(file, Buffer.concat(parts));
  try {
    await page.evaluate(() => {
      const w = window as unknown as { gap: number; statuses: string[] };
      w.gap = 0;
      w.statuses = [];
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        w.gap = Math.max(w.gap, now - last);
        last = now;
      }, 20);
      new MutationObserver(() => w.statuses.push(document.getElementById("status")!.textContent ?? "")).observe(document.getElementById("status")!, { childList: true, characterData: true, subtree: true });
    });
    const t0 = Date.now();
    const blobsBefore = requests.filter((u) => u.startsWith("blob:")).length;
    await loadAndWait(page, () => page.setInputFiles("#file", file), 180_000);
    assert.equal(requests.filter((u) => u.startsWith("blob:")).length, blobsBefore + 1, "one Web Worker started for the capture");
    const secs = (Date.now() - t0) / 1000;
    const { gap, statuses } = await page.evaluate(() => {
      const w = window as unknown as { gap: number; statuses: string[] };
      return { gap: w.gap, statuses: w.statuses };
    });
    const progress = statuses.filter((s) => /^Decoding big\.pcap: \d+ of 100000 frames/.test(s));
    assert.ok(progress.length >= 10, `progress shown while decoding: ${progress.length} updates`);
    assert.ok(gap < 1500, `the page's event loop stalled for ${gap.toFixed(0)} ms while decoding (${secs} s)`);
    assert.match(await page.textContent("#count") ?? "", /^100000 of 100000 messages/);
    // the last row can be reached and shown
    await page.$eval("#list", (e) => (e.scrollTop = e.scrollHeight));
    await page.waitForFunction(() => [...document.querySelectorAll("#list .row .c-no")].some((c) => c.textContent === "100000"));
    await page.click('#list .row[data-index="99999"]');
    const last = frames[(N - 1) % frames.length];
    const lastMsg = inspect(udpPayload(last));
    assert.equal((await treeNodes(page, "#tree"))[0].label, `${lastMsg.msg.name} (${lastMsg.msg.type})`);
    console.log(`# 100000 packets decoded in ${secs.toFixed(1)} s, longest stall ${gap.toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(pageErrors, []);
});

function udpPayload(f: { data: Uint8Array }): Uint8Array {
  return f.data.subarray(62); // Ethernet + IPv6 + UDP, no extension headers (captures README)
}
