// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function, the
// share of each layer (core.wasm, our host code, Node's JavaScript, native /
// V8 "(program)", garbage collection, idle) and the inclusive time of chosen
// functions. Pure: tested in tests/host/bench-cpuprofile.test.ts.

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }; hitCount?: number; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export type Layer = "core.wasm" | "host JS" | "node JS" | "native/V8" | "GC" | "idle";

export interface FrameTime {
  frame: string;
  layer: Layer;
  ms: number;
  /** Share of the busy (non-idle) time, percent. */
  pct: number;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  samples: number;
  layers: { layer: Layer; ms: number; pctOfBusy: number }[];
  topSelf: FrameTime[];
  /** The core's own functions by self time (empty when core.wasm has no name section). */
  topWasm: FrameTime[];
  inclusive: FrameTime[];
}

export function layerOf(functionName: string, url: string): Layer {
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)" || functionName === "(root)") return "native/V8";
  if (url.startsWith("wasm://") || /^\$?func\d+$|^wasm-function\[/.test(functionName)) return "core.wasm";
  if (url.includes("/host/") || url.includes("/bench/")) return "host JS";
  if (url === "") return "native/V8"; // V8 builtins and native bindings (e.g. the UDP send)
  return "node JS";
}

function frameName(functionName: string, url: string, line: number): string {
  const file = url.replace(/^.*\/(build\/)?/, "");
  const name = functionName || "(anonymous)";
  if (!url) return name;
  if (url.startsWith("wasm://")) return `${name} [wasm]`;
  return `${name} ${file}:${line + 1}`;
}

/**
 * `inclusiveOf`: function names whose inclusive time is wanted (a frame
 * matches when its function name equals the entry, or ends with "." + entry).
 */
export function summarizeProfile(p: CpuProfile, inclusiveOf: string[] = [], top = 15, window?: [number, number]): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Self time per node: from samples and time deltas when present, else hit counts.
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let wallUs = p.endTime - p.startTime;
  let counted = samples.length;
  if (samples.length && deltas.length === samples.length) {
    // timeDeltas[i] is the time since the previous sample; it belongs to sample i-1.
    // With a window (same clock as startTime: CLOCK_MONOTONIC, microseconds), only samples inside it count.
    let t = p.startTime;
    counted = 0;
    for (let i = 0; i < samples.length; i++) {
      t += deltas[i];
      if (window && (t < window[0] || t > window[1])) continue;
      counted++;
      const dt = i + 1 < deltas.length ? deltas[i + 1] : 0;
      selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
    }
    if (window) wallUs = Math.min(window[1], p.endTime) - Math.max(window[0], p.startTime);
  } else {
    const total = p.endTime - p.startTime;
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of p.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) * total) / hits);
  }
  const layerUs = new Map<Layer, number>();
  const frameUs = new Map<string, { layer: Layer; us: number }>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n || us <= 0) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const layer = layerOf(functionName, url);
    layerUs.set(layer, (layerUs.get(layer) ?? 0) + us);
    const f = frameName(functionName, url, lineNumber);
    const e = frameUs.get(f) ?? { layer, us: 0 };
    e.us += us;
    frameUs.set(f, e);
  }
  const idleUs = layerUs.get("idle") ?? 0;
  const busyUs = [...layerUs.values()].reduce((a, b) => a + b, 0) - idleUs;
  const pct = (us: number) => (busyUs > 0 ? (100 * us) / busyUs : 0);
  const layers = (["core.wasm", "host JS", "node JS", "native/V8", "GC", "idle"] as Layer[]).map((layer) => ({
    layer,
    ms: (layerUs.get(layer) ?? 0) / 1000,
    pctOfBusy: layer === "idle" ? NaN : pct(layerUs.get(layer) ?? 0),
  }));
  const topSelf = [...frameUs]
    .filter(([, e]) => e.layer !== "idle")
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, top)
    .map(([frame, e]) => ({ frame, layer: e.layer, ms: e.us / 1000, pct: pct(e.us) }));
  const topWasm = [...frameUs]
    .filter(([f, e]) => e.layer === "core.wasm" && !/^\$?func\d+|^wasm-function\[/.test(f))
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, top)
    .map(([frame, e]) => ({ frame, layer: e.layer, ms: e.us / 1000, pct: pct(e.us) }));

  // Inclusive time: a node's self time counts once for every wanted function on its stack.
  const matches = (fn: string, want: string) => fn === want || fn.endsWith(`.${want}`);
  const incUs = new Map<string, number>();
  const incLayer = new Map<string, Layer>();
  for (const [id, us] of selfUs) {
    if (us <= 0) continue;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      for (const want of inclusiveOf) {
        if (!seen.has(want) && matches(n.callFrame.functionName, want)) {
          seen.add(want);
          incUs.set(want, (incUs.get(want) ?? 0) + us);
          incLayer.set(want, layerOf(n.callFrame.functionName, n.callFrame.url));
        }
      }
    }
  }
  const inclusive = inclusiveOf
    .filter((w) => incUs.has(w))
    .map((w) => ({ frame: w, layer: incLayer.get(w)!, ms: incUs.get(w)! / 1000, pct: pct(incUs.get(w)!) }))
    .sort((a, b) => b.ms - a.ms);
  return { wallMs: wallUs / 1000, busyMs: busyUs / 1000, samples: counted, layers, topSelf, topWasm, inclusive };
}
