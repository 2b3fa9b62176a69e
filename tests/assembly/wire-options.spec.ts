// wire/options.ts: the option iterator on captured messages and on every
// broken framing case; zero-length and maximum-length options.

import { ld8, ld16 } from "../../assembly/wire/bytes";
import * as C from "../../assembly/wire/codes";
import { optFits, optCode, optLen, optData, optNext, optFramingError, optFind } from "../../assembly/wire/options";
import { parseRequest } from "../../assembly/engine/request";
import { SCRATCH, put, ptr, bytes } from "./helpers";
import * as V from "./vectors";

/** Codes of the top-level options of the message of `len` bytes at `msg`
 *  (client/server header), comma-separated; "!" marks broken framing. */
function codes(msg: usize, len: u32, hdr: u32): string {
  let s = "";
  const end = msg + len;
  for (let p = msg + hdr; p < end; p = optNext(p)) {
    if (!optFits(p, end)) return s + "!";
    if (s.length > 0) s += ",";
    s += optCode(p).toString();
  }
  return s;
}

describe("option iterator on captured messages", () => {
  it("walks the Solicit from dhclient (Client ID, ORO, Elapsed Time, IA_NA, IA_PD)", () => {
    expect(codes(ptr(V.SOLICIT_NA_PD), V.SOLICIT_NA_PD.length, C.CLIENT_HEADER_LEN)).toBe("1,6,8,3,25");
  });

  it("walks Kea's Advertise", () => {
    expect(codes(ptr(V.ADVERTISE_NA_PD), V.ADVERTISE_NA_PD.length, C.CLIENT_HEADER_LEN)).toBe("1,2,3,23,24,25");
  });

  it("walks the Relay-forward and the Solicit inside its Relay Message", () => {
    const m = ptr(V.RELAY_FORW_SOLICIT);
    const len = <u32>V.RELAY_FORW_SOLICIT.length;
    expect(codes(m, len, C.RELAY_HEADER_LEN)).toBe("9");
    const rm = optFind(m + C.RELAY_HEADER_LEN, m + len, C.OPT_RELAY_MSG);
    expect(rm).toBe(m + 34);
    expect(optLen(rm)).toBe(72);
    expect(ld8(optData(rm))).toBe(C.MSG_SOLICIT);
    expect(codes(optData(rm), optLen(rm), C.CLIENT_HEADER_LEN)).toBe("1,6,8,3,25");
  });

  it("finds no framing error in any well-formed capture", () => {
    expect(optFramingError(ptr(V.INFOREQ) + 4, ptr(V.INFOREQ) + V.INFOREQ.length)).toBe(0);
    expect(optFramingError(ptr(V.RELEASE_REPLY) + 4, ptr(V.RELEASE_REPLY) + V.RELEASE_REPLY.length)).toBe(0);
    expect(optFramingError(ptr(V.RECONFIGURE) + 4, ptr(V.RECONFIGURE) + V.RECONFIGURE.length)).toBe(0);
    expect(optFramingError(ptr(V.SOLICIT_RAPID) + 4, ptr(V.SOLICIT_RAPID) + V.SOLICIT_RAPID.length)).toBe(0);
  });

  it("walks into an IA_NA's suboptions", () => {
    const m = ptr(V.ADVERTISE_NA_PD);
    const ia = optFind(m + 4, m + V.ADVERTISE_NA_PD.length, C.OPT_IA_NA);
    expect(ia).toBeGreaterThan(0);
    const addr = optFind(optData(ia) + 12, optData(ia) + optLen(ia), C.OPT_IAADDR);
    expect(optLen(addr)).toBe(24);
    expect(ld16(optData(addr))).toBe(0x2001);
  });
});

