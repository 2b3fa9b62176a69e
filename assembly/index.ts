// The exports of core.wasm, and nothing else. See ARCHITECTURE.md for the ABI.

import * as A from "./abi";
import { textLen } from "./text";
import { ifaceSet } from "./engine/iface";
import { configure as engineConfigure } from "./engine/config";
import { handle as engineHandle } from "./engine/server";

/** The ABI version the host must expect (abi.ts ABI_VERSION). */
export function abi_version(): u32 {
  return A.ABI_VERSION;
}

/** Address of region `id` (REGION_*), or 0 for an unknown id. */
export function region_ptr(id: u32): usize {
  if (id == A.REGION_RX) return A.RX;
  if (id == A.REGION_TX) return A.TX;
  if (id == A.REGION_META) return A.META;
  if (id == A.REGION_CTX) return A.CTX;
  if (id == A.REGION_CFG) return A.CFG;
  if (id == A.REGION_OUT) return A.OUT;
  if (id == A.REGION_STATS) return A.STATS;
  return 0;
}

/** Size in bytes of region `id`, or 0 for an unknown id. */
export function region_size(id: u32): u32 {
  if (id == A.REGION_RX) return A.RX_SIZE;
  if (id == A.REGION_TX) return A.TX_SIZE;
  if (id == A.REGION_META) return A.META_SIZE;
  if (id == A.REGION_CTX) return A.CTX_SIZE;
  if (id == A.REGION_CFG) return A.CFG_SIZE;
  if (id == A.REGION_OUT) return A.OUT_SIZE;
  if (id == A.REGION_STATS) return A.STATS_COUNT * 4;
  return 0;
}

/** Applies the CFG record of `len` bytes: 0, or -(CFGERR_*) with text in OUT. */
export function configure(len: u32): i32 {
  return engineConfigure(len);
}

/** Stores the CTX record (one interface). 0, or -1 when it is malformed. */
export function set_iface(): i32 {
  return ifaceSet() ? 0 : -1;
}

/** Handles the datagram of `len` bytes in RX: reply length in TX (> 0),
 *  0 for no reply, or -(STAT_DROP_*) when it was dropped. */
export function handle(len: u32): i32 {
  return engineHandle(len);
}

/** Length of the text last written to OUT. */
export function out_len(): u32 {
  return textLen();
}

// ---------------------------------------------------------------- inspect
import { inspect as inspectDatagram } from "./inspect/inspect";

/** Decodes any `len` bytes in RX into JSON in OUT (shape: assembly/inspect/inspect.ts); returns its length. */
export function inspect(len: u32): u32 {
  return inspectDatagram(len);
}
