// A DHCPv6 traffic generator run INSIDE a lab namespace (node
// build/tests/e2e/robust-support/flood-worker.js '<json spec>' | @FILE): sends crafted
// datagrams at a paced rate for a while, listens on the same socket, and
// prints one JSON line with what it sent and what came back (per message
// type, per client DUID, per second). It imports nothing but node: builtins,
// so it runs anywhere the lab runs node. Messages are built here from RFC 8415
// directly (sections 8, 9, 21), independently of the server.
//
// Spec (JSON):
//   bind: { addr, port }           local socket (":: " or an address, "%IF" for link-local)
//   dst:  { addr, port }           destination (a multicast group needs "%IF")
//   rate: messages per second (0 = as fast as the socket takes them)
//   durationMs / count             stop after whichever comes first
//   messages: a generator, cycled:
//     { kind: "solicit", duid: "random" | HEX, na?: bool, pd?: bool }
//     { kind: "relay-forward", hop, link, peer, inner: <generator>, ifaceId?: HEX }
//     { kind: "hex", list: [HEX, ...] }
//   victim?: { duid: HEX, everyMs }  also a Solicit from this DUID every everyMs (its answers are counted apart)
//   listenMs: how long to listen after the last send (default 1000)

import dgram from "node:dgram";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

type Gen =
  | { kind: "solicit"; duid: string; na?: boolean; pd?: boolean }
  | { kind: "relay-forward"; hop: number; link: string; peer: string; inner: Gen; ifaceId?: string }
  | { kind: "hex"; list: string[] };

interface Spec {
  bind: { addr: string; port: number };
  dst: { addr: string; port: number };
  rate: number;
  durationMs?: number;
  count?: number;
  messages: Gen;
  victim?: { duid: string; everyMs: number };
  listenMs?: number;
  /** Multicast interface for sends to a group (name, e.g. "d6xx-c"). */
  mcastIf?: string;
}

// The spec itself, or "@FILE" holding it (a 64 KiB datagram in hex does not fit in one argument).
const arg = process.argv[2];
const spec = JSON.parse(arg.startsWith("@") ? readFileSync(arg.slice(1), "utf8") : arg) as Spec;

function opt(code: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(code, 0);
  h.writeUInt16BE(data.length, 2);
  return Buffer.concat([h, data]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** IPv6 text to 16 bytes (full :: support, no embedded IPv4). */
function ip6(text: string): Buffer {
  const t = text.split("%")[0];
  const [head, tail] = t.includes("::") ? t.split("::") : [t, null];
  const h = head ? head.split(":") : [];
  const tl = tail === null ? [] : tail ? tail.split(":") : [];
  const words = tail === null ? h : [...h, ...new Array(8 - h.length - tl.length).fill("0"), ...tl];
  if (words.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w || "0", 16), i * 2));
  return b;
}

function solicit(duid: Buffer, na: boolean, pd: boolean): Buffer {
  const xid = randomBytes(3);
  const parts = [Buffer.from([1]), xid, opt(1, duid), opt(8, Buffer.from([0, 0])), opt(6, Buffer.from([0, 23, 0, 24]))];
  if (na) parts.push(opt(3, Buffer.concat([u32(1), u32(0), u32(0)])));
  if (pd) parts.push(opt(25, Buffer.concat([u32(2), u32(0), u32(0)])));
  return Buffer.concat(parts);
}

let hexIndex = 0;
function build(g: Gen): Buffer {
  switch (g.kind) {
    case "solicit": {
      // A random DUID-EN (type 2): enterprise 9 + 12 random bytes.
      const duid = g.duid === "random" ? Buffer.concat([Buffer.from([0, 2, 0, 0, 0, 9]), randomBytes(12)]) : Buffer.from(g.duid, "hex");
      return solicit(duid, g.na ?? true, g.pd ?? true);
    }
    case "relay-forward": {
      const inner = build(g.inner);
      const opts = [g.ifaceId ? opt(18, Buffer.from(g.ifaceId, "hex")) : Buffer.alloc(0), opt(9, inner)];
      return Buffer.concat([Buffer.from([12, g.hop]), ip6(g.link), ip6(g.peer), ...opts]);
    }
    case "hex": {
      const b = Buffer.from(g.list[hexIndex % g.list.length], "hex");
      hexIndex++;
      return b;
    }
  }
}

