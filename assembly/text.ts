// The text writer for OUT: configuration error messages and the inspector's
// JSON. It never allocates (string literals live in the data segment) and
// never writes past OUT; `textFull()` says when output was cut.

import { OUT, OUT_SIZE } from "./abi";

let outLen: u32 = 0;
let full: bool = false;

export function textStart(): void {
  outLen = 0;
  full = false;
}

/** Length of the text written to OUT since textStart. */
export function textLen(): u32 {
  return outLen;
}

export function textFull(): bool {
  return full;
}

@inline function room(n: u32): bool {
  if (outLen + n > OUT_SIZE) {
    full = true;
    return false;
  }
  return true;
}

export function textChar(c: u32): void {
  if (!room(1)) return;
  store<u8>(OUT + outLen++, <u8>c);
}

/** An ASCII string literal. */
export function textStr(s: string): void {
  const n = <u32>s.length;
  if (!room(n)) return;
  for (let i: u32 = 0; i < n; i++) store<u8>(OUT + outLen + i, <u8>s.charCodeAt(i));
  outLen += n;
}

export function textU32(v: u32): void {
  let digits: u32 = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  if (!room(digits)) return;
  for (let i: u32 = 0; i < digits; i++) {
    store<u8>(OUT + outLen + digits - 1 - i, <u8>(0x30 + (v % 10)));
    v /= 10;
  }
  outLen += digits;
}

const HEX = "0123456789abcdef";

/** `len` bytes at `p` as lowercase hex. */
export function textHex(p: usize, len: u32): void {
  if (!room(len * 2)) return;
  for (let i: u32 = 0; i < len; i++) {
    const b = <u32>load<u8>(p + i);
    store<u8>(OUT + outLen, <u8>HEX.charCodeAt(b >> 4));
    store<u8>(OUT + outLen + 1, <u8>HEX.charCodeAt(b & 15));
    outLen += 2;
  }
}

/** The IPv6 address at `p` in RFC 5952 form (longest zero run compressed). */
export function textAddr(p: usize): void {
  // Find the longest run of zero 16-bit groups (length >= 2).
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = load<u8>(p + g * 2) == 0 && load<u8>(p + g * 2 + 1) == 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const l = g - runStart + 1;
      if (l > bestLen) {
        bestLen = l;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  for (let g = 0; g < 8; g++) {
    if (g == bestStart) {
      textStr("::");
      g += bestLen - 1;
      continue;
    }
    if (g > 0 && g != bestStart + bestLen) textChar(0x3a);
    const v = (<u32>load<u8>(p + g * 2) << 8) | <u32>load<u8>(p + g * 2 + 1);
    let started = false;
    for (let s = 12; s >= 0; s -= 4) {
      const d = (v >> <u32>s) & 15;
      if (d != 0 || started || s == 0) {
        textChar(HEX.charCodeAt(d));
        started = true;
      }
    }
  }
}
