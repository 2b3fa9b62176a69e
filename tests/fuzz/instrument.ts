// Coverage instrumentation of core.wasm for the fuzzer: a Binaryen pass over
// every function body (the `binaryen` npm package, the version AssemblyScript
// uses) that adds, in linear memory, above everything the core uses:
//
//   COUNTERS  one u8 hit counter per instrumentation point (wrapping), bumped
//             at every function entry, both arms of every `if` (an `if`
//             without `else` gets one), every loop iteration, the fall-through
//             of every `br_if` and the exit of every block and loop that
//             stands as a statement: the edges of the structured control flow.
//   DIRTY     one byte per 4 KiB page of the 32-bit address space (1 MiB), set
//             by every store, memory.fill and memory.copy of the core: the
//             harness copies back only those pages to return to a snapshot.
//   GSAVE     8 bytes per global: __fuzz_save_globals / __fuzz_restore_globals
//             copy every mutable global there and back.
//
// Where the area lies. Node 20 (V8 11.3) has no multi-memory, so the area is
// in the core's only memory. The core grows that memory itself (the stub
// runtime's allocator at start-up, the binding table in `configure`), always
// through memory.grow, whose result tells it where the new pages begin. So the
// instrumented module declares a larger initial memory: P pages, as many as
// the original has once instantiated (its start function may grow it), plus
// the pages of the area, which starts at P * 64 KiB. Any later memory.grow of
// the core lands after the area; the area's addresses are constants baked into
// the code. The stub allocator's heap top (a global, exported as __fuzz_heap)
// must stay put after configure: if it moved, the core allocated per call —
// reported as a memory-budget finding, like memory.buffer growing.

import binaryen from "binaryen";

type Ref = number;

/** The expression classes of binaryen.js (present at run time, not in index.d.ts). */
interface Statics {
  Block: { getChildren(e: Ref): Ref[]; setChildren(e: Ref, c: Ref[]): void; getName(e: Ref): string | null };
  If: { getCondition(e: Ref): Ref; setCondition(e: Ref, v: Ref): void; getIfTrue(e: Ref): Ref; setIfTrue(e: Ref, v: Ref): void; getIfFalse(e: Ref): Ref; setIfFalse(e: Ref, v: Ref): void };
  Loop: { getBody(e: Ref): Ref; setBody(e: Ref, v: Ref): void };
  Break: { getCondition(e: Ref): Ref; setCondition(e: Ref, v: Ref): void; getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void };
  Switch: { getCondition(e: Ref): Ref; setCondition(e: Ref, v: Ref): void; getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void };
  Call: { getOperands(e: Ref): Ref[]; setOperands(e: Ref, v: Ref[]): void };
  CallIndirect: { getTarget(e: Ref): Ref; setTarget(e: Ref, v: Ref): void; getOperands(e: Ref): Ref[]; setOperands(e: Ref, v: Ref[]): void };
  LocalSet: { getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void };
  GlobalSet: { getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void };
  Load: { getPtr(e: Ref): Ref; setPtr(e: Ref, v: Ref): void };
  Store: { getPtr(e: Ref): Ref; setPtr(e: Ref, v: Ref): void; getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void; getOffset(e: Ref): number; getBytes(e: Ref): number };
  Unary: { getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void };
  Binary: { getLeft(e: Ref): Ref; setLeft(e: Ref, v: Ref): void; getRight(e: Ref): Ref; setRight(e: Ref, v: Ref): void };
  Select: { getIfTrue(e: Ref): Ref; setIfTrue(e: Ref, v: Ref): void; getIfFalse(e: Ref): Ref; setIfFalse(e: Ref, v: Ref): void; getCondition(e: Ref): Ref; setCondition(e: Ref, v: Ref): void };
  Drop: { getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void };
  Return: { getValue(e: Ref): Ref; setValue(e: Ref, v: Ref): void };
  MemoryGrow: { getDelta(e: Ref): Ref; setDelta(e: Ref, v: Ref): void };
  MemoryCopy: { getDest(e: Ref): Ref; getSource(e: Ref): Ref; getSize(e: Ref): Ref };
  MemoryFill: { getDest(e: Ref): Ref; getValue(e: Ref): Ref; getSize(e: Ref): Ref };
  Function: { getBody(f: Ref): Ref; setBody(f: Ref, b: Ref): void };
}
const B = binaryen as unknown as Statics & typeof binaryen;

