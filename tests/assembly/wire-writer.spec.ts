// wire/writer.ts: captured messages parsed with the iterator and written
// again with optOpen/optClose (the writer fills in every length), into a
// buffer pre-filled with 0xa5 at a non-zero offset, so that a forgotten or
// stray byte shows; length filling for nested options and its 16-bit limit.

import { ld8, ld16, ld32, bytesEqual } from "../../assembly/wire/bytes";
import * as C from "../../assembly/wire/codes";
import { optFits, optCode, optLen, optData, optNext } from "../../assembly/wire/options";
import { wStart, wLength, wPos, wOk, wU8, wU16, wU24, wU32, wBytes, wZeros, optOpen, optClose, wOption, wOptionU16, wOptionU32 } from "../../assembly/wire/writer";
import { SCRATCH, ptr, hex } from "./helpers";
import * as V from "./vectors";

const FILL: u8 = 0xa5;
const AT: usize = 7; // an odd, non-zero offset into SCRATCH

function prefill(n: u32): void {
  memory.fill(SCRATCH, FILL, n);
}

/** Bytes of fixed fields before the suboptions of a container option, or -1. */
function prefixOf(code: u32): i32 {
  if (code == C.OPT_IA_NA || code == C.OPT_IA_PD) return 12;
  if (code == C.OPT_IA_TA) return 4;
  if (code == C.OPT_IAADDR) return 24;
  if (code == C.OPT_IAPREFIX) return 25;
  return -1;
}

let parsedOk = true;

/** Re-encodes the options in [p, end), opening containers with optOpen so
 *  that every container length is the writer's, not the capture's. */
function rewriteOptions(p: usize, end: usize): void {
  for (; p < end; p = optNext(p)) {
    if (!optFits(p, end)) {
      parsedOk = false;
      return;
    }
    const code = optCode(p);
    const d = optData(p);
    const n = optLen(p);
    const prefix = prefixOf(code);
    if (code == C.OPT_RELAY_MSG) {
      optOpen(code);
      rewriteMessage(d, n);
      optClose();
    } else if (prefix >= 0 && n >= <u32>prefix) {
      optOpen(code);
      wBytes(d, prefix);
      rewriteOptions(d + prefix, d + n);
      optClose();
    } else {
      wOption(code, d, n);
    }
  }
}

function rewriteMessage(m: usize, len: u32): void {
  const type = ld8(m);
  wU8(type);
  if (type == C.MSG_RELAY_FORW || type == C.MSG_RELAY_REPL) {
    wU8(ld8(m + 1));
    wBytes(m + C.RELAY_LINK_ADDR_OFF, 16);
    wBytes(m + C.RELAY_PEER_ADDR_OFF, 16);
    rewriteOptions(m + C.RELAY_HEADER_LEN, m + len);
  } else {
    wU24((ld8(m + 1) << 16) | ld16(m + 2));
    rewriteOptions(m + C.CLIENT_HEADER_LEN, m + len);
  }
}

/** Round trip of vector `v`; checks length, bytes and both guard bytes. */
function roundTrip(v: StaticArray<u8>): void {
  const len = <u32>v.length;
  prefill(len + 64);
  parsedOk = true;
  wStart(SCRATCH + AT, len + 32);
  rewriteMessage(ptr(v), len);
  expect(parsedOk).toBe(true, "the capture parses");
  expect(wOk()).toBe(true, "writer ok");
  expect(wLength()).toBe(len, "same length");
  expect(hex(SCRATCH + AT, len)).toBe(hex(ptr(v), len), "same bytes");
  expect(load<u8>(SCRATCH + AT - 1)).toBe(FILL, "byte before untouched");
  expect(load<u8>(SCRATCH + AT + len)).toBe(FILL, "byte after untouched");
}

describe("round trips of captured messages (iterator -> writer)", () => {
  it("Information-request (dhclient)", () => {
    roundTrip(V.INFOREQ);
  });
  it("Reply with DNS and Domain List (Kea)", () => {
    roundTrip(V.INFOREQ_REPLY);
  });
  it("Solicit with IA_NA and IA_PD (dhclient)", () => {
    roundTrip(V.SOLICIT_NA_PD);
  });
  it("Advertise with IA Address and IA Prefix (Kea)", () => {
    roundTrip(V.ADVERTISE_NA_PD);
  });
  it("Reply to Release with Status Codes inside IAs (Kea)", () => {
    roundTrip(V.RELEASE_REPLY);
  });
  it("Solicit with Rapid Commit and Vendor Class (dhcpcd)", () => {
    roundTrip(V.SOLICIT_RAPID);
  });
  it("Relay-forward around a Solicit (dhcrelay): the Relay Message length comes from optClose", () => {
    roundTrip(V.RELAY_FORW_SOLICIT);
  });
  it("Relay-reply around an Advertise (Kea)", () => {
    roundTrip(V.RELAY_REPL_ADVERTISE);
  });
  it("Reconfigure with Authentication (odhcpd 2017)", () => {
    roundTrip(V.RECONFIGURE);
  });
});

