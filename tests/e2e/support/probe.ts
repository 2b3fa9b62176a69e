// Crafted DHCPv6 datagrams sent from inside a lab namespace by a tiny Node
// dgram script (run with lab.run, so it dies with the lab), and the replies it
// heard. The builders here are written from RFC 8415 directly, with no code of
// the server or of the lab's walker, so that they are an independent opinion.

import { writeFileSync, existsSync } from "node:fs";
import { LabCommandError, type Lab } from "../helpers/lab.js";
import { parseIPv6 } from "../../../host/util/ipv6.js";

// ---------------------------------------------------------------------------
// Builders (RFC 8415 section 8 (client/server), 9 (relay), 21 (options))

export const OPT = {
  CLIENTID: 1,
  SERVERID: 2,
  IA_NA: 3,
  IAADDR: 5,
  ORO: 6,
  ELAPSED_TIME: 8,
  RELAY_MSG: 9,
  STATUS_CODE: 13,
  INTERFACE_ID: 18,
  DNS_SERVERS: 23,
  DOMAIN_LIST: 24,
  IA_PD: 25,
  IAPREFIX: 26,
  INFO_REFRESH_TIME: 32,
  SOL_MAX_RT: 82,
  INF_MAX_RT: 83,
} as const;

export const MSG = { SOLICIT: 1, ADVERTISE: 2, REQUEST: 3, RENEW: 5, REBIND: 6, REPLY: 7, RELEASE: 8, INFORMATION_REQUEST: 11, RELAY_FORW: 12, RELAY_REPL: 13 } as const;

/** code (2) + length (2) + data. */
export function option(code: number, data: Uint8Array | number[]): Uint8Array {
  const d = Uint8Array.from(data);
  if (d.length > 0xffff) throw new Error(`option ${code}: ${d.length} bytes do not fit`);
  return Uint8Array.from([code >> 8, code & 0xff, d.length >> 8, d.length & 0xff, ...d]);
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
}

export function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

export function addr(text: string): Uint8Array {
  const b = parseIPv6(text);
  if (!b) throw new Error(`not an IPv6 address: ${text}`);
  return b;
}

/** A DUID-LL (type 3, hardware type 1) from a 6-byte MAC. */
export function duidLL(mac: number[]): Uint8Array {
  return Uint8Array.from([0, 3, 0, 1, ...mac]);
}

/** Client/server message: msg-type (1), transaction-id (3), options. */
export function clientMessage(msgType: number, xid: number, ...options: Uint8Array[]): Uint8Array {
  return concat([msgType, (xid >> 16) & 0xff, (xid >> 8) & 0xff, xid & 0xff], ...options);
}

/** Information-request with Client ID, Elapsed Time 0 and an ORO listing `oro`. */
export function informationRequest(xid: number, clientDuid: Uint8Array, oro: number[]): Uint8Array {
  return clientMessage(MSG.INFORMATION_REQUEST, xid, option(OPT.CLIENTID, clientDuid), option(OPT.ELAPSED_TIME, [0, 0]), option(OPT.ORO, oro.flatMap(u16)));
}

/** Relay-forward: msg-type 12, hop-count, link-address, peer-address, then options (Relay Message last here). */
export function relayForward(hopCount: number, linkAddress: string, peerAddress: string, inner: Uint8Array, before: Uint8Array[] = []): Uint8Array {
  return concat([MSG.RELAY_FORW, hopCount], addr(linkAddress), addr(peerAddress), ...before, option(OPT.RELAY_MSG, inner));
}

// ---------------------------------------------------------------------------
// A strict reader (exact framing or an exception naming the offset)

export interface RawOption {
  code: number;
  /** Offset of the option header in the datagram. */
  offset: number;
  data: Uint8Array;
}