export const WASM_PAGE = 65536;
export const DIRTY_SHIFT = 12; // 4 KiB pages
export const DIRTY_BYTES = 1 << (32 - DIRTY_SHIFT);

/** One instrumentation point: where its counter sits. */
export interface Point {
  func: string;
  kind: "entry" | "then" | "else" | "loop" | "br_if-fallthrough" | "block-exit" | "loop-exit";
}

export interface Instrumented {
  binary: Uint8Array<ArrayBuffer>;
  /** Pages the original module has once instantiated; the area starts there. */
  basePages: number;
  counters: number; // address of COUNTERS
  points: Point[];
  dirty: number; // address of DIRTY
  gsave: number; // address of GSAVE
  /** Total pages the instrumented module declares. */
  initialPages: number;
  /** Name of the stub allocator's heap-top global (exported as __fuzz_heap), or null. */
  heapGlobal: string | null;
}

// AssemblyScript 0.27's default feature set.
const FEATURES = binaryen.Features.MutableGlobals | binaryen.Features.SignExt | binaryen.Features.BulkMemory | binaryen.Features.NontrappingFPToInt;

/** Pages of memory the module has once instantiated (start function run). */
export function pagesAfterStart(wasm: Uint8Array): number {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm)), {});
  return (inst.exports.memory as WebAssembly.Memory).buffer.byteLength / WASM_PAGE;
}

export function instrument(wasm: Uint8Array): Instrumented {
  const basePages = pagesAfterStart(wasm);
  const m = binaryen.readBinary(wasm);
  m.setFeatures(FEATURES);
  try {
    return build(m, wasm, basePages);
  } finally {
    m.dispose();
  }
}

