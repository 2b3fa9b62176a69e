// Regression inputs for the reference server's historical bugs (issue 6
// item 2), as handle-target inputs with the exact behaviour expected of the
// core. `node build/tests/fuzz/historical.js` rewrites
// tests/fuzz/regressions/historical-*.hex from this file; the regression test
// replays them (tests/host/fuzz-regressions.test.ts).

import { writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MSG, OPT, opt, u16, u32, message, relayForward, hex, unhex } from "./dhcpv6.js";
import { handleInput } from "./targets.js";
import { REGRESSIONS } from "./corpus.js";
import { SERVER_MAC } from "./sequence.js";

const LINK = unhex("20010db8000100000000000000000001");
const PEER = unhex("fe800000000000000000000000000c11");
const SERVER_DUID = [0, 3, 0, 1, ...SERVER_MAC];
const OTHER_DUID = [0, 3, 0, 1, 2, 0, 0, 0, 0, 0x99];
const cid = opt(OPT.CLIENTID, [0, 3, 0, 1, 0x0a, 0, 0, 0, 0, 0x42]);
const sid = opt(OPT.SERVERID, SERVER_DUID);
const el = opt(OPT.ELAPSED_TIME, [0, 0]);
const ia = opt(OPT.IA_NA, [...u32(1), ...u32(0), ...u32(0)]);
const pd = opt(OPT.IA_PD, [...u32(2), ...u32(0), ...u32(0)]);
const solicit = message(MSG.SOLICIT, 0x123456, cid, el, ia, pd);

/** n Relay-forward layers around `inner`, hop counts n-1 (outermost) .. 0. */
function nest(inner: Uint8Array, n: number, ...relayOpts: number[][]): Uint8Array {
  let m = inner;
  for (let i = 0; i < n; i++) m = relayForward(i & 0xff, LINK, PEER, m, ...relayOpts);
  return m;
}

/** A Relay-forward with raw option bytes (lengths not computed). */
function rawRelay(hop: number, rawOptions: number[]): Uint8Array {
  return Uint8Array.from([MSG.RELAY_FORW, hop, ...LINK, ...PEER, ...rawOptions]);
}

interface Case {
  expect: string;
  input: Uint8Array;
  note: string;
}

interface File {
  name: string;
  about: string[];
  cases: Case[];
}

/** Source selector of handle inputs: 2001:db8:9::2 port 547 (a relay), or port 10000. */
const RELAY = 2 | (1 << 3);
const RELAY_10000 = 2 | (2 << 3);
const relayed = (m: Uint8Array, layers = 1) => handleInput(nest(m, layers), false, RELAY);

