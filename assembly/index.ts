// The exports of core.wasm, and nothing else. See ARCHITECTURE.md for the ABI.

import * as A from "./abi";
import { textLen } from "./text";
import { ifaceSet, ifaceCheck, ifaceKnown, ifaceRecord, prefixSignature } from "./engine/iface";
import { scheduleReconfigures } from "./engine/reconfigure";
import { configure as engineConfigure } from "./engine/config";
import { handle as engineHandle } from "./engine/server";
import { expire, leasesChanged, routesOfAll, routesBeforeChange, routesAfterChange } from "./engine/ia";
import { effectsReset, effectsLen, effectOpen } from "./engine/effects";
import { bRestore, bRebuild, bUsed, bCapacity, rec, B_STATE, B_BOUND, B_DECLINED, BREC_SIZE } from "./engine/bindings";
import { pdInvalidateAll, pdInvalidate } from "./engine/assign";
import { leaseFile, leasesJson } from "./engine/leases";

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
  if (id == A.REGION_EFFECTS) return A.EFFECTS;
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
  if (id == A.REGION_EFFECTS) return A.EFFECTS_SIZE;
  return 0;
}

/** Applies the CFG record of `len` bytes: 0, or -(CFGERR_*) with text in OUT. */
export function configure(len: u32): i32 {
  return engineConfigure(len);
}

/** Stores the CTX record (one interface) at host time `now`. When the
 *  interface's prefixes changed, delegated-prefix routes follow and clients
 *  that accept it are sent a Reconfigure (from the next tick). Returns the
 *  effects length, or -1 when the record is malformed. */
export function set_iface(now: u32): i32 {
  if (!ifaceCheck()) return -1;
  effectsReset();
  const slot = load<u32>(A.CTX + A.CTX_SLOT);
  const changed = ifaceKnown(slot) && prefixSignature(ifaceRecord(slot), now) != prefixSignature(A.CTX, now);
  if (changed) routesBeforeChange(slot, now);
  ifaceSet();
  pdInvalidate(slot);
  if (changed) {
    routesAfterChange(slot, now);
    scheduleReconfigures(slot, now);
  }
  return <i32>effectsLen();
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

/** Advances the clock to `now` (host seconds): expired offers, bindings and
 *  declines are freed, with their effects. Returns the effects length. */
export function tick(now: u32): u32 {
  effectsReset();
  expire(now);
  if (leasesChanged) effectOpen(A.EFFECT_LEASES_CHANGED, 0);
  return effectsLen();
}

/** Length of the effect records written by the last handle/tick. */
export function effects_len(): u32 {
  return effectsLen();
}

/** Restores binding `id` from a record (as journaled from EFFECT_BINDING_PUT)
 *  in RX. Call restore_done() after the last one. 0, or -1 when refused. */
export function restore(id: u32): i32 {
  return bRestore(id, A.RX) ? 0 : -1;
}

/** Effects re-adding the route of every bound delegation (after a restart,
 *  once the interfaces are known). Returns the effects length. */
export function resync_routes(now: u32): u32 {
  effectsReset();
  routesOfAll(now);
  return effectsLen();
}

/** Rebuilds the indexes after restores. Returns the number of bindings. */
export function restore_done(): u32 {
  bRebuild();
  pdInvalidateAll();
  return bUsed();
}

/** The lease file (odhcpd format) into OUT; `wall_now` is the Unix time
 *  matching `now`. Returns its length. */
export function leasefile(now: u32, wall_now: i64): u32 {
  return leaseFile(now, wall_now);
}

/** The bindings as JSON (odhcpd ubus `dhcp ipv6leases` shape) into OUT. Returns its length. */
export function leases_json(now: u32): u32 {
  return leasesJson(now);
}

/** Address of binding `id`'s record when it is committed (bound or
 *  declined: what the journal keeps), else 0. For journal compaction. */
export function binding_ptr(id: u32): usize {
  if (id >= bCapacity()) return 0;
  const r = rec(id);
  const st = load<u8>(r + B_STATE);
  return st == B_BOUND || st == B_DECLINED ? r : 0;
}

/** Capacity of the binding table and bindings in use. */
export function bindings_capacity(): u32 {
  return bCapacity();
}

export function bindings_used(): u32 {
  return bUsed();
}

/** Size of one binding record (bytes). */
export function binding_size(): u32 {
  return BREC_SIZE;
}

// ---------------------------------------------------------------- inspect
import { inspect as inspectDatagram } from "./inspect/inspect";

/** Decodes any `len` bytes in RX into JSON in OUT (shape: assembly/inspect/inspect.ts); returns its length. */
export function inspect(len: u32): u32 {
  return inspectDatagram(len);
}
