// Support for the Reconfigure end-to-end tests (issue 5 item 4): the prefixes
// that change, the tools these tests need, captures read with their times,
// the Reconfigures and reconfigure keys found in them, and two small Python
// programs run through the lab:
//
//   - VERIFY: takes the reconfigure key from a Reply's Authentication option
//     (protocol 3, algorithm 1, RDM 0, type 1) and checks each Reconfigure's
//     digest as HMAC-MD5(key, message with the 16 digest bytes zeroed) with
//     Python's own hmac/hashlib (RFC 8415 section 20.4.2). It parses the bytes
//     itself: neither the core nor the lab's TypeScript walker is involved.
//   - SEND: sends given bytes from a given (link-local) address, used by the
//     control experiment that replays a captured Reconfigure.
//
// Everything that runs a process goes through the lab (lab.run / lab.spawn),
// so closing the lab removes it; tshark runs as capture.ts runs it (bounded).

import { execFile } from "node:child_process";
import assert from "node:assert/strict";
import {
  LabPrerequisiteError,
  checkCapture,
  describePackets,
  findTool,
  formatCaptureProblems,
  normalizeIPv6,
  readCapture,
  requireLab,
  requireTool,
  sleep,
  type CapturedPacket,
  type Lab,
  type WireMessage,
} from "../helpers/lab.js";
import { checkDhcpv6Lengths, msgLabel, walkDhcpv6 } from "../../../host/lab/dhcpv6-bytes.js";
import { inPrefix } from "../support/topology.js";

export { inPrefix };

// ---------------------------------------------------------------------------
// Prefixes

/** The LAN /64 (addresses) and the /60 delegated from, before and after the change. */
export const LAN64 = "2001:db8:1::1/64";
export const OLD_PD = "2001:db8:1:10::1/60";
export const NEW_PD = "2001:db8:1:30::1/60";
export const OLD_POOL = "2001:db8:1:10::/60";
export const NEW_POOL = "2001:db8:1:30::/60";
export const LAN_NET = "2001:db8:1::/64";
export const LEASE_1M = "option leasetime '1m'";

/**
 * The ISP's new prefix: `ip addr del OLD dev IF; ip addr add NEW dev IF nodad`
 * (plus `flags`, e.g. noprefixroute). Returns the time of the change.
 */
export function movePrefix(lab: Lab, role: string, dev: string, from: string, to: string, flags: string[] = []): number {
  lab.ip(role, "-6", "addr", "del", from, "dev", dev);
  lab.ip(role, "-6", "addr", "add", to, "dev", dev, "nodad", ...flags);
  return Date.now();
}

/**
 * Our server behind a relay needs the client link's prefixes on one of its
 * configured interfaces, without a route to them (the `dummy` module is not
 * available): a veth pair r0/r1 inside the server namespace, r0 holding the
 * link's /64 (2001:db8:1::fffe/64) and the /60 to delegate from, both
 * `noprefixroute`, so the route to the client link via the relay stays in
 * charge. Returns "r0".
 */
export function addRemoteLink(lab: Lab, role = "srv"): string {
  lab.ip(role, "link", "add", "r0", "type", "veth", "peer", "name", "r1");
  lab.sysctl(role, { "net.ipv6.conf.r0.accept_dad": "0", "net.ipv6.conf.r1.accept_dad": "0" });
  lab.ip(role, "link", "set", "r0", "up");
  lab.ip(role, "link", "set", "r1", "up");
  lab.ip(role, "-6", "addr", "add", OLD_PD, "dev", "r0", "nodad", "noprefixroute");
  lab.ip(role, "-6", "addr", "add", "2001:db8:1::fffe/64", "dev", "r0", "nodad", "noprefixroute");
  return "r0";
}

// ---------------------------------------------------------------------------
// Tools

/** requireLab(tools) plus python3 (the independent HMAC-MD5 check): FAILS naming the package to install. */
export function requireReconfigureLab(tools: string[]): void {
  requireLab(tools);
  requirePython();
}

/** python3 on PATH, or a LabPrerequisiteError naming the package. */
export function requirePython(): void {
  if (!findTool("python3"))
    throw new LabPrerequisiteError(
      "the Reconfigure tests check digests with Python's hmac module: python3 not found on PATH. Install with: apt-get install --no-install-recommends python3",
    );
}

// ---------------------------------------------------------------------------
// Captures with times

export interface TimedPacket extends CapturedPacket {
  /** Capture time, ms since the epoch. */
  time: number;
  /** The lab's byte walker's view of the payload (null when it cannot be framed). */
  msg: WireMessage | null;
}

function tsharkTimes(file: string): Promise<Map<number, number>> {
  const bin = requireTool("tshark");
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ["-r", file, "-n", "-Y", "udp.port == 546 || udp.port == 547", "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch"],
      { encoding: "utf8", timeout: 20_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`tshark -r ${file}: ${err.message} ${stderr.trim()}`));
        const m = new Map<number, number>();
        for (const line of stdout.split("\n")) {
          const [f, t] = line.trim().split("\t");
          if (f && t) m.set(Number(f), Math.round(Number(t) * 1000));
        }
        resolve(m);
      },
    );
  });
}

