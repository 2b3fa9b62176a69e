// Encoders for the records the host writes into the core: the interface
// context (CTX) and the configuration record (CFG). Layouts: assembly/abi.ts.

import { CTX, CTX_F_UP, CTX_F_HAS_MAC, MAX_IFACE_ADDRS, CFG } from "./abi.js";

export interface IfaceAddress {
  addr: Uint8Array; // 16 bytes
  plen: number;
  preferredUntil: number; // host clock seconds, or LIFETIME_INFINITE
  validUntil: number;
}

export interface IfaceContext {
  slot: number;
  name?: string; // Linux device name (at most 15 bytes)
  ifindex: number;
  up: boolean;
  mac: Uint8Array | null; // 6 bytes
  linkLocal: Uint8Array | null; // 16 bytes
  addrs: IfaceAddress[]; // global (and ULA) addresses
}

export function encodeIface(c: IfaceContext): Uint8Array {
  const addrs = c.addrs.slice(0, MAX_IFACE_ADDRS);
  const buf = new Uint8Array(CTX.ADDRS + addrs.length * CTX.ADDR_SIZE);
  const dv = new DataView(buf.buffer);
  dv.setUint32(CTX.SLOT, c.slot, true);
  dv.setUint32(CTX.IFINDEX, c.ifindex, true);
  dv.setUint32(CTX.FLAGS, (c.up ? CTX_F_UP : 0) | (c.mac ? CTX_F_HAS_MAC : 0), true);
  if (c.mac) buf.set(c.mac.subarray(0, 6), CTX.MAC);
  if (c.linkLocal) buf.set(c.linkLocal, CTX.LINKLOCAL);
  if (c.name) buf.set(new TextEncoder().encode(c.name).subarray(0, CTX.NAME_LEN - 1), CTX.NAME);
  dv.setUint32(CTX.NADDR, addrs.length, true);
  addrs.forEach((a, i) => {
    const o = CTX.ADDRS + i * CTX.ADDR_SIZE;
    buf.set(a.addr, o + CTX.A_ADDR);
    dv.setUint32(o + CTX.A_PLEN, a.plen, true);
    dv.setUint32(o + CTX.A_PREFERRED, a.preferredUntil >>> 0, true);
    dv.setUint32(o + CTX.A_VALID, a.validUntil >>> 0, true);
  });
  return buf;
}

/** Builds a CFG record: a sequence of (u16 key, u16 length, value), big-endian. */
export class CfgRecord {
  private parts: Uint8Array[] = [];
  private size = 0;

  item(key: number, value: Uint8Array): this {
    if (value.length > 0xffff) throw new Error(`configuration value of ${value.length} bytes is too long`);
    const hdr = new Uint8Array(4);
    new DataView(hdr.buffer).setUint16(0, key);
    new DataView(hdr.buffer).setUint16(2, value.length);
    this.parts.push(hdr, value);
    this.size += 4 + value.length;
    return this;
  }

  u8(key: number, v: number): this {
    return this.item(key, Uint8Array.of(v));
  }

  u32(key: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0);
    return this.item(key, b);
  }

  text(key: number, s: string): this {
    return this.item(key, new TextEncoder().encode(s));
  }

  iface(slot: number): this {
    return this.u32(CFG.IFACE, slot);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
