// What the page knows about a DHCPv6 message: the core's inspect JSON (shape:
// assembly/inspect/inspect.ts), and a one-line description of it for the
// message list. Nothing here reads packet bytes: every value comes from the
// core's decode.

import type { InspectError, InspectMsg, InspectOption, InspectResult } from "../../host/core/inspect-json.js";

export type Err = InspectError;
export type Msg = InspectMsg;
export type Opt = InspectOption;
export type Inspected = InspectResult;

/** Message types a server sends (RFC 8415 section 7.3). */
export const SERVER_TYPES = new Set([2, 7, 10, 13]);

export const OPT_CLIENTID = 1;
export const OPT_SERVERID = 2;
const OPT_RELAY_MSG = 9;

/** The client or server message inside the Relay Message options, and the relay layers around it (outermost first). */
export function innermost(m: Msg): { msg: Msg; relays: Msg[] } {
  const relays: Msg[] = [];
  let cur = m;
  for (;;) {
    const rm = cur.options.find((o) => o.code === OPT_RELAY_MSG && o.msg);
    if (!rm || !rm.msg) return { msg: cur, relays };
    relays.push(cur);
    cur = rm.msg;
  }
}

/** The DUID (hex) of the first option `code` of the message, or "". */
export function duidOf(m: Msg, code: number): string {
  const o = m.options.find((x) => x.code === code);
  const d = o?.fields["duid"];
  return typeof d === "string" ? d : "";
}

/** Every error in the message, in document order. */
export function allErrors(m: Msg): Err[] {
  const out: Err[] = [];
  const walkOpts = (opts: Opt[]) => {
    for (const o of opts) {
      if (o.errors) out.push(...o.errors);
      if (o.options) walkOpts(o.options);
      if (o.msg) walkMsg(o.msg);
    }
  };
  const walkMsg = (x: Msg) => {
    out.push(...x.errors);
    walkOpts(x.options);
  };
  walkMsg(m);
  return out;
}

/** The list's one-line description of a message. */
export interface Described {
  /** Outer message type (-1 for an empty datagram) and name. */
  type: number;
  /** "Relay-forward > Solicit" for relayed messages. */
  name: string;
  /** The innermost message's type and transaction id (-1 when it has none). */
  innerType: number;
  xid: number;
  /** Client Identifier DUID of the innermost message (hex), or "". */
  client: string;
  summary: string;
  errors: number;
  firstError: string;
}

export function describe(j: Inspected): Described {
  const { msg, relays } = innermost(j.msg);
  const errs = allErrors(j.msg);
  if (j.truncated) errs.push({ off: 0, len: 0, error: "decode output truncated" });
  const names = [...relays, msg].map((m) => m.name ?? "(empty)");
  return {
    type: j.msg.type ?? -1,
    name: names.join(" > "),
    innerType: msg.type ?? -1,
    xid: msg.xid ?? -1,
    client: duidOf(msg, OPT_CLIENTID),
    summary: summarize(msg, relays),
    errors: errs.length,
    firstError: errs.length ? errs[0].error : "",
  };
}

function summarize(m: Msg, relays: Msg[]): string {
  const parts: string[] = [];
  if (relays.length) parts.push(`via ${relays.map((r) => r.link ?? "?").join(", ")}`);
  for (const o of m.options) {
    const f = o.fields;
    switch (o.code) {
      case 3: // IA_NA
      case 4: // IA_TA
      case 25: {
        // IA_PD
        const inner = (o.options ?? []).flatMap((s) => {
          if (s.code === 5 && typeof s.fields["addr"] === "string") return [s.fields["addr"] as string];
          if (s.code === 26 && typeof s.fields["prefix"] === "string") return [`${s.fields["prefix"]}/${s.fields["prefix_len"]}`];
          if (s.code === 13 && s.fields["code"] !== 0) return [String(s.fields["name"] ?? s.fields["code"])];
          return [];
        });
        parts.push(`${o.name}${inner.length ? " " + inner.join(" ") : ""}`);
        break;
      }
      case 13:
        parts.push(`Status ${f["name"] ?? f["code"]}`);
        break;
      case 6: {
        const codes = f["codes"];
        if (Array.isArray(codes)) parts.push(`ORO ${codes.map((c) => (c as { code: number }).code).join(",")}`);
        break;
      }
      case 14:
        parts.push("Rapid Commit");
        break;
      case 19:
        parts.push(`Reconfigure ${f["msg_name"] ?? ""}`.trim());
        break;
      case 20:
        parts.push("Reconfigure Accept");
        break;
      case 23:
        if (Array.isArray(f["addrs"])) parts.push(`DNS ${(f["addrs"] as string[]).join(" ")}`);
        break;
      case 24:
        if (Array.isArray(f["names"])) parts.push(`domain ${(f["names"] as string[]).join(" ")}`);
        break;
    }
  }
  return parts.join("; ");
}

export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += (x < 16 ? "0" : "") + x.toString(16);
  return s;
}

/**
 * Parses a hex dump of one message: plain hex (spaces, colons, "0x" and line
 * breaks allowed), or lines that start with their offset (Wireshark's "Copy as
 * Hex Dump", xxd, od -A x), whose ASCII column is ignored.
 * @throws Error saying which line is not hex.
 */
export function parseHexDump(text: string): Uint8Array {
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    let line = raw.trim();
    if (!line) return;
    const m = /^([0-9a-fA-F]{4,8}):?\s+(.*)$/.exec(line);
    if (m && parseInt(m[1], 16) === out.length && /^[0-9a-fA-F]{2}([\s:]|$)/.test(m[2])) {
      // an offset column: at most 16 bytes follow, then maybe an ASCII column
      const tokens = m[2].split(/\s+/);
      let n = 0;
      for (const t of tokens) {
        if (!/^([0-9a-fA-F]{2})+$/.test(t) || n + t.length / 2 > 16) break;
        for (let k = 0; k < t.length; k += 2) out.push(parseInt(t.slice(k, k + 2), 16));
        n += t.length / 2;
      }
      return;
    }
    line = line.replace(/0x/gi, "").replace(/[\s:.,-]/g, "");
    if (!/^[0-9a-fA-F]*$/.test(line)) throw new Error(`line ${i + 1} is not hex: ${raw.trim().slice(0, 40)}`);
    if (line.length % 2) throw new Error(`line ${i + 1} has an odd number of hex digits`);
    for (let k = 0; k < line.length; k += 2) out.push(parseInt(line.slice(k, k + 2), 16));
  });
  return Uint8Array.from(out);
}
