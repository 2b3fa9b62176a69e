// Packet capture in a lab namespace (dumpcap, udp 546/547, pcapng) and a
// checker that combines tshark's verdict (malformed packets, expert info) with
// our own byte-level length walk (tshark 4.0 misses wrong Relay Message lengths).

import { execFile } from "node:child_process";
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { requireTool, sleep, LabCommandError, type Lab, type LabProcess } from "./netns.js";
import { walkDhcpv6, msgLabel, hexToBytes, type WireMessage } from "./dhcpv6-bytes.js";

export { walkDhcpv6, checkDhcpv6Lengths, hexToBytes, type LengthProblem, type WireMessage, type WireOption } from "./dhcpv6-bytes.js";

export const DHCPV6_FILTER = "udp port 546 or udp port 547";

export interface CaptureOptions {
  /** Capture filter (default udp 546/547). */
  filter?: string;
  /** Output file (default: in the lab's temp dir, removed with the lab). */
  file?: string;
  /** Bound on waiting for dumpcap to capture (default 5000 ms). */
  timeoutMs?: number;
}

/** A running dumpcap. */
export class Capture {
  private stopped: Promise<string> | null = null;
  constructor(
    readonly file: string,
    readonly proc: LabProcess,
  ) {}

  /**
   * Stops the capture with SIGINT and resolves with the file once dumpcap has
   * written it. Waits `settleMs` first (default 300 ms) so that packets still in
   * the kernel's capture ring (retired every 250 ms) reach the file.
   */
  stop(settleMs = 300): Promise<string> {
    this.stopped ??= (async () => {
      if (this.proc.running) {
        await sleep(settleMs);
        await this.proc.stop("SIGINT", 3000);
      }
      return this.file;
    })();
    return this.stopped;
  }
}

/** True once the pcapng file holds its Section Header Block and an Interface Description Block. */
function pcapngHeaderWritten(file: string): boolean {
  let fd: number;
  try {
    if (statSync(file).size < 28) return false;
    fd = openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const b = Buffer.alloc(64 * 1024);
    const n = readSync(fd, b, 0, b.length, 0);
    if (n < 12 || b.readUInt32LE(0) !== 0x0a0d0d0a) return false;
    const le = b.readUInt32LE(8) === 0x1a2b3c4d;
    const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const shbLen = u32(4);
    if (n < shbLen + 12) return false;
    return u32(shbLen) === 1 && n >= shbLen + u32(shbLen + 4);
  } finally {
    closeSync(fd);
  }
}

/**
 * Starts dumpcap on an interface of a namespace and resolves once it is really
 * capturing (the file header is written, which dumpcap does after opening the
 * interface and installing the filter).
 */
export async function startCapture(lab: Lab, role: string, logicalIf?: string, opts: CaptureOptions = {}): Promise<Capture> {
  const dumpcap = requireTool("dumpcap");
  const ifname = lab.ifname(role, logicalIf);
  const file = opts.file ?? lab.path(`capture-${role}-${ifname}-${Date.now()}.pcapng`);
  const proc = lab.spawn(role, dumpcap, ["-i", ifname, "-f", opts.filter ?? DHCPV6_FILTER, "-w", file], { name: `dumpcap(${ifname})` });
  const cap = new Capture(file, proc);
  lab.onClose(`capture ${ifname}`, () => cap.stop(0).then(() => undefined));
  const timeoutMs = opts.timeoutMs ?? 5000;
  const deadline = Date.now() + timeoutMs;
  while (!pcapngHeaderWritten(file)) {
    if (!proc.running) throw new LabCommandError(`dumpcap on ${ifname} in ${lab.ns(role)} exited (code ${proc.exit?.code}): ${proc.tail()}`);
    if (Date.now() > deadline) {
      await proc.stop("SIGKILL", 500);
      throw new LabCommandError(`dumpcap on ${ifname} in ${lab.ns(role)} did not start capturing within ${timeoutMs} ms: ${proc.tail()}`);
    }
    await sleep(15);
  }
  return cap;
}

// ---------------------------------------------------------------------------
// Reading and checking captures

export interface CapturedPacket {
  frame: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Message types tshark decoded (outer first, then nested). */
  msgTypes: number[];
  malformed: boolean;
  expert: { message: string; severity: number }[];
  /** UDP payload: the DHCPv6 message. */
  payload: Uint8Array;
}

/** Expert info severities (epan/proto.h). */
export const SEVERITY = { chat: 0x00200000, note: 0x00400000, warning: 0x00600000, error: 0x00800000 } as const;

const AGG = "\x1f";

