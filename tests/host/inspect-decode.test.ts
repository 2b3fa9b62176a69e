// host/cli/decode.ts: `decode HEX|FILE [--json]` over the real core.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../../host/core/core.js";
import { decodeCommand, parseHex, formatTree, formatFields, countErrors, type InspectResult } from "../../host/cli/decode.js";

const CORE_WASM = fileURLToPath(new URL("../../core.wasm", import.meta.url));
const CAPTURES = fileURLToPath(new URL("../../../tests/vectors/captures/", import.meta.url));
const core = Core.loadSync(readFileSync(CORE_WASM));

// kea-dhclient-inforeq.pcapng frame 1 (tests/assembly/vectors.ts INFOREQ)
const INFOREQ = "0b7b23c6 0001000a00030001be4ab3be836e 0006000800170018 0027001f 000800020000";
// malformed-odhcpd2026-relay.pcapng frame 2
const MALFORMED =
  "0d0020010db8000100000000000000000001fe800000000000007c3787fffef58c04000900b4024621320002000a000300019eff2107b7f1" +
  "0001000e00010001329be0fd7e3787f58c04005200040000003c0017001020010db80001000000000000000000530018000d036c6162076578616d706c65" +
  "000003004487f58c0400000546000008700005001820010db8000900100000000000000b0e0000a8c00000a8c00005001820010db80009000000000000" +
  "00000b0e0000a8c00000a8c00019002987f58c040000054600000870001a00190000a8c00000a8c03e20010db8000900140000000000000000";

test("parseHex takes spaces, colons, commas, newlines and 0x prefixes", () => {
  assert.deepEqual([...parseHex("0b 7b:23,c6\n00")], [0x0b, 0x7b, 0x23, 0xc6, 0x00]);
  assert.deepEqual([...parseHex("0x0b 0x7B")], [0x0b, 0x7b]);
  assert.deepEqual([...parseHex("")], []);
  assert.throws(() => parseHex("0b7"), /odd number of digits \(3\)/);
  assert.throws(() => parseHex("0g"), /not hex: unexpected 'g'/);
});

test("decodes a hex message into a tree: one line per message and option, offsets and fields", () => {
  const out = decodeCommand([INFOREQ], core);
  const lines = out.split("\n");
  assert.equal(lines[0], "@0    Information-request (11), 36 bytes: xid 0x7b23c6");
  assert.equal(lines[1], "  @4    1 Client Identifier [RFC 8415 21.2], len 10: duid=00030001be4ab3be836e, type=3, type_name=DUID-LL, hw_type=1, lladdr=be:4a:b3:be:83:6e");
  assert.equal(lines[2], '  @18   6 Option Request [RFC 8415 21.7], len 8: codes=[23 "DNS Recursive Name Server", 24 "Domain Search List", 39 "Client FQDN", 31 "SNTP Servers"]');
  assert.equal(lines[3], "  @30   8 Elapsed Time [RFC 8415 21.9], len 2: centiseconds=0");
  assert.equal(lines.length, 4);
  assert.ok(!out.includes("!!"));
});

test("the same message split over several arguments, with colons", () => {
  const hex = INFOREQ.replace(/\s/g, "");
  const colons = hex.match(/../g)!.join(":");
  assert.equal(decodeCommand(colons.split(":"), core), decodeCommand([INFOREQ], core));
  assert.equal(decodeCommand([colons], core), decodeCommand([INFOREQ], core));
});

test("marks errors with !! under what they concern, with their byte ranges", () => {
  const out = decodeCommand([MALFORMED], core);
  const lines = out.split("\n");
  assert.equal(lines[0], "@0    Relay-reply (13), 236 bytes: hop 0, link 2001:db8:1::1, peer fe80::7c37:87ff:fef5:8c04");
  assert.equal(lines[1], "  @34   9 Relay Message [RFC 8415 21.10], len 180");
  assert.equal(lines[2], "    @38   Advertise (2), 180 bytes: xid 0x462132");
  const iaPd = lines.findIndex((l) => l.includes("25 IA_PD"));
  assert.equal(lines[iaPd], "      @191  25 IA_PD [RFC 8415 21.21], len 41: iaid=2281016324, t1=1350, t2=2160");
  assert.equal(lines[iaPd + 1], "        @207  26 IA Prefix [RFC 8415 21.22], len 25: data=0000a8c00000a8");
  assert.equal(lines[iaPd + 2], "          !! @207+11: option length 25 exceeds the 7 bytes remaining in IA_PD (truncated by 18)");
  assert.equal(lines[iaPd + 3], "        !! @191+27: option length 41 exceeds the 23 bytes remaining in Advertise (truncated by 18)");
  assert.equal(lines[iaPd + 4], "  @218  49214 Unknown, len 8193: data=0db8000900140000000000000000");
  assert.equal(lines[iaPd + 5], "    !! @218+18: option length 8193 exceeds the 14 bytes remaining in Relay-reply (truncated by 8179)");
  assert.equal(lines.length, iaPd + 6);
  assert.equal(out.split("!!").length - 1, 3);
});

