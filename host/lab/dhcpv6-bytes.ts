// A byte-level DHCPv6 walker for the lab, in plain TypeScript and deliberately
// independent of our core: it is the second opinion on what the core writes.
// It checks every length to the byte: each option fits its container, the
// options of a container fill it exactly, Relay Messages nest exactly, fixed-size
// options have their size, and lists (DNS, domain names, ...) are whole.
// (tshark 4.0 stops silently on an option whose data is not all present, so it
// does not flag a wrong Relay Message length: see the capture README.)

export const MSG_NAMES: Record<number, string> = {
  1: "Solicit",
  2: "Advertise",
  3: "Request",
  4: "Confirm",
  5: "Renew",
  6: "Rebind",
  7: "Reply",
  8: "Release",
  9: "Decline",
  10: "Reconfigure",
  11: "Information-request",
  12: "Relay-forward",
  13: "Relay-reply",
};

export const OPTION_NAMES: Record<number, string> = {
  1: "Client ID",
  2: "Server ID",
  3: "IA_NA",
  4: "IA_TA",
  5: "IA Address",
  6: "ORO",
  7: "Preference",
  8: "Elapsed Time",
  9: "Relay Message",
  11: "Authentication",
  12: "Server Unicast",
  13: "Status Code",
  14: "Rapid Commit",
  15: "User Class",
  16: "Vendor Class",
  17: "Vendor Options",
  18: "Interface-ID",
  19: "Reconfigure Message",
  20: "Reconfigure Accept",
  21: "SIP Domains",
  22: "SIP Servers",
  23: "DNS Servers",
  24: "Domain List",
  25: "IA_PD",
  26: "IA Prefix",
  31: "SNTP Servers",
  32: "Information Refresh Time",
  37: "Remote-ID",
  38: "Subscriber-ID",
  39: "Client FQDN",
  56: "NTP Server",
  79: "Client Link-Layer Address",
  82: "SOL_MAX_RT",
  83: "INF_MAX_RT",
};

export interface WireOption {
  code: number;
  /** Offset of the option header in the walked buffer. */
  offset: number;
  /** Declared length. */
  length: number;
  /** The option data actually present (may be shorter than `length` when truncated). */
  data: Uint8Array;
  /** Encapsulated options (IA_NA, IA_TA, IA Address, IA_PD, IA Prefix, Vendor Options, NTP Server suboptions). */
  children?: WireOption[];
  /** The message inside a Relay Message option. */
  message?: WireMessage;
}

export interface WireMessage {
  offset: number;
  length: number;
  msgType: number;
  /** Transaction id (client/server messages). */
  xid?: number;
  hopCount?: number;
  linkAddress?: Uint8Array;
  peerAddress?: Uint8Array;
  options: WireOption[];
}

export interface LengthProblem {
  /** Offset (in the walked buffer) where the problem is. */
  offset: number;
  /** Where: e.g. "Relay-reply > Relay Message@34 > Advertise > IA_PD@191". */
  path: string;
  message: string;
}

/** Offset of the first encapsulated option after the fixed fields, per container option. */
const CONTAINER_FIXED: Record<number, number> = {
  3: 12, // IA_NA: IAID, T1, T2
  4: 4, // IA_TA: IAID
  5: 24, // IA Address: address, preferred, valid
  25: 12, // IA_PD: IAID, T1, T2
  26: 25, // IA Prefix: preferred, valid, prefix length, prefix
  17: 4, // Vendor Options: enterprise number, then (code, len, data)*
  56: 0, // NTP Server: suboptions
};

/** Exact sizes. */
const FIXED_SIZE: Record<number, number> = { 7: 1, 8: 2, 12: 16, 14: 0, 19: 1, 20: 0, 32: 4, 82: 4, 83: 4 };
/** Sizes that must be a multiple of n (and > 0 unless noted). */
const MULTIPLE_OF: Record<number, number> = { 6: 2, 22: 16, 23: 16, 31: 16 };

const hex = (n: number, w = 4) => n.toString(16).padStart(w, "0");

export function optionLabel(code: number): string {
  return OPTION_NAMES[code] ? `${OPTION_NAMES[code]}(${code})` : `option ${code}`;
}

export function msgLabel(t: number): string {
  return MSG_NAMES[t] ?? `message type ${t}`;
}

