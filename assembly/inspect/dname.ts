// Domain names for the inspector (RFC 8415 section 10: RFC 1035 labels, no
// compression): a scan that says precisely what is wrong with a name, and a
// writer of its dotted text (RFC 4343 escapes for odd bytes), JSON-escaped.

import { ld8 } from "../wire/bytes";
import { LABEL_MAX, NAME_MAX } from "../wire/dname";
import { textChar, textStr, textJsonChar } from "../text";
import * as E from "./errors";

// The result of the last dnScan.
export let dnLen: u32 = 0; // wire bytes of the name, root label included when present
export let dnRoot: bool = false; // it ended with the root label
export let dnErr: u32 = 0; // 0, or an E_DN_* kind; then dnErrAt/dnErrLen/dnA/dnB describe it
export let dnErrAt: usize = 0;
export let dnErrLen: u32 = 0;
export let dnA: u32 = 0;
export let dnB: u32 = 0;

function fail(kind: u32, at: usize, len: u32, a: u32, b: u32): bool {
  dnErr = kind;
  dnErrAt = at;
  dnErrLen = len;
  dnA = a;
  dnB = b;
  return false;
}

/** Scans the wire name at `p`, never reading at or past `end`. With
 *  `partial`, a name that stops at `end` after a whole label (RFC 4704
 *  section 4.2), or an empty one, is accepted. False with dnErr set when the
 *  name is broken. */
export function dnScan(p: usize, end: usize, partial: bool): bool {
  dnErr = 0;
  dnLen = 0;
  dnRoot = false;
  let q = p;
  while (q < end) {
    const l = ld8(q);
    if (l == 0) {
      q++;
      dnRoot = true;
      break;
    }
    if (l >= 0xc0) return fail(E.E_DN_POINTER, q, 1, l, 0);
    if (l > LABEL_MAX) return fail(E.E_DN_LABEL, q, 1, l, 0);
    const rest = <u32>(end - q - 1);
    if (l > rest) return fail(E.E_DN_PAST, q, rest + 1, l, rest);
    q += 1 + l;
    if (<u32>(q - p) >= NAME_MAX) return fail(E.E_DN_LONG, p, <u32>(q - p), <u32>(q - p), 0);
  }
  if (!dnRoot && !partial) return fail(E.E_DN_NO_ROOT, p, <u32>(q - p), 0, 0);
  dnLen = <u32>(q - p);
  return true;
}

/** Records the error of the last failed dnScan. */
export function dnReport(): void {
  E.errAdd(dnErrAt, dnErrLen, dnErr, dnA, dnB, 0);
}

/** Writes the name scanned by dnScan at `p` as dotted text without the final
 *  dot ("lab.example"), "." for the root name. Label bytes other than
 *  letters, digits and printable punctuation are written as \DDD, and "." or
 *  "\" inside a label as "\." and "\\" (RFC 4343 section 2.1), all of it
 *  JSON-escaped. */
export function dnText(p: usize): void {
  const labels = dnRoot ? dnLen - 1 : dnLen;
  if (labels == 0 && dnRoot) {
    textChar(0x2e);
    return;
  }
  let q: u32 = 0;
  while (q < labels) {
    const l = ld8(p + q);
    if (q > 0) textChar(0x2e);
    for (let i: u32 = 1; i <= l; i++) {
      const c = ld8(p + q + i);
      if (c == 0x2e) {
        textStr("\\\\."); // \. in the name, escaped for JSON
      } else if (c == 0x5c) {
        textStr("\\\\\\\\"); // \\ in the name, escaped for JSON
      } else if (c > 0x20 && c < 0x7f) {
        textJsonChar(c);
      } else {
        textStr("\\\\");
        textChar(0x30 + c / 100);
        textChar(0x30 + (c / 10) % 10);
        textChar(0x30 + c % 10);
      }
    }
    q += 1 + l;
  }
}
