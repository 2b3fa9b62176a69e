// The independent digest check used by the Reconfigure lab tests
// (reconfigure-support/lab.ts VERIFY_PY: Python's hmac and hashlib, its own
// option walk) checked first on the REFERENCE server's capture
// (odhcpd2017-reconfigure.pcapng, whose key and digests the capture README
// lists and which were confirmed independently), then against tampering: a
// flipped bit in a Reconfigure, or another key, must fail the check.
//
// Needs tshark and python3 (no root): without them the test FAILS saying
// what to install.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { CAPTURES, readCapture, requireTool } from "./helpers/lab.js";
import { authOf, hex, pythonVerifyHere, requirePython } from "./reconfigure-support/lab.js";
import { walkDhcpv6 } from "../../host/lab/dhcpv6-bytes.js";

const FILE = join(CAPTURES, "odhcpd2017-reconfigure.pcapng");
const KEY = "dbb5e6c6c2a46ae7ed5be6aeede61562";

test("independent HMAC-MD5 check (python3 hmac): confirms both Reconfigures of the odhcpd 2017 capture with the key of its Reply, rejects a flipped bit and a wrong key", async () => {
  requireTool("tshark");
  requirePython();
  const packets = await readCapture(FILE);
  const reply = packets.find((p) => p.frame === 4)!;
  const reconfs = packets.filter((p) => p.frame === 5 || p.frame === 6);
  assert.equal(reconfs.length, 2, "frames 5 and 6 are the Reconfigures");
  assert.equal(authOf(walkDhcpv6(reply.payload).message)?.value, KEY, "the README's key");

  const v = await pythonVerifyHere(reply.payload, reconfs.map((p) => p.payload));
  assert.equal(v.key, KEY);
  assert.equal(v.keyReplay, "6b0924ab00000001");
  assert.deepEqual(
    v.reconfigures.map((d) => [d.ok, d.replay, d.value, d.msgType, d.xid]),
    [
      [true, "6b0924ad00000002", "0bdb3c2e1ee0689a539a962396c42ed3", 10, "000000"],
      [true, "6b0924ad00000003", "7605630afb0f7a6216ef8fdfab09b5bc", 10, "000000"],
    ],
  );

  // One bit flipped in the Client ID (not in the digest) must break the digest.
  const tampered = Uint8Array.from(reconfs[0].payload);
  tampered[tampered.length - 1] ^= 1;
  const t = await pythonVerifyHere(reply.payload, [tampered]);
  assert.equal(t.reconfigures[0].ok, false, "a flipped bit fails");

  // Another key (a Reply with one key byte changed) must fail too.
  const otherReply = Uint8Array.from(reply.payload);
  const at = hex(otherReply).indexOf(KEY) / 2;
  assert.ok(at > 0);
  otherReply[at] ^= 0x80;
  const k = await pythonVerifyHere(otherReply, reconfs.map((p) => p.payload));
  assert.deepEqual(k.reconfigures.map((d) => d.ok), [false, false], "another key fails");
});
