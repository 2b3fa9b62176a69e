// MD5 (RFC 1321 appendix A.5) and HMAC-MD5 (RFC 2202 section 2) test vectors.
import { md5Init, md5Update, md5Final, hmacMd5 } from "../../assembly/auth/md5";

const out = memory.data(16);
const scratch = memory.data(256);

function hexOf(p: usize, n: u32): string {
  let s = "";
  for (let i: u32 = 0; i < n; i++) {
    const b = load<u8>(p + i);
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

function put(s: string): u32 {
  for (let i = 0; i < s.length; i++) store<u8>(scratch + i, <u8>s.charCodeAt(i));
  return <u32>s.length;
}

function md5Of(s: string): string {
  const n = put(s);
  md5Init();
  md5Update(scratch, n);
  md5Final(out);
  return hexOf(out, 16);
}

const key = memory.data(80);
const msg = memory.data(80);

describe("MD5 (RFC 1321 A.5)", () => {
  it("empty", () => expect(md5Of("")).toBe("d41d8cd98f00b204e9800998ecf8427e"));
  it("a", () => expect(md5Of("a")).toBe("0cc175b9c0f1b6a831c399e269772661"));
  it("abc", () => expect(md5Of("abc")).toBe("900150983cd24fb0d6963f7d28e17f72"));
  it("message digest", () => expect(md5Of("message digest")).toBe("f96b697d7cb7938d525a2f31aaf161d0"));
  it("alphabet", () => expect(md5Of("abcdefghijklmnopqrstuvwxyz")).toBe("c3fcd3d76192e4007dfb496cca67e13b"));
  it("62 chars", () => expect(md5Of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")).toBe("d174ab98d277d9f5a5611c2c9f419d9f"));
  it("80 digits", () =>
    expect(md5Of("12345678901234567890123456789012345678901234567890123456789012345678901234567890")).toBe("57edf4a22be3c955ac49da2e2107b67a"));
  it("split updates give the same digest", () => {
    const n = put("12345678901234567890123456789012345678901234567890123456789012345678901234567890");
    md5Init();
    md5Update(scratch, 3);
    md5Update(scratch + 3, 61);
    md5Update(scratch + 64, n - 64);
    md5Final(out);
    expect(hexOf(out, 16)).toBe("57edf4a22be3c955ac49da2e2107b67a");
  });
});

describe("HMAC-MD5 (RFC 2202 section 2)", () => {
  it("test case 1", () => {
    memory.fill(key, 0x0b, 16);
    const n = put("Hi There");
    hmacMd5(key, 16, scratch, n, out);
    expect(hexOf(out, 16)).toBe("9294727a3638bb1c13f48ef8158bfc9d");
  });
  it("test case 2", () => {
    for (let i = 0; i < 4; i++) store<u8>(key + i, <u8>"Jefe".charCodeAt(i));
    const n = put("what do ya want for nothing?");
    hmacMd5(key, 4, scratch, n, out);
    expect(hexOf(out, 16)).toBe("750c783e6ab0b503eaa86e310a5db738");
  });
  it("test case 3", () => {
    memory.fill(key, 0xaa, 16);
    memory.fill(msg, 0xdd, 50);
    hmacMd5(key, 16, msg, 50, out);
    expect(hexOf(out, 16)).toBe("56be34521d144c88dbb8c733f0e8b3f6");
  });
  it("test case 4", () => {
    for (let i = 0; i < 25; i++) store<u8>(key + i, <u8>(i + 1));
    memory.fill(msg, 0xcd, 50);
    hmacMd5(key, 25, msg, 50, out);
    expect(hexOf(out, 16)).toBe("697eaf0aca3a3aea3a75164746ffaa79");
  });
  it("test case 5", () => {
    memory.fill(key, 0x0c, 16);
    const n = put("Test With Truncation");
    hmacMd5(key, 16, scratch, n, out);
    expect(hexOf(out, 16)).toBe("56461ef2342edc00f9bab995690efd4c");
  });
  it("test case 6 (key longer than a block)", () => {
    memory.fill(key, 0xaa, 80);
    const n = put("Test Using Larger Than Block-Size Key - Hash Key First");
    hmacMd5(key, 80, scratch, n, out);
    expect(hexOf(out, 16)).toBe("6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
  });
  it("test case 7", () => {
    memory.fill(key, 0xaa, 80);
    const n = put("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data");
    hmacMd5(key, 80, scratch, n, out);
    expect(hexOf(out, 16)).toBe("6f630fad67cda0ee1fb1f562db3aa53e");
  });
});
