// Effects: what the host must do after a call into the core, as records in
// the EFFECTS region (see abi.ts EFFECT_*). Each `handle` or `tick` starts a
// fresh list; the host reads it before its next call. If the list would
// overflow, the remaining effects are replaced by EFFECT_RESYNC, telling the
// host to rebuild its view (journal, routes) from a full dump.

import * as A from "../abi";
import { st16 } from "../wire/bytes";

let len: u32 = 0;
let overflowed: bool = false;

export function effectsReset(): void {
  len = 0;
  overflowed = false;
}

export function effectsLen(): u32 {
  return len;
}

/** Opens a record of `type` with `size` payload bytes; returns the payload
 *  address, or 0 when the region is full (then RESYNC is recorded). */
export function effectOpen(type: u32, size: u32): usize {
  if (overflowed) return 0;
  if (len + 4 + size + 4 > A.EFFECTS_SIZE) {
    overflowed = true;
    st16(A.EFFECTS + len, A.EFFECT_RESYNC);
    st16(A.EFFECTS + len + 2, 0);
    len += 4;
    return 0;
  }
  const p = A.EFFECTS + len;
  st16(p, type);
  st16(p + 2, size);
  len += 4 + size;
  return p + 4;
}
