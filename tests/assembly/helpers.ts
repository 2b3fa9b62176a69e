// Shared by the specs: moving vectors into memory and reading text back.
// (Tests may allocate; the code under test may not.)

import { RX, OUT } from "../../assembly/abi";
import { textLen } from "../../assembly/text";
import { inspect } from "../../assembly/inspect/inspect";

/** Scratch memory for writer and parser tests. */
export const SCRATCH_SIZE: u32 = 0x30000;
export const SCRATCH: usize = memory.data(<i32>SCRATCH_SIZE, 16);

@inline export function ptr(v: StaticArray<u8>): usize {
  return changetype<usize>(v);
}

/** Copies vector `v` to `at`; returns its length. */
export function put(v: StaticArray<u8>, at: usize): u32 {
  memory.copy(at, ptr(v), v.length);
  return <u32>v.length;
}

/** A byte array from a list of bytes (for small hand-made vectors). */
export function bytes(list: u8[]): StaticArray<u8> {
  const a = new StaticArray<u8>(list.length);
  for (let i = 0; i < list.length; i++) a[i] = list[i];
  return a;
}

/** The text in OUT since the last textStart. */
export function outText(): string {
  return String.UTF8.decodeUnsafe(OUT, textLen());
}

/** Runs the inspector on `len` bytes already in RX; returns the JSON text. */
export function inspectRx(len: u32): string {
  const n = inspect(len);
  return String.UTF8.decodeUnsafe(OUT, n);
}

/** Runs the inspector on vector `v` (copied into RX). */
export function inspectVec(v: StaticArray<u8>): string {
  return inspectRx(put(v, RX));
}

/** `n` bytes at `p` as lowercase hex (for readable failure messages). */
export function hex(p: usize, n: u32): string {
  const digits = "0123456789abcdef";
  let s = "";
  for (let i: u32 = 0; i < n; i++) {
    const b = load<u8>(p + i);
    s += digits.charAt(b >> 4) + digits.charAt(b & 15);
  }
  return s;
}

/** True when `text` contains `part`. */
export function has(text: string, part: string): bool {
  return text.indexOf(part) >= 0;
}

/** Number of times `part` occurs in `text`. */
export function count(text: string, part: string): i32 {
  let n = 0;
  let i = text.indexOf(part);
  while (i >= 0) {
    n++;
    i = text.indexOf(part, i + part.length);
  }
  return n;
}
