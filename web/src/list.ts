// The message list: every DHCPv6 datagram of the capture (or the pasted
// message), filtered by type, transaction and client, optionally grouped by
// exchange. Only the rows in view exist in the DOM, so 100k rows scroll.

import type { PacketInfo } from "./capture.js";

export interface Row extends PacketInfo {
  /** Position in the capture's list (0-based). */
  index: number;
  payload: Uint8Array;
  /** Exchange (transaction) number, 1-based, in order of first appearance. */
  exchange: number;
}

export interface Exchange {
  id: number;
  xid: number;
  rows: Row[];
}

export interface Filter {
  type: string; // message type name ("" = any)
  xid: string; // hex, "" = any
  client: string; // part of the client DUID, hex, "" = any
  malformed: boolean;
  grouped: boolean;
}

const ROW_H = 22;
const COLS = ["no", "time", "src", "dst", "type", "xid", "client", "summary", "mal"] as const;

export function xidText(x: number): string {
  return x < 0 ? "" : "0x" + x.toString(16).padStart(6, "0");
}

export class MessageList {
  rows: Row[] = [];
  exchanges: Exchange[] = [];
  private byXid = new Map<number, Exchange>();
  private shown: Row[] = [];
  private selected = -1;
  private t0 = 0;
  filter: Filter = { type: "", xid: "", client: "", malformed: false, grouped: false };
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private pending = false;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly onSelect: (r: Row) => void,
    private readonly onChange: () => void,
  ) {
    this.spacer = document.createElement("div");
    this.spacer.className = "spacer";
    this.body = document.createElement("div");
    this.body.className = "rows";
    this.spacer.append(this.body);
    scroller.append(this.spacer);
    scroller.addEventListener("scroll", () => this.draw());
    scroller.tabIndex = 0;
    scroller.addEventListener("keydown", (e) => {
      const pos = this.shown.findIndex((r) => r.index === this.selected);
      const to = e.key === "ArrowDown" ? pos + 1 : e.key === "ArrowUp" ? pos - 1 : -2;
      if (to < -1 || !this.shown.length) return;
      e.preventDefault();
      this.select(this.shown[Math.max(0, Math.min(this.shown.length - 1, to))].index);
    });
  }

  clear(): void {
    this.rows = [];
    this.exchanges = [];
    this.byXid.clear();
    this.selected = -1;
    this.refilter();
  }

  /** Adds decoded datagrams (in capture order). */
  append(items: Array<Omit<Row, "index" | "exchange">>): void {
    if (!this.rows.length && items.length) this.t0 = items[0].time;
    for (const it of items) {
      let ex = it.xid >= 0 ? this.byXid.get(it.xid) : undefined;
      if (!ex) {
        ex = { id: this.exchanges.length + 1, xid: it.xid, rows: [] };
        this.exchanges.push(ex);
        if (it.xid >= 0) this.byXid.set(it.xid, ex);
      }
      const row: Row = { ...it, index: this.rows.length, exchange: ex.id };
      ex.rows.push(row);
      this.rows.push(row);
    }
    // coalesce redraws while a large capture streams in
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.refilter();
      });
    }
  }

  exchangeOf(r: Row): Exchange {
    return this.exchanges[r.exchange - 1];
  }

  /** Message type names present (outer and inner), for the type filter. */
  typeNames(): string[] {
    const s = new Set<string>();
    for (const r of this.rows) for (const n of r.name.split(" > ")) s.add(n);
    return [...s].sort();
  }

  setFilter(f: Partial<Filter>): void {
    Object.assign(this.filter, f);
    this.refilter();
  }

  private matches(r: Row): boolean {
    const f = this.filter;
    if (f.type && !r.name.split(" > ").includes(f.type)) return false;
    if (f.xid) {
      const want = parseInt(f.xid.replace(/^0x/i, ""), 16);
      if (r.xid !== want) return false;
    }
    if (f.client && !r.client.includes(f.client.toLowerCase().replace(/[^0-9a-f]/g, ""))) return false;
    if (f.malformed && r.errors === 0) return false;
    return true;
  }

  refilter(): void {
    this.shown = this.rows.filter((r) => this.matches(r));
    if (this.filter.grouped) this.shown.sort((a, b) => a.exchange - b.exchange || a.index - b.index);
    this.spacer.style.height = `${this.shown.length * ROW_H}px`;
    this.draw(true);
    this.onChange();
  }

  get shownCount(): number {
    return this.shown.length;
  }

  private drawn = "";

  private draw(force = false): void {
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_H) - 5);
    const last = Math.min(this.shown.length, first + Math.ceil(this.scroller.clientHeight / ROW_H) + 10);
    const sig = `${first}:${last}:${this.selected}`;
    if (!force && sig === this.drawn) return;
    this.drawn = sig;
    this.body.textContent = "";
    this.body.style.transform = `translateY(${first * ROW_H}px)`;
    for (let i = first; i < last; i++) this.body.append(this.rowEl(this.shown[i], i));
  }

  private rowEl(r: Row, pos: number): HTMLElement {
    const el = document.createElement("div");
    el.className = "row";
    if (r.index === this.selected) el.classList.add("sel");
    if (r.errors) el.classList.add("malformed");
    if (this.filter.grouped) {
      el.classList.add(r.exchange % 2 ? "g-odd" : "g-even");
      const prev = this.shown[pos - 1];
      if (!prev || prev.exchange !== r.exchange) el.classList.add("g-start");
    }
    el.dataset.index = String(r.index);
    const text: Record<(typeof COLS)[number], string> = {
      no: String(r.frame),
      time: (r.time - this.t0).toFixed(6),
      src: r.src,
      dst: r.dst,
      type: r.name,
      xid: xidText(r.xid),
      client: r.client,
      summary: r.summary,
      mal: r.errors ? `⚠ ${r.errors}` : "",
    };
    for (const c of COLS) {
      const cell = document.createElement("span");
      cell.className = `c-${c}`;
      cell.textContent = text[c];
      if (c === "mal" && r.errors) cell.title = r.firstError;
      else if (c === "src" || c === "dst" || c === "summary" || c === "client") cell.title = text[c];
      el.append(cell);
    }
    el.onclick = () => this.select(r.index);
    return el;
  }

  select(index: number): void {
    const r = this.rows[index];
    if (!r) return;
    this.selected = index;
    const pos = this.shown.indexOf(r);
    if (pos >= 0) {
      const top = pos * ROW_H;
      if (top < this.scroller.scrollTop || top + ROW_H > this.scroller.scrollTop + this.scroller.clientHeight) {
        this.scroller.scrollTop = top - this.scroller.clientHeight / 2;
      }
    }
    this.draw(true);
    this.onSelect(r);
  }
}
