// The typed configuration -> the core's CFG record (assembly/abi.ts CFG_*):
// the server DUID first (global), then one section per interface whose device
// exists, in file order. The core turns these keys into wire options once.

import { CFG, HOST, MAX_IFACES, MODE } from "../core/abi.js";
import { CfgRecord } from "../core/records.js";
import type { Config, HostConfig, InterfaceConfig } from "./types.js";

/** Daemon state that goes into the record with the configuration. */
export interface EncodeState {
  /** 16-byte server secret (persisted by the host). */
  secret?: Uint8Array;
}

/**
 * Encodes `config` for `core.configure`. `slots` maps a device name to the
 * interface slot the host gave it; interfaces whose device is not in the map
 * (not present yet) are left out. Disabled interfaces are emitted with MODE
 * disabled.
 * @throws Error when a slot is out of range or two interfaces share one.
 */
export function encodeConfig(config: Config, slots: ReadonlyMap<string, number>, state: EncodeState = {}): Uint8Array {
  const rec = new CfgRecord();
  if (config.global.duid) rec.item(CFG.SERVER_DUID, config.global.duid);
  if (state.secret) rec.item(CFG.SECRET, state.secret);
  if (config.global.maxBindings !== null) rec.u32(CFG.MAX_BINDINGS, config.global.maxBindings);
  for (const h of config.hosts) for (const item of encodeHost(h)) rec.item(CFG.HOST, item);
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
  // The core's defaults: NA and PD on, assign-all off, Rapid Commit on.
  if (!iface.dhcpv6Na) rec.u8(CFG.NA, 0);
  if (!iface.dhcpv6Pd) rec.u8(CFG.PD, 0);
  if (iface.dhcpv6PdMinLen !== null) rec.u8(CFG.PD_MIN_LEN, iface.dhcpv6PdMinLen);
  if (iface.assignAll) rec.u8(CFG.ASSIGN_ALL, 1);
  if (!iface.rapidCommit) rec.u8(CFG.RAPID_COMMIT, 0);
  if (!iface.reconfigure) rec.u8(CFG.RECONFIGURE, 0);
  if (iface.rateIface !== null) rec.u32(CFG.RATE_IFACE, iface.rateIface);
  if (iface.rateClient !== null) rec.u32(CFG.RATE_CLIENT, iface.rateClient);
  if (iface.master) rec.u8(CFG.MASTER, 1);
  if (iface.relayHopLimit !== null) rec.u8(CFG.HOP_LIMIT, iface.relayHopLimit);
  if (iface.relayRemoteId) rec.item(CFG.REMOTE_ID, iface.relayRemoteId);
  if (iface.relayClientLladdr) rec.u8(CFG.CLIENT_LLADDR, 1);
}

/** A static host as CFG.HOST items: one per MAC (the core matches one MAC per
 *  entry), or one for a DUID-only host; sub-items are u8 key, u8 length, value. */
function encodeHost(h: HostConfig): Uint8Array[] {
  const common: number[] = [];
  const sub = (key: number, v: Uint8Array) => common.push(key, v.length, ...v);
  if (h.duid) sub(HOST.DUID, h.duid);
  if (h.hostid !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, h.hostid);
    sub(HOST.HOSTID, b);
  }
  if (h.name) sub(HOST.NAME, new TextEncoder().encode(h.name));
  if (h.leasetime !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, h.leasetime);
    sub(HOST.LEASETIME, b);
  }
  if (h.macs.length === 0) return h.duid ? [Uint8Array.from(common)] : [];
  return h.macs.map((m) => Uint8Array.from([...common, HOST.MAC, 6, ...m]));
}
