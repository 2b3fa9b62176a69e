// Big-endian loads and stores over linear memory. Callers check bounds first:
// these helpers never do, so that the hot path pays for each check once.
// The byte swaps are inlined here (the standard library's bswap<T> is a call:
// V8 does not inline calls between wasm functions, and they add up per packet).

/** The low 16 bits of `v`, byte-swapped. */
@inline export function bswap16(v: u32): u32 {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

@inline export function bswap32(v: u32): u32 {
  return rotl<u32>(v & 0xff00ff00, 8) | rotr<u32>(v & 0x00ff00ff, 8);
}

@inline export function bswap64(v: u64): u64 {
  let a = (v >> 8) & 0x00ff00ff00ff00ff;
  let b = (v & 0x00ff00ff00ff00ff) << 8;
  const w = a | b;
  a = (w >> 16) & 0x0000ffff0000ffff;
  b = (w & 0x0000ffff0000ffff) << 16;
  return rotr<u64>(a | b, 32);
}

@inline export function ld8(p: usize): u32 {
  return <u32>load<u8>(p);
}

@inline export function ld16(p: usize): u32 {
  return bswap16(<u32>load<u16>(p));
}

@inline export function ld32(p: usize): u32 {
  return bswap32(load<u32>(p));
}

@inline export function st8(p: usize, v: u32): void {
  store<u8>(p, <u8>v);
}

@inline export function st16(p: usize, v: u32): void {
  store<u16>(p, <u16>bswap16(v));
}

@inline export function st32(p: usize, v: u32): void {
  store<u32>(p, bswap32(v));
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