function build(m: binaryen.Module, original: Uint8Array, basePages: number): Instrumented {
  const i32 = binaryen.i32;
  const none = binaryen.none;
  const auto = binaryen.auto;
  const counters = basePages * WASM_PAGE;

  // First pass: count the points, to place DIRTY and GSAVE after COUNTERS.
  // Simpler: a generous fixed budget for counters, checked at the end.
  const MAX_POINTS = 1 << 16;
  const dirty = counters + MAX_POINTS;
  const gsave = dirty + DIRTY_BYTES;
  const nGlobals = m.getNumGlobals();
  const areaBytes = MAX_POINTS + DIRTY_BYTES + 8 * nGlobals;
  const areaPages = Math.ceil(areaBytes / WASM_PAGE);

  const points: Point[] = [];
  let current = "";
  const bump = (kind: Point["kind"]): Ref => {
    const a = counters + points.length;
    points.push({ func: current, kind });
    if (points.length > MAX_POINTS) throw new Error(`more than ${MAX_POINTS} instrumentation points`);
    return m.i32.store8(0, 1, m.i32.const(a), m.i32.add(m.i32.load8_u(0, 1, m.i32.const(a)), m.i32.const(1)));
  };
  const seq = (a: Ref, b: Ref): Ref => m.block(null, [a, b], auto);

  const id = (e: Ref) => binaryen.getExpressionId(e);
  const ty = (e: Ref) => binaryen.getExpressionType(e);
  let heapCandidates: Map<string, Set<string>> = new Map(); // function -> globals it sets, when it reads memory.size
  let fnHasMemSize = false;
  let fnSets = new Set<string>();

  const visit = (e: Ref): Ref => {
    if (e === 0) return e;
    switch (id(e)) {
      case binaryen.BlockId: {
        const out: Ref[] = [];
        for (const c of B.Block.getChildren(e)) {
          const v = visit(c);
          out.push(v);
          const cid = id(c);
          if (ty(v) !== none) continue;
          if (cid === binaryen.BreakId && B.Break.getCondition(c) !== 0) out.push(bump("br_if-fallthrough"));
          else if (cid === binaryen.BlockId && B.Block.getName(c)) out.push(bump("block-exit"));
          else if (cid === binaryen.LoopId) out.push(bump("loop-exit"));
        }
        B.Block.setChildren(e, out);
        return e;
      }
      case binaryen.IfId: {
        B.If.setCondition(e, visit(B.If.getCondition(e)));
        B.If.setIfTrue(e, seq(bump("then"), visit(B.If.getIfTrue(e))));
        const f = B.If.getIfFalse(e);
        if (f !== 0) B.If.setIfFalse(e, seq(bump("else"), visit(f)));
        else if (ty(e) === none) B.If.setIfFalse(e, bump("else"));
        return e;
      }
      case binaryen.LoopId:
        B.Loop.setBody(e, seq(bump("loop"), visit(B.Loop.getBody(e))));
        return e;
      case binaryen.BreakId:
        B.Break.setCondition(e, visit(B.Break.getCondition(e)));
        B.Break.setValue(e, visit(B.Break.getValue(e)));
        return e;
      case binaryen.SwitchId:
        B.Switch.setCondition(e, visit(B.Switch.getCondition(e)));
        B.Switch.setValue(e, visit(B.Switch.getValue(e)));
        return e;
      case binaryen.CallId:
        B.Call.setOperands(e, B.Call.getOperands(e).map(visit));
        return e;
      case binaryen.CallIndirectId:
        B.CallIndirect.setTarget(e, visit(B.CallIndirect.getTarget(e)));
        B.CallIndirect.setOperands(e, B.CallIndirect.getOperands(e).map(visit));
        return e;
      case binaryen.LocalSetId:
        B.LocalSet.setValue(e, visit(B.LocalSet.getValue(e)));
        return e;
      case binaryen.GlobalSetId: {
        const info = binaryen.getExpressionInfo(e) as unknown as { name: string };
        fnSets.add(info.name);
        B.GlobalSet.setValue(e, visit(B.GlobalSet.getValue(e)));
        return e;
      }
      case binaryen.LoadId:
        B.Load.setPtr(e, visit(B.Load.getPtr(e)));
        return e;
      case binaryen.StoreId: {
        const off = B.Store.getOffset(e);
        const bytes = B.Store.getBytes(e);
        const ptr = visit(B.Store.getPtr(e));
        B.Store.setPtr(e, m.call("__fuzz_mark", [ptr, m.i32.const(off), m.i32.const(off + bytes - 1)], i32));
        B.Store.setValue(e, visit(B.Store.getValue(e)));
        return e;
      }
      case binaryen.UnaryId:
        B.Unary.setValue(e, visit(B.Unary.getValue(e)));
        return e;
      case binaryen.BinaryId:
        B.Binary.setLeft(e, visit(B.Binary.getLeft(e)));
        B.Binary.setRight(e, visit(B.Binary.getRight(e)));
        return e;
      case binaryen.SelectId:
        B.Select.setIfTrue(e, visit(B.Select.getIfTrue(e)));
        B.Select.setIfFalse(e, visit(B.Select.getIfFalse(e)));
        B.Select.setCondition(e, visit(B.Select.getCondition(e)));
        return e;
      case binaryen.DropId:
        B.Drop.setValue(e, visit(B.Drop.getValue(e)));
        return e;
      case binaryen.ReturnId:
        B.Return.setValue(e, visit(B.Return.getValue(e)));
        return e;
      case binaryen.MemoryGrowId:
        B.MemoryGrow.setDelta(e, visit(B.MemoryGrow.getDelta(e)));
        return e;
      case binaryen.MemorySizeId:
        fnHasMemSize = true;
        return e;
      case binaryen.MemoryCopyId:
        return m.call("__fuzz_copy", [visit(B.MemoryCopy.getDest(e)), visit(B.MemoryCopy.getSource(e)), visit(B.MemoryCopy.getSize(e))], none);
      case binaryen.MemoryFillId:
        return m.call("__fuzz_fill", [visit(B.MemoryFill.getDest(e)), visit(B.MemoryFill.getValue(e)), visit(B.MemoryFill.getSize(e))], none);
      case binaryen.ConstId:
      case binaryen.LocalGetId:
      case binaryen.GlobalGetId:
      case binaryen.NopId:
      case binaryen.UnreachableId:
        return e;
      default:
        throw new Error(`instrument: expression id ${id(e)} is not handled (in ${current})`);
    }
  };

  const nFuncs = m.getNumFunctions();
  const funcs: Ref[] = [];
  for (let i = 0; i < nFuncs; i++) funcs.push(m.getFunctionByIndex(i));
  for (const f of funcs) {
    const info = binaryen.getFunctionInfo(f);
    if (info.module) continue; // imported
    current = info.name;
    fnHasMemSize = false;
    fnSets = new Set();
    const body = visit(info.body);
    B.Function.setBody(f, seq(bump("entry"), body));
    if (fnHasMemSize && fnSets.size > 0) heapCandidates.set(current, fnSets);
  }

  // __fuzz_mark(addr, lo, hi) -> addr: marks the pages of addr+lo and addr+hi.
  const L = (i: number, t = i32) => m.local.get(i, t);
  const markAt = (addrExpr: Ref) =>
    m.i32.store8(0, 1, m.i32.add(m.i32.const(dirty), m.i32.shr_u(addrExpr, m.i32.const(DIRTY_SHIFT))), m.i32.const(1));
  m.addFunction(
    "__fuzz_mark",
    binaryen.createType([i32, i32, i32]),
    i32,
    [],
    m.block(null, [markAt(m.i32.add(L(0), L(1))), markAt(m.i32.add(L(0), L(2))), L(0)], i32),
  );
  // __fuzz_markrange(dest, size): every page of [dest, dest + size).
  m.addFunction(
    "__fuzz_markrange",
    binaryen.createType([i32, i32]),
    none,
    [i32, i32], // 2: page, 3: last page
    m.if(
      m.i32.ne(L(1), m.i32.const(0)),
      m.block(null, [
        m.local.set(2, m.i32.shr_u(L(0), m.i32.const(DIRTY_SHIFT))),
        // last byte; on 32-bit overflow mark to the top of the address space
        m.local.set(
          3,
          m.select(
            m.i32.const(DIRTY_BYTES - 1),
            m.i32.shr_u(m.i32.sub(m.i32.add(L(0), L(1)), m.i32.const(1)), m.i32.const(DIRTY_SHIFT)),
            m.i32.lt_u(m.i32.sub(m.i32.add(L(0), L(1)), m.i32.const(1)), L(0)),
          ),
        ),
        m.loop(
          "next",
          m.block(null, [
            m.i32.store8(0, 1, m.i32.add(m.i32.const(dirty), L(2)), m.i32.const(1)),
            m.local.set(2, m.i32.add(L(2), m.i32.const(1))),
            m.br("next", m.i32.le_u(L(2), L(3))),
          ]),
        ),
      ]),
    ),
  );
  m.addFunction(
    "__fuzz_fill",
    binaryen.createType([i32, i32, i32]),
    none,
    [],
    m.block(null, [m.call("__fuzz_markrange", [L(0), L(2)], none), m.memory.fill(L(0), L(1), L(2))]),
  );
  m.addFunction(
    "__fuzz_copy",
    binaryen.createType([i32, i32, i32]),
    none,
    [],
    m.block(null, [m.call("__fuzz_markrange", [L(0), L(2)], none), m.memory.copy(L(0), L(1), L(2))]),
  );

  // Globals: save and restore every mutable one.
  const saves: Ref[] = [];
  const restores: Ref[] = [];
  for (let g = 0; g < nGlobals; g++) {
    const info = binaryen.getGlobalInfo(m.getGlobalByIndex(g));
    if (!info.mutable || info.module) continue;
    const a = m.i32.const(gsave + 8 * g);
    const get = m.global.get(info.name, info.type);
    if (info.type === binaryen.i32) {
      saves.push(m.i32.store(0, 4, a, get));
      restores.push(m.global.set(info.name, m.i32.load(0, 4, m.i32.const(gsave + 8 * g))));
    } else if (info.type === binaryen.i64) {
      saves.push(m.i64.store(0, 8, a, get));
      restores.push(m.global.set(info.name, m.i64.load(0, 8, m.i32.const(gsave + 8 * g))));
    } else if (info.type === binaryen.f32) {
      saves.push(m.f32.store(0, 4, a, get));
      restores.push(m.global.set(info.name, m.f32.load(0, 4, m.i32.const(gsave + 8 * g))));
    } else if (info.type === binaryen.f64) {
      saves.push(m.f64.store(0, 8, a, get));
      restores.push(m.global.set(info.name, m.f64.load(0, 8, m.i32.const(gsave + 8 * g))));
    } else {
      throw new Error(`instrument: global ${info.name} has a type the snapshot cannot save`);
    }
  }
  m.addFunction("__fuzz_save_globals", none, none, [], m.block(null, saves.length ? saves : [m.nop()]));
  m.addFunction("__fuzz_restore_globals", none, none, [], m.block(null, restores.length ? restores : [m.nop()]));
  m.addFunctionExport("__fuzz_save_globals", "__fuzz_save_globals");
  m.addFunctionExport("__fuzz_restore_globals", "__fuzz_restore_globals");

  // The stub allocator: the only function reading memory.size that sets exactly one global.
  let heapGlobal: string | null = null;
  const cands = [...heapCandidates.values()].filter((s) => s.size === 1);
  if (cands.length === 1) {
    heapGlobal = [...cands[0]][0];
    m.addGlobalExport(heapGlobal, "__fuzz_heap");
  }

  if (!m.validate()) throw new Error("instrument: the instrumented module does not validate");
  const out = m.emitBinary();
  const initialPages = basePages + areaPages;
  return {
    binary: setInitialPages(out, initialPages, original),
    basePages,
    counters,
    points,
    dirty,
    gsave,
    initialPages,
    heapGlobal,
  };
}

