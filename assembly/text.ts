// The text writer for OUT: configuration error messages and the inspector's
// JSON. It never allocates (string literals live in the data segment) and
// never writes past OUT; `textFull()` says when output was cut.

import { OUT, OUT_SIZE } from "./abi";

let outLen: u32 = 0;
let full: bool = false;
let limit: u32 = OUT_SIZE;

export function textStart(): void {
  outLen = 0;
  full = false;
  limit = OUT_SIZE;
}

/** Caps further writes at `n` bytes of OUT (at most OUT_SIZE); a writer that
 *  must always be able to close what it opened keeps the rest in reserve. */
export function textLimit(n: u32): void {
  limit = n < OUT_SIZE ? n : OUT_SIZE;
}

/** Drops the text written after the first `len` bytes. */
export function textRewind(len: u32): void {
  if (len < outLen) outLen = len;
}

/** Length of the text written to OUT since textStart. */
export function textLen(): u32 {
  return outLen;
}

export function textFull(): bool {
  return full;
}

@inline function room(n: u32): bool {
  if (outLen + n > limit) {
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

/** One byte (< 0x80) inside a JSON string: `"`, `\\` and control
 *  characters escaped (RFC 8259 section 7). */
export function textJsonChar(c: u32): void {
  if (c == 0x22 || c == 0x5c) {
    textChar(0x5c);
    textChar(c);
  } else if (c == 0x0a) {
    textStr("\\n");
  } else if (c == 0x0d) {
    textStr("\\r");
  } else if (c == 0x09) {
    textStr("\\t");
  } else if (c < 0x20) {
    textStr("\\u00");
    textChar(HEX.charCodeAt(c >> 4));
    textChar(HEX.charCodeAt(c & 15));
  } else {
    textChar(c);
  }
}

/** Length of the well-formed UTF-8 sequence (RFC 3629 section 4) at `p`,
 *  at most `n` bytes long, or 0 when it is not one. */
function utf8Seq(p: usize, n: u32): u32 {
  const b0 = <u32>load<u8>(p);
  if (b0 < 0x80) return 1;
  let len: u32 = 0;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) len = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0; // no overlong forms
    if (b0 == 0xed) hi = 0x9f; // no surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f; // at most U+10FFFF
  } else return 0;
  if (len > n) return 0;
  const b1 = <u32>load<u8>(p + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (let i: u32 = 2; i < len; i++) {
    const b = <u32>load<u8>(p + i);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return len;
}

/** The `n` bytes at `p` as the inside of a JSON string: well-formed UTF-8
 *  copied, each byte that is not part of one written as U+FFFD. Returns the
 *  index of the first such byte, or -1 when all of it was UTF-8. */
export function textJsonUtf8(p: usize, n: u32): i32 {
  let bad: i32 = -1;
  let i: u32 = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    if (c < 0x80) {
      textJsonChar(c);
      i++;
      continue;
    }
    const l = utf8Seq(p + i, n - i);
    if (l == 0) {
      if (bad < 0) bad = <i32>i;
      textStr("\\ufffd");
      i++;
      continue;
    }
    if (!room(l)) return bad;
    memory.copy(OUT + outLen, p + i, l);
    outLen += l;
    i += l;
  }
  return bad;
}