/**
 * Walks a DHCPv6 message (a UDP payload) and returns its structure and every
 * length problem found. Offsets are relative to `bytes`.
 */
export function walkDhcpv6(bytes: Uint8Array): { message: WireMessage | null; problems: LengthProblem[] } {
  const problems: LengthProblem[] = [];
  const message = walkMessage(bytes, 0, bytes.length, "", problems, 0);
  return { message, problems };
}

/** Only the problems (empty when every length is exact). */
export function checkDhcpv6Lengths(bytes: Uint8Array): LengthProblem[] {
  return walkDhcpv6(bytes).problems;
}

const MAX_DEPTH = 40; // RFC 8415 HOP_COUNT_LIMIT is 8; anything deeper is garbage

function walkMessage(b: Uint8Array, start: number, end: number, path: string, problems: LengthProblem[], depth: number): WireMessage | null {
  const len = end - start;
  if (len < 1) {
    problems.push({ offset: start, path: path || "message", message: "empty message" });
    return null;
  }
  const t = b[start];
  const here = path ? `${path} > ${msgLabel(t)}` : msgLabel(t);
  const relay = t === 12 || t === 13;
  const header = relay ? 34 : 4;
  if (len < header) {
    problems.push({ offset: start, path: here, message: `${len} bytes, shorter than the ${header}-byte ${relay ? "relay " : ""}header` });
    return null;
  }
  const m: WireMessage = { offset: start, length: len, msgType: t, options: [] };
  if (relay) {
    m.hopCount = b[start + 1];
    m.linkAddress = b.slice(start + 2, start + 18);
    m.peerAddress = b.slice(start + 18, start + 34);
  } else {
    m.xid = (b[start + 1] << 16) | (b[start + 2] << 8) | b[start + 3];
  }
  m.options = walkOptions(b, start + header, end, here, problems, depth, relay ? "relay" : "message");
  if (relay) {
    const rm = m.options.filter((o) => o.code === 9);
    if (rm.length === 0) problems.push({ offset: start, path: here, message: "relay message without a Relay Message option (9)" });
    if (rm.length > 1) problems.push({ offset: rm[1].offset, path: here, message: `${rm.length} Relay Message options` });
  }
  return m;
}

type Ctx = "message" | "relay" | "ia" | "vendor" | "ntp";

function walkOptions(b: Uint8Array, start: number, end: number, path: string, problems: LengthProblem[], depth: number, ctx: Ctx): WireOption[] {
  const out: WireOption[] = [];
  let p = start;
  let lastRelayMsg: WireOption | null = null;
  while (p < end) {
    const remaining = end - p;
    if (remaining < 4) {
      problems.push({
        offset: p,
        path,
        message: `${remaining} trailing byte(s) (${hexBytes(b, p, end)}) too short for an option header` + afterRelayMsgHint(lastRelayMsg),
      });
      break;
    }
    const code = (b[p] << 8) | b[p + 1];
    const length = (b[p + 2] << 8) | b[p + 3];
    const dataStart = p + 4;
    const avail = Math.min(length, end - dataStart);
    const opt: WireOption = { code, offset: p, length, data: b.slice(dataStart, dataStart + avail) };
    out.push(opt);
    const label = ctx === "vendor" ? `vendor suboption ${code}` : ctx === "ntp" ? `NTP suboption ${code}` : optionLabel(code);
    const here = `${path} > ${label}@${p}`;
    if (length > end - dataStart) {
      problems.push({
        offset: p,
        path: here,
        message:
          `declares length ${length} (0x${hex(length)}) but only ${end - dataStart} byte(s) remain in the container (${end - start} bytes from offset ${start})` +
          afterRelayMsgHint(lastRelayMsg),
      });
      break;
    }
    if (ctx === "message" || ctx === "relay" || ctx === "ia") checkOption(b, opt, here, problems, depth, ctx);
    else if (ctx === "ntp") checkNtpSub(opt, here, problems);
    if (code === 9) lastRelayMsg = opt;
    p = dataStart + length;
  }
  return out;
}

function afterRelayMsgHint(rm: WireOption | null): string {
  return rm ? `; this follows a Relay Message option@${rm.offset} of declared length ${rm.length}: its length is probably wrong (the relay message is shorter than the remaining datagram)` : "";
}

