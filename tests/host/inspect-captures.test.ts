// The core's inspector on every DHCPv6 datagram of every real capture in
// tests/vectors/captures, checked against tshark: the same message types and
// option codes, in tshark's flattened order. tshark stops silently at an
// option whose data is not all present (see the captures' README), so options
// the inspector reports as overrunning, and what follows them, are left out
// of the comparison; the malformed file's errors are checked on their own.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Core } from "../../host/core/core.js";
import { dhcpv6Packets, type UdpPacket } from "../../host/util/pcap.js";
import type { InspectResult, InspectMsg, InspectOption } from "../../host/cli/decode.js";

const CORE_WASM = fileURLToPath(new URL("../../core.wasm", import.meta.url));
const CAPTURES = fileURLToPath(new URL("../../../tests/vectors/captures/", import.meta.url));
const FILES = readdirSync(CAPTURES).filter((f) => f.endsWith(".pcapng")).sort();

const core = Core.loadSync(readFileSync(CORE_WASM));

interface TsharkFrame {
  frame: number;
  msgTypes: number[];
  optionTypes: number[];
  payload: string;
}

/** What tshark says about every DHCPv6 frame of `file`. */
function tshark(file: string): TsharkFrame[] {
  const r = spawnSync("tshark", ["-r", file, "-Y", "dhcpv6", "-T", "fields", "-E", "separator=/t", "-e", "frame.number", "-e", "dhcpv6.msgtype", "-e", "dhcpv6.option.type", "-e", "udp.payload"], {
    encoding: "utf8",
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") assert.fail("tshark not found: install tshark (Debian: apt-get install tshark)");
  assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
  const nums = (s: string): number[] => (s ? s.split(",").map(Number) : []);
  return r.stdout
    .trim()
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [frame, types, options, payload] = l.split("\t");
      return { frame: Number(frame), msgTypes: nums(types), optionTypes: nums(options), payload };
    });
}

const overruns = (o: InspectOption): boolean => (o.errors ?? []).some((e) => e.error.startsWith("option length ") && e.error.includes(" exceeds the "));

/** Message types and option codes in tshark's flattened (pre-order) order,
 *  descending where tshark does: IA options, IA Address/Prefix, Relay Message. */
function flatten(r: InspectResult): { msgTypes: number[]; optionTypes: number[] } {
  const msgTypes: number[] = [];
  const optionTypes: number[] = [];
  const msg = (m: InspectMsg): void => {
    if (m.type !== undefined) msgTypes.push(m.type);
    options(m.options);
  };
  const options = (list: InspectOption[]): void => {
    for (const o of list) {
      if (overruns(o)) return; // tshark stops at the first option not all present
      optionTypes.push(o.code);
      if (o.code !== 17 && o.code !== 56 && o.options) options(o.options);
      if (o.msg) msg(o.msg);
    }
  };
  msg(r.msg);
  return { msgTypes, optionTypes };
}

