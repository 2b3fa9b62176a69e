// The typed configuration -> the core's CFG record (assembly/abi.ts CFG_*):
// the server DUID first (global), then one section per interface whose device
// exists, in file order. The core turns these keys into wire options once.

import { CFG, MAX_IFACES, MODE } from "../core/abi.js";
import { CfgRecord } from "../core/records.js";
import type { Config, InterfaceConfig } from "./types.js";

/**
 * Encodes `config` for `core.configure`. `slots` maps a device name to the
 * interface slot the host gave it; interfaces whose device is not in the map
 * (not present yet) are left out. Disabled interfaces are emitted with MODE
 * disabled.
 * @throws Error when a slot is out of range or two interfaces share one.
 */
export function encodeConfig(config: Config, slots: ReadonlyMap<string, number>): Uint8Array {
  const rec = new CfgRecord();
  if (config.global.duid) rec.item(CFG.SERVER_DUID, config.global.duid);
  const seen = new Map<number, string>();
  for (const iface of config.interfaces) {
    const slot = slots.get(iface.ifname);
    if (slot === undefined) continue;
    if (!Number.isInteger(slot) || slot < 0 || slot >= MAX_IFACES) {
      throw new Error(`interface slot ${slot} of device '${iface.ifname}' is outside 0..${MAX_IFACES - 1}`);
    }
    const other = seen.get(slot);
    if (other !== undefined) throw new Error(`devices '${other}' and '${iface.ifname}' have the same interface slot ${slot}`);
    seen.set(slot, iface.ifname);
    encodeInterface(rec, slot, iface);
  }
  return rec.bytes();
}

/** One interface section: IFACE, MODE, then only what is configured (the core has defaults). */
function encodeInterface(rec: CfgRecord, slot: number, iface: InterfaceConfig): void {
  rec.iface(slot);
  rec.u8(CFG.MODE, MODE[iface.mode]);
  for (const a of iface.dns) rec.item(CFG.DNS, a);
  for (const d of iface.domains) rec.text(CFG.DOMAIN, d);
  for (const n of iface.ntp) {
    if (n.kind === "addr") rec.item(CFG.NTP_ADDR, n.addr);
    else rec.text(CFG.NTP_FQDN, n.name);
  }
  // Option 31 carries the same addresses (odhcpd sends both 56 and 31).
  for (const n of iface.ntp) if (n.kind === "addr") rec.item(CFG.SNTP, n.addr);
  if (iface.raw) rec.item(CFG.RAW, iface.raw);
  if (iface.leasetime !== null) rec.u32(CFG.LEASETIME, iface.leasetime);
  if (iface.refreshTime !== null) rec.u32(CFG.REFRESH_TIME, iface.refreshTime);
  if (iface.solMaxRt !== null) rec.u32(CFG.SOL_MAX_RT, iface.solMaxRt);
  if (iface.infMaxRt !== null) rec.u32(CFG.INF_MAX_RT, iface.infMaxRt);
}