function checkOption(b: Uint8Array, o: WireOption, here: string, problems: LengthProblem[], depth: number, ctx: Ctx): void {
  const d = o.data;
  const bad = (message: string) => problems.push({ offset: o.offset, path: here, message });
  const dataStart = o.offset + 4;
  const dataEnd = dataStart + o.length;
  if (o.code === 9) {
    if (ctx !== "relay") bad("Relay Message option outside a relay message");
    if (depth >= MAX_DEPTH) {
      bad(`relay nesting deeper than ${MAX_DEPTH}`);
      return;
    }
    o.message = walkMessage(b, dataStart, dataEnd, here, problems, depth + 1) ?? undefined;
    return;
  }
  if (o.code in CONTAINER_FIXED) {
    const fixed = CONTAINER_FIXED[o.code];
    if (o.length < fixed) {
      bad(`length ${o.length} is shorter than its ${fixed} fixed bytes`);
      return;
    }
    if (o.code === 26 && d[8] > 128) bad(`prefix length ${d[8]} > 128`);
    const subctx: Ctx = o.code === 17 ? "vendor" : o.code === 56 ? "ntp" : "ia";
    o.children = walkOptions(b, dataStart + fixed, dataEnd, here, problems, depth, subctx);
    return;
  }
  if (o.code in FIXED_SIZE && o.length !== FIXED_SIZE[o.code]) {
    bad(`length ${o.length}, must be ${FIXED_SIZE[o.code]}`);
    return;
  }
  if (o.code in MULTIPLE_OF) {
    const n = MULTIPLE_OF[o.code];
    if (o.length % n !== 0) bad(`length ${o.length} is not a multiple of ${n}`);
    else if (o.length === 0 && n === 16) bad(`empty address list`);
    return;
  }
  switch (o.code) {
    case 1:
    case 2:
      if (o.length < 2) bad(`DUID of ${o.length} byte(s), shorter than its 2-byte type`);
      else if (o.length > 130) bad(`DUID of ${o.length - 2} bytes after the type, more than 128`);
      return;
    case 11:
      if (o.length < 11) bad(`length ${o.length}, shorter than the 11 fixed bytes of Authentication`);
      return;
    case 13:
      if (o.length < 2) bad(`length ${o.length}, shorter than the 2-byte status code`);
      return;
    case 15:
      checkLengthPrefixed(d, 0, here, o.offset, problems, "user class data");
      return;
    case 16:
      if (o.length < 4) bad(`length ${o.length}, shorter than the enterprise number`);
      else checkLengthPrefixed(d, 4, here, o.offset, problems, "vendor class data");
      return;
    case 21:
    case 24: {
      const err = checkDomainList(d, false);
      if (err) bad(err);
      return;
    }
    case 39: {
      if (o.length < 1) {
        bad("empty Client FQDN (no flags byte)");
        return;
      }
      const err = checkDomainList(d.subarray(1), true);
      if (err) bad(err);
      return;
    }
  }
}

function checkNtpSub(o: WireOption, here: string, problems: LengthProblem[]): void {
  if ((o.code === 1 || o.code === 2) && o.length !== 16) problems.push({ offset: o.offset, path: here, message: `length ${o.length}, must be 16` });
  if (o.code === 3) {
    const err = checkDomainList(o.data, false, true);
    if (err) problems.push({ offset: o.offset, path: here, message: err });
  }
}

function checkLengthPrefixed(d: Uint8Array, start: number, path: string, optOffset: number, problems: LengthProblem[], what: string): void {
  let p = start;
  while (p < d.length) {
    if (d.length - p < 2) {
      problems.push({ offset: optOffset + 4 + p, path, message: `${d.length - p} trailing byte(s), too short for a ${what} length` });
      return;
    }
    const n = (d[p] << 8) | d[p + 1];
    if (p + 2 + n > d.length) {
      problems.push({ offset: optOffset + 4 + p, path, message: `${what} declares ${n} bytes but only ${d.length - p - 2} remain` });
      return;
    }
    p += 2 + n;
  }
}

/**
 * Checks a sequence of uncompressed DNS names in wire form that must fill `d`
 * exactly. Returns an error message or null. `partialLast` allows the last name
 * to end without the root label (Client FQDN); `single` requires exactly one name.
 */