test("--json prints the core's JSON, indented", () => {
  const out = decodeCommand([MALFORMED, "--json"], core);
  const r = JSON.parse(out) as InspectResult;
  assert.deepEqual(r, core.inspect(parseHex(MALFORMED)));
  assert.equal(countErrors(r), 3);
  assert.ok(out.includes('\n  "msg": {'));
});

test("reads a file of hex text, a raw binary file and a pcapng capture", () => {
  const dir = mkdtempSync(join(tmpdir(), "decode-test-"));
  try {
    writeFileSync(join(dir, "msg.hex"), INFOREQ.replace(/ /g, "\n") + "\n");
    writeFileSync(join(dir, "msg.bin"), parseHex(INFOREQ));
    const want = decodeCommand([INFOREQ], core);
    assert.equal(decodeCommand([join(dir, "msg.hex")], core), want);
    assert.equal(decodeCommand([join(dir, "msg.bin")], core), want);
    const cap = decodeCommand([CAPTURES + "kea-dhclient-inforeq.pcapng"], core);
    assert.match(cap, /^frame 1: \[fe80::[0-9a-f:]+\]:546 -> \[ff02::1:2\]:547\n@0    Information-request \(11\), 36 bytes/);
    assert.match(cap, /\n\nframe 2: \[fe80::[0-9a-f:]+\]:547 -> \[fe80::[0-9a-f:]+\]:546\n@0    Reply \(7\), 73 bytes/);
    assert.match(cap, /24 Domain Search List \[RFC 3646\], len 13: names=\[lab\.example\]/);
    const capJson = JSON.parse(decodeCommand([CAPTURES + "kea-dhclient-inforeq.pcapng", "--json"], core)) as { frame: number; inspect: InspectResult }[];
    assert.deepEqual(
      capJson.map((x) => [x.frame, x.inspect.msg.type]),
      [
        [1, 11],
        [2, 7],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("refuses bad input with a reason", () => {
  assert.throws(() => decodeCommand([], core), /usage: decode HEX\|FILE/);
  assert.throws(() => decodeCommand(["--help"], core), /usage: decode/);
  assert.throws(() => decodeCommand(["--frobnicate", "00"], core), /unknown option --frobnicate/);
  assert.throws(() => decodeCommand(["/no/such/file.bin"], core), /not hex: unexpected '\/' \(and there is no file '\/no\/such\/file.bin'\)/);
  assert.throws(() => decodeCommand(["0b7"], core), /odd number of digits/);
  assert.throws(() => decodeCommand(["00".repeat(65536)], core), /65536 bytes is more than a UDP datagram/);
});

test("an empty or cut message still decodes, with its errors", () => {
  assert.equal(decodeCommand([""], core), "@0    (no message), 0 bytes\n  !! @0+0: empty message: no msg-type byte");
  assert.equal(decodeCommand(["0b7b23"], core), "@0    Information-request (11), 3 bytes\n  !! @0+3: truncated header: Information-request needs 4 bytes, has 3");
});

test("formatTree says when the core's output was truncated; formatFields quotes what needs it", () => {
  const r: InspectResult = { msg: { type: 1, name: "Solicit", off: 0, len: 4, xid: 1, options: [], errors: [] }, truncated: true };
  assert.equal(formatTree(r), "@0    Solicit (1), 4 bytes: xid 0x000001\n!! output truncated: the decode did not fit in the core's OUT region");
  assert.equal(formatFields({ code: 0, name: "Success", message: "Lease released. Thank you" }), 'code=0, name=Success, message="Lease released. Thank you"');
  assert.equal(formatFields({ names: ["lab.example", ""], s: false }), 'names=[lab.example, ""], s=false');
});