/** The Client ID (hex) of a client/server message, or of the innermost message of a Relay-reply. */
function clientIdOf(m: Buffer): string | null {
  let p = m[0] === 12 || m[0] === 13 ? 34 : 4;
  while (p + 4 <= m.length) {
    const code = m.readUInt16BE(p);
    const len = m.readUInt16BE(p + 2);
    if (p + 4 + len > m.length) return null;
    if (code === 1 && m[0] !== 12 && m[0] !== 13) return m.subarray(p + 4, p + 4 + len).toString("hex");
    if (code === 9 && (m[0] === 12 || m[0] === 13)) return clientIdOf(m.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return null;
}

const sock = dgram.createSocket({ type: "udp6", reuseAddr: true });
const t0 = Date.now();
const out = {
  sent: 0,
  sendErrors: 0,
  firstSendError: "",
  victimSent: 0,
  received: 0,
  receivedBytes: 0,
  byType: {} as Record<string, number>,
  victimReplies: 0,
  /** Replies per second since the start (index = second). */
  perSecond: [] as number[],
  victimPerSecond: [] as number[],
  sources: {} as Record<string, number>,
  elapsedMs: 0,
  sendMs: 0,
};
const victimId = spec.victim?.duid.toLowerCase() ?? null;

sock.on("message", (m, r) => {
  out.received++;
  out.receivedBytes += m.length;
  out.byType[m[0]] = (out.byType[m[0]] ?? 0) + 1;
  out.sources[r.address] = (out.sources[r.address] ?? 0) + 1;
  const sec = Math.floor((Date.now() - t0) / 1000);
  const isVictim = victimId !== null && clientIdOf(m) === victimId;
  const arr = isVictim ? out.victimPerSecond : out.perSecond;
  while (arr.length <= sec) arr.push(0);
  arr[sec]++;
  if (isVictim) out.victimReplies++;
});
sock.on("error", (e) => {
  process.stdout.write(JSON.stringify({ error: e.message }) + "\n");
  process.exit(1);
});

function send(b: Buffer, victim = false): void {
  if (victim) out.victimSent++;
  else out.sent++;
  sock.send(b, spec.dst.port, spec.dst.addr, (err) => {
    if (err) {
      out.sendErrors++;
      out.firstSendError ||= err.message;
    }
  });
}

sock.bind({ address: spec.bind.addr, port: spec.bind.port, exclusive: true }, () => {
  if (spec.mcastIf) sock.setMulticastInterface(`::%${spec.mcastIf}`);
  const limit = spec.count ?? Infinity;
  const until = t0 + (spec.durationMs ?? 3_600_000);
  let victimNext = Date.now();
  const step = () => {
    const now = Date.now();
    if (spec.victim && now >= victimNext) {
      send(solicit(Buffer.from(spec.victim.duid, "hex"), true, true), true);
      victimNext = now + spec.victim.everyMs;
    }
    // Paced: as many as the rate allows up to now (or a batch of 64 when unpaced).
    const due = spec.rate > 0 ? Math.floor(((now - t0) * spec.rate) / 1000) : out.sent + 64;
    while (out.sent < due && out.sent < limit && Date.now() < until) send(build(spec.messages));
    if (out.sent >= limit || Date.now() >= until) {
      out.sendMs = Date.now() - t0;
      setTimeout(() => {
        out.elapsedMs = Date.now() - t0;
        process.stdout.write(JSON.stringify(out) + "\n");
        sock.close();
      }, spec.listenMs ?? 1000);
      return;
    }
    setTimeout(step, spec.rate > 0 ? 2 : 0);
  };
  step();
});
