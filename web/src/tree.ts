// The decoded tree of one message and its hex view. The tree is built from
// the core's inspect JSON only; every node knows the byte range it covers
// ("off"/"len" from the core), which is what links the two views: selecting a
// node highlights its bytes, clicking a byte selects the deepest node holding it.

import type { Err, Inspected, Msg, Opt } from "./decode.js";

export type Kind = "msg" | "hdr" | "opt" | "field" | "err";

export interface TNode {
  kind: Kind;
  label: string;
  value: string;
  /** Byte range in the datagram (clamped to the bytes present). */
  off: number;
  len: number;
  /** Path that names the node in both trees of a comparison ("m/3#0.iaid"). */
  key: string;
  title?: string;
  depth: number;
  children: TNode[];
  diff?: "changed" | "only";
  el?: HTMLElement;
}

// ---------------------------------------------------------------- model

/** The tree of an inspect result for a datagram of `size` bytes. */
export function buildModel(j: Inspected, size: number): TNode {
  const root = msgNode(j.msg, "m", 0, size);
  if (j.truncated) root.children.push(errNode({ off: 0, len: 0, error: "the core's JSON output ran short: decode truncated" }, "m!t", 1, size));
  return root;
}

function clamp(off: number, len: number, size: number): [number, number] {
  const o = Math.min(off, size);
  return [o, Math.max(0, Math.min(len, size - o))];
}

function node(kind: Kind, label: string, value: string, off: number, len: number, key: string, depth: number, size: number): TNode {
  const [o, l] = clamp(off, len, size);
  return { kind, label, value, off: o, len: l, key, depth, children: [] };
}

function msgNode(m: Msg, key: string, depth: number, size: number): TNode {
  const name = m.name ?? "(empty)";
  const n = node("msg", m.type !== undefined ? `${name} (${m.type})` : name, `${m.len} bytes`, m.off, m.len, key, depth, size);
  const d = depth + 1;
  if (m.type !== undefined) n.children.push(node("hdr", "msg-type", `${m.type} ${name}`, m.off, 1, `${key}.type`, d, size));
  if (m.xid !== undefined) n.children.push(node("hdr", "transaction-id", "0x" + m.xid.toString(16).padStart(6, "0"), m.off + 1, 3, `${key}.xid`, d, size));
  if (m.hop !== undefined) n.children.push(node("hdr", "hop-count", String(m.hop), m.off + 1, 1, `${key}.hop`, d, size));
  if (m.link !== undefined) n.children.push(node("hdr", "link-address", m.link, m.off + 2, 16, `${key}.link`, d, size));
  if (m.peer !== undefined) n.children.push(node("hdr", "peer-address", m.peer, m.off + 18, 16, `${key}.peer`, d, size));
  n.children.push(...optNodes(m.options, key, d, size));
  m.errors.forEach((e, i) => n.children.push(errNode(e, `${key}!${i}`, d, size)));
  return n;
}

function optNodes(opts: Opt[], parentKey: string, depth: number, size: number): TNode[] {
  const seen = new Map<number, number>();
  return opts.map((o) => {
    const nth = seen.get(o.code) ?? 0;
    seen.set(o.code, nth + 1);
    const key = `${parentKey}/${o.code}#${nth}`;
    const n = node("opt", `${o.name} (${o.code})`, `len ${o.len}`, o.off, 4 + o.len, key, depth, size);
    if (o.rfc) n.title = o.rfc;
    const d = depth + 1;
    for (const [k, v] of Object.entries(o.fields)) n.children.push(node("field", k, formatField(k, v), o.off + 4, o.len, `${key}.${k}`, d, size));
    if (o.options) n.children.push(...optNodes(o.options, key, d, size));
    if (o.msg) n.children.push(msgNode(o.msg, `${key}/m`, d, size));
    (o.errors ?? []).forEach((e: Err, i: number) => n.children.push(errNode(e, `${key}!${i}`, d, size)));
    return n;
  });
}

function errNode(e: Err, key: string, depth: number, size: number): TNode {
  return node("err", "malformed", e.error, e.off, e.len, key, depth, size);
}

const LIFETIME_KEYS = new Set(["t1", "t2", "preferred", "valid", "seconds"]);

