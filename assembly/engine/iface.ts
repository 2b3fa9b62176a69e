// Interface contexts: what the host knows of each interface (index, MAC,
// link-local and global addresses with lifetimes), one CTX record per slot.

import { CTX, CTX_SIZE, CTX_SLOT, CTX_NADDR, CTX_FLAGS, CTX_F_UP, CTX_F_HAS_MAC, CTX_MAC, CTX_LINKLOCAL,
  CTX_ADDRS, CTX_ADDR_SIZE, CTX_A_ADDR, CTX_A_PLEN, CTX_A_PREFERRED, CTX_A_VALID, CTX_NAME, MAX_IFACES, MAX_IFACE_ADDRS } from "../abi";
import { addrIsZero } from "../wire/bytes";

const SLOTS: usize = memory.data(<i32>(MAX_IFACES * CTX_SIZE), 16);
const known = new StaticArray<bool>(MAX_IFACES);

@inline function rec(slot: u32): usize {
  return SLOTS + <usize>slot * CTX_SIZE;
}

/** Copies the CTX record into its slot. Returns false when it is malformed. */
export function ifaceSet(): bool {
  const slot = load<u32>(CTX + CTX_SLOT);
  const n = load<u32>(CTX + CTX_NADDR);
  if (slot >= MAX_IFACES || n > MAX_IFACE_ADDRS) return false;
  if (CTX_ADDRS + <usize>n * CTX_ADDR_SIZE > CTX_SIZE) return false;
  memory.copy(rec(slot), CTX, CTX_SIZE);
  unchecked((known[slot] = true));
  return true;
}

export function ifaceUp(slot: u32): bool {
  return slot < MAX_IFACES && unchecked(known[slot]) && (load<u32>(rec(slot) + CTX_FLAGS) & CTX_F_UP) != 0;
}

export function ifaceHasMac(slot: u32): bool {
  return slot < MAX_IFACES && unchecked(known[slot]) && (load<u32>(rec(slot) + CTX_FLAGS) & CTX_F_HAS_MAC) != 0;
}

/** Address of the 6-byte MAC of `slot`. */
export function ifaceMac(slot: u32): usize {
  return rec(slot) + CTX_MAC;
}

/** Address of the link-local address of `slot`, or 0 when it has none. */
export function ifaceLinkLocal(slot: u32): usize {
  const p = rec(slot) + CTX_LINKLOCAL;
  return addrIsZero(p) ? 0 : p;
}

export function ifaceAddrCount(slot: u32): u32 {
  return load<u32>(rec(slot) + CTX_NADDR);
}

/** Address of the i-th address record of `slot` (CTX_A_* offsets). */
export function ifaceAddr(slot: u32, i: u32): usize {
  return rec(slot) + CTX_ADDRS + <usize>i * CTX_ADDR_SIZE;
}

export function ifaceAddrPlen(slot: u32, i: u32): u32 {
  return load<u32>(ifaceAddr(slot, i) + CTX_A_PLEN);
}



/** End of the preferred lifetime of address `i` (host clock, LIFETIME_INFINITE). */
export function ifaceAddrPreferred(slot: u32, i: u32): u32 {
  return load<u32>(ifaceAddr(slot, i) + CTX_A_PREFERRED);
}

/** End of the valid lifetime of address `i` (host clock, LIFETIME_INFINITE). */
export function ifaceAddrValid(slot: u32, i: u32): u32 {
  return load<u32>(ifaceAddr(slot, i) + CTX_A_VALID);
}

/** Address of the NUL-padded interface name of `slot`. */
export function ifaceName(slot: u32): usize {
  return rec(slot) + CTX_NAME;
}

/** The kernel ifindex of `slot`. */
export function ifaceIndex(slot: u32): u32 {
  return load<u32>(rec(slot) + 4);
}

/** The first global (not link-local) address of `slot` whose valid lifetime
 *  has not ended, preferring one still preferred; 0 when there is none. */
export function ifaceGlobal(slot: u32, now: u32): usize {
  const n = ifaceAddrCount(slot);
  let fallback: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const valid = ifaceAddrValid(slot, i);
    if (valid != 0xffffffff && valid <= now) continue;
    const a = ifaceAddr(slot, i) + CTX_A_ADDR;
    const pref = ifaceAddrPreferred(slot, i);
    if (pref == 0xffffffff || pref > now) return a;
    if (fallback == 0) fallback = a;
  }
  return fallback;
}
