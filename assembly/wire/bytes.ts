// Big-endian loads and stores over linear memory. Callers check bounds first:
// these helpers never do, so that the hot path pays for each check once.

@inline export function ld8(p: usize): u32 {
  return <u32>load<u8>(p);
}

@inline export function ld16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

@inline export function ld32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline export function st8(p: usize, v: u32): void {
  store<u8>(p, <u8>v);
}

@inline export function st16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

@inline export function st32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

/** True when the `len` bytes at `a` and at `b` are equal. */
export function bytesEqual(a: usize, b: usize, len: u32): bool {
  for (let i: u32 = 0; i < len; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

/** True when all 16 bytes of the IPv6 address at `p` are zero. */
export function addrIsZero(p: usize): bool {
  return load<u64>(p) == 0 && load<u64>(p, 8) == 0;
}

/** True for fe80::/10. */
export function addrIsLinkLocal(p: usize): bool {
  return load<u8>(p) == 0xfe && (load<u8>(p, 1) & 0xc0) == 0x80;
}

/** True for ff00::/8. */
export function addrIsMulticast(p: usize): bool {
  return load<u8>(p) == 0xff;
}

/** True when the first `plen` bits of the addresses at `a` and `b` agree. */
export function prefixContains(prefix: usize, plen: u32, addr: usize): bool {
  if (plen > 128) return false;
  const whole = plen >> 3;
  if (!bytesEqual(prefix, addr, whole)) return false;
  const rest = plen & 7;
  if (rest == 0) return true;
  const mask = <u32>(0xff00 >> rest) & 0xff;
  return (ld8(prefix + whole) & mask) == (ld8(addr + whole) & mask);
}