function formatField(key: string, v: unknown): string {
  if (Array.isArray(v)) {
    return v
      .map((x) => (x && typeof x === "object" && "code" in x ? `${(x as { code: number }).code} ${(x as { name?: string }).name ?? ""}`.trim() : String(x)))
      .join(", ");
  }
  if (typeof v === "number" && v === 0xffffffff && LIFETIME_KEYS.has(key)) return "infinite (4294967295)";
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Every node, depth first. */
export function flatten(root: TNode): TNode[] {
  const out: TNode[] = [];
  const walk = (n: TNode) => {
    out.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** Every error range of the tree. */
export function errorRanges(root: TNode): Array<[number, number]> {
  return flatten(root)
    .filter((n) => n.kind === "err")
    .map((n) => [n.off, n.len]);
}

/** Marks the nodes of `a` and `b` that differ: present on one side only, or
 *  a header or field value that is not the same. Returns how many differ. */
export function markDiff(a: TNode, b: TNode): number {
  const fa = new Map(flatten(a).map((n) => [n.key, n]));
  const fb = new Map(flatten(b).map((n) => [n.key, n]));
  let count = 0;
  const mark = (mine: Map<string, TNode>, other: Map<string, TNode>) => {
    for (const [k, n] of mine) {
      const o = other.get(k);
      n.diff = undefined;
      if (!o) n.diff = "only";
      else if ((n.kind === "hdr" || n.kind === "field" || n.kind === "err") && n.value !== o.value) n.diff = "changed";
      if (n.diff) count++;
    }
  };
  mark(fa, fb);
  mark(fb, fa);
  return count;
}

// ---------------------------------------------------------------- views

/** Renders the tree into `into`; `onPick` gets the clicked node. */
export function renderTree(root: TNode, into: HTMLElement, onPick?: (n: TNode) => void): void {
  into.textContent = "";
  const ul = document.createElement("ul");
  ul.className = "tree";
  ul.append(renderNode(root, onPick));
  into.append(ul);
}

function renderNode(n: TNode, onPick?: (n: TNode) => void): HTMLElement {
  const li = document.createElement("li");
  const row = document.createElement("div");
  row.className = `node k-${n.kind}${n.diff ? " d-" + n.diff : ""}`;
  row.dataset.key = n.key;
  row.dataset.off = String(n.off);
  row.dataset.len = String(n.len);
  if (n.title) row.title = n.title;
  const tw = document.createElement("span");
  tw.className = "tw";
  tw.textContent = n.children.length ? "▾" : "";
  tw.onclick = (e) => {
    e.stopPropagation();
    li.classList.toggle("collapsed");
    tw.textContent = li.classList.contains("collapsed") ? "▸" : "▾";
  };
  const lbl = document.createElement("span");
  lbl.className = "lbl";
  lbl.textContent = n.label;
  const val = document.createElement("span");
  val.className = "val";
  val.textContent = n.value;
  row.append(tw, lbl, val);
  if (onPick) row.onclick = () => onPick(n);
  n.el = row;
  li.append(row);
  if (n.children.length) {
    const ul = document.createElement("ul");
    for (const c of n.children) ul.append(renderNode(c, onPick));
    li.append(ul);
  }
  return li;
}

/** A hex view of one datagram: offset column, 16 bytes a row, ASCII. */
export class HexView {
  private cells: HTMLElement[] = [];
  private chars: HTMLElement[] = [];
  private selected: [number, number] = [0, 0];

  constructor(
    private readonly el: HTMLElement,
    private readonly onPick: (off: number) => void,
  ) {}

  show(bytes: Uint8Array, errors: Array<[number, number]>): void {
    this.el.textContent = "";
    this.cells = [];
    this.chars = [];
    this.selected = [0, 0];
    const frag = document.createDocumentFragment();
    for (let r = 0; r < bytes.length; r += 16) {
      const row = document.createElement("div");
      row.className = "hrow";
      const off = document.createElement("span");
      off.className = "hoff";
      off.textContent = r.toString(16).padStart(4, "0");
      const hx = document.createElement("span");
      hx.className = "hbytes";
      const asc = document.createElement("span");
      asc.className = "hascii";
      for (let i = r; i < Math.min(r + 16, bytes.length); i++) {
        const b = document.createElement("span");
        b.className = "hb";
        b.dataset.i = String(i);
        b.textContent = bytes[i].toString(16).padStart(2, "0");
        const c = document.createElement("span");
        c.className = "hc";
        c.dataset.i = String(i);
        c.textContent = bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : ".";
        b.onclick = c.onclick = () => this.onPick(i);
        hx.append(b);
        asc.append(c);
        this.cells.push(b);
        this.chars.push(c);
      }
      row.append(off, hx, asc);
      frag.append(row);
    }
    this.el.append(frag);
    for (const [o, l] of errors) this.each(o, l, (e) => e.classList.add("err"));
  }

  /** Highlights bytes off..off+len (the first `hdr` of them as a header). */
  highlight(off: number, len: number, hdr = 0): void {
    this.each(...this.selected, (e) => e.classList.remove("sel", "selhdr"));
    this.selected = [off, len];
    this.each(off, len, (e, i) => e.classList.add("sel", ...(i - off < hdr ? ["selhdr"] : [])));
    this.cells[off]?.scrollIntoView({ block: "nearest" });
  }

  private each(off: number, len: number, f: (e: HTMLElement, i: number) => void): void {
    for (let i = off; i < Math.min(off + len, this.cells.length); i++) {
      f(this.cells[i], i);
      f(this.chars[i], i);
    }
  }
}

/** A tree and a hex view of the same datagram, selection kept in step. */
export class MessageView {
  private nodes: TNode[] = [];
  private current: TNode | null = null;
  /** The error nodes of the message shown, in tree order. */
  errors: TNode[] = [];
  readonly hex: HexView;

  constructor(
    private readonly treeEl: HTMLElement,
    hexEl: HTMLElement,
  ) {
    this.hex = new HexView(hexEl, (i) => this.pickByte(i));
  }

  show(bytes: Uint8Array, j: Inspected): TNode {
    const root = buildModel(j, bytes.length);
    this.nodes = flatten(root);
    this.errors = this.nodes.filter((n) => n.kind === "err");
    this.current = null;
    renderTree(root, this.treeEl, (n) => this.select(n));
    this.hex.show(bytes, errorRanges(root));
    return root;
  }

  select(n: TNode): void {
    this.current?.el?.classList.remove("sel");
    this.current = n;
    n.el?.classList.add("sel");
    for (let li = n.el?.parentElement?.parentElement?.closest("li"); li; li = li.parentElement?.closest("li")) li.classList.remove("collapsed");
    n.el?.scrollIntoView({ block: "nearest" });
    this.hex.highlight(n.off, n.len, n.kind === "opt" ? 4 : 0);
  }

  /** Selects the deepest node whose range holds byte `i` (the shortest on a tie). */
  pickByte(i: number): void {
    let best: TNode | null = null;
    for (const n of this.nodes) {
      if (n.len === 0 || i < n.off || i >= n.off + n.len) continue;
      if (!best || n.depth > best.depth || (n.depth === best.depth && n.len < best.len)) best = n;
    }
    if (best) this.select(best);
  }
}
