// Mutations: byte-level havoc (flips, interesting values, inserts, deletes,
// copies, splicing with other inputs, a dictionary) and DHCPv6-aware ones on
// the lenient tree of dhcpv6.ts (option insert/remove/duplicate/swap/recode,
// length fix-ups and length breakage, Relay-forward wrapping, unwrapping and
// deep nesting, message type and hop-count changes).

import { parseTree, serializeTree, optionLists, messages, u16, u32, be16, MSG, OPT, RELAY_HEADER_LEN, CLIENT_HEADER_LEN, CONTAINERS, type TMsg, type TOpt } from "./dhcpv6.js";

/** sfc32: small, fast, seedable. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)];
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

const INTERESTING8 = [0, 1, 2, 3, 4, 7, 8, 9, 11, 12, 13, 16, 31, 32, 33, 34, 63, 64, 127, 128, 129, 255];
const INTERESTING16 = [0, 1, 2, 3, 4, 12, 16, 24, 25, 34, 128, 130, 131, 255, 256, 512, 1024, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING32 = [0, 1, 59, 60, 600, 3600, 86400, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Option codes worth producing (RFC 8415 and friends, plus unknown ones). */
export const KNOWN_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 29, 31, 32, 37, 38, 39, 56, 79, 82, 83, 135, 0, 255, 0xffff];

export interface MutateContext {
  rng: Rng;
  /** Other inputs of the corpus, for splicing. */
  other(): Uint8Array | null;
  maxLen: number;
  /** Where the DHCPv6 message starts in the input (-1: the input is not one). */
  dhcpOffset: number;
  dictionary: Uint8Array[];
}

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p as ArrayLike<number>, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- byte level

type ByteMutator = (b: Uint8Array, x: MutateContext) => Uint8Array;

const byteMutators: ByteMutator[] = [
  // flip a bit
  (b, { rng }) => {
    if (b.length === 0) return b;
    const c = b.slice();
    c[rng.below(c.length)] ^= 1 << rng.below(8);
    return c;
  },
  // random byte
  (b, { rng }) => {
    if (b.length === 0) return b;
    const c = b.slice();
    c[rng.below(c.length)] = rng.next() & 0xff;
    return c;
  },
  // interesting 8/16/32 (big-endian, as DHCPv6)
  (b, { rng }) => {
    if (b.length === 0) return b;
    const c = b.slice();
    const w = rng.pick([1, 2, 4]);
    const at = rng.below(Math.max(1, c.length - w + 1));
    const v = w === 1 ? rng.pick(INTERESTING8) : w === 2 ? rng.pick(INTERESTING16) : rng.pick(INTERESTING32);
    const bytes = w === 1 ? [v] : w === 2 ? u16(v) : u32(v);
    for (let i = 0; i < w && at + i < c.length; i++) c[at + i] = bytes[i];
    return c;
  },
  // add or subtract a little (byte or u16)
  (b, { rng }) => {
    if (b.length < 2) return b;
    const c = b.slice();
    const at = rng.below(c.length - 1);
    const d = rng.below(35) - 17;
    if (rng.chance(0.5)) c[at] = (c[at] + d) & 0xff;
    else {
      const v = (be16(c, at) + d) & 0xffff;
      c[at] = v >> 8;
      c[at + 1] = v & 0xff;
    }
    return c;
  },
  // insert random bytes
  (b, { rng, maxLen }) => {
    const n = 1 + rng.below(rng.chance(0.8) ? 8 : 64);
    if (b.length + n > maxLen) return b;
    const at = rng.below(b.length + 1);
    const ins = rng.chance(0.5) ? rng.bytes(n) : new Uint8Array(n).fill(rng.next() & 0xff);
    return concat(b.subarray(0, at), ins, b.subarray(at));
  },
  // delete a range
  (b, { rng }) => {
    if (b.length < 2) return b;
    const n = 1 + rng.below(Math.min(b.length - 1, rng.chance(0.8) ? 8 : 128));
    const at = rng.below(b.length - n + 1);
    return concat(b.subarray(0, at), b.subarray(at + n));
  },
  // duplicate a range in place
  (b, { rng, maxLen }) => {
    if (b.length === 0) return b;
    const n = 1 + rng.below(Math.min(b.length, 64));
    const from = rng.below(b.length - n + 1);
    const at = rng.below(b.length + 1);
    if (b.length + n > maxLen) return b;
    return concat(b.subarray(0, at), b.subarray(from, from + n), b.subarray(at));
  },
  // overwrite a range with another range of the same input
  (b, { rng }) => {
    if (b.length < 2) return b;
    const n = 1 + rng.below(Math.min(b.length - 1, 32));
    const from = rng.below(b.length - n + 1);
    const to = rng.below(b.length - n + 1);
    const c = b.slice();
    c.set(b.subarray(from, from + n), to);
    return c;
  },
  // truncate
  (b, { rng }) => (b.length < 2 ? b : b.slice(0, 1 + rng.below(b.length - 1))),
  // splice: head of this one, tail of another
  (b, { rng, other, maxLen }) => {
    const o = other();
    if (!o || o.length === 0) return b;
    const cut = rng.below(b.length + 1);
    const from = rng.below(o.length);
    const out = concat(b.subarray(0, cut), o.subarray(from));
    return out.length > maxLen ? out.slice(0, maxLen) : out;
  },
  // insert a chunk of another input
  (b, { rng, other, maxLen }) => {
    const o = other();
    if (!o || o.length === 0) return b;
    const n = 1 + rng.below(Math.min(o.length, 128));
    const from = rng.below(o.length - n + 1);
    const at = rng.below(b.length + 1);
    if (b.length + n > maxLen) return b;
    return concat(b.subarray(0, at), o.subarray(from, from + n), b.subarray(at));
  },
  // dictionary token: insert or overwrite
  (b, { rng, dictionary, maxLen }) => {
    if (dictionary.length === 0) return b;
    const t = rng.pick(dictionary);
    const at = rng.below(b.length + 1);
    if (rng.chance(0.5) && b.length + t.length <= maxLen) return concat(b.subarray(0, at), t, b.subarray(at));
    const c = b.slice();
    for (let i = 0; i < t.length && at + i < c.length; i++) c[at + i] = t[i];
    return c;
  },
];