describe("option iterator on broken framing", () => {
  it("malformed capture: the Relay Message is read as 180 bytes and the leftover overruns", () => {
    const m = ptr(V.MALFORMED_RELAY_REPLY);
    const end = m + V.MALFORMED_RELAY_REPLY.length;
    // relay level: option 9 fits, the 18 bytes after it do not
    expect(optFramingError(m + 34, end)).toBe(m + 218);
    expect(optCode(m + 218)).toBe(49214);
    expect(optLen(m + 218)).toBe(8193);
    expect(optFits(m + 218, end)).toBe(false);
    // inside the declared 180 bytes, IA_PD at inner offset 153 overruns
    const inner = optData(m + 34);
    expect(optFramingError(inner + 4, inner + 180)).toBe(inner + 153);
    expect(optCode(inner + 153)).toBe(C.OPT_IA_PD);
  });

  it("an option header cut short (1, 2, 3 bytes left) does not fit", () => {
    const n = put(V.INFOREQ, SCRATCH);
    for (let extra: u32 = 1; extra <= 3; extra++) {
      store<u8>(SCRATCH + n + extra - 1, 0);
      expect(optFramingError(SCRATCH + 4, SCRATCH + n + extra)).toBe(SCRATCH + n);
    }
  });

  it("an option length one past the end does not fit; exactly to the end fits", () => {
    const v = bytes([0x00, 0x08, 0x00, 0x03, 0x01, 0x02, 0x03]); // Elapsed Time declaring 3 bytes, 3 present
    expect(optFits(ptr(v), ptr(v) + 7)).toBe(true);
    expect(optFramingError(ptr(v), ptr(v) + 7)).toBe(0);
    expect(optFits(ptr(v), ptr(v) + 6)).toBe(false);
    expect(optFramingError(ptr(v), ptr(v) + 6)).toBe(ptr(v));
  });

  it("optFind stops at broken framing instead of reading past it", () => {
    const v = bytes([
      0x00, 0x01, 0x00, 0x40, // option-code 1, option-len 64: past the end
      0x00, 0x09, 0x00, 0x00, // a Relay Message inside the bogus data
    ]);
    expect(optFind(ptr(v), ptr(v) + 8, C.OPT_RELAY_MSG)).toBe(0);
  });

  it("a truncated message header is refused by the request parser", () => {
    put(V.INFOREQ, SCRATCH);
    expect(parseRequest(SCRATCH, 3)).toBe(false);
    expect(parseRequest(SCRATCH, 0)).toBe(false);
    expect(parseRequest(SCRATCH, V.INFOREQ.length)).toBe(true);
    expect(parseRequest(SCRATCH, V.INFOREQ.length - 1)).toBe(false); // Elapsed Time cut by one byte
  });
});

describe("zero-length and maximum-length options", () => {
  it("a zero-length option (Rapid Commit) fits and the next one follows at +4", () => {
    const v = bytes([
      0x00, 0x0e, 0x00, 0x00, // option-code: Rapid Commit, option-len: 0
      0x00, 0x14, 0x00, 0x00, // option-code: Reconfigure Accept, option-len: 0
    ]);
    expect(optFits(ptr(v), ptr(v) + 8)).toBe(true);
    expect(optNext(ptr(v))).toBe(ptr(v) + 4);
    expect(optCode(optNext(ptr(v)))).toBe(C.OPT_RECONF_ACCEPT);
    expect(optFramingError(ptr(v), ptr(v) + 8)).toBe(0);
    expect(optFramingError(ptr(v), ptr(v) + 4)).toBe(0); // only the first one
  });

  it("an option of 0xffff bytes fits exactly and one byte less does not", () => {
    const p = SCRATCH;
    store<u8>(p, 0xfd); // option-code 0xfde8 (unassigned)
    store<u8>(p + 1, 0xe8);
    store<u8>(p + 2, 0xff); // option-len 0xffff
    store<u8>(p + 3, 0xff);
    memory.fill(p + 4, 0x5a, 0xffff);
    expect(optLen(p)).toBe(0xffff);
    expect(optFits(p, p + 4 + 0xffff)).toBe(true);
    expect(optNext(p)).toBe(p + 4 + 0xffff);
    expect(optFits(p, p + 4 + 0xfffe)).toBe(false);
  });
});
