// The bench's results: the JSON document, its Markdown tables, the targets of
// issue 7 checked against them, and the rate plot (SVG written here, no
// library).

import type { CoreSuiteResult, Figure } from "./core-suite.js";
import type { LabBenchResult, Kind, StepResult } from "./lab-bench.js";
import { KIND_LABEL, DROP_LIMIT } from "./lab-bench.js";

export interface Meta {
  date: string;
  mode: "full" | "smoke";
  commit: string;
  node: string;
  cpus: string;
  cores: number;
  kea: string | null;
  perfdhcp: string | null;
  kernel: string;
  load1Start: number;
  load1End: number;
  durationS: number;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

export interface Results {
  meta: Meta;
  coreWasmBytes: number;
  core: CoreSuiteResult | null;
  lab: LabBenchResult | null;
  targets: Target[];
  errors: string[];
}

// ---------------------------------------------------------------- targets

const fmtRate = (r: number) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)}M` : r >= 1e4 ? `${(r / 1e3).toFixed(0)}k` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k` : r.toFixed(0));
const mib = (kb: number) => (kb / 1024).toFixed(1);

export function targets(r: Omit<Results, "targets">): Target[] {
  const t: Target[] = [];
  const lab = r.lab;
  const best = (k: Kind) => lab?.best.find((b) => b.kind === k)?.rate ?? NaN;
  if (lab) {
    const ratio = best("ours") / best("kea");
    const floor = best("floor") / best("kea");
    const cpu = (k: Kind) => lab.best.find((b) => b.kind === k)?.cpuUsPerExchange ?? NaN;
    const cpuRatio = cpu("kea") / cpu("ours");
    let measured = `${best("ours").toFixed(0)}/s vs Kea ${best("kea").toFixed(0)}/s = ${ratio.toFixed(2)}x`;
    if (Number.isFinite(floor))
      measured += `; the floor (a C responder with no logic) ${best("floor").toFixed(0)}/s = ${floor.toFixed(2)}x Kea${floor < 2 ? ": perfdhcp cannot drive 2x Kea here" : ""}`;
    if (Number.isFinite(cpuRatio)) measured += `; server CPU per exchange at the highest clean rate: ours ${cpu("ours").toFixed(0)} us, Kea ${cpu("kea").toFixed(0)} us (${cpuRatio.toFixed(2)}x less)`;
    t.push({ name: "end to end", goal: ">= 2x Kea's highest clean four-way rate", measured, met: Number.isFinite(ratio) ? ratio >= 2 : null });
  }
  if (r.core) {
    for (const key of ["solicit-new", "solicit-known"]) {
      const f = r.core.figures.filter((x) => x.key === key && x.layer === "core");
      if (!f.length) continue;
      const min = Math.min(...f.map((x) => x.perSec));
      const max = Math.max(...f.map((x) => x.perSec));
      const flat = min / max;
      t.push({
        name: `core Solicit/Advertise (${key === "solicit-new" ? "new clients" : "bound clients"})`,
        goal: ">= 1M/s in-process, within 30% from 1k to 100k bindings",
        measured: f.map((x) => `${fmtRate(x.perSec)}/s @${fmtRate(x.bindings ?? 0)}`).join(", ") + `; slowest/fastest ${(flat * 100).toFixed(0)}%`,
        met: min >= 1e6 && flat >= 0.7,
      });
    }
  }
  if (lab) {
    const node = lab.memory.find((m) => m.kind === "node");
    const ours10k = lab.memory.filter((m) => m.kind === "ours" && m.bindings > 0 && !m.restarted).sort((a, b) => a.bindings - b.bindings)[0];
    if (node && ours10k) {
      const d = (ours10k.rssKb - node.rssKb) / 1024;
      t.push({
        name: `memory (${ours10k.bindings} bindings)`,
        goal: "daemon with 10k bindings within 10 MB of an idle node",
        measured: `${mib(ours10k.rssKb)} MiB vs idle node ${mib(node.rssKb)} MiB: +${d.toFixed(1)} MiB`,
        met: ours10k.bindings >= 10000 ? d * 1.048576 <= 10 : null,
      });
    }
    const su = lab.startup.find((s) => s.kind === "ours");
    if (su) t.push({ name: "start-up", goal: "process start to first Reply < 300 ms", measured: `median ${su.medianMs.toFixed(0)} ms (min ${su.minMs.toFixed(0)})`, met: su.medianMs < 300 });
  }
  t.push({ name: "core.wasm size", goal: "< 64 KiB (65536 B)", measured: `${r.coreWasmBytes} B`, met: r.coreWasmBytes < 65536 });
  return t;
}

