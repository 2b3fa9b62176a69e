// `odhcpd-wasm decode HEX|FILE [--json]`: the core's inspector (assembly/
// inspect) on one DHCPv6 message, printed as an indented tree, one line per
// message and option with its offset, code, name and decoded fields, errors
// marked with "!!" under what they concern; --json prints the raw JSON.
//
// Input: hex text (spaces, colons, commas, newlines and 0x prefixes allowed, over one
// or several arguments), or a file holding hex text or the raw message. A
// pcap/pcapng file is read too: every UDP 546/547 datagram in it is decoded.

import { existsSync, readFileSync, statSync } from "node:fs";
import type { Core } from "../core/core.js";
import { dhcpv6Packets } from "../util/pcap.js";
import { formatIPv6 } from "../util/ipv6.js";

import type { InspectError, InspectMsg, InspectOption, InspectResult } from "../core/inspect-json.js";
export type { InspectError, InspectMsg, InspectOption, InspectResult };

export const DECODE_USAGE = "usage: decode HEX|FILE [--json]   (HEX: the DHCPv6 message; FILE: hex text, raw bytes, pcap or pcapng)";

const HEX_TEXT = /^[0-9a-fA-F\s:,]*$/;

/** The bytes of hex text; throws on anything else. */
export function parseHex(text: string): Uint8Array {
  const t = text.replace(/0x/gi, "").trim(); // "x" is no hex digit: every "0x" is a prefix
  if (!HEX_TEXT.test(t)) {
    const bad = t.match(/[^0-9a-fA-F\s:,]/);
    throw new Error(`not hex: unexpected '${bad ? bad[0] : "?"}'`);
  }
  const digits = t.replace(/[\s:,]/g, "");
  if (digits.length % 2 !== 0) throw new Error(`not hex: odd number of digits (${digits.length})`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function isCapture(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const m = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  return [0x0a0d0d0a, 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(m);
}

/** A file of hex text is hex; anything else is the raw message. */
function fileBytes(b: Uint8Array): Uint8Array {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(b);
  if (b.length > 0 && /[0-9a-fA-F]/.test(text) && HEX_TEXT.test(text.replace(/0x/gi, "").trim())) return parseHex(text);
  return b;
}

// ---------------------------------------------------------------- the tree

function quote(s: string): string {
  return /^[\w.:/+-]+$/.test(s) ? s : JSON.stringify(s);
}

function value(v: unknown): string {
  if (typeof v === "string") return quote(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(value).join(", ")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.code === "number" && typeof o.name === "string" && Object.keys(o).length === 2) return `${o.code} ${quote(o.name)}`;
    return `{${Object.entries(o).map(([k, x]) => `${k}=${value(x)}`).join(", ")}}`;
  }
  return String(v);
}

/** The decoded fields as `key=value, ...`. */
export function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(", ");
}

const OFF_WIDTH = 6;

function at(off: number): string {
  return `@${off}`.padEnd(OFF_WIDTH);
}

function errorLines(errors: InspectError[] | undefined, indent: string, out: string[]): void {
  for (const e of errors ?? []) out.push(`${indent}  !! @${e.off}+${e.len}: ${e.error}`);
}

function messageLines(m: InspectMsg, indent: string, out: string[]): void {
  let head = m.type === undefined ? "(no message)" : `${m.name} (${m.type})`;
  head += `, ${m.len} bytes`;
  const parts: string[] = [];
  if (m.xid !== undefined) parts.push(`xid 0x${m.xid.toString(16).padStart(6, "0")}`);
  if (m.hop !== undefined) parts.push(`hop ${m.hop}`, `link ${m.link}`, `peer ${m.peer}`);
  out.push(`${indent}${at(m.off)}${head}${parts.length ? ": " + parts.join(", ") : ""}`);
  for (const o of m.options) optionLines(o, indent + "  ", out);
  errorLines(m.errors, indent, out);
}

function optionLines(o: InspectOption, indent: string, out: string[]): void {
  const f = formatFields(o.fields ?? {});
  const rfc = o.rfc ? ` [${o.rfc}]` : "";
  out.push(`${indent}${at(o.off)}${o.code} ${o.name}${rfc}, len ${o.len}${f ? ": " + f : ""}`);
  for (const s of o.options ?? []) optionLines(s, indent + "  ", out);
  if (o.msg) messageLines(o.msg, indent + "  ", out);
  errorLines(o.errors, indent, out);
}

/** The indented tree for one inspector result. */
export function formatTree(r: InspectResult): string {
  const out: string[] = [];
  messageLines(r.msg, "", out);
  if (r.truncated) out.push("!! output truncated: the decode did not fit in the core's OUT region");
  return out.join("\n");
}

/** Number of errors anywhere in a result. */
export function countErrors(r: InspectResult): number {
  let n = 0;
  const msg = (m: InspectMsg): void => {
    n += m.errors.length;
    m.options.forEach(opt);
  };
  const opt = (o: InspectOption): void => {
    n += o.errors?.length ?? 0;
    o.options?.forEach(opt);
    if (o.msg) msg(o.msg);
  };
  msg(r.msg);
  return n;
}

// ---------------------------------------------------------------- the command

/** Runs `decode` and returns what to print. Throws with a message on bad input. */
export function decodeCommand(args: string[], core: Core): string {
  const json = args.includes("--json");
  const rest = args.filter((a) => a !== "--json");
  if (rest.length === 0 || rest.some((a) => a === "-h" || a === "--help")) throw new Error(DECODE_USAGE);
  const unknown = rest.find((a) => a.startsWith("--"));
  if (unknown) throw new Error(`decode: unknown option ${unknown}\n${DECODE_USAGE}`);

  let bytes: Uint8Array;
  if (rest.length === 1 && existsSync(rest[0]) && statSync(rest[0]).isFile()) {
    const file = new Uint8Array(readFileSync(rest[0]));
    if (isCapture(file)) return decodeCapture(file, rest[0], core, json);
    bytes = fileBytes(file);
  } else {
    try {
      bytes = parseHex(rest.join(" "));
    } catch (e) {
      const hint = rest.length === 1 && !HEX_TEXT.test(rest[0].replace(/0x/gi, "")) ? ` (and there is no file '${rest[0]}')` : "";
      throw new Error(`decode: ${(e as Error).message}${hint}`);
    }
  }
  if (bytes.length > 65535) throw new Error(`decode: ${bytes.length} bytes is more than a UDP datagram (65535)`);
  const r = core.inspect(bytes) as InspectResult;
  return json ? JSON.stringify(r, null, 2) : formatTree(r);
}

function decodeCapture(file: Uint8Array, name: string, core: Core, json: boolean): string {
  const packets = dhcpv6Packets(file);
  if (packets.length === 0) throw new Error(`decode: no UDP 546/547 datagram over IPv6 in ${name}`);
  const results = packets.map((p) => ({
    frame: p.frame,
    src: formatIPv6(p.src),
    dst: formatIPv6(p.dst),
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    truncated: p.truncated,
    inspect: core.inspect(p.payload) as InspectResult,
  }));
  if (json) return JSON.stringify(results, null, 2);
  return results
    .map((r) => {
      const cut = r.truncated ? " (capture truncated: only the captured bytes are decoded)" : "";
      return `frame ${r.frame}: [${r.src}]:${r.srcPort} -> [${r.dst}]:${r.dstPort}${cut}\n${formatTree(r.inspect)}`;
    })
    .join("\n\n");
}
