// Reading options (RFC 8415 section 21.1) without ever leaving the buffer.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          option-code          |           option-len          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                          option-data                          |
//   |                      (option-len octets)                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Iterate with:
//   for (let p = start; p < end; p = optNext(p)) {
//     if (!optFits(p, end)) { /* broken framing */ break; }
//     ... optCode(p), optLen(p), optData(p) ...
//   }

import { ld16 } from "./bytes";
import { OPT_HEADER_LEN } from "./codes";

/** True when the option header at `p` and all the data it declares lie before `end`. */
@inline export function optFits(p: usize, end: usize): bool {
  return p + OPT_HEADER_LEN <= end && p + OPT_HEADER_LEN + ld16(p + 2) <= end;
}

@inline export function optCode(p: usize): u32 {
  return ld16(p);
}

@inline export function optLen(p: usize): u32 {
  return ld16(p + 2);
}

@inline export function optData(p: usize): usize {
  return p + OPT_HEADER_LEN;
}

@inline export function optNext(p: usize): usize {
  return p + OPT_HEADER_LEN + ld16(p + 2);
}

/** Checks the framing of every option in [start, end): 0 when it is clean,
 *  otherwise the address of the first option that does not fit. */
export function optFramingError(start: usize, end: usize): usize {
  let p = start;
  while (p < end) {
    if (!optFits(p, end)) return p;
    p = optNext(p);
  }
  return 0;
}

/** The first option with `code` in [start, end), or 0. Stops at broken framing. */
export function optFind(start: usize, end: usize, code: u32): usize {
  let p = start;
  while (p < end) {
    if (!optFits(p, end)) return 0;
    if (optCode(p) == code) return p;
    p = optNext(p);
  }
  return 0;
}
