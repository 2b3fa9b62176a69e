// text.ts: RFC 5952 addresses, numbers, hex, JSON/UTF-8 escaping, and the
// write limit the inspector relies on.

import { OUT_SIZE } from "../../assembly/abi";
import { textStart, textLen, textFull, textLimit, textRewind, textChar, textStr, textU32, textHex, textAddr, textJsonUtf8 } from "../../assembly/text";
import { SCRATCH, ptr, bytes, outText } from "./helpers";
import * as V from "./vectors";

function addr(groups: u16[]): string {
  for (let i = 0; i < 8; i++) {
    store<u8>(SCRATCH + i * 2, <u8>(groups[i] >> 8));
    store<u8>(SCRATCH + i * 2 + 1, <u8>(groups[i] & 0xff));
  }
  textStart();
  textAddr(SCRATCH);
  return outText();
}

describe("textAddr: RFC 5952 text", () => {
  it("compresses the unspecified and loopback addresses", () => {
    expect(addr([0, 0, 0, 0, 0, 0, 0, 0])).toBe("::");
    expect(addr([0, 0, 0, 0, 0, 0, 0, 1])).toBe("::1");
    expect(addr([1, 0, 0, 0, 0, 0, 0, 0])).toBe("1::");
  });

  it("writes lowercase hex without leading zeros (4.2.1, 4.3)", () => {
    expect(addr([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0x0001])).toBe("2001:db8::1");
    expect(addr([0xfe80, 0, 0, 0, 0xABCD, 0x00ef, 0x0f0f, 0x0001])).toBe("fe80::abcd:ef:f0f:1");
  });

  it("does not compress a single zero group (4.2.2)", () => {
    expect(addr([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe("2001:db8:0:1:1:1:1:1");
  });

  it("compresses the longest run (4.2.3)", () => {
    expect(addr([0x2001, 0, 0, 1, 0, 0, 0, 1])).toBe("2001:0:0:1::1");
  });

  it("compresses the first of equal runs (4.2.3)", () => {
    expect(addr([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe("2001:db8::1:0:0:1");
  });

  it("writes eight groups when there is no zero", () => {
    expect(addr([1, 2, 3, 4, 5, 6, 7, 8])).toBe("1:2:3:4:5:6:7:8");
  });

  it("writes the captured relay addresses as tshark does (link, peer)", () => {
    textStart();
    textAddr(ptr(V.RELAY_FORW_SOLICIT) + 2);
    textChar(0x20);
    textAddr(ptr(V.RELAY_FORW_SOLICIT) + 18);
    expect(outText()).toBe("2001:db8:1::1 fe80::cb0:2ff:fe3f:ca7b");
  });

  it("writes multicast and IPv4-mapped addresses in hex", () => {
    expect(addr([0xff02, 0, 0, 0, 0, 0, 1, 2])).toBe("ff02::1:2");
    expect(addr([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])).toBe("::ffff:c000:201");
  });
});

describe("numbers and hex", () => {
  it("writes u32 extremes", () => {
    textStart();
    textU32(0);
    textChar(0x20);
    textU32(9);
    textChar(0x20);
    textU32(10);
    textChar(0x20);
    textU32(4294967295);
    expect(outText()).toBe("0 9 10 4294967295");
  });

  it("writes bytes as lowercase hex", () => {
    textStart();
    textHex(ptr(V.RECONFIGURE) + 30, 8); // replay detection (Authentication at 23)
    expect(outText()).toBe("6b0924ad00000002");
  });
});

describe("JSON string escaping", () => {
  it("escapes quote, backslash and control characters", () => {
    const v = bytes([0x61, 0x22, 0x5c, 0x0a, 0x0d, 0x09, 0x01, 0x1f, 0x7f, 0x7a]);
    textStart();
    expect(textJsonUtf8(ptr(v), 10)).toBe(-1);
    expect(outText()).toBe("a\\\"\\\\\\n\\r\\t\\u0001\\u001f\x7fz");
  });

  it("copies well-formed UTF-8 and replaces each stray byte with U+FFFD", () => {
    const ok = bytes([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]); // é € 😀
    textStart();
    expect(textJsonUtf8(ptr(ok), 9)).toBe(-1);
    expect(outText()).toBe("é€😀");
    const bad = bytes([0x61, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xc0, 0xaf, 0xe2, 0x82]); // broken, surrogate, overlong, cut
    textStart();
    expect(textJsonUtf8(ptr(bad), 10)).toBe(1);
    expect(outText()).toBe("a\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
  });

  it("never reads past the length it is given (a sequence cut by it is stray)", () => {
    const v = bytes([0xc3, 0xa9]);
    textStart();
    expect(textJsonUtf8(ptr(v), 1)).toBe(0);
    expect(outText()).toBe("\\ufffd");
  });
});

describe("write limit", () => {
  it("stops at the limit, says so, and can rewind", () => {
    textStart();
    textLimit(5);
    textStr("abc");
    expect(textFull()).toBe(false);
    textStr("def"); // does not fit: nothing written
    expect(textFull()).toBe(true);
    expect(textLen()).toBe(3);
    textChar(0x64);
    textChar(0x65);
    textChar(0x66); // over the limit
    expect(outText()).toBe("abcde");
    textRewind(2);
    expect(outText()).toBe("ab");
    textRewind(10); // never forwards
    expect(textLen()).toBe(2);
  });

  it("textStart lifts the limit again and never writes past OUT", () => {
    textStart();
    textLimit(1);
    textStart();
    textStr("abc");
    expect(outText()).toBe("abc");
    textStart();
    textLimit(OUT_SIZE + 100); // capped at OUT_SIZE
    while (!textFull()) textStr("0123456789abcdef0123456789abcdef");
    expect(textLen()).toBe(OUT_SIZE);
  });
});
