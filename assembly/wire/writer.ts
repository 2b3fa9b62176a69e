// The option writer: appends to one output buffer and fills in every option
// length itself when the option is closed, so no length is ever summed by hand.
// Writing past the buffer sets a sticky overflow flag instead of writing; the
// caller checks `wOk()` once at the end.

import { st8, st16, st32 } from "./bytes";
import { OPT_HEADER_LEN } from "./codes";

const MAX_NESTING: i32 = 40; // relay hops (32) + IA + IA address + suboptions

let base: usize = 0;
let pos: usize = 0;
let limit: usize = 0;
let overflow: bool = false;
const open = new StaticArray<u32>(MAX_NESTING);
let depth: i32 = 0;

/** Starts writing at `start`; at most `capacity` bytes. */
export function wStart(start: usize, capacity: u32): void {
  base = start;
  pos = start;
  limit = start + capacity;
  overflow = false;
  depth = 0;
}

/** Bytes written since wStart. */
@inline export function wLength(): u32 {
  return <u32>(pos - base);
}

/** Current write address. */
@inline export function wPos(): usize {
  return pos;
}

/** True when nothing overflowed and every opened option was closed. */
@inline export function wOk(): bool {
  return !overflow && depth == 0;
}

@inline function room(n: usize): bool {
  if (pos + n > limit) {
    overflow = true;
    return false;
  }
  return true;
}

@inline export function wU8(v: u32): void {
  if (!room(1)) return;
  st8(pos, v);
  pos += 1;
}

@inline export function wU16(v: u32): void {
  if (!room(2)) return;
  st16(pos, v);
  pos += 2;
}

export function wU24(v: u32): void {
  if (!room(3)) return;
  st8(pos, v >> 16);
  st16(pos + 1, v);
  pos += 3;
}

@inline export function wU32(v: u32): void {
  if (!room(4)) return;
  st32(pos, v);
  pos += 4;
}

export function wU64(v: u64): void {
  wU32(<u32>(v >> 32));
  wU32(<u32>v);
}

@inline export function wBytes(src: usize, len: u32): void {
  if (!room(len)) return;
  memory.copy(pos, src, len);
  pos += len;
}

export function wZeros(len: u32): void {
  if (!room(len)) return;
  memory.fill(pos, 0, len);
  pos += len;
}

/** Opens an option; its length is written by the matching optClose. */
export function optOpen(code: u32): void {
  if (depth >= MAX_NESTING) {
    overflow = true;
    return;
  }
  unchecked((open[depth] = <u32>(pos - base)));
  depth++;
  wU16(code);
  wU16(0);
}

/** Closes the innermost open option, writing its length (at most 0xffff). */
export function optClose(): void {
  if (depth <= 0) {
    overflow = true;
    return;
  }
  depth--;
  if (overflow) return;
  const at = base + unchecked(open[depth]);
  const len = pos - at - OPT_HEADER_LEN;
  if (len > 0xffff) {
    overflow = true;
    return;
  }
  st16(at + 2, <u32>len);
}

/** A whole option from `len` bytes at `src`. */
export function wOption(code: u32, src: usize, len: u32): void {
  optOpen(code);
  wBytes(src, len);
  optClose();
}

export function wOptionU32(code: u32, v: u32): void {
  optOpen(code);
  wU32(v);
  optClose();
}

export function wOptionU16(code: u32, v: u32): void {
  optOpen(code);
  wU16(v);
  optClose();
}

/** Overwrites 4 bytes written earlier at `at` (e.g. T1/T2 once known). */
export function wPatch32(at: usize, v: u32): void {
  if (overflow || at < base || at + 4 > pos) return;
  st32(at, v);
}