// ---------------------------------------------------------------- DHCPv6 aware

type TreeMutator = (m: TMsg, x: MutateContext) => boolean; // false: not applicable

function randomOption(x: MutateContext, depth = 0): TOpt {
  const { rng } = x;
  const code = rng.pick(KNOWN_CODES);
  const fixed = CONTAINERS[code];
  if (fixed !== undefined && depth < 3 && rng.chance(0.6)) {
    const children: TOpt[] = [];
    const n = rng.below(3);
    for (let i = 0; i < n; i++) children.push(randomOption(x, depth + 1));
    return { code, data: rng.bytes(fixed), children, childTail: new Uint8Array(0) };
  }
  const len = rng.chance(0.7) ? rng.below(24) : rng.below(300);
  return { code, data: rng.bytes(len) };
}

/** Options harvested from another input of the corpus. */
function borrowedOption(x: MutateContext): TOpt | null {
  const o = x.other();
  if (!o) return null;
  const body = x.dhcpOffset > 0 ? o.subarray(x.dhcpOffset) : o;
  const lists = optionLists(parseTree(body)).filter((l) => l.length > 0);
  if (lists.length === 0) return null;
  return x.rng.pick(x.rng.pick(lists));
}

function relayHeader(x: MutateContext, hop: number): Uint8Array {
  const { rng } = x;
  const h = new Uint8Array(RELAY_HEADER_LEN);
  h[0] = MSG.RELAY_FORW;
  h[1] = hop;
  const addr = () => (rng.chance(0.5) ? Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, ...rng.bytes(8)) : Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, ...rng.bytes(12)));
  h.set(addr(), 2);
  h.set(addr(), 18);
  return h;
}

function relayOptions(x: MutateContext): TOpt[] {
  const out: TOpt[] = [];
  if (x.rng.chance(0.4)) out.push({ code: OPT.INTERFACE_ID, data: x.rng.bytes(1 + x.rng.below(12)) });
  if (x.rng.chance(0.15)) out.push({ code: OPT.RELAY_SOURCE_PORT, data: Uint8Array.from(u16(x.rng.below(65536))) });
  return out;
}

