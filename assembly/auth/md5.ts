// MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), streaming over linear memory with
// fixed state: no allocation. Used for Reconfigure authentication
// (RFC 8415 section 20.4); tested against RFC 1321 and RFC 2202 vectors.

const S: StaticArray<u32> = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

// K[i] = floor(abs(sin(i + 1)) * 2^32)
const K: StaticArray<u32> = [
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

const BLOCK: u32 = 64;
export const MD5_LEN: u32 = 16;

let a0: u32 = 0;
let b0: u32 = 0;
let c0: u32 = 0;
let d0: u32 = 0;
let total: u64 = 0; // bytes fed
const buf: usize = memory.data(BLOCK, 8);
let fill: u32 = 0;

export function md5Init(): void {
  a0 = 0x67452301;
  b0 = 0xefcdab89;
  c0 = 0x98badcfe;
  d0 = 0x10325476;
  total = 0;
  fill = 0;
}

function block(p: usize): void {
  let a = a0;
  let b = b0;
  let c = c0;
  let d = d0;
  for (let i: i32 = 0; i < 64; i++) {
    let f: u32;
    let g: i32;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    f = f + a + unchecked(K[i]) + load<u32>(p + (<usize>g << 2)); // little-endian words
    a = d;
    d = c;
    c = b;
    b = b + rotl<u32>(f, unchecked(S[i]));
  }
  a0 += a;
  b0 += b;
  c0 += c;
  d0 += d;
}

export function md5Update(p: usize, n: u32): void {
  total += n;
  while (n > 0) {
    if (fill == 0 && n >= BLOCK) {
      block(p);
      p += BLOCK;
      n -= BLOCK;
      continue;
    }
    const take = min(BLOCK - fill, n);
    memory.copy(buf + fill, p, take);
    fill += take;
    p += take;
    n -= take;
    if (fill == BLOCK) {
      block(buf);
      fill = 0;
    }
  }
}

/** Finishes the digest and writes its 16 bytes at `out`. */
export function md5Final(out: usize): void {
  const bits = total << 3;
  store<u8>(buf + fill, 0x80);
  fill++;
  if (fill > BLOCK - 8) {
    memory.fill(buf + fill, 0, BLOCK - fill);
    block(buf);
    fill = 0;
  }
  memory.fill(buf + fill, 0, BLOCK - 8 - fill);
  store<u64>(buf + BLOCK - 8, bits);
  block(buf);
  store<u32>(out, a0);
  store<u32>(out + 4, b0);
  store<u32>(out + 8, c0);
  store<u32>(out + 12, d0);
}

const pad: usize = memory.data(BLOCK, 8);
const inner: usize = memory.data(MD5_LEN, 8);
const keyHash: usize = memory.data(MD5_LEN, 8);

/** HMAC-MD5 (RFC 2104) of `n` bytes at `msg` with the `keyLen`-byte key at
 *  `key`; the 16-byte digest goes to `out` (which may overlap nothing else). */
export function hmacMd5(key: usize, keyLen: u32, msg: usize, n: u32, out: usize): void {
  if (keyLen > BLOCK) {
    md5Init();
    md5Update(key, keyLen);
    md5Final(keyHash);
    key = keyHash;
    keyLen = MD5_LEN;
  }
  // inner: MD5((K ^ ipad) || msg)
  memory.fill(pad, 0x36, BLOCK);
  for (let i: u32 = 0; i < keyLen; i++) store<u8>(pad + i, load<u8>(pad + i) ^ load<u8>(key + i));
  md5Init();
  md5Update(pad, BLOCK);
  md5Update(msg, n);
  md5Final(inner);
  // outer: MD5((K ^ opad) || inner)
  memory.fill(pad, 0x5c, BLOCK);
  for (let i: u32 = 0; i < keyLen; i++) store<u8>(pad + i, load<u8>(pad + i) ^ load<u8>(key + i));
  md5Init();
  md5Update(pad, BLOCK);
  md5Update(inner, MD5_LEN);
  md5Final(out);
}