describe("writer", () => {
  it("writes big-endian fields at a non-zero offset and leaves the rest alone", () => {
    prefill(32);
    wStart(SCRATCH + AT, 16);
    wU8(0x0b);
    wU24(0x7b23c6);
    wU16(0x0102);
    wU32(0xdeadbeef);
    expect(wOk()).toBe(true);
    expect(wLength()).toBe(10);
    expect(wPos()).toBe(SCRATCH + AT + 10);
    expect(hex(SCRATCH + AT - 1, 12)).toBe("a50b7b23c60102deadbeefa5");
  });

  it("a forgotten byte shows against the 0xa5 fill", () => {
    prefill(32);
    wStart(SCRATCH + AT, 16);
    wU8(0x0b);
    wU16(0x7b23); // a 3-byte transaction-id written as 2 bytes
    optOpen(C.OPT_RAPID_COMMIT);
    optClose();
    expect(hex(SCRATCH + AT, 8)).not.toBe("0b7b2300000e0000");
    expect(ld32(SCRATCH + AT + 7)).toBe(0xa5a5a5a5, "nothing written after the last byte");
  });

  it("optClose fills in nested lengths: IA_NA > IA Address > Status Code", () => {
    prefill(128);
    wStart(SCRATCH + AT, 100);
    optOpen(C.OPT_IA_NA);
    wU32(1); // IAID
    wU32(1000); // T1
    wU32(2000); // T2
    optOpen(C.OPT_IAADDR);
    wZeros(16);
    wU32(3000);
    wU32(4000);
    optOpen(C.OPT_STATUS_CODE);
    wU16(C.STATUS_SUCCESS);
    wBytes(changetype<usize>(String.UTF8.encode("ok")), 2);
    optClose();
    optClose();
    optClose();
    expect(wOk()).toBe(true);
    const p = SCRATCH + AT;
    expect(optLen(p)).toBe(12 + 4 + 24 + 4 + 4); // IA_NA: 48
    expect(optLen(p + 16)).toBe(24 + 4 + 4); // IA Address: 32
    expect(optLen(p + 16 + 28)).toBe(4); // Status Code: 4
    expect(wLength()).toBe(52);
    expect(load<u8>(p + 52)).toBe(FILL);
  });

  it("an empty option gets length 0; helpers write code, length and value", () => {
    prefill(64);
    wStart(SCRATCH + AT, 32);
    optOpen(C.OPT_RECONF_ACCEPT);
    optClose();
    wOptionU16(C.OPT_ELAPSED_TIME, 0x1234);
    wOptionU32(C.OPT_SOL_MAX_RT, 60);
    wOption(C.OPT_RAPID_COMMIT, 0, 0);
    expect(wOk()).toBe(true);
    expect(hex(SCRATCH + AT, 26)).toBe("0014000000080002123400520004" + "0000003c000e0000" + "a5a5a5a5");
  });

  it("an option of exactly 0xffff bytes closes; one more byte overflows", () => {
    wStart(SCRATCH, 0x20000);
    optOpen(0xfde8);
    wZeros(0xffff);
    optClose();
    expect(wOk()).toBe(true);
    expect(optLen(SCRATCH)).toBe(0xffff);

    wStart(SCRATCH, 0x20000);
    optOpen(0xfde8);
    wZeros(0x10000);
    optClose();
    expect(wOk()).toBe(false, "length does not fit in 16 bits");
  });

  it("nested overflow: the inner option fits but the outer one exceeds 0xffff", () => {
    wStart(SCRATCH, 0x20000);
    optOpen(C.OPT_RELAY_MSG);
    wZeros(0xfff0);
    optOpen(0xfde8);
    wZeros(0x20);
    optClose();
    expect(wOk()).toBe(false, "outer still open");
    optClose();
    expect(wOk()).toBe(false, "outer length 0xfff0 + 0x24 > 0xffff");
  });

  it("writing past the capacity sets the sticky overflow and writes nothing there", () => {
    prefill(32);
    wStart(SCRATCH + AT, 5);
    wU32(0x01020304);
    wU16(0x0506); // does not fit
    wU8(0x07); // fits, but overflow is sticky
    expect(wOk()).toBe(false);
    expect(ld8(SCRATCH + AT + 5)).toBe(FILL);
    expect(ld8(SCRATCH + AT + 6)).toBe(FILL);
  });

  it("an option left open, or closed twice, is not ok", () => {
    wStart(SCRATCH, 64);
    optOpen(C.OPT_IA_NA);
    expect(wOk()).toBe(false);
    optClose();
    expect(wOk()).toBe(true);
    optClose();
    expect(wOk()).toBe(false);
  });

  it("the length of an option written across a Relay Message is exact", () => {
    // the writer computes the Relay Message length the malformed capture got wrong
    const v = V.MALFORMED_RELAY_REPLY;
    const inner = ptr(v) + 38;
    const innerLen: u32 = 198; // what odhcpd actually put there
    prefill(300);
    wStart(SCRATCH + AT, 280);
    wBytes(ptr(v), 34);
    optOpen(C.OPT_RELAY_MSG);
    wBytes(inner, innerLen);
    optClose();
    expect(wOk()).toBe(true);
    expect(optLen(SCRATCH + AT + 34)).toBe(198);
    expect(wLength()).toBe(236);
    expect(bytesEqual(SCRATCH + AT + 38, ptr(v) + 38, 198)).toBe(true);
  });
});