const treeMutators: TreeMutator[] = [
  // remove an option
  (m, { rng }) => {
    const lists = optionLists(m).filter((l) => l.length > 0);
    if (!lists.length) return false;
    const l = rng.pick(lists);
    l.splice(rng.below(l.length), 1);
    return true;
  },
  // duplicate an option
  (m, { rng }) => {
    const lists = optionLists(m).filter((l) => l.length > 0);
    if (!lists.length) return false;
    const l = rng.pick(lists);
    const i = rng.below(l.length);
    l.splice(rng.below(l.length + 1), 0, l[i]);
    return true;
  },
  // insert a new or borrowed option
  (m, x) => {
    const l = x.rng.pick(optionLists(m));
    const o = x.rng.chance(0.5) ? borrowedOption(x) : null;
    l.splice(x.rng.below(l.length + 1), 0, o ?? randomOption(x));
    return true;
  },
  // swap two options
  (m, { rng }) => {
    const lists = optionLists(m).filter((l) => l.length > 1);
    if (!lists.length) return false;
    const l = rng.pick(lists);
    const i = rng.below(l.length);
    const j = rng.below(l.length);
    [l[i], l[j]] = [l[j], l[i]];
    return true;
  },
  // recode an option (keeping its data)
  (m, { rng }) => {
    const lists = optionLists(m).filter((l) => l.length > 0);
    if (!lists.length) return false;
    const l = rng.pick(lists);
    const i = rng.below(l.length);
    l[i] = { ...l[i], code: rng.pick(KNOWN_CODES) };
    return true;
  },
  // mutate the data of an option (its length follows)
  (m, x) => {
    const lists = optionLists(m).filter((l) => l.some((o) => !o.msg));
    if (!lists.length) return false;
    const l = x.rng.pick(lists);
    const cands = l.map((o, i) => [o, i] as const).filter(([o]) => !o.msg);
    const [o, i] = x.rng.pick(cands);
    const f = x.rng.pick(byteMutators.slice(0, 8));
    l[i] = { ...o, data: f(o.data, { ...x, maxLen: 0xffff }) };
    return true;
  },
  // wrap the whole message in a Relay-forward
  (m, x) => {
    const inner: TMsg = { header: m.header, options: m.options, tail: m.tail };
    const hop = m.header[0] === MSG.RELAY_FORW ? Math.min(255, m.header[1] + 1) : x.rng.chance(0.8) ? 0 : x.rng.pick(INTERESTING8);
    m.header = relayHeader(x, hop);
    m.options = [...relayOptions(x), { code: OPT.RELAY_MSG, data: new Uint8Array(0), msg: inner }];
    m.tail = new Uint8Array(0);
    return true;
  },
  // unwrap the outermost relay layer
  (m) => {
    const rm = m.options.find((o) => o.msg);
    if (!rm || !rm.msg) return false;
    m.header = rm.msg.header;
    m.options = rm.msg.options;
    m.tail = rm.msg.tail;
    return true;
  },
  // nest the innermost relay layer k more times (deep chains)
  (m, x) => {
    const ms = messages(m);
    const relays = ms.filter((q) => q.header[0] === MSG.RELAY_FORW || q.header[0] === MSG.RELAY_REPL);
    if (!relays.length) return false;
    const r = relays[relays.length - 1];
    const k = x.rng.pick([1, 2, 4, 8, 16, 30, 31, 32, 33, 40]);
    let cur: TMsg = { header: r.header, options: r.options, tail: r.tail };
    for (let i = 0; i < k; i++) {
      const h = r.header.slice();
      if (h.length >= 2 && x.rng.chance(0.5)) h[1] = Math.min(255, (h[1] + i + 1) & 0xff);
      cur = { header: h, options: [...r.options.filter((o) => !o.msg), { code: OPT.RELAY_MSG, data: new Uint8Array(0), msg: cur }], tail: new Uint8Array(0) };
    }
    r.header = cur.header;
    r.options = cur.options;
    r.tail = cur.tail;
    return true;
  },
  // message type of one of the messages
  (m, { rng }) => {
    const q = rng.pick(messages(m));
    if (q.header.length === 0) return false;
    const t = rng.chance(0.9) ? 1 + rng.below(13) : rng.next() & 0xff;
    const wasRelay = q.header[0] === MSG.RELAY_FORW || q.header[0] === MSG.RELAY_REPL;
    const isRelay = t === MSG.RELAY_FORW || t === MSG.RELAY_REPL;
    if (wasRelay === isRelay) {
      q.header = q.header.slice();
      q.header[0] = t;
    } else if (isRelay) {
      const h = new Uint8Array(RELAY_HEADER_LEN);
      h[0] = t;
      q.header = h;
    } else {
      q.header = Uint8Array.of(t, rng.next() & 0xff, rng.next() & 0xff, rng.next() & 0xff).subarray(0, CLIENT_HEADER_LEN);
    }
    return true;
  },
  // hop count of a relay layer
  (m, { rng }) => {
    const relays = messages(m).filter((q) => q.header.length >= 2 && (q.header[0] === MSG.RELAY_FORW || q.header[0] === MSG.RELAY_REPL));
    if (!relays.length) return false;
    const q = rng.pick(relays);
    q.header = q.header.slice();
    q.header[1] = rng.pick([0, 1, 30, 31, 32, 33, 255, rng.next() & 0xff]);
    return true;
  },
  // drop the tail that did not frame (a pure length fix-up)
  (m) => {
    let changed = false;
    for (const q of messages(m)) {
      if (q.tail.length) {
        q.tail = new Uint8Array(0);
        changed = true;
      }
    }
    return changed;
  },
];