function allErrors(r: InspectResult): { off: number; len: number; error: string }[] {
  const out: { off: number; len: number; error: string }[] = [];
  const msg = (m: InspectMsg): void => {
    out.push(...m.errors);
    m.options.forEach(opt);
  };
  const opt = (o: InspectOption): void => {
    out.push(...(o.errors ?? []));
    o.options?.forEach(opt);
    if (o.msg) msg(o.msg);
  };
  msg(r.msg);
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("there are captures to check", () => {
  assert.ok(FILES.length >= 9, `captures in ${CAPTURES}: ${FILES.join(", ")}`);
});

for (const name of FILES) {
  test(`${name}: every DHCPv6 datagram decodes as tshark reads it`, () => {
    const file = join(CAPTURES, name);
    const ours: UdpPacket[] = dhcpv6Packets(new Uint8Array(readFileSync(file)));
    const theirs = tshark(file);
    assert.equal(ours.length, theirs.length, "number of DHCPv6 datagrams");
    assert.ok(ours.length > 0);
    for (let i = 0; i < ours.length; i++) {
      const p = ours[i];
      const t = theirs[i];
      const where = `${name} frame ${p.frame}`;
      assert.equal(p.frame, t.frame, where);
      assert.equal(hex(p.payload), t.payload, `${where}: payload bytes`);
      assert.equal(p.offset, 62, `${where}: DHCPv6 starts at frame offset 62 (README)`);
      const r = core.inspect(p.payload) as InspectResult; // JSON.parse inside: it must be valid JSON
      assert.equal(r.msg.off, 0, where);
      assert.equal(r.msg.len, p.payload.length, where);
      assert.equal(r.truncated, undefined, where);
      const flat = flatten(r);
      assert.deepEqual(flat.msgTypes, t.msgTypes, `${where}: message types`);
      assert.deepEqual(flat.optionTypes, t.optionTypes, `${where}: option types`);
      const errors = allErrors(r);
      if (name.startsWith("malformed-") && p.frame % 2 === 0) assert.equal(errors.length, 3, `${where}: ${JSON.stringify(errors)}`);
      else assert.deepEqual(errors, [], `${where}: a well-formed datagram has no errors`);
    }
  });
}

test("malformed-odhcpd2026-relay.pcapng: frames 2, 4, 6, 8 show the short Relay Message's consequences", () => {
  const packets = dhcpv6Packets(new Uint8Array(readFileSync(join(CAPTURES, "malformed-odhcpd2026-relay.pcapng"))));
  assert.deepEqual(
    packets.map((p) => p.frame),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  for (const p of packets.filter((x) => x.frame % 2 === 0)) {
    const r = core.inspect(p.payload) as InspectResult;
    assert.equal(r.msg.name, "Relay-reply");
    assert.equal(r.msg.len, 236);
    const [relayMsg, leftover] = r.msg.options;
    // the Relay Message declares 180 bytes: the Advertise is read as 180 bytes
    assert.equal(relayMsg.code, 9);
    assert.equal(relayMsg.len, 180);
    assert.equal(relayMsg.msg?.name, "Advertise");
    assert.equal(relayMsg.msg?.off, 38);
    assert.equal(relayMsg.msg?.len, 180);
    // inside it, the IA_PD at DHCPv6 offset 38 + 153 is truncated: 41 declared, 23 remain
    const iaPd = relayMsg.msg!.options.find((o) => o.code === 25)!;
    assert.equal(iaPd.off, 191);
    assert.equal(iaPd.len, 41);
    assert.deepEqual(iaPd.errors, [{ off: 191, len: 27, error: "option length 41 exceeds the 23 bytes remaining in Advertise (truncated by 18)" }]);
    assert.deepEqual(iaPd.fields, { iaid: 2281016324, t1: 1350, t2: 2160 });
    // the 18 bytes after the declared Relay Message: option 49214, length 8193, 14 bytes remain
    assert.equal(leftover.code, 49214);
    assert.equal(leftover.off, 218);
    assert.equal(leftover.len, 8193);
    assert.deepEqual(leftover.errors, [{ off: 218, len: 18, error: "option length 8193 exceeds the 14 bytes remaining in Relay-reply (truncated by 8179)" }]);
    assert.equal(r.msg.options.length, 2);
  }
  for (const p of packets.filter((x) => x.frame % 2 === 1)) {
    const r = core.inspect(p.payload) as InspectResult;
    assert.equal(r.msg.name, "Relay-forward");
    assert.equal(r.msg.options[0].len, 72, "the Relay-forwards are well formed");
    assert.equal(r.msg.options[0].msg?.name, "Solicit");
  }
});

test("odhcpd2017-reconfigure.pcapng: the reconfigure key and the HMAC-MD5 digests are where the README says", () => {
  const packets = dhcpv6Packets(new Uint8Array(readFileSync(join(CAPTURES, "odhcpd2017-reconfigure.pcapng"))));
  const auth = (frame: number) => {
    const r = core.inspect(packets.find((p) => p.frame === frame)!.payload) as InspectResult;
    return r.msg.options.find((o) => o.code === 11)!;
  };
  const key = auth(4);
  assert.equal(key.off, 68);
  assert.equal(key.fields.info_type, 1);
  assert.equal(key.fields.info_value, "dbb5e6c6c2a46ae7ed5be6aeede61562");
  assert.equal(key.fields.replay, "6b0924ab00000001");
  const d5 = auth(5);
  assert.equal(d5.off, 23);
  assert.equal(d5.fields.info_type, 2);
  assert.equal(d5.fields.replay, "6b0924ad00000002");
  assert.equal(d5.fields.info_value, "0bdb3c2e1ee0689a539a962396c42ed3");
  assert.equal(auth(6).fields.info_value, "7605630afb0f7a6216ef8fdfab09b5bc");
});