export const FILES: File[] = [
  {
    name: "historical-relay-nested-oob.hex",
    about: [
      "Reference bug: out-of-bounds write in nested relay parsing (a Relay Message whose",
      "length, or whose inner relay header, runs past the datagram). Every such datagram",
      "is dropped as malformed and counted in drop_malformed; a well-framed nest is answered.",
    ],
    cases: [
      { note: "Relay Message length 0xffff, 72 bytes present", expect: "drop drop_malformed", input: handleInput(rawRelay(0, [0, 9, 0xff, 0xff, ...solicit]), false, RELAY) },
      { note: "Relay Message one byte longer than the rest", expect: "drop drop_malformed", input: handleInput(rawRelay(0, [0, 9, ...u16(solicit.length + 1), ...solicit]), false, RELAY) },
      { note: "inner Relay-forward header truncated (20 of 34 bytes)", expect: "drop drop_malformed", input: handleInput(relayForward(1, LINK, PEER, Uint8Array.from([MSG.RELAY_FORW, 0, ...LINK.subarray(0, 18)])), false, RELAY) },
      { note: "inner Relay-forward whose Relay Message overruns it", expect: "drop drop_malformed", input: handleInput(relayForward(1, LINK, PEER, rawRelay(0, [0, 9, ...u16(solicit.length + 8), ...solicit])), false, RELAY) },
      { note: "empty Relay Message", expect: "drop drop_malformed", input: handleInput(relayForward(0, LINK, PEER, new Uint8Array(0)), false, RELAY) },
      { note: "two Relay Message options", expect: "drop drop_malformed", input: handleInput(rawRelay(0, [...opt(OPT.RELAY_MSG, solicit), ...opt(OPT.RELAY_MSG, solicit)]), false, RELAY) },
      { note: "no Relay Message", expect: "drop drop_malformed", input: handleInput(rawRelay(0, opt(OPT.INTERFACE_ID, [1, 2, 3])), false, RELAY) },
      { note: "three well-framed layers with Interface-IDs: answered through three Relay-replies", expect: "reply 2 layers 3", input: handleInput(nest(solicit, 3, opt(OPT.INTERFACE_ID, [0x65, 0x74, 0x68, 0x31])), false, RELAY) },
    ],
  },
  {
    name: "historical-relay-recursion.hex",
    about: [
      "Reference bug: unbounded relay recursion. HOP_COUNT_LIMIT (RFC 8415 section 7.6) is 32:",
      "32 layers (hop counts 31..0) are answered, a 33rd layer or a hop count of 32 is dropped",
      "and counted in drop_hop_limit, and 1700 layers (a full datagram) cost no recursion.",
    ],
    cases: [
      { note: "32 layers", expect: "reply 2 layers 32", input: relayed(solicit, 32) },
      { note: "33 layers", expect: "drop drop_hop_limit", input: relayed(solicit, 33) },
      { note: "one layer with hop-count 32", expect: "drop drop_hop_limit", input: handleInput(relayForward(32, LINK, PEER, solicit), false, RELAY) },
      { note: "one layer with hop-count 255", expect: "drop drop_hop_limit", input: handleInput(relayForward(255, LINK, PEER, solicit), false, RELAY) },
      { note: "1700 layers", expect: "drop drop_hop_limit", input: relayed(solicit, 1700) },
    ],
  },
  {
    name: "historical-relay-reply-length.hex",
    about: [
      "Reference bug: a Relay-reply whose Relay Message length leaves out the Client ID",
      "(odhcpd 2026, tests/vectors/captures/malformed-odhcpd2026-relay.pcapng frames 2/4/6/8).",
      "The first input is that capture's frame 1 (dhcrelay's Relay-forward of dhclient's Solicit).",
      "The replay checks every Relay Message length of the answer byte by byte and with inspect.",
    ],
    cases: [
      {
        note: "frame 1 of malformed-odhcpd2026-relay.pcapng",
        expect: "reply 2 layers 1",
        input: handleInput(
          unhex(
            "0c0020010db8000100000000000000000001fe800000000000007c3787fffef58c0400090048014621320001000e00010001329be0fd7e3787f58c0400060008001700180027001f0008000200000003000c87f58c0400000e10000015180019000c87f58c0400000e1000001518",
          ),
          false,
          RELAY,
        ),
      },
      { note: "two layers, Request (our Server ID), Interface-ID on each", expect: "reply 7 layers 2", input: handleInput(nest(message(MSG.REQUEST, 0x77, cid, sid, el, ia, pd), 2, opt(OPT.INTERFACE_ID, [7])), false, RELAY) },
      { note: "Information-request through one layer with Relay Source Port", expect: "reply 7 layers 1", input: handleInput(nest(message(MSG.INFORMATION_REQUEST, 0x78, cid, el, opt(OPT.ORO, [0, 23, 0, 24])), 1, opt(OPT.RELAY_SOURCE_PORT, u16(10000))), false, RELAY_10000) },
    ],
  },
  {
    name: "historical-solicit-without-client-id.hex",
    about: [
      "Reference bug: a Solicit without a Client ID was answered. RFC 8415 section 16.2:",
      "discard it. Dropped and counted in drop_client_id, direct or relayed; too short a",
      "Client ID likewise.",
    ],
    cases: [
      { note: "Solicit without Client ID", expect: "drop drop_client_id", input: handleInput(message(MSG.SOLICIT, 1, el, ia)) },
      { note: "relayed Solicit without Client ID", expect: "drop drop_client_id", input: relayed(message(MSG.SOLICIT, 2, el, ia)) },
      { note: "Client ID of 2 bytes", expect: "drop drop_client_id", input: handleInput(message(MSG.SOLICIT, 3, opt(OPT.CLIENTID, [0, 3]), el, ia)) },
      { note: "Client ID of 0 bytes", expect: "drop drop_client_id", input: handleInput(message(MSG.SOLICIT, 4, opt(OPT.CLIENTID, []), el, ia)) },
      { note: "Rebind without Client ID", expect: "drop drop_client_id", input: handleInput(message(MSG.REBIND, 5, el, ia)) },
      { note: "control: the same Solicit with its Client ID is answered", expect: "reply 2 layers 0", input: handleInput(message(MSG.SOLICIT, 6, cid, el, ia)) },
    ],
  },
  {
    name: "historical-request-without-server-id.hex",
    about: [
      "Reference bug: a Request without a Server ID was accepted. RFC 8415 sections 16.4,",
      "16.6, 16.9, 16.10: Request, Renew, Release and Decline need our Server ID; without",
      "it, or with another server's, they are dropped and counted in drop_server_id.",
    ],
    cases: [
      { note: "Request without Server ID", expect: "drop drop_server_id", input: handleInput(message(MSG.REQUEST, 1, cid, el, ia)) },
      { note: "relayed Request without Server ID", expect: "drop drop_server_id", input: relayed(message(MSG.REQUEST, 2, cid, el, ia)) },
      { note: "Request with another server's DUID", expect: "drop drop_server_id", input: handleInput(message(MSG.REQUEST, 3, cid, opt(OPT.SERVERID, OTHER_DUID), el, ia)) },
      { note: "Renew without Server ID", expect: "drop drop_server_id", input: handleInput(message(MSG.RENEW, 4, cid, el, ia)) },
      { note: "Release without Server ID", expect: "drop drop_server_id", input: handleInput(message(MSG.RELEASE, 5, cid, el, ia)) },
      { note: "Decline without Server ID", expect: "drop drop_server_id", input: handleInput(message(MSG.DECLINE, 6, cid, el, ia)) },
      { note: "Solicit carrying a Server ID", expect: "drop drop_server_id", input: handleInput(message(MSG.SOLICIT, 7, cid, sid, el, ia)) },
      { note: "control: the Request with our Server ID is answered", expect: "reply 7 layers 0", input: handleInput(message(MSG.REQUEST, 8, cid, sid, el, ia)) },
    ],
  },
  {
    name: "historical-option-past-end.hex",
    about: [
      "Reference bug: options whose length runs past the packet were read past its end.",
      "Every such datagram is dropped as malformed and counted in drop_malformed, at the",
      "message level, inside a relay layer, and for a truncated option header.",
    ],
    cases: [
      { note: "last option one byte longer than the datagram", expect: "drop drop_malformed", input: handleInput(Uint8Array.from([...message(MSG.SOLICIT, 1, cid, el), 0, 3, 0, 12, ...u32(1), ...u32(0), 0, 0, 0])) },
      { note: "option header truncated (3 bytes left)", expect: "drop drop_malformed", input: handleInput(Uint8Array.from([...message(MSG.SOLICIT, 2, cid, el, ia), 0, 6, 0])) },
      { note: "ORO declaring 0xffff bytes", expect: "drop drop_malformed", input: handleInput(Uint8Array.from([...message(MSG.INFORMATION_REQUEST, 3, cid), 0, 6, 0xff, 0xff, 0, 23])) },
      { note: "Client ID declaring 0xffff bytes", expect: "drop drop_malformed", input: handleInput(Uint8Array.from([...message(MSG.SOLICIT, 4), 0, 1, 0xff, 0xff, 0, 3, 0, 1])) },
      { note: "Interface-ID overrunning its relay layer", expect: "drop drop_malformed", input: handleInput(rawRelay(0, [...opt(OPT.RELAY_MSG, solicit), 0, 18, 0, 9, 1, 2]), false, RELAY) },
      { note: "inner message option overrunning the Relay Message", expect: "drop drop_malformed", input: handleInput(relayForward(0, LINK, PEER, Uint8Array.from([...message(MSG.SOLICIT, 5, cid), 0, 8, 0, 4, 0, 0])), false, RELAY) },
    ],
  },
];

export function render(f: File): string {
  const lines = f.about.map((l) => `# ${l}`);
  lines.push("# generated by tests/fuzz/historical.ts", "target: handle");
  for (const c of f.cases) lines.push(`# ${c.note}`, `expect: ${c.expect}`, hex(c.input));
  return lines.join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(REGRESSIONS, { recursive: true });
  for (const f of FILES) {
    const path = REGRESSIONS + f.name;
    const text = render(f);
    let old = "";
    try {
      old = readFileSync(path, "utf8");
    } catch {
      /* new */
    }
    if (old !== text) writeFileSync(path, text);
    console.log(`${old === text ? "unchanged" : "wrote"} ${path} (${f.cases.length} inputs)`);
  }
}