function tshark(args: string[], timeoutMs = 20_000): Promise<string> {
  const bin = requireTool("tshark");
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: "utf8", maxBuffer: 256 << 20, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new LabCommandError(`tshark ${args.join(" ")}: ${err.message} ${stderr.replace(/.*Running as user.*\n/g, "").trim()}`));
      else resolve(stdout);
    });
  });
}

/** Normalizes an IPv6 address (drops %zone, RFC 5952 form); returns the input if it is not one. */
export function normalizeIPv6(a: string): string {
  const s = a.split("%")[0].trim();
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return s;
  }
}

/** Decodes every UDP 546/547 packet of a capture with tshark. */
export async function readCapture(file: string): Promise<CapturedPacket[]> {
  const fields = ["frame.number", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "dhcpv6.msgtype", "_ws.malformed", "_ws.expert.message", "_ws.expert.severity", "udp.payload"];
  const out = await tshark([
    "-r",
    file,
    "-n",
    "-Y",
    "udp.port == 546 || udp.port == 547",
    "-T",
    "fields",
    "-E",
    "occurrence=a",
    "-E",
    `aggregator=${AGG}`,
    "-E",
    "separator=/t",
    ...fields.flatMap((f) => ["-e", f]),
  ]);
  const packets: CapturedPacket[] = [];
  for (const line of out.split("\n")) {
    if (!line.trim()) continue;
    const c = line.split("\t");
    const list = (s: string | undefined) => (s ? s.split(AGG).filter((x) => x !== "") : []);
    const messages = list(c[7]);
    const severities = list(c[8]).map(Number);
    packets.push({
      frame: Number(c[0]),
      src: normalizeIPv6(list(c[1])[0] ?? ""),
      dst: normalizeIPv6(list(c[2])[0] ?? ""),
      srcPort: Number(list(c[3])[0]),
      dstPort: Number(list(c[4])[0]),
      msgTypes: list(c[5]).map(Number),
      malformed: list(c[6]).length > 0,
      expert: messages.map((message, i) => ({ message, severity: severities[i] ?? 0 })),
      payload: c[9] ? hexToBytes(list(c[9])[0] ?? "") : new Uint8Array(0),
    });
  }
  return packets;
}

export interface CaptureProblem {
  frame: number;
  src: string;
  kind: "malformed" | "expert" | "length";
  message: string;
}

export interface CheckCaptureOptions {
  /** Check only packets sent by these addresses (any form; %zone ignored). Default: all. */
  from?: string | string[];
  /** Report expert info at or above this severity (default warning). */
  minSeverity?: keyof typeof SEVERITY;
  /** Also walk every payload with checkDhcpv6Lengths (default true). */
  lengths?: boolean;
}

export interface CaptureReport {
  packets: CapturedPacket[];
  /** The packets that were checked (after the `from` filter). */
  checked: CapturedPacket[];
  problems: CaptureProblem[];
  /** Per checked frame, the decoded message (outer) from our walker. */
  messages: Map<number, WireMessage | null>;
}

/**
 * Reports every malformed packet, every expert message (>= minSeverity) and
 * every byte-level length problem in packets sent by `from`.
 */
export async function checkCapture(file: string, opts: CheckCaptureOptions = {}): Promise<CaptureReport> {
  const packets = await readCapture(file);
  const from = opts.from === undefined ? null : new Set((Array.isArray(opts.from) ? opts.from : [opts.from]).map(normalizeIPv6));
  const min = SEVERITY[opts.minSeverity ?? "warning"];
  const checked = packets.filter((p) => !from || from.has(p.src));
  const problems: CaptureProblem[] = [];
  const messages = new Map<number, WireMessage | null>();
  for (const p of checked) {
    if (p.malformed) problems.push({ frame: p.frame, src: p.src, kind: "malformed", message: "tshark: [Malformed Packet]" });
    for (const e of p.expert) if (e.severity >= min) problems.push({ frame: p.frame, src: p.src, kind: "expert", message: `tshark expert: ${e.message}` });
    if (opts.lengths ?? true) {
      const w = walkDhcpv6(p.payload);
      messages.set(p.frame, w.message);
      for (const lp of w.problems) problems.push({ frame: p.frame, src: p.src, kind: "length", message: `${lp.path}: ${lp.message}` });
    }
  }
  return { packets, checked, problems, messages };
}

/** One line per problem, for assertion messages. */
export function formatCaptureProblems(problems: CaptureProblem[]): string {
  return problems.map((p) => `frame ${p.frame} from ${p.src}: [${p.kind}] ${p.message}`).join("\n");
}

/** Short text listing of a capture (frame, addresses, message types), for logs. */
export function describePackets(packets: CapturedPacket[]): string {
  return packets.map((p) => `${p.frame} ${p.src}.${p.srcPort} > ${p.dst}.${p.dstPort} ${p.msgTypes.map(msgLabel).join("/")}`).join("\n");
}
