// Differential test of the decoder the inspector page uses (core.wasm's
// inspect export, run here on the page's own copy build/web/core.wasm)
// against tshark's dissector (`tshark -r FILE -T json`), on every real
// capture: message types, relay headers and transaction ids, every option's
// code and length, in order and nested (IA options, Relay Message), and every
// field tshark decodes (DUIDs, IAIDs, T1/T2, addresses, prefixes, lifetimes,
// ORO, status, DNS, domain list, Authentication, Reconfigure Message, ...).
// A tshark field this test does not know fails it: nothing is skipped.
//
// tshark 4.0 stops silently at an option whose data is not all present (see
// tests/vectors/captures/README.md): where it lists fewer options than the
// core, the core must report the first of the missing ones as overrunning.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Core } from "../../host/core/core.js";
import { dhcpv6Packets } from "../../host/util/pcap.js";
import type { InspectMsg, InspectOption, InspectResult } from "../../host/cli/decode.js";
import { CAPTURES, WEB } from "./helpers.js";

const SHARED = "/work/shared/captures";
const FILES = readdirSync(CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
const core = Core.loadSync(readFileSync(join(WEB, "core.wasm")));

type TValue = string | string[] | TObject | TObject[];
interface TObject {
  [key: string]: TValue;
}

/** tshark's JSON: frame number -> the dhcpv6 layer. */
function tshark(file: string): Map<number, TObject> {
  const r = spawnSync("tshark", ["-r", file, "-T", "json", "--no-duplicate-keys", "-J", "frame dhcpv6"], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") assert.fail("tshark not found: install tshark (Debian: apt-get install tshark)");
  assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
  const out = new Map<number, TObject>();
  for (const p of JSON.parse(r.stdout) as Array<{ _source: { layers: TObject } }>) {
    const layers = p._source.layers;
    const frame = Number((layers["frame"] as TObject)["frame.number"]);
    if (layers["dhcpv6"]) out.set(frame, layers["dhcpv6"] as TObject);
  }
  return out;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const colons = (hex: string) => (hex.match(/../g) ?? []).join(":");
const f = (o: InspectOption, k: string) => o.fields[k];
/** DUID-LLT time: seconds since 2000-01-01 UTC; tshark prints a date. */
const EPOCH_2000 = 946684800;
const tsharkTime = (s: string) => String(Date.parse(s.replace(/\.\d+ UTC$/, " UTC")) / 1000 - EPOCH_2000);

/** Every tshark option field this test knows: what the core says (as tshark writes it), and how to read tshark's text. */
const FIELDS: Record<string, { ours: (o: InspectOption) => unknown; theirs?: (s: string) => string }> = {
  "dhcpv6.duid.bytes": { ours: (o) => colons(String(f(o, "duid"))) },
  "dhcpv6.duid.type": { ours: (o) => f(o, "type") },
  "dhcpv6.duidllt.hwtype": { ours: (o) => f(o, "hw_type") },
  "dhcpv6.duidllt.time": { ours: (o) => f(o, "time"), theirs: tsharkTime },
  "dhcpv6.duidllt.link_layer_addr": { ours: (o) => f(o, "lladdr") },
  "dhcpv6.duidll.hwtype": { ours: (o) => f(o, "hw_type") },
  "dhcpv6.duidll.link_layer_addr": { ours: (o) => f(o, "lladdr") },
  "dhcpv6.iaid": { ours: (o) => Number(f(o, "iaid")).toString(16).padStart(8, "0") },
  "dhcpv6.iaid.t1": { ours: (o) => f(o, "t1") },
  "dhcpv6.iaid.t2": { ours: (o) => f(o, "t2") },
  "dhcpv6.iaaddr.ip": { ours: (o) => f(o, "addr") },
  "dhcpv6.iaaddr.pref_lifetime": { ours: (o) => f(o, "preferred") },
  "dhcpv6.iaaddr.valid_lifetime": { ours: (o) => f(o, "valid") },
  "dhcpv6.iaprefix.pref_addr": { ours: (o) => f(o, "prefix") },
  "dhcpv6.iaprefix.pref_len": { ours: (o) => f(o, "prefix_len") },
  "dhcpv6.iaprefix.pref_lifetime": { ours: (o) => f(o, "preferred") },
  "dhcpv6.iaprefix.valid_lifetime": { ours: (o) => f(o, "valid") },
  "dhcpv6.requested_option_code": { ours: (o) => (f(o, "codes") as Array<{ code: number }>).map((c) => c.code) },
  "dhcpv6.elapsed_time": { ours: (o) => Number(f(o, "centiseconds")) * 10 }, // tshark: milliseconds
  "dhcpv6.dns_server": { ours: (o) => f(o, "addrs") },
  "dhcpv6.status_code": { ours: (o) => f(o, "code") },
  "dhcpv6.status_msg": { ours: (o) => f(o, "message") },
  "dhcpv6.reconf_msg": { ours: (o) => f(o, "msg_type") },
  "dhcpv6.auth.protocol": { ours: (o) => f(o, "protocol") },
  "dhcpv6.auth.algorithm": { ours: (o) => f(o, "algorithm") },
  "dhcpv6.auth.rdm": { ours: (o) => f(o, "rdm") },
  "dhcpv6.auth.replay_detection": { ours: (o) => colons(String(f(o, "replay"))) },
  "dhcpv6.auth.info": { ours: (o) => colons(String(f(o, "info"))) },
  "dhcpv6.vendorclass.enterprise": { ours: (o) => f(o, "enterprise") },
  "dhcpv6.vendorclass.data": { ours: (o) => f(o, "items"), theirs: (s) => Buffer.from(s, "latin1").toString("hex") },
};
/** Keys of an option that are structure, not fields. */
const STRUCTURE = new Set(["dhcpv6.option.type", "dhcpv6.option.length", "dhcpv6.option.type_str", "dhcpv6.option.type_str_tree", "dhcpv6", "Domain name suffix search list"]);
const MSG_KEYS = new Set(["dhcpv6.msgtype", "dhcpv6.xid", "dhcpv6.hopcount", "dhcpv6.linkaddr", "dhcpv6.peeraddr", "dhcpv6.option.type_str", "dhcpv6.option.type_str_tree"]);

const overruns = (o: InspectOption) => (o.errors ?? []).some((e) => /^option length \d+ exceeds the \d+ bytes? remaining/.test(e.error));

interface Tally {
  messages: number;
  options: number;
  fields: number;
  /** Options the core decodes past tshark's silent stop (each flagged). */
  beyondTshark: number;
}

function compareMsg(m: InspectMsg, t: TObject, where: string, n: Tally): void {
  n.messages++;
  for (const k of Object.keys(t)) assert.ok(MSG_KEYS.has(k), `${where}: tshark message key '${k}' is not compared`);
  assert.equal(m.type, Number(t["dhcpv6.msgtype"]), `${where}: message type`);
  if (m.type === 12 || m.type === 13) {
    assert.equal(String(m.hop), t["dhcpv6.hopcount"], `${where}: hop-count`);
    assert.equal(m.link, t["dhcpv6.linkaddr"], `${where}: link-address`);
    assert.equal(m.peer, t["dhcpv6.peeraddr"], `${where}: peer-address`);
  } else {
    assert.equal(m.xid, parseInt(String(t["dhcpv6.xid"]), 16), `${where}: transaction id`);
  }
  compareOptions(m.options, list(t["dhcpv6.option.type_str_tree"] as TObject | TObject[]), `${where} ${m.name}`, n);
}

function compareOptions(ours: InspectOption[], theirs: TObject[], where: string, n: Tally): void {
  const shared = Math.min(ours.length, theirs.length);
  for (let i = 0; i < shared; i++) compareOption(ours[i], theirs[i], `${where} option #${i}`, n);
  assert.ok(theirs.length <= ours.length, `${where}: tshark lists ${theirs.length} options, the core ${ours.length}`);
  if (ours.length > theirs.length) {
    const first = ours[theirs.length];
    assert.ok(overruns(first), `${where}: the core lists option ${first.code} where tshark stopped, without reporting it as overrunning: ${JSON.stringify(first.errors)}`);
    n.beyondTshark += ours.length - theirs.length;
  }
}

function compareOption(o: InspectOption, t: TObject, where: string, n: Tally): void {
  n.options++;
  const at = `${where} (${o.name})`;
  assert.equal(o.code, Number(t["dhcpv6.option.type"]), `${at}: code`);
  assert.equal(o.len, Number(t["dhcpv6.option.length"]), `${at}: length`);
  for (const [k, v] of Object.entries(t)) {
    if (STRUCTURE.has(k)) continue;
    const def = FIELDS[k];
    assert.ok(def, `${at}: tshark field '${k}' = ${JSON.stringify(v)} is not compared by this test`);
    const ours = list(def.ours(o) as unknown).map(String);
    const theirs = list(v as string | string[]).map((s) => (def.theirs ? def.theirs(s) : s));
    assert.deepEqual(ours, theirs, `${at}: ${k}`);
    n.fields++;
  }
  const domains = t["Domain name suffix search list"] as TObject | undefined;
  if (domains) {
    assert.deepEqual(list(domains["dhcpv6.search_list_entry"] as string | string[]), (f(o, "names") as string[]).map((x) => x + "."), `${at}: domain names`);
    n.fields++;
  }
  const sub = t["dhcpv6.option.type_str_tree"] as TObject | TObject[] | undefined;
  if (sub !== undefined || (o.options && o.options.length)) compareOptions(o.options ?? [], list(sub), at, n);
  const inner = t["dhcpv6"] as TObject | undefined;
  assert.equal(Boolean(inner), Boolean(o.msg), `${at}: an encapsulated message on both sides`);
  if (inner && o.msg) compareMsg(o.msg, inner, at, n);
}

test("every capture of /work/shared/captures is in tests/vectors/captures, byte for byte", () => {
  assert.ok(FILES.length >= 9, `captures in ${CAPTURES}: ${FILES.join(", ")}`);
  if (!existsSync(SHARED)) return; // CI has only the copies
  for (const name of readdirSync(SHARED).filter((x) => /\.pcap(ng)?$/.test(x))) {
    assert.ok(FILES.includes(name), `${name} is not copied into ${CAPTURES}`);
    assert.ok(readFileSync(join(SHARED, name)).equals(readFileSync(join(CAPTURES, name))), `${name} differs from its copy`);
  }
});

const totals: Record<string, Tally> = {};

for (const name of FILES) {
  test(`${name}: the core decodes as tshark -T json does`, () => {
    const file = join(CAPTURES, name);
    const theirs = tshark(file);
    const packets = dhcpv6Packets(new Uint8Array(readFileSync(file)));
    assert.deepEqual(
      packets.map((p) => p.frame),
      [...theirs.keys()],
      "the same DHCPv6 frames",
    );
    const n: Tally = { messages: 0, options: 0, fields: 0, beyondTshark: 0 };
    for (const p of packets) {
      const r = core.inspect(p.payload) as InspectResult;
      assert.equal(r.truncated, undefined);
      compareMsg(r.msg, theirs.get(p.frame)!, `${name} frame ${p.frame}:`, n);
    }
    assert.ok(n.options > 0 && n.fields > 0, JSON.stringify(n));
    // only the malformed capture has options tshark does not show
    if (name.startsWith("malformed-")) assert.equal(n.beyondTshark, 4 * 2, "per broken frame: the truncated IA_PD and the leftover relay-level option");
    else assert.equal(n.beyondTshark, 0);
    totals[name] = n;
  });
}

test("tally", () => {
  const sum = Object.values(totals).reduce((a, b) => ({ messages: a.messages + b.messages, options: a.options + b.options, fields: a.fields + b.fields, beyondTshark: a.beyondTshark + b.beyondTshark }), {
    messages: 0,
    options: 0,
    fields: 0,
    beyondTshark: 0,
  });
  console.log(`# compared with tshark: ${sum.messages} messages, ${sum.options} options, ${sum.fields} fields; ${sum.beyondTshark} options past tshark's silent stop, each flagged`);
  assert.equal(Object.keys(totals).length, FILES.length, "every capture compared");
});