/** Every DHCPv6 packet of a capture with its time and the byte walker's decode. */
export async function timedPackets(file: string): Promise<TimedPacket[]> {
  const [packets, times] = await Promise.all([readCapture(file), tsharkTimes(file)]);
  return packets.map((p) => ({ ...p, time: times.get(p.frame) ?? NaN, msg: walkDhcpv6(p.payload).message }));
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** Data of the first top-level option `code` of a message, or undefined. */
export function opt(m: WireMessage | null | undefined, code: number): Uint8Array | undefined {
  return m?.options.find((o) => o.code === code)?.data;
}

/** The client/server message inside Relay Messages (or the message itself). */
export function innermost(m: WireMessage | null | undefined): WireMessage | null {
  let x = m ?? null;
  while (x && (x.msgType === 12 || x.msgType === 13)) x = x.options.find((o) => o.code === 9)?.message ?? null;
  return x;
}

export interface AuthInfo {
  protocol: number;
  algorithm: number;
  rdm: number;
  replay: bigint;
  type: number;
  /** Key (type 1) or digest (type 2), hex. */
  value: string;
}

/** The Authentication option (11) of a message, decoded. */
export function authOf(m: WireMessage | null | undefined): AuthInfo | undefined {
  const d = opt(m, 11);
  if (!d || d.length < 12) return undefined;
  const b = Buffer.from(d);
  return { protocol: b[0], algorithm: b[1], rdm: b[2], replay: b.readBigUInt64BE(3), type: b[11], value: b.subarray(12).toString("hex") };
}

/** What a client did and got, from a capture on its side. */
export interface ClientCapture {
  packets: TimedPacket[];
  /** From the client (port 546 -> 547). */
  sent: TimedPacket[];
  /** To the client (-> port 546), client/server messages only. */
  received: TimedPacket[];
  reconfigures: TimedPacket[];
  /** The Reply carrying the reconfigure key (Authentication option type 1), if any. */
  keyReply?: TimedPacket;
}

/**
 * The packets of one client (link-local address `ll`) in a capture on its side.
 * On a bridged LAN a capture also sees the other clients' multicasts: only
 * what `ll` sent and what was sent to `ll` counts.
 */
export function clientView(all: TimedPacket[], ll: string): ClientCapture {
  const packets = all.filter((p) => sameAddr(p.src, ll) || sameAddr(p.dst, ll));
  const sent = packets.filter((p) => p.srcPort === 546 && sameAddr(p.src, ll));
  const received = packets.filter((p) => p.dstPort === 546 && sameAddr(p.dst, ll));
  return {
    packets,
    sent,
    received,
    reconfigures: received.filter((p) => p.msg?.msgType === 10),
    keyReply: received.find((p) => p.msg?.msgType === 7 && authOf(p.msg)?.type === 1),
  };
}

/** Short listing with times relative to t0 (for messages). */
export function listing(packets: TimedPacket[], t0: number): string {
  return packets
    .map((p) => {
      const m = innermost(p.msg);
      const outer = p.msg && p.msg.msgType !== m?.msgType ? `${msgLabel(p.msg.msgType)}>` : "";
      const codes = m ? m.options.map((o) => o.code).join(",") : "?";
      return `  ${((p.time - t0) / 1000).toFixed(2).padStart(7)} s  ${p.src}.${p.srcPort} > ${p.dst}.${p.dstPort}  ${outer}${m ? msgLabel(m.msgType) : "?"} [${codes}]`;
    })
    .join("\n");
}

/**
 * tshark finds no malformed packet in the capture, the packets sent by
 * `serverAddrs` (the server, a relay) carry no tshark expert warning, and the
 * byte-level length walk (checkDhcpv6Lengths) finds no problem in ANY packet.
 */
export async function assertCleanCapture(file: string, where: string, serverAddrs: string[]): Promise<void> {
  const all = await checkCapture(file, { lengths: false, minSeverity: "error" });
  const malformed = all.problems.filter((p) => p.kind === "malformed");
  assert.deepEqual(malformed, [], `${where}: malformed packets:\n${formatCaptureProblems(malformed)}\n${describePackets(all.packets)}`);
  const ours = await checkCapture(file, { from: serverAddrs });
  assert.deepEqual(ours.problems, [], `${where}: packets from ${serverAddrs.join(", ")}:\n${formatCaptureProblems(ours.problems)}\n${describePackets(ours.checked)}`);
  for (const p of all.packets) assert.deepEqual(checkDhcpv6Lengths(p.payload), [], `${where}: frame ${p.frame} from ${p.src}: length problems`);
  assert.ok(all.packets.length > 0, `${where}: the capture is empty`);
}

// ---------------------------------------------------------------------------
// Python: the independent digest check, and a sender

const VERIFY_PY = String.raw`
import sys, json, hmac, hashlib
def options(b, start):
    p = start
    while p + 4 <= len(b):
        code = int.from_bytes(b[p:p+2], 'big'); ln = int.from_bytes(b[p+2:p+4], 'big')
        if p + 4 + ln > len(b):
            raise SystemExit('option %d at offset %d overruns the message' % (code, p))
        yield code, p, ln
        p += 4 + ln
    if p != len(b):
        raise SystemExit('%d trailing bytes' % (len(b) - p))
def auth(b):
    found = [(p, ln) for code, p, ln in options(b, 4) if code == 11]
    if len(found) != 1:
        raise SystemExit('%d Authentication options' % len(found))
    p, ln = found[0]
    if ln != 28:
        raise SystemExit('Authentication option length %d, not 28' % ln)
    d = b[p + 4:p + 32]
    return p + 4, dict(protocol=d[0], algorithm=d[1], rdm=d[2], replay=bytes(d[3:11]).hex(), type=d[11], value=bytes(d[12:28]).hex())
req = json.loads(sys.argv[1])
reply = bytes.fromhex(req['reply'])
_, k = auth(reply)
if reply[0] != 7 or (k['protocol'], k['algorithm'], k['rdm'], k['type']) != (3, 1, 0, 1):
    raise SystemExit('not a reconfigure key in a Reply: type %d %s' % (reply[0], json.dumps(k)))
key = bytes.fromhex(k['value'])
out = dict(key=k['value'], keyReplay=k['replay'], reconfigures=[])
for h in req['reconfigures']:
    m = bytearray.fromhex(h)
    at, a = auth(m)
    digest = bytes(m[at + 12:at + 28])
    m[at + 12:at + 28] = bytes(16)
    mac = hmac.new(key, bytes(m), hashlib.md5).digest()
    a.update(msgType=m[0], xid=bytes(m[1:4]).hex(), computed=mac.hex(), ok=hmac.compare_digest(mac, digest))
    out['reconfigures'].append(a)
print(json.dumps(out))
`;

export interface PyDigest {
  protocol: number;
  algorithm: number;
  rdm: number;
  replay: string;
  type: number;
  /** The digest in the message. */
  value: string;
  /** HMAC-MD5 computed by Python. */
  computed: string;
  ok: boolean;
  msgType: number;
  xid: string;
}

export interface PyVerdict {
  key: string;
  keyReplay: string;
  reconfigures: PyDigest[];
}

/** Runs VERIFY_PY (python3 -c) in a namespace of the lab. */
export async function pythonVerify(lab: Lab, role: string, reply: Uint8Array, reconfigures: Uint8Array[]): Promise<PyVerdict> {
  const arg = JSON.stringify({ reply: hex(reply), reconfigures: reconfigures.map(hex) });
  const r = await lab.run(role, requireTool("python3"), ["-c", VERIFY_PY, arg], { check: false, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`python3 digest check failed (code ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return JSON.parse(r.stdout) as PyVerdict;
}

/** The same program outside any lab (for the reference capture). */
export function pythonVerifyHere(reply: Uint8Array, reconfigures: Uint8Array[]): Promise<PyVerdict> {
  const arg = JSON.stringify({ reply: hex(reply), reconfigures: reconfigures.map(hex) });
  return new Promise((resolve, reject) => {
    execFile(requireTool("python3"), ["-c", VERIFY_PY, arg], { encoding: "utf8", timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python3 digest check failed: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout) as PyVerdict);
    });
  });
}

const SEND_PY = String.raw`
import socket, sys
src, ifname, port, dst, dport, data = sys.argv[1:7]
idx = socket.if_nametoindex(ifname)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((src, int(port), 0, idx))
except OSError:
    s.bind((src, 0, 0, idx))
s.sendto(bytes.fromhex(data), (dst, int(dport), 0, idx))
print(s.getsockname()[1])
`;

/** Sends `bytes` from [src%ifname]:port (an ephemeral port when that one is taken) to [dst%ifname]:dport; returns the source port used. */
export async function pythonSend(lab: Lab, role: string, o: { src: string; ifname: string; port: number; dst: string; dport: number; bytes: Uint8Array }): Promise<number> {
  const r = await lab.run(role, requireTool("python3"), ["-c", SEND_PY, o.src, o.ifname, String(o.port), o.dst, String(o.dport), hex(o.bytes)], { timeoutMs: 10_000 });
  return Number(r.stdout.trim());
}

// ---------------------------------------------------------------------------
// Waiting

/** Polls `probe` every 100 ms until it returns a value (not undefined); undefined after timeoutMs. */
export async function pollFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) return undefined;
    await sleep(100);
  }
}

export const sameAddr = (a: string, b: string) => normalizeIPv6(a) === normalizeIPv6(b);
