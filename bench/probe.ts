// Start-up probe, run in the client namespace by bench/lab-bench.ts:
//   node build/bench/probe.js IFNAME TIMEOUT_MS
// Binds port 546, prints "ready <ns>", then multicasts an Information-request
// every 2 ms (a new transaction ID each time) until the first Reply arrives,
// prints "reply <ns> <from>" and exits 0 (or "timeout" and exits 1).
// <ns> is process.hrtime.bigint(): CLOCK_MONOTONIC, the same clock in every
// process of the machine, so the orchestrator can subtract its own readings.

import dgram from "node:dgram";
import { INFORMATION_REQUEST } from "./messages.js";

const [ifname, timeoutText] = process.argv.slice(2);
if (!ifname) {
  process.stderr.write("usage: probe.js IFNAME [TIMEOUT_MS]\n");
  process.exit(2);
}
const timeoutMs = Number(timeoutText ?? 5000);
const msg = Buffer.from(INFORMATION_REQUEST);
const sock = dgram.createSocket({ type: "udp6", reuseAddr: true });
let xid = 1;
sock.on("message", (m) => {
  if (m.length >= 4 && m[0] === 7) {
    process.stdout.write(`reply ${process.hrtime.bigint()}\n`);
    process.exit(0);
  }
});
sock.on("error", (e) => {
  process.stdout.write(`error ${e.message}\n`);
  process.exit(1);
});
sock.bind(546, "::", () => {
  const send = () => {
    msg.writeUIntBE(xid++ & 0xffffff, 1, 3);
    sock.send(msg, 547, `ff02::1:2%${ifname}`, () => undefined);
  };
  process.stdout.write(`ready ${process.hrtime.bigint()}\n`);
  send();
  setInterval(send, 2);
  setTimeout(() => {
    process.stdout.write("timeout\n");
    process.exit(1);
  }, timeoutMs);
});
