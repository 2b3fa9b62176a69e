// The floor of a Node.js DHCPv6 server: answers perfdhcp's Solicit with an
// Advertise and its Request with a Reply (Client ID echoed, a fixed Server ID,
// the IA_NA with a counter address), with no validation, no state and no core.
// Run by bench/lab-bench.ts in the server namespace next to our server and Kea,
// so the table shows how much of a Node server's cost is the runtime and the
// socket itself.
//   node build/bench/bare-responder.js IFNAME

import dgram from "node:dgram";

const ifname = process.argv[2];
if (!ifname) {
  process.stderr.write("usage: bare-responder.js IFNAME\n");
  process.exit(2);
}
const SERVER_ID = Buffer.from("0002000a00030001020000000001", "hex");
let counter = 0x100;

function reply(m: Buffer): Buffer | null {
  const type = m[0];
  if (m.length < 4 || (type !== 1 && type !== 3)) return null;
  let clientId: Buffer | null = null;
  let iaid = 0;
  for (let p = 4; p + 4 <= m.length; ) {
    const code = m.readUInt16BE(p);
    const len = m.readUInt16BE(p + 2);
    if (p + 4 + len > m.length) return null;
    if (code === 1) clientId = m.subarray(p, p + 4 + len);
    else if (code === 3 && len >= 12) iaid = m.readUInt32BE(p + 4);
    p += 4 + len;
  }
  if (!clientId) return null;
  const out = Buffer.alloc(4 + clientId.length + SERVER_ID.length + 4 + 12 + 4 + 24);
  out[0] = type === 1 ? 2 : 7;
  m.copy(out, 1, 1, 4);
  let o = 4;
  o += clientId.copy(out, o);
  o += SERVER_ID.copy(out, o);
  o = out.writeUInt16BE(3, o);
  o = out.writeUInt16BE(12 + 4 + 24, o);
  o = out.writeUInt32BE(iaid, o);
  o = out.writeUInt32BE(1000, o);
  o = out.writeUInt32BE(2000, o);
  o = out.writeUInt16BE(5, o);
  o = out.writeUInt16BE(24, o);
  out.writeUInt32BE(0x20010db8, o);
  out.writeUInt32BE(0x00010000, o + 4);
  out.writeUInt32BE(0, o + 8);
  out.writeUInt32BE(counter++ >>> 0, o + 12);
  out.writeUInt32BE(3000, o + 16);
  out.writeUInt32BE(4000, o + 20);
  return out;
}

const sock = dgram.createSocket({ type: "udp6", reuseAddr: true });
sock.on("message", (m, rinfo) => {
  const r = reply(m);
  if (r) sock.send(r, rinfo.port, rinfo.address);
});
sock.bind({ port: 547, address: `ff02::1:2%${ifname}`, exclusive: false }, () => {
  sock.addMembership("ff02::1:2", `::%${ifname}`);
  sock.setMulticastLoopback(false);
  process.stderr.write(`bare responder on ${ifname}\n`);
});
process.on("SIGTERM", () => process.exit(0));
