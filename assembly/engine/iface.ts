// Interface contexts: what the host knows of each interface (index, MAC,
// link-local and global addresses with lifetimes), one CTX record per slot.

import { CTX, CTX_SIZE, CTX_SLOT, CTX_NADDR, CTX_FLAGS, CTX_F_UP, CTX_F_HAS_MAC, CTX_MAC, CTX_LINKLOCAL,
  CTX_ADDRS, CTX_ADDR_SIZE, CTX_A_ADDR, CTX_A_PLEN, CTX_A_PREFERRED, CTX_A_VALID, CTX_NAME, MAX_IFACES, MAX_IFACE_ADDRS } from "../abi";
import { addrIsZero, bswap64 } from "../wire/bytes";

const SLOTS: usize = memory.data(<i32>(MAX_IFACES * CTX_SIZE), 16);
const known = new StaticArray<bool>(MAX_IFACES);

@inline function rec(slot: u32): usize {
  return SLOTS + <usize>slot * CTX_SIZE;
}

/** True when the CTX record (in CTX) is well formed. */
export function ifaceCheck(): bool {
  const slot = load<u32>(CTX + CTX_SLOT);
  const n = load<u32>(CTX + CTX_NADDR);
  if (slot >= MAX_IFACES || n > MAX_IFACE_ADDRS) return false;
  return CTX_ADDRS + <usize>n * CTX_ADDR_SIZE <= CTX_SIZE;
}

/** Copies the (checked) CTX record into its slot. */
export function ifaceSet(): void {
  const slot = load<u32>(CTX + CTX_SLOT);
  memory.copy(rec(slot), CTX, CTX_SIZE);
  unchecked((known[slot] = true));
}

/** True when `slot` was set before. */
export function ifaceKnown(slot: u32): bool {
  return slot < MAX_IFACES && unchecked(known[slot]);
}

/** Address of the stored CTX record of `slot`. */
export function ifaceRecord(slot: u32): usize {
  return rec(slot);
}

/** A signature of the prefixes a CTX record (at `ctx`) offers now: each
 *  address's prefix, its length and whether it is still preferred (not its
 *  exact lifetimes, which the host recomputes on every refresh). Order does
 *  not matter. */
export function prefixSignature(ctx: usize, now: u32): u64 {
  let sig: u64 = 0;
  const n = load<u32>(ctx + CTX_NADDR);
  for (let i: u32 = 0; i < n; i++) {
    const a = ctx + CTX_ADDRS + <usize>i * CTX_ADDR_SIZE;
    const plen = load<u32>(a + CTX_A_PLEN);
    const valid = load<u32>(a + CTX_A_VALID);
    if (valid != 0xffffffff && valid <= now) continue;
    const pref = load<u32>(a + CTX_A_PREFERRED);
    const deprecated: u64 = pref != 0xffffffff && pref <= now ? 1 : 0;
    const hi = bswap64(load<u64>(a));
    const lo = bswap64(load<u64>(a + 8));
    const mhi: u64 = plen >= 64 ? hi : plen == 0 ? 0 : hi & ~((<u64>1 << (64 - plen)) - 1);
    const mlo: u64 = plen >= 128 ? lo : plen <= 64 ? 0 : lo & ~((<u64>1 << (128 - plen)) - 1);
    let h = mhi * 0x9e3779b97f4a7c15 ^ mlo * 0xc2b2ae3d27d4eb4f ^ (<u64>plen << 1 | deprecated) * 0x165667b19e3779f9;
    h ^= h >> 31;
    sig += h;
  }
  return sig;
}

@inline export function ifaceUp(slot: u32): bool {
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

@inline export function ifaceAddrCount(slot: u32): u32 {
  return load<u32>(rec(slot) + CTX_NADDR);
}

/** Address of the i-th address record of `slot` (CTX_A_* offsets). */
@inline export function ifaceAddr(slot: u32, i: u32): usize {
  return rec(slot) + CTX_ADDRS + <usize>i * CTX_ADDR_SIZE;
}

@inline export function ifaceAddrPlen(slot: u32, i: u32): u32 {
  return load<u32>(ifaceAddr(slot, i) + CTX_A_PLEN);
}



/** End of the preferred lifetime of address `i` (host clock, LIFETIME_INFINITE). */
@inline export function ifaceAddrPreferred(slot: u32, i: u32): u32 {
  return load<u32>(ifaceAddr(slot, i) + CTX_A_PREFERRED);
}

/** End of the valid lifetime of address `i` (host clock, LIFETIME_INFINITE). */
@inline export function ifaceAddrValid(slot: u32, i: u32): u32 {
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
