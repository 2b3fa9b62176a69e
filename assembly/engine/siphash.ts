// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash. With the
// server's persisted secret as key it makes host parts stable across restarts
// but not predictable from outside (RFC 7721 section 3), and the binding
// table's buckets impossible to flood on purpose.

let k0: u64 = 0x736f6d6570736575;
let k1: u64 = 0x646f72616e646f6d;

/** Sets the 16-byte key at `p`. */
export function sipKey(p: usize): void {
  k0 = load<u64>(p);
  k1 = load<u64>(p, 8);
}

// State of the hash being computed.
let v0: u64 = 0;
let v1: u64 = 0;
let v2: u64 = 0;
let v3: u64 = 0;

@inline function round(): void {
  v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
  v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
}

@inline function absorb(m: u64): void {
  v3 ^= m;
  round();
  round();
  v0 ^= m;
}

/** SipHash-2-4 of `len` bytes at `p`, with `extra` mixed in first (a tag
 *  such as an IAID and IA type, or a retry counter). */
export function sipHash(p: usize, len: u32, extra: u64): u64 {
  v0 = k0 ^ 0x736f6d6570736575;
  v1 = k1 ^ 0x646f72616e646f6d;
  v2 = k0 ^ 0x6c7967656e657261;
  v3 = k1 ^ 0x7465646279746573;
  absorb(extra);
  const whole = len & ~7;
  for (let i: u32 = 0; i < whole; i += 8) absorb(load<u64>(p + i));
  let last: u64 = (<u64>(len + 8) & 0xff) << 56;
  for (let i: u32 = whole; i < len; i++) last |= (<u64>load<u8>(p + i)) << (<u64>(i - whole) * 8);
  absorb(last);
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}