/** Splits bytes [start, end) into options; throws unless they fill the range exactly. */
export function readOptions(b: Uint8Array, start: number, end: number, where: string): RawOption[] {
  const out: RawOption[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 4) throw new Error(`${where}: ${end - p} trailing byte(s) at offset ${p}, no room for an option header`);
    const code = (b[p] << 8) | b[p + 1];
    const len = (b[p + 2] << 8) | b[p + 3];
    if (p + 4 + len > end) throw new Error(`${where}: option ${code} at offset ${p} declares ${len} bytes, only ${end - p - 4} remain`);
    out.push({ code, offset: p, data: b.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

export function hex(b: Uint8Array | number[]): string {
  return Buffer.from(Uint8Array.from(b)).toString("hex");
}

/** RFC 1035 names (no compression), each ending with the root label. */
export function readDomainList(d: Uint8Array): string[] {
  const names: string[] = [];
  let p = 0;
  while (p < d.length) {
    const labels: string[] = [];
    for (;;) {
      if (p >= d.length) throw new Error("domain name not terminated by the root label");
      const l = d[p++];
      if (l === 0) break;
      if (l > 63 || p + l > d.length) throw new Error(`bad label length ${l}`);
      labels.push(Buffer.from(d.subarray(p, p + l)).toString("ascii"));
      p += l;
    }
    names.push(labels.join("."));
  }
  return names;
}

// ---------------------------------------------------------------------------
// The sender: a dgram script run inside a namespace

export interface ProbeSend {
  /** Local address to bind (a link-local needs %IF), or "::". */
  bindAddr: string;
  bindPort: number;
  /** Destination (a link-local needs %IF). */
  dst: string;
  dstPort: number;
  payload: Uint8Array;
  /** How long to listen for answers after sending (default 1500 ms). */
  listenMs?: number;
}

export interface ProbeReply {
  bytes: Uint8Array;
  address: string;
  port: number;
}

const SCRIPT = `// lab probe: send one UDP datagram, print what comes back as JSON
import dgram from "node:dgram";
const o = JSON.parse(process.argv[2]);
const s = dgram.createSocket({ type: "udp6", reuseAddr: true });
const replies = [];
const fail = (e) => { process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }) + "\\n"); process.exit(1); };
s.on("error", fail);
s.on("message", (m, r) => replies.push({ hex: m.toString("hex"), address: r.address, port: r.port }));
s.bind({ address: o.bindAddr, port: o.bindPort, exclusive: true }, () => {
  s.send(Buffer.from(o.hex, "hex"), o.dstPort, o.dst, (err) => {
    if (err) fail(err);
    setTimeout(() => { process.stdout.write(JSON.stringify({ sent: true, local: s.address(), replies }) + "\\n"); s.close(); }, o.listenMs);
  });
});
`;

/** Sends one datagram from `role` and returns the replies heard within listenMs. */
export async function probe(lab: Lab, role: string, o: ProbeSend): Promise<ProbeReply[]> {
  const script = lab.path("probe.mjs");
  if (!existsSync(script)) writeFileSync(script, SCRIPT);
  const arg = JSON.stringify({ bindAddr: o.bindAddr, bindPort: o.bindPort, dst: o.dst, dstPort: o.dstPort, hex: hex(o.payload), listenMs: o.listenMs ?? 1500 });
  const r = await lab.run(role, process.execPath, [script, arg], { check: false, timeoutMs: (o.listenMs ?? 1500) + 8000 });
  let j: { error?: string; replies?: { hex: string; address: string; port: number }[] };
  try {
    j = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
  } catch {
    throw new LabCommandError(`probe from ${role} printed no JSON (code ${r.code}): ${r.stdout}${r.stderr}`);
  }
  if (j.error || r.code !== 0) throw new LabCommandError(`probe from ${role} to [${o.dst}]:${o.dstPort} failed: ${j.error ?? r.stderr}`);
  return (j.replies ?? []).map((x) => ({ bytes: Uint8Array.from(Buffer.from(x.hex, "hex")), address: x.address, port: x.port }));
}
