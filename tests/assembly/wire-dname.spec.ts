// wire/dname.ts: RFC 1035 names encoded once at configuration time, and
// their lengths read back; the inspector's decode of the same bytes.

import { dnameEncode, dnameLen, dnameLenPartial } from "../../assembly/wire/dname";
import { SCRATCH, ptr, bytes, hex, inspectVec, has } from "./helpers";
import * as V from "./vectors";

const SRC: usize = SCRATCH + 0x10000;

function enc(name: string, room: u32 = 300): u32 {
  const n = String.UTF8.byteLength(name);
  memory.copy(SRC, changetype<usize>(String.UTF8.encode(name)), n);
  memory.fill(SCRATCH, 0xa5, 320);
  return dnameEncode(SRC, <u32>n, SCRATCH, room);
}

function repeat(c: string, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += c;
  return s;
}

describe("dnameEncode", () => {
  it("encodes lab.example exactly as Kea sent it in the Domain Search List", () => {
    expect(enc("lab.example")).toBe(13);
    // the Domain Search List data of the captured Reply starts at byte 60
    expect(hex(SCRATCH, 13)).toBe(hex(ptr(V.INFOREQ_REPLY) + 60, 13));
    expect(load<u8>(SCRATCH + 13)).toBe(0xa5, "nothing after the root label");
  });

  it("accepts one trailing dot and gives the same bytes", () => {
    expect(enc("lab.example.")).toBe(13);
    expect(hex(SCRATCH, 13)).toBe("036c6162076578616d706c6500");
  });

  it("refuses empty names, empty labels and a lone dot", () => {
    expect(enc("")).toBe(0);
    expect(enc(".")).toBe(0);
    expect(enc("a..b")).toBe(0);
    expect(enc(".a")).toBe(0);
  });

  it("refuses characters that are not letters, digits, '-' or '_'", () => {
    expect(enc("a b.example")).toBe(0);
    expect(enc("a\"b")).toBe(0);
    expect(enc("under_score-ok.example")).toBe(24);
  });

  it("takes labels of 63 bytes and refuses 64", () => {
    expect(enc(repeat("a", 63) + ".b")).toBe(1 + 63 + 1 + 1 + 1);
    expect(enc(repeat("a", 64) + ".b")).toBe(0);
  });

  it("takes names of 253 characters (255 wire bytes) and refuses 254", () => {
    const l63 = repeat("a", 63);
    const n253 = l63 + "." + l63 + "." + l63 + "." + repeat("b", 61); // 63*3 + 61 + 3 dots = 253
    expect(n253.length).toBe(253);
    expect(enc(n253)).toBe(255);
    expect(enc(n253 + "c")).toBe(0);
  });

  it("refuses to write past `room`", () => {
    expect(enc("lab.example", 12)).toBe(0);
    expect(enc("lab.example", 13)).toBe(13);
  });
});

describe("dnameLen / dnameLenPartial", () => {
  it("measures the captured name with its root label", () => {
    const p = ptr(V.INFOREQ_REPLY) + 60;
    expect(dnameLen(p, p + 13)).toBe(13);
    expect(dnameLen(p, p + 12)).toBe(0, "root label missing");
    expect(dnameLenPartial(p, p + 12)).toBe(12, "partial name (RFC 4704)");
    expect(dnameLenPartial(p, p + 13)).toBe(13);
    expect(dnameLenPartial(p, p + 11)).toBe(0, "label runs past the end");
  });

  it("refuses compression pointers and long labels", () => {
    const ptrName = bytes([0x03, 0x6c, 0x61, 0x62, 0xc0, 0x0c]);
    expect(dnameLen(ptr(ptrName), ptr(ptrName) + 6)).toBe(0);
    const long = bytes([0x40, 0x61]);
    expect(dnameLen(ptr(long), ptr(long) + 2)).toBe(0);
  });

  it("the root name alone is one byte", () => {
    const root = bytes([0x00]);
    expect(dnameLen(ptr(root), ptr(root) + 1)).toBe(1);
  });
});

describe("inspector decode of domain names", () => {
  it("shows the captured Domain Search List as dotted text", () => {
    const j = inspectVec(V.INFOREQ_REPLY);
    expect(has(j, "\"fields\":{\"names\":[\"lab.example\"]}")).toBe(true, j);
  });

  it("escapes odd label bytes (RFC 4343) inside valid JSON", () => {
    const v = bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id
      0x00, 0x18, 0x00, 0x0d, // option-code: Domain Search List, option-len: 13
      0x04, 0x61, 0x2e, 0x22, 0x00, // label: 'a', '.', '"', 0x00
      0x01, 0x5c, // label: '\'
      0x00, // root label
      0x00, // a second name: the root name
      0x02, 0x41, 0x7f, // label "A" 0x7f
      0x00, // root label
    ]);
    const j = inspectVec(v);
    // a\."\000 . \\ -> JSON: a\\.\"\\000.\\\\ ; then "." ; then A\\127
    expect(has(j, "\"names\":[\"a\\\\.\\\"\\\\000.\\\\\\\\\",\".\",\"A\\\\127\"]")).toBe(true, j);
  });

  it("reports a compression pointer, a long label, a label past the end, a missing root label", () => {
    const pointer = inspectVec(bytes([0x07, 0, 0, 1, 0x00, 0x18, 0x00, 0x06, 0x03, 0x6c, 0x61, 0x62, 0xc0, 0x0c]));
    expect(has(pointer, "{\"off\":12,\"len\":1,\"error\":\"bad domain name: label length byte 192 is a compression pointer")).toBe(true, pointer);
    const long = inspectVec(bytes([0x07, 0, 0, 1, 0x00, 0x18, 0x00, 0x02, 0x40, 0x61]));
    expect(has(long, "{\"off\":8,\"len\":1,\"error\":\"bad domain name: label length 64 exceeds 63\"}")).toBe(true, long);
    const past = inspectVec(bytes([0x07, 0, 0, 1, 0x00, 0x18, 0x00, 0x03, 0x05, 0x61, 0x62]));
    expect(has(past, "{\"off\":8,\"len\":3,\"error\":\"bad domain name: label of 5 bytes runs past the end (2 bytes remain)\"}")).toBe(true, past);
    const noRoot = inspectVec(bytes([0x07, 0, 0, 1, 0x00, 0x18, 0x00, 0x04, 0x03, 0x6c, 0x61, 0x62]));
    expect(has(noRoot, "{\"off\":8,\"len\":4,\"error\":\"bad domain name: ends without the root label\"}")).toBe(true, noRoot);
  });
});