// ---------------------------------------------------------------- Markdown

/** A profile frame for a table cell: long names (V8 prints a RegExp's whole source) are cut. */
const cell = (frame: string) => `\`${(frame.length > 80 ? `${frame.slice(0, 77)}...` : frame).replace(/\|/g, "\\|")}\``;

function table(head: string[], rows: (string | number)[][], align?: string[]): string {
  const a = align ?? head.map((_, i) => (i === 0 ? "---" : "---:"));
  return [`| ${head.join(" | ")} |`, `| ${a.join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function markdown(r: Results): string {
  const out: string[] = [];
  const m = r.meta;
  out.push(`# odhcpd-wasm benchmark (${m.mode})`);
  out.push("");
  out.push(
    `${m.date}, commit ${m.commit}; ${m.cores} x ${m.cpus}; Node ${m.node}; ${m.kea ? `Kea ${m.kea}` : "no Kea"}, perfdhcp ${m.perfdhcp ?? "-"}; ` +
      `kernel ${m.kernel}. Load average ${m.load1Start.toFixed(1)} at the start, ${m.load1End.toFixed(1)} at the end; ${m.durationS.toFixed(0)} s in all.`,
  );
  out.push("");
  if (r.errors.length) {
    out.push("**Errors:**", "", ...r.errors.map((e) => `- ${e.split("\n")[0]}`), "");
  }
  out.push("## Targets (issue 7)", "");
  out.push(table(["target", "goal", "measured", "met"], r.targets.map((t) => [t.name, t.goal, t.measured, t.met === null ? "n/a" : t.met ? "yes" : "**no**"]), ["---", "---", "---", "---"]));
  out.push("");

  const c = r.core;
  if (c) {
    out.push("## Core in-process (messages per second)", "");
    const sizes = [...new Set(c.figures.filter((f) => f.layer === "core" && f.bindings !== null).map((f) => f.bindings!))].sort((a, b) => a - b);
    const keys = [...new Set(c.figures.filter((f) => f.layer === "core").map((f) => f.key))];
    const rows = keys.map((k) => {
      const fs = sizes.map((s) => c.figures.find((f) => f.key === k && f.layer === "core" && f.bindings === s));
      const vals = fs.filter((f): f is Figure => !!f).map((f) => f.perSec);
      const flat = vals.length > 1 ? `${((100 * Math.min(...vals)) / Math.max(...vals)).toFixed(0)}%` : "-";
      return [fs.find(Boolean)?.label ?? k, ...fs.map((f) => (f ? `${fmtRate(f.perSec)} (${f.nsEach.toFixed(0)} ns)` : "-")), flat];
    });
    rows.push(["tick(): expiry scan of the whole table", ...sizes.map((s) => `${c.tick.find((x) => x.bindings === s)?.usEach.toFixed(0) ?? "-"} us`), "-"]);
    out.push(table(["message", ...sizes.map((s) => `${s} bindings`), "slowest/fastest"], rows));
    out.push("");
    out.push(
      `Binding record ${c.recordBytes} B; linear memory ${c.bytesPerBinding.toFixed(1)} B per binding of capacity (record + index), ` +
        c.linearMemory.map((l) => `${(l.bytes / 1048576).toFixed(1)} MiB at capacity ${l.capacity}`).join(", ") +
        `. One host -> core call (abi_version): ${c.crossingNs.toFixed(1)} ns. Table fill (Solicit + Request per client): ` +
        c.fill.map((f) => `${f.bindings} in ${f.seconds.toFixed(2)} s`).join(", ") +
        ".",
    );
    out.push("");
    const split = c.figures.filter((f) => f.layer !== "core");
    if (split.length) {
      const at = split[0].bindings;
      out.push(`### Where one datagram's time goes in-process (${at} bindings), ns per datagram`, "");
      const layers: Figure["layer"][] = ["core", "wrapper", "server", "server+send"];
      const sk = [...new Set(split.map((f) => f.key))];
      out.push(
        table(
          ["message", "core handle() alone", "Core.handle() + effects()", "Server.onDatagram, no send", "onDatagram + UDP send", "journal compactions in the two onDatagram loops"],
          sk.map((k) => [
            split.find((f) => f.key === k)!.label,
            ...layers.map((l) => {
              const f = c.figures.find((x) => x.key === k && x.layer === l && x.bindings === at);
              return f ? f.nsEach.toFixed(0) : "-";
            }),
            layers
              .map((l) => c.figures.find((x) => x.key === k && x.layer === l && x.bindings === at)?.compactions)
              .filter((x): x is number => x !== undefined)
              .join(" + ") || "-",
          ]),
        ),
      );
      out.push("");
    }
  }

  const lab = r.lab;
  if (lab) {
    out.push("## End to end: perfdhcp -6 four-way exchanges (Kea's method)", "");
    const kinds = [...new Set(lab.steps.map((s) => s.kind))];
    const rates = [...new Set(lab.steps.map((s) => s.requested))].sort((a, b) => a - b);
    out.push(
      table(
        ["requested /s", ...kinds.map((k) => `${KIND_LABEL[k]}: answered /s, lost, CPU us/exch`)],
        rates.map((rate) => [
          rate,
          ...kinds.map((k) => {
            const s = lab.steps.find((x) => x.kind === k && x.requested === rate);
            return s ? `${s.answered.toFixed(0)}, ${(s.dropRatio * 100).toFixed(1)}%${s.clean ? "" : " ✗"}${s.retried ? " (2nd run)" : ""}, ${s.cpuUsPerExchange.toFixed(0)}` : "";
          }),
        ]),
      ),
    );
    out.push("");
    const kea = lab.best.find((b) => b.kind === "kea");
    out.push(
      table(
        ["server", "highest clean rate /s", "vs Kea", "CPU us/exchange there", "ladder stopped by"],
        lab.best.map((b) => [KIND_LABEL[b.kind], b.rate.toFixed(0), kea && kea.rate > 0 ? `${(b.rate / kea.rate).toFixed(2)}x` : "-", b.cpuUsPerExchange.toFixed(0), b.stoppedBy]),
      ),
    );
    out.push("");
    out.push(
      `Unclean (✗): more than ${DROP_LIMIT * 100}% of the exchanges started got no Reply; an unclean step is run a second time and the better run is shown ("2nd run"). ` +
        `A server's ladder stops after two unclean steps in a row. CPU: the server process's user + system time per answered exchange.`,
    );
    out.push("");
    if (lab.latency.length) {
      out.push("### Latency (perfdhcp -x t), ms", "");
      out.push(
        table(
          ["server", "load", "rate /s", "exchange p50", "exchange p99", "Solicit->Advertise p50 / p99", "Request->Reply p50 / p99", "lost"],
          lab.latency.map((l) => [
            KIND_LABEL[l.kind],
            l.label,
            l.rate,
            l.exchange.p50Ms.toFixed(2),
            l.exchange.p99Ms.toFixed(2),
            `${l.sa.p50Ms.toFixed(2)} / ${l.sa.p99Ms.toFixed(2)}`,
            `${l.rr.p50Ms.toFixed(2)} / ${l.rr.p99Ms.toFixed(2)}`,
            `${(l.dropRatio * 100).toFixed(2)}%`,
          ]),
        ),
      );
      out.push("");
      out.push("Exchange = Solicit sent to Reply received; perfdhcp lists the halves, paired here by time (each Request follows its Advertise at once).");
      out.push("");
    }
    if (lab.memory.length) {
      out.push("### Resident memory (VmRSS after 2 s idle)", "");
      const node = lab.memory.find((x) => x.kind === "node");
      out.push(
        table(
          ["process", "bindings", "max_bindings", "VmRSS MiB", "vs idle node MiB", "anon / files MiB", "peak (VmHWM) MiB", "fill s"],
          lab.memory.map((x) => [
            x.label,
            x.bindings,
            x.capacity ?? "-",
            mib(x.rssKb),
            node ? `${x.rssKb >= node.rssKb ? "+" : ""}${mib(x.rssKb - node.rssKb)}` : "-",
            x.anonKb !== undefined && x.fileKb !== undefined ? `${mib(x.anonKb)} / ${mib(x.fileKb)}` : "-",
            mib(x.hwmKb),
            x.fillSeconds ? x.fillSeconds.toFixed(1) : "-",
          ]),
        ),
      );
      out.push("");
    }
    if (lab.startup.length) {
      out.push("### Start-up: process start to first Reply", "");
      out.push(table(["process", "median ms", "min ms", "runs ms"], lab.startup.map((s) => [s.label, s.medianMs.toFixed(0), s.minMs.toFixed(0), s.ms.map((x) => x.toFixed(0)).join(" ")])));
      out.push("");
    }
    if (lab.profile) {
      const p = lab.profile;
      out.push(`### Daemon CPU profile (node --cpu-prof, perfdhcp at ${p.rate}/s for ${p.seconds} s, ${p.answered.toFixed(0)} answered/s, ${p.cpuUsPerExchange.toFixed(0)} us CPU per exchange)`, "");
      out.push(`Samples while perfdhcp ran: the main thread was busy ${p.summary.busyMs.toFixed(0)} ms of ${p.summary.wallMs.toFixed(0)} ms.${p.named ? "" : " (core.wasm frames unnamed)"}`, "");
      out.push(table(["layer", "share of busy time"], p.summary.layers.filter((l) => l.layer !== "idle").map((l) => [l.layer, `${l.pctOfBusy.toFixed(1)}%`])));
      out.push("");
      out.push(table(["self time", "layer", "frame"], p.summary.topSelf.map((f) => [`${f.pct.toFixed(1)}%`, f.layer, cell(f.frame)]), ["---:", "---", "---"]));
      out.push("");
      out.push(table(["inclusive", "function"], p.summary.inclusive.map((f) => [`${f.pct.toFixed(1)}%`, `\`${f.frame}\``]), ["---:", "---"]));
      out.push("");
      if (p.startup) {
        out.push(`Start-up in the same profile (process start until the load began; busy ${p.startup.busyMs.toFixed(0)} ms):`, "");
        out.push(table(["self time", "layer", "frame"], p.startup.topSelf.slice(0, 8).map((f) => [`${f.ms.toFixed(0)} ms`, f.layer, cell(f.frame)]), ["---:", "---", "---"]));
        out.push("");
      }
      if (p.summary.topWasm.length) {
        out.push("Inside core.wasm (self time, share of busy time):", "");
        out.push(table(["self time", "function"], p.summary.topWasm.slice(0, 10).map((f) => [`${f.pct.toFixed(2)}%`, `\`${f.frame.replace(/ \[wasm\]$/, "")}\``]), ["---:", "---"]));
        out.push("");
      }
    }
    if (lab.syscalls.length) {
      out.push("### Syscalls per four-way exchange (strace -f -c, light load)", "");
      for (const s of lab.syscalls)
        out.push(`- ${KIND_LABEL[s.kind]} (${s.exchanges} exchanges): ${s.totalPerExchange.toFixed(1)} in all; ${s.perExchange.map((x) => `${x.syscall} ${x.calls.toFixed(2)}`).join(", ")}`);
      out.push("");
    }
    if (lab.notes.length) out.push(...lab.notes.map((n) => `Note: ${n}`), "");
  }
  out.push(`core.wasm (release): ${r.coreWasmBytes} bytes.`, "");
  return out.join("\n");
}

// ---------------------------------------------------------------- the plot

const COLORS: Record<Kind, string> = { ours: "#1f77b4", kea: "#d62728", bare: "#7f7f7f", floor: "#2ca02c" };

/** Rate offered (x) vs rate answered (y), one line per server; hollow points are unclean steps. */
export function rateSvg(steps: StepResult[], title: string): string {
  const W = 760;
  const H = 480;
  const L = 70;
  const R = 20;
  const T = 40;
  const B = 60;
  const maxV = Math.max(1000, ...steps.map((s) => Math.max(s.offered, s.answered, s.requested)));
  const step = niceStep(maxV / 6);
  const top = Math.ceil(maxV / step) * step;
  const x = (v: number) => L + (v / top) * (W - L - R);
  const y = (v: number) => H - B - (v / top) * (H - T - B);
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  for (let v = 0; v <= top + 1e-9; v += step) {
    o.push(`<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(top)}" stroke="#eee"/><line x1="${x(0)}" y1="${y(v)}" x2="${x(top)}" y2="${y(v)}" stroke="#eee"/>`);
    o.push(`<text x="${x(v)}" y="${y(0) + 16}" text-anchor="middle">${fmtRate(v)}</text><text x="${x(0) - 6}" y="${y(v) + 4}" text-anchor="end">${fmtRate(v)}</text>`);
  }
  o.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(top)}" y2="${y(0)}" stroke="black"/><line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(top)}" stroke="black"/>`);
  o.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(top)}" y2="${y(top)}" stroke="#999" stroke-dasharray="4 4"/>`);
  o.push(`<text x="${(L + W - R) / 2}" y="${H - 20}" text-anchor="middle">offered: Solicits sent per second (perfdhcp -r)</text>`);
  o.push(`<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">answered: four-way exchanges completed per second</text>`);
  const kinds = [...new Set(steps.map((s) => s.kind))];
  kinds.forEach((k, i) => {
    const pts = steps.filter((s) => s.kind === k).sort((a, b) => a.offered - b.offered);
    if (!pts.length) return;
    o.push(`<polyline fill="none" stroke="${COLORS[k]}" stroke-width="2" points="${pts.map((p) => `${x(p.offered).toFixed(1)},${y(p.answered).toFixed(1)}`).join(" ")}"/>`);
    for (const p of pts)
      o.push(
        `<circle cx="${x(p.offered).toFixed(1)}" cy="${y(p.answered).toFixed(1)}" r="4" fill="${p.clean ? COLORS[k] : "white"}" stroke="${COLORS[k]}" stroke-width="2"><title>${esc(
          `${KIND_LABEL[k]}: ${p.requested}/s requested, ${p.answered.toFixed(0)}/s answered, ${(p.dropRatio * 100).toFixed(1)}% lost`,
        )}</title></circle>`,
      );
    const ly = T + 14 + i * 18;
    o.push(`<line x1="${L + 12}" y1="${ly}" x2="${L + 36}" y2="${ly}" stroke="${COLORS[k]}" stroke-width="2"/><circle cx="${L + 24}" cy="${ly}" r="4" fill="${COLORS[k]}"/>`);
    o.push(`<text x="${L + 44}" y="${ly + 4}">${esc(KIND_LABEL[k])}</text>`);
  });
  const ly = T + 14 + kinds.length * 18;
  o.push(`<circle cx="${L + 24}" cy="${ly}" r="4" fill="white" stroke="black" stroke-width="2"/><text x="${L + 44}" y="${ly + 4}">more than ${DROP_LIMIT * 100}% of exchanges lost</text>`);
  o.push(`</svg>`);
  return o.join("\n") + "\n";
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
