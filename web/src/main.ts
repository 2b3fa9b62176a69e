// The inspector page: wiring of input (capture file, hex, URL fragment), the
// message list, the tree and hex views, and the simulation panel. The bundle
// (app.js) runs this both on the page and, from its own source, as the
// capture-decoding Web Worker.

import { Core } from "../../host/core/core.js";
import { ABI_VERSION } from "../../host/core/abi.js";
import { decodeCapture, type Batch } from "./capture.js";
import { describe, innermost, duidOf, parseHexDump, toHex, OPT_SERVERID, SERVER_TYPES, type Inspected } from "./decode.js";
import { MessageList, xidText, type Row } from "./list.js";
import { MessageView, buildModel, markDiff, renderTree } from "./tree.js";
import { DEFAULT_CONFIG, DEFAULT_IFACE, simulate } from "./sim.js";
import { runWorker, type FromWorker } from "./worker.js";

/** Entry point: `bundle` is the function app.js wraps everything in (its
 *  source starts the worker); in the worker it is null. */
export function start(bundle: (() => unknown) | null): void {
  if (typeof document === "undefined") {
    runWorker(globalThis as unknown as Parameters<typeof runWorker>[0]);
    return;
  }
  const app = new App(bundle ? `(${bundle.toString()})().start(null);` : "");
  app.init().catch((e) => app.fail(e));
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

class App {
  private wasm!: ArrayBuffer;
  private core!: Core;
  private readonly list: MessageList;
  private readonly view: MessageView;
  private current: Row | null = null;
  private worker: Worker | null = null;
  private generation = 0;
  private simRuns = 0;

  constructor(private readonly workerSource: string) {
    this.list = new MessageList(
      $("list"),
      (r) => this.show(r),
      () => {
        const n = this.list.exchanges.length;
        $("count").textContent = `${this.list.shownCount} of ${this.list.rows.length} messages, ${n} exchange${n === 1 ? "" : "s"}`;
      },
    );
    this.view = new MessageView($("tree"), $("hexview"));
  }

  async init(): Promise<void> {
    const { bytes, from } = await loadWasm();
    this.wasm = bytes;
    this.core = await Core.load(bytes);
    $("core-info").textContent = `core.wasm ${(bytes.byteLength / 1024).toFixed(1)} KiB, ABI ${ABI_VERSION}, ${from}`;
    $<HTMLTextAreaElement>("sim-config").value = DEFAULT_CONFIG;
    $<HTMLTextAreaElement>("sim-iface").value = DEFAULT_IFACE;
    this.bind();
    document.body.dataset.state = "idle";
    if (!this.openHash()) this.status("Open or drop a pcap/pcapng capture, or paste the hex of one DHCPv6 message.");
  }

  fail(e: unknown): void {
    document.body.dataset.state = "error";
    this.status(`error: ${e instanceof Error ? e.message : String(e)}`, true);
  }

  private status(text: string, error = false): void {
    const s = $("status");
    s.textContent = text;
    s.classList.toggle("error", error);
  }

  private bind(): void {
    const file = $<HTMLInputElement>("file");
    file.onchange = () => file.files?.[0] && this.loadFile(file.files[0]);
    $("decode").onclick = () => this.decodeHex($<HTMLTextAreaElement>("hex").value, true);
    window.addEventListener("hashchange", () => this.openHash());
    // drag and drop anywhere on the page
    let depth = 0;
    document.addEventListener("dragenter", (e) => {
      e.preventDefault();
      if (++depth === 1) document.body.classList.add("dragging");
    });
    document.addEventListener("dragleave", () => {
      if (--depth <= 0) (depth = 0), document.body.classList.remove("dragging");
    });
    document.addEventListener("dragover", (e) => e.preventDefault());
    document.addEventListener("drop", (e) => {
      e.preventDefault();
      depth = 0;
      document.body.classList.remove("dragging");
      const f = e.dataTransfer?.files[0];
      if (f) this.loadFile(f);
    });
    // filters
    const type = $<HTMLSelectElement>("f-type");
    const xid = $<HTMLInputElement>("f-xid");
    const client = $<HTMLInputElement>("f-client");
    const mal = $<HTMLInputElement>("f-mal");
    const group = $<HTMLInputElement>("f-group");
    const apply = () => this.list.setFilter({ type: type.value, xid: xid.value.trim(), client: client.value.trim(), malformed: mal.checked, grouped: group.checked });
    type.onchange = mal.onchange = group.onchange = apply;
    xid.oninput = client.oninput = apply;
    $("f-clear").onclick = () => {
      type.value = xid.value = client.value = "";
      mal.checked = group.checked = false;
      apply();
    };
    $("f-this-xid").onclick = () => {
      if (this.current && this.current.xid >= 0) (xid.value = xidText(this.current.xid)), apply();
    };
    $("f-this-client").onclick = () => {
      if (this.current?.client) (client.value = this.current.client), apply();
    };
    $("sim-run").onclick = () => this.simulate();
  }

  // ---------------------------------------------------------------- input

  private openHash(): boolean {
    const m = /^#hex=([0-9a-fA-F]*)$/.exec(location.hash);
    if (!m) return false;
    $<HTMLTextAreaElement>("hex").value = m[1];
    this.decodeHex(m[1], false);
    return true;
  }

  /** One message from hex text; `updateHash`: make the URL a link to it. */
  private decodeHex(text: string, updateHash: boolean): void {
    this.stopWorker();
    let bytes: Uint8Array;
    try {
      bytes = parseHexDump(text);
    } catch (e) {
      this.status(`hex: ${(e as Error).message}`, true);
      return;
    }
    const j = this.core.inspect(bytes) as Inspected;
    this.generation++;
    this.list.clear();
    this.clearDetail();
    this.list.append([
      { ...describe(j), frame: 1, time: 0, src: "", dst: "", srcPort: 0, dstPort: 0, multicast: true, truncatedCapture: false, payload: bytes },
    ]);
    this.updateTypes();
    this.status(`1 message from hex (${bytes.length} bytes)`);
    document.body.dataset.state = "ready";
    this.list.select(0);
    if (updateHash) history.replaceState(null, "", `#hex=${toHex(bytes)}`);
  }

  private loadFile(file: File): void {
    const gen = ++this.generation;
    this.stopWorker();
    this.list.clear();
    this.clearDetail();
    document.body.dataset.state = "loading";
    const progress = $<HTMLProgressElement>("progress");
    progress.hidden = false;
    progress.value = 0;
    this.status(`Reading ${file.name}…`);
    const t0 = performance.now();
    const onBatch = (b: Batch) => {
      if (gen !== this.generation) return;
      this.list.append(b.rows.map((r, i) => ({ ...r, payload: new Uint8Array(b.payloads, i ? b.ends[i - 1] : 0, b.ends[i] - (i ? b.ends[i - 1] : 0)) })));
    };
    const onProgress = (done: number, total: number) => {
      if (gen !== this.generation) return;
      progress.max = total;
      progress.value = done;
      this.status(`Decoding ${file.name}: ${done} of ${total} frames…`);
    };
    const onDone = (count: number) => {
      if (gen !== this.generation) return;
      progress.hidden = true;
      this.stopWorker();
      this.updateTypes();
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      this.status(`${file.name}: ${count} DHCPv6 messages (${secs} s)`);
      document.body.dataset.state = "ready";
      if (!this.current && this.list.rows.length) this.list.select(0);
    };
    const onError = (message: string) => {
      if (gen !== this.generation) return;
      progress.hidden = true;
      this.status(`${file.name}: ${message}`, true);
      document.body.dataset.state = "error";
    };
    const onPage = async (data: ArrayBuffer) => {
      // no worker: decode here, yielding to the page after every batch
      try {
        const count = await decodeCapture(this.core, new Uint8Array(data), { batch: onBatch, progress: onProgress }, () => new Promise((r) => setTimeout(r, 0)));
        onDone(count);
      } catch (e) {
        onError((e as Error).message);
      }
    };
    file.arrayBuffer().then((data) => {
      if (gen !== this.generation) return;
      try {
        const w = new Worker(URL.createObjectURL(new Blob([this.workerSource], { type: "text/javascript" })));
        this.worker = w;
        w.onmessage = (e: MessageEvent<FromWorker>) => {
          const m = e.data;
          if (m.kind === "batch") onBatch(m.batch);
          else if (m.kind === "progress") onProgress(m.done, m.total);
          else if (m.kind === "done") onDone(m.count);
          else onError(m.message);
        };
        w.onerror = (e) => {
          e.preventDefault();
          this.stopWorker();
          if (gen === this.generation) void onPage(data);
        };
        w.postMessage({ kind: "decode", wasm: this.wasm.slice(0), file: data });
      } catch {
        void onPage(data);
      }
    }, (e) => onError(String(e)));
  }

  private stopWorker(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private updateTypes(): void {
    const sel = $<HTMLSelectElement>("f-type");
    const keep = sel.value;
    sel.textContent = "";
    for (const name of ["", ...this.list.typeNames()]) sel.add(new Option(name || "any type", name));
    sel.value = keep;
  }

  // ---------------------------------------------------------------- the selected message

  private clearDetail(): void {
    this.current = null;
    for (const id of ["exchange", "errors", "tree", "hexview", "sim-status", "sim-ours", "sim-captured"]) $(id).textContent = "";
    $("share").hidden = true;
  }

  private show(r: Row): void {
    this.current = r;
    const j = this.core.inspect(r.payload) as Inspected;
    this.view.show(r.payload, j);
    const errs = $("errors");
    errs.textContent = "";
    if (this.view.errors.length) {
      errs.append(`Malformed: ${this.view.errors.length} problem${this.view.errors.length > 1 ? "s" : ""} found by the core: `);
      this.view.errors.forEach((n, i) => {
        const a = document.createElement("a");
        a.href = "#";
        a.textContent = `[${n.off}] ${n.value}`;
        a.onclick = (e) => {
          e.preventDefault();
          this.view.select(n);
        };
        errs.append(...(i ? ["; ", a] : [a]));
      });
    }
    const share = $<HTMLAnchorElement>("share");
    share.href = `${location.href.replace(/#.*$/, "")}#hex=${toHex(r.payload)}`;
    share.hidden = false;
    // the exchange it belongs to
    const ex = $("exchange");
    ex.textContent = "";
    const x = this.list.exchangeOf(r);
    ex.append(`Exchange #${x.id}${x.xid >= 0 ? ` (transaction ${xidText(x.xid)})` : ""}: `);
    x.rows.forEach((o, i) => {
      if (i) ex.append(" → ");
      const a = document.createElement("a");
      a.href = "#";
      a.textContent = `${o.name.split(" > ").pop()} [${o.frame}]`;
      if (o === r) a.className = "here";
      a.onclick = (e) => {
        e.preventDefault();
        this.list.select(o.index);
      };
      ex.append(a);
    });
    // the simulation's source: as captured
    $<HTMLInputElement>("sim-src").value = r.src || "fe80::1";
    $<HTMLInputElement>("sim-port").value = String(r.srcPort || 546);
    $<HTMLInputElement>("sim-mc").checked = r.multicast;
    void this.simulate();
  }

  /** The captured answer to row `r`: the next server message of its exchange. */
  private capturedReply(r: Row): Row | undefined {
    return this.list.exchangeOf(r).rows.find((o) => o.index > r.index && SERVER_TYPES.has(o.innerType) && (o.type === 13) === (r.type === 12));
  }

  private async simulate(): Promise<void> {
    const r = this.current;
    const run = ++this.simRuns;
    const st = $("sim-status");
    const ours = $("sim-ours");
    const cap = $("sim-captured");
    ours.textContent = cap.textContent = "";
    $("sim-cap-title").textContent = "Captured reply";
    st.className = "";
    if (!r) return;
    if (SERVER_TYPES.has(r.innerType) || r.innerType < 0) {
      st.textContent = "Select a client message (Solicit, Request, Renew, Information-request, …) to see what our server would answer.";
      return;
    }
    const inner = innermost((this.core.inspect(r.payload) as Inspected).msg).msg;
    const sid = duidOf(inner, OPT_SERVERID);
    const res = await simulate({
      wasm: this.wasm,
      configText: $<HTMLTextAreaElement>("sim-config").value,
      ifaceText: $<HTMLTextAreaElement>("sim-iface").value,
      payload: r.payload,
      src: $<HTMLInputElement>("sim-src").value,
      srcPort: Number($<HTMLInputElement>("sim-port").value),
      multicast: $<HTMLInputElement>("sim-mc").checked,
      serverDuid: $<HTMLInputElement>("sim-sid").checked && sid ? sid : null,
    });
    if (run !== this.simRuns) return; // run again (or another message selected) meanwhile
    const warn = res.warnings.map((w) => `\nwarning: ${w}`).join("");
    if (res.error) {
      st.className = "error";
      st.textContent = res.error + warn;
      return;
    }
    const captured = this.capturedReply(r);
    let ourRoot = null;
    if (res.reply) {
      const j = this.core.inspect(res.reply.bytes) as Inspected;
      ourRoot = buildModel(j, res.reply.bytes.length);
    }
    let capRoot = null;
    if (captured) {
      capRoot = buildModel(this.core.inspect(captured.payload) as Inspected, captured.payload.length);
      $("sim-cap-title").textContent = `Captured reply (frame ${captured.frame})`;
    } else {
      cap.textContent = "No reply to this message in the capture.";
    }
    const diffs = ourRoot && capRoot ? markDiff(ourRoot, capRoot) : 0;
    if (ourRoot) renderTree(ourRoot, ours);
    if (capRoot) renderTree(capRoot, cap);
    if (res.reply) {
      const link = `#hex=${toHex(res.reply.bytes)}`;
      st.textContent = `Our server answers ${res.reply.bytes.length} bytes to [${res.reply.to}]:${res.reply.port}` + (capRoot ? `; ${diffs} differences from the captured reply are marked.` : ".");
      const a = document.createElement("a");
      a.href = link;
      a.textContent = " Open our reply";
      a.id = "sim-open";
      st.append(a, warn);
    } else {
      st.className = "noreply";
      st.textContent = `Our server would not answer: ${res.noReply}${warn}`;
    }
  }
}

/** The release core.wasm next to the page; from file:// (where fetch cannot
 *  read files) the same bytes embedded in core-wasm.js by web/pack.ts. */
async function loadWasm(): Promise<{ bytes: ArrayBuffer; from: string }> {
  if (location.protocol === "http:" || location.protocol === "https:") {
    try {
      const r = await fetch("core.wasm");
      if (r.ok) return { bytes: await r.arrayBuffer(), from: "loaded from core.wasm" };
    } catch {
      // fall through to the embedded copy
    }
  }
  await new Promise<void>((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "core-wasm.js";
    s.onload = () => resolve();
    s.onerror = () => reject(new Error("core-wasm.js is missing next to the page: rebuild with npm run build"));
    document.head.append(s);
  });
  const b64 = (globalThis as { ODHCPD_CORE_WASM?: string }).ODHCPD_CORE_WASM ?? "";
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return { bytes: bytes.buffer, from: "embedded copy (file://)" };
}