// ---------------------------------------------------------------- binary patching

function readLeb(b: Uint8Array, o: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[o++];
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [v, o];
  }
}

function leb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Rewrites the memory section (id 5): one memory, `pages` initial, the original's maximum if any. */
function setInitialPages(wasm: Uint8Array, pages: number, _original: Uint8Array): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  let o = 8;
  let done = false;
  while (o < wasm.length) {
    const sid = wasm[o];
    const [size, dataStart] = readLeb(wasm, o + 1);
    const end = dataStart + size;
    if (sid === 5) {
      let p = dataStart;
      const [count, p1] = readLeb(wasm, p);
      p = p1;
      if (count !== 1) throw new Error("instrument: expected exactly one memory");
      const flags = wasm[p++];
      if (flags & ~1) throw new Error(`instrument: memory flags ${flags} not supported`);
      const [initial, p2] = readLeb(wasm, p);
      p = p2;
      let max: number | null = null;
      if (flags & 1) [max] = readLeb(wasm, p);
      if (initial > pages) throw new Error("instrument: memory already larger than planned");
      if (max !== null && max < pages) throw new Error(`instrument: memory maximum ${max} < ${pages} pages`);
      const body = [1, flags, ...leb(pages), ...(max !== null ? leb(max) : [])];
      parts.push(Uint8Array.from([5, ...leb(body.length), ...body]));
      done = true;
    } else {
      parts.push(wasm.subarray(o, end));
    }
    o = end;
  }
  if (!done) throw new Error("instrument: no memory section");
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
}