/** Offsets of every option length field, found leniently (any nesting). */
export function lengthFields(b: Uint8Array): { at: number; end: number }[] {
  const out: { at: number; end: number }[] = [];
  const walk = (p: number, end: number, relay: boolean, depth: number) => {
    while (p + 4 <= end) {
      const code = be16(b, p);
      const len = be16(b, p + 2);
      out.push({ at: p + 2, end });
      if (p + 4 + len > end) return;
      const fixed = CONTAINERS[code];
      if (relay && code === OPT.RELAY_MSG && depth < 40 && len > 0) {
        const inner = p + 4;
        const r = b[inner] === MSG.RELAY_FORW || b[inner] === MSG.RELAY_REPL;
        walk(inner + (r ? RELAY_HEADER_LEN : CLIENT_HEADER_LEN), inner + len, r, depth + 1);
      } else if (fixed !== undefined && len >= fixed) {
        walk(p + 4 + fixed, p + 4 + len, false, depth);
      }
      p += 4 + len;
    }
  };
  if (b.length > 0) {
    const r = b[0] === MSG.RELAY_FORW || b[0] === MSG.RELAY_REPL;
    walk(r ? RELAY_HEADER_LEN : CLIENT_HEADER_LEN, b.length, r, 0);
  }
  return out;
}

/** Breaks one option length: off by one, zero, 0xffff, just past the end. */
function breakLength(b: Uint8Array, x: MutateContext): Uint8Array {
  const f = lengthFields(b);
  if (!f.length) return b;
  const { at, end } = x.rng.pick(f);
  const len = be16(b, at);
  const remaining = end - at - 2;
  const v = x.rng.pick([len + 1, len - 1, 0, 0xffff, remaining + 1, remaining, len + 2, len - 4, 1]) & 0xffff;
  const c = b.slice();
  c[at] = v >> 8;
  c[at + 1] = v & 0xff;
  return c;
}

function dhcpMutate(body: Uint8Array, x: MutateContext): Uint8Array {
  if (x.rng.chance(0.15)) return breakLength(body, x);
  const m = parseTree(body);
  const n = 1 + (x.rng.chance(0.3) ? x.rng.below(3) : 0);
  let any = false;
  for (let i = 0; i < n; i++) any = x.rng.pick(treeMutators)(m, x) || any;
  if (!any && x.rng.chance(0.5)) return body;
  return serializeTree(m);
}

/** One mutated child of `input`: a stack of 1..16 mutations. */
export function mutate(input: Uint8Array, x: MutateContext): Uint8Array {
  let b = input;
  const stack = 1 << x.rng.below(5);
  for (let i = 0; i < stack; i++) {
    if (x.dhcpOffset >= 0 && b.length >= x.dhcpOffset && x.rng.chance(0.35)) {
      const head = b.subarray(0, x.dhcpOffset);
      const body = dhcpMutate(b.subarray(x.dhcpOffset), x);
      b = concat(head, body);
    } else {
      b = x.rng.pick(byteMutators)(b, x);
    }
    if (b.length > x.maxLen) b = b.slice(0, x.maxLen);
  }
  return b;
}
