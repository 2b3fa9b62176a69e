// A streaming JSON writer over assembly/text.ts that always produces valid
// JSON. Each member (`,"key":value`) is written whole or not at all: when OUT
// runs short, the member is rewound, writing stops, and `jFinish` closes
// every container still open and adds a top-level "truncated":true. Room for
// that is kept in reserve (textLimit), so it always fits. Nothing allocates.

import { OUT_SIZE } from "../abi";
import { textStart, textLimit, textRewind, textLen, textFull, textChar, textStr, textU32, textAddr, textHex } from "../text";

/** Deepest nesting of JSON containers; the decoder stays well below it. */
export const JSON_MAX_DEPTH: u32 = 1024;
/** Bytes kept back to close every container and say "truncated". */
const RESERVE: u32 = JSON_MAX_DEPTH + 32;

const closers: usize = memory.data(JSON_MAX_DEPTH); // '}' or ']' per written container
let depth: u32 = 0; // containers opened and not closed, written or not
let written: u32 = 0; // of those, the outer ones actually written
let first: bool = true; // the current container has no member yet
let stopped: bool = false; // OUT ran short: nothing more is written
let topUsed: bool = false; // the top-level object has a member
let mark: u32 = 0;

export function jStart(): void {
  textStart();
  textLimit(OUT_SIZE - RESERVE);
  depth = 0;
  written = 0;
  first = true;
  stopped = false;
  topUsed = false;
}

/** True once OUT ran short (the output will say "truncated"). */
@inline export function jStopped(): bool {
  return stopped;
}

/** Begins a member: the comma, then `"key":` unless `key` is empty (array
 *  items). False when nothing may be written; then skip the value and do
 *  not call jEnd. */
export function jKey(key: string): bool {
  if (stopped) return false;
  mark = textLen();
  if (!first) textChar(0x2c);
  if (key.length > 0) {
    textChar(0x22);
    textStr(key);
    textChar(0x22);
    textChar(0x3a);
  }
  return true;
}

/** Ends the member begun by jKey; rewinds it when it did not fit. */
export function jEnd(): void {
  if (textFull()) {
    textRewind(mark);
    stopped = true;
    return;
  }
  first = false;
  if (written == 1) topUsed = true;
}

/** Opens an object (`{`) or an array (`[`) as member `key`. */
export function jOpen(key: string, obj: bool): void {
  depth++;
  if (stopped) return;
  if (written >= JSON_MAX_DEPTH) {
    stopped = true;
    return;
  }
  jKey(key);
  textChar(obj ? 0x7b : 0x5b);
  if (textFull()) {
    textRewind(mark);
    stopped = true;
    return;
  }
  store<u8>(closers + written, obj ? 0x7d : 0x5d);
  if (written == 1) topUsed = true;
  written++;
  first = true;
}

export function jClose(): void {
  if (depth == 0) return;
  depth--;
  if (stopped || depth >= written) return; // jFinish closes it
  textChar(<u32>load<u8>(closers + depth));
  if (textFull()) {
    stopped = true;
    return;
  }
  written--;
  first = false;
}

/** Closes whatever is still open; returns the length of the JSON text. */
export function jFinish(): u32 {
  if (stopped) {
    textLimit(OUT_SIZE);
    while (written > 1) {
      written--;
      textChar(<u32>load<u8>(closers + written));
    }
    if (written == 1) {
      if (topUsed) textChar(0x2c);
      textStr("\"truncated\":true");
      textChar(<u32>load<u8>(closers));
      written = 0;
    }
  } else {
    while (depth > 0) jClose();
  }
  depth = 0;
  return textLen();
}

// ---------------------------------------------------------------- members

export function jU32(key: string, v: u32): void {
  if (!jKey(key)) return;
  textU32(v);
  jEnd();
}

export function jBool(key: string, v: bool): void {
  if (!jKey(key)) return;
  textStr(v ? "true" : "false");
  jEnd();
}

/** A string literal from the code (ASCII, nothing to escape). */
export function jStr(key: string, s: string): void {
  if (!jKey(key)) return;
  textChar(0x22);
  textStr(s);
  textChar(0x22);
  jEnd();
}

/** The IPv6 address at `p` (16 bytes) as an RFC 5952 string. */
export function jAddr(key: string, p: usize): void {
  if (!jKey(key)) return;
  textChar(0x22);
  textAddr(p);
  textChar(0x22);
  jEnd();
}

/** `n` bytes at `p` as a lowercase hex string. */
export function jHex(key: string, p: usize, n: u32): void {
  if (!jKey(key)) return;
  textChar(0x22);
  textHex(p, n);
  textChar(0x22);
  jEnd();
}

/** `n` bytes at `p` as colon-separated hex ("aa:bb:cc"), for link-layer addresses. */
export function jHexColons(key: string, p: usize, n: u32): void {
  if (!jKey(key)) return;
  textChar(0x22);
  for (let i: u32 = 0; i < n; i++) {
    if (i > 0) textChar(0x3a);
    textHex(p + i, 1);
  }
  textChar(0x22);
  jEnd();
}
