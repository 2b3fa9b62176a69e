// Domain names in DHCPv6 (RFC 8415 section 10): RFC 1035 section 3.1 labels,
// uncompressed. Encoding happens once, at configuration time.

import { ld8, st8 } from "./bytes";

/** RFC 1035 section 2.3.4 */
export const LABEL_MAX: u32 = 63;
export const NAME_MAX: u32 = 255;

@inline function isLabelChar(c: u32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f;
}

/** Writes the ASCII name of `len` bytes at `src` ("example.com", a trailing
 *  dot allowed) as wire labels at `dst`, ending with the root label.
 *  Returns the bytes written, or 0 when the name is not a valid host name or
 *  would exceed `room` bytes. */
export function dnameEncode(src: usize, len: u32, dst: usize, room: u32): u32 {
  if (len > 0 && ld8(src + len - 1) == 0x2e) len--; // trailing dot
  if (len == 0 || len + 2 > NAME_MAX || len + 2 > room) return 0;
  let out: u32 = 0;
  let labelStart: u32 = 0;
  for (let i: u32 = 0; i <= len; i++) {
    if (i == len || ld8(src + i) == 0x2e) {
      const labelLen = i - labelStart;
      if (labelLen == 0 || labelLen > LABEL_MAX) return 0;
      st8(dst + out, labelLen);
      memory.copy(dst + out + 1, src + labelStart, labelLen);
      out += labelLen + 1;
      labelStart = i + 1;
    } else if (!isLabelChar(ld8(src + i))) {
      return 0;
    }
  }
  st8(dst + out, 0);
  return out + 1;
}

/** Length of the wire name at `p` (labels and the root label), or 0 when it
 *  runs past `end`, has a compression pointer or is longer than NAME_MAX.
 *  A name that ends at `end` without a root label is reported as 0 too;
 *  see dnameLenPartial for names that may omit it (RFC 4704 section 4.2). */
export function dnameLen(p: usize, end: usize): u32 {
  let q = p;
  while (q < end) {
    const l = ld8(q);
    if (l == 0) {
      const total = <u32>(q + 1 - p);
      return total <= NAME_MAX ? total : 0;
    }
    if (l > LABEL_MAX) return 0;
    q += 1 + l;
  }
  return 0;
}

/** Like dnameLen, but a name that stops exactly at `end` after a whole label
 *  (a partial name, RFC 4704 section 4.2) is accepted. */
export function dnameLenPartial(p: usize, end: usize): u32 {
  let q = p;
  while (q < end) {
    const l = ld8(q);
    if (l == 0) break;
    if (l > LABEL_MAX) return 0;
    q += 1 + l;
  }
  if (q == end) return <u32>(end - p);
  if (q > end) return 0;
  return <u32>(q + 1 - p);
}
