// Static hosts (`config host`): a DUID or a MAC (from a DUID-LL/LLT, the
// reference's way) fixes a client's interface identifier, name and lease time.
// Two copies, like the rest of the configuration: built by configure, switched
// in only when the whole record is valid.

import * as A from "../abi";
import { ld16, ld32, bytesEqual } from "../wire/bytes";
import { DUID_LLT, DUID_LL, HWTYPE_ETHERNET } from "../wire/codes";

const H_DUID_LEN: usize = 0; // u8
const H_HAS_MAC: usize = 1; // u8
const H_NAME_LEN: usize = 2; // u8
const H_MAC: usize = 4; // 6 bytes
const H_LEASETIME: usize = 12; // u32, 0 = interface default
const H_HOSTID: usize = 16; // u64, 0 = chosen by hash
const H_DUID: usize = 24; // 130 bytes
const H_NAME: usize = 160; // 63 bytes
export const H_NAME_MAX: u32 = 63;
const H_SIZE: usize = 224;

const table: usize = memory.data(<i32>(2 * A.MAX_HOSTS * <u32>H_SIZE), 8);
const counts = new StaticArray<u32>(2);
let active: i32 = 0;

@inline function hrec(copy: i32, i: u32): usize {
  return table + (<usize>copy * A.MAX_HOSTS + i) * H_SIZE;
}

export function hostsBegin(copy: i32): void {
  unchecked((counts[copy] = 0));
}

export function hostsActivate(copy: i32): void {
  active = copy;
}

/** Parses one CFG_HOST item value into the table being built. False when invalid. */
export function hostsAdd(copy: i32, v: usize, n: u32): bool {
  const i = unchecked(counts[copy]);
  if (i >= A.MAX_HOSTS) return false;
  const h = hrec(copy, i);
  memory.fill(h, 0, H_SIZE);
  let p = v;
  const end = v + n;
  let identified = false;
  while (p < end) {
    if (p + 2 > end || p + 2 + <usize>load<u8>(p + 1) > end) return false;
    const key = load<u8>(p);
    const len = <u32>load<u8>(p + 1);
    const d = p + 2;
    if (key == A.HOST_DUID) {
      if (len < 3 || len > 130) return false;
      store<u8>(h + H_DUID_LEN, <u8>len);
      memory.copy(h + H_DUID, d, len);
      identified = true;
    } else if (key == A.HOST_MAC) {
      if (len != 6) return false;
      store<u8>(h + H_HAS_MAC, 1);
      memory.copy(h + H_MAC, d, 6);
      identified = true;
    } else if (key == A.HOST_HOSTID) {
      if (len != 8) return false;
      store<u64>(h + H_HOSTID, (<u64>ld32(d) << 32) | <u64>ld32(d + 4));
    } else if (key == A.HOST_NAME) {
      if (len == 0 || len > H_NAME_MAX) return false;
      store<u8>(h + H_NAME_LEN, <u8>len);
      memory.copy(h + H_NAME, d, len);
    } else if (key == A.HOST_LEASETIME) {
      if (len != 4) return false;
      store<u32>(h + H_LEASETIME, ld32(d));
    } else {
      return false;
    }
    p = d + len;
  }
  if (!identified) return false;
  unchecked((counts[copy] = i + 1));
  return true;
}

/** The MAC inside a DUID-LLT or DUID-LL with an Ethernet hardware type, or 0. */
function duidMac(duid: usize, len: u32): usize {
  if (len < 4 || ld16(duid + 2) != HWTYPE_ETHERNET) return 0;
  const type = ld16(duid);
  if (type == DUID_LLT && len == 14) return duid + 8;
  if (type == DUID_LL && len == 10) return duid + 4;
  return 0;
}

/** The static host entry for a client, or 0. A DUID match wins over a MAC match. */
export function hostFind(duid: usize, len: u32): usize {
  const n = unchecked(counts[active]);
  const mac = duidMac(duid, len);
  let byMac: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const h = hrec(active, i);
    const dl = <u32>load<u8>(h + H_DUID_LEN);
    if (dl != 0 && dl == len && bytesEqual(h + H_DUID, duid, len)) return h;
    if (byMac == 0 && mac != 0 && load<u8>(h + H_HAS_MAC) != 0 && bytesEqual(h + H_MAC, mac, 6)) byMac = h;
  }
  return byMac;
}

export function hostHostId(h: usize): u64 {
  return load<u64>(h + H_HOSTID);
}

export function hostLeasetime(h: usize): u32 {
  return load<u32>(h + H_LEASETIME);
}

export function hostName(h: usize): usize {
  return h + H_NAME;
}

export function hostNameLen(h: usize): u32 {
  return load<u8>(h + H_NAME_LEN);
}
