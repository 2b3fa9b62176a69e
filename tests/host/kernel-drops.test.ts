// The kernel's receive-buffer drops on our port, from /proc/net/udp6.

import { test } from "node:test";
import assert from "node:assert/strict";
import { udp6Drops, kernelDrops } from "../../host/net/kernel-drops.js";

const HEADER = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
const row = (sl: number, port: number, drops: number) =>
  `${sl}: 00000000000000000000000001000000:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2152614${sl} 2 000000005f812dbc ${drops}`;

test("sums the drops column of the sockets bound to the port, and only those", () => {
  const text = [HEADER, row(1, 547, 12), row(2, 547, 30), row(3, 546, 999), row(4, 5470, 7), ""].join("\n");
  assert.equal(udp6Drops(text, 547), 42);
  assert.equal(udp6Drops(text, 546), 999);
  assert.equal(udp6Drops(text, 53), 0);
});

test("a text without a drops column, or garbage, gives 0; an unreadable file gives null", () => {
  assert.equal(udp6Drops("", 547), 0);
  assert.equal(udp6Drops("sl local_address\n1: x:0223 y", 547), 0);
  assert.equal(udp6Drops(`${HEADER}\nnot a row\n${row(1, 547, 5)}`, 547), 5);
  assert.equal(kernelDrops(547, "/nonexistent/udp6"), null);
});

test("the real /proc/net/udp6 of this namespace parses (a number, never NaN)", () => {
  const v = kernelDrops(547);
  assert.ok(v === null || Number.isInteger(v), String(v));
});