export function checkDomainList(d: Uint8Array, partialLast: boolean, single = false): string | null {
  let p = 0;
  let names = 0;
  while (p < d.length) {
    let nameLen = 0;
    for (;;) {
      if (p >= d.length) {
        if (partialLast) return null;
        return `domain name ${names + 1} is not terminated by a root label before the option ends`;
      }
      const l = d[p];
      if (l === 0) {
        p++;
        break;
      }
      if (l >= 0xc0) return `compression pointer at data offset ${p} (not allowed in DHCPv6)`;
      if (l > 63) return `label length ${l} > 63 at data offset ${p}`;
      if (p + 1 + l > d.length) return `label of ${l} bytes at data offset ${p} runs past the option end (${d.length - p - 1} left)`;
      nameLen += l + 1;
      p += 1 + l;
    }
    if (nameLen + 1 > 255) return `domain name ${names + 1} longer than 255 bytes`;
    names++;
  }
  if (single && names > 1) return `${names} names where one is expected`;
  return null;
}

function hexBytes(b: Uint8Array, s: number, e: number): string {
  return [...b.subarray(s, Math.min(e, s + 16))].map((x) => hex(x, 2)).join(" ");
}

/** Hex text (with or without ':' / spaces) to bytes. */
export function hexToBytes(h: string): Uint8Array {
  const s = h.replace(/[\s:]/g, "");
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw new Error(`not hex: ${h.slice(0, 40)}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

// ---------------------------------------------------------------------------
// Small readers used by the client wrappers (dhcpcd's binary lease file)

export function formatAddr(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  // RFC 5952: compress the longest run of zero groups (length >= 2).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(":");
  return `${g.slice(0, best).join(":")}::${g.slice(best + bestLen).join(":")}`;
}

const u32 = (d: Uint8Array, o: number) => ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;

export function decodeDomainList(d: Uint8Array): string[] {
  const names: string[] = [];
  let p = 0;
  let labels: string[] = [];
  while (p < d.length) {
    const l = d[p];
    if (l === 0) {
      names.push(labels.join("."));
      labels = [];
      p++;
      continue;
    }
    if (l > 63 || p + 1 + l > d.length) break;
    labels.push(new TextDecoder().decode(d.subarray(p + 1, p + 1 + l)));
    p += 1 + l;
  }
  if (labels.length) names.push(labels.join("."));
  return names;
}

export interface MessageSummary {
  msgType: number;
  dnsServers: string[];
  domainSearch: string[];
  addresses: { address: string; iaid: number; preferred: number; valid: number }[];
  prefixes: { prefix: string; length: number; iaid: number; preferred: number; valid: number }[];
  serverId?: string;
  clientId?: string;
  statusCodes: { code: number; message: string }[];
}

/** What a client would take from a (non-relay) message: DNS, domains, IA addresses and prefixes. */
export function summarizeMessage(m: WireMessage): MessageSummary {
  const s: MessageSummary = { msgType: m.msgType, dnsServers: [], domainSearch: [], addresses: [], prefixes: [], statusCodes: [] };
  const hexs = (d: Uint8Array) => [...d].map((x) => hex(x, 2)).join("");
  const status = (o: WireOption) => s.statusCodes.push({ code: (o.data[0] << 8) | o.data[1], message: new TextDecoder().decode(o.data.subarray(2)) });
  for (const o of m.options) {
    if (o.code === 23) for (let i = 0; i + 16 <= o.data.length; i += 16) s.dnsServers.push(formatAddr(o.data.subarray(i, i + 16)));
    else if (o.code === 24) s.domainSearch.push(...decodeDomainList(o.data));
    else if (o.code === 1) s.clientId = hexs(o.data);
    else if (o.code === 2) s.serverId = hexs(o.data);
    else if (o.code === 13) status(o);
    else if (o.code === 3 || o.code === 25) {
      const iaid = u32(o.data, 0);
      for (const c of o.children ?? []) {
        if (c.code === 5 && c.data.length >= 24)
          s.addresses.push({ address: formatAddr(c.data.subarray(0, 16)), iaid, preferred: u32(c.data, 16), valid: u32(c.data, 20) });
        else if (c.code === 26 && c.data.length >= 25)
          s.prefixes.push({ prefix: formatAddr(c.data.subarray(9, 25)), length: c.data[8], iaid, preferred: u32(c.data, 0), valid: u32(c.data, 4) });
        else if (c.code === 13) status(c);
      }
    }
  }
  return s;
}
