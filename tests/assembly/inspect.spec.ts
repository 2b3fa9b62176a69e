// inspect/: the JSON decode of captured messages and of every broken framing
// case; output that stays valid JSON when OUT fills up; no reads past `len`,
// no allocation.

import { RX, RX_SIZE, OUT_SIZE } from "../../assembly/abi";
import * as C from "../../assembly/wire/codes";
import { inspect } from "../../assembly/inspect/inspect";
import { wStart, wLength, wOk, wU8, wU16, wU24, wU32, wZeros, wBytes, optOpen, optClose, wOption } from "../../assembly/wire/writer";
import { ptr, put, bytes, inspectRx, inspectVec, has, count } from "./helpers";
import * as V from "./vectors";

/** True when `s` is balanced JSON text: brackets matched outside strings,
 *  escapes well-formed, no raw control characters, nothing after the end. */
function wellFormed(s: string): bool {
  const stack = new Array<i32>();
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inStr) {
      if (c == 0x5c) {
        const e = s.charCodeAt(i + 1);
        if (e == 0x75) i += 5;
        else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) i++;
        else return false;
      } else if (c == 0x22) inStr = false;
      else if (c < 0x20) return false;
      continue;
    }
    if (c == 0x22) inStr = true;
    else if (c == 0x7b || c == 0x5b) stack.push(c);
    else if (c == 0x7d || c == 0x5d) {
      if (stack.length == 0) return false;
      const o = stack.pop();
      if ((c == 0x7d) != (o == 0x7b)) return false;
      if (stack.length == 0 && i != s.length - 1) return false;
    }
  }
  return !inStr && stack.length == 0 && s.length > 0;
}

function heapTop(): usize {
  return changetype<usize>(new StaticArray<u8>(1));
}

describe("inspect on captured messages", () => {
  it("decodes dhclient's Information-request completely", () => {
    expect(inspectVec(V.INFOREQ)).toBe(
      '{"msg":{"type":11,"name":"Information-request","off":0,"len":36,"xid":8070086,"options":[' +
        '{"code":1,"name":"Client Identifier","rfc":"RFC 8415 21.2","off":4,"len":10,"fields":{"duid":"00030001be4ab3be836e","type":3,"type_name":"DUID-LL","hw_type":1,"lladdr":"be:4a:b3:be:83:6e"}},' +
        '{"code":6,"name":"Option Request","rfc":"RFC 8415 21.7","off":18,"len":8,"fields":{"codes":[{"code":23,"name":"DNS Recursive Name Server"},{"code":24,"name":"Domain Search List"},{"code":39,"name":"Client FQDN"},{"code":31,"name":"SNTP Servers"}]}},' +
        '{"code":8,"name":"Elapsed Time","rfc":"RFC 8415 21.9","off":30,"len":2,"fields":{"centiseconds":0}}' +
        '],"errors":[]}}',
    );
  });

  it("decodes the Relay-forward: header fields, then the Solicit at absolute offsets", () => {
    const j = inspectVec(V.RELAY_FORW_SOLICIT);
    expect(has(j, '{"msg":{"type":12,"name":"Relay-forward","off":0,"len":110,"hop":0,"link":"2001:db8:1::1","peer":"fe80::cb0:2ff:fe3f:ca7b","options":[')).toBe(true, j);
    expect(has(j, '{"code":9,"name":"Relay Message","rfc":"RFC 8415 21.10","off":34,"len":72,"fields":{},"msg":{"type":1,"name":"Solicit","off":38,"len":72,')).toBe(true, j);
    expect(has(j, '{"code":1,"name":"Client Identifier","rfc":"RFC 8415 21.2","off":42,"len":14,')).toBe(true, j);
    expect(count(j, '"errors":[]')).toBe(2, j);
    expect(has(j, '"error":')).toBe(false, j);
  });

  it("decodes IA_NA > IA Address and IA_PD > IA Prefix in Kea's Advertise", () => {
    const j = inspectVec(V.ADVERTISE_NA_PD);
    expect(has(j, '"fields":{"iaid":')).toBe(true, j);
    expect(has(j, '"name":"IA Address","rfc":"RFC 8415 21.6","off":56,"len":24,"fields":{"addr":"2001:db8:1::1000","preferred":3000,"valid":4000},"options":[]}')).toBe(true, j);
    expect(has(j, '"name":"IA Prefix","rfc":"RFC 8415 21.22","off":137,"len":25,"fields":{"preferred":3000,"valid":4000,"prefix_len":56,"prefix":"2001:db8:100::"},"options":[]}')).toBe(true, j);
    expect(has(j, '"t1":1000,"t2":2000')).toBe(true, j);
  });

  it("decodes the three Status Codes of the Reply to Release, two inside IAs", () => {
    const j = inspectVec(V.RELEASE_REPLY);
    expect(count(j, '"fields":{"code":0,"name":"Success","message":"Lease released. Thank you, please come again."}')).toBe(2, j);
    expect(has(j, '{"code":13,"name":"Status Code","rfc":"RFC 8415 21.13","off":107,"len":41,"fields":{"code":0,"name":"Success","message":"Summary status for all processed IA_NAs"}}')).toBe(true, j);
    expect(has(j, '"off":56,"len":47')).toBe(true, j);
  });

  it("decodes the Reconfigure's Reconfigure Message and HMAC-MD5 Authentication", () => {
    const j = inspectVec(V.RECONFIGURE);
    expect(has(j, '"type":10,"name":"Reconfigure","off":0,"len":73,"xid":0,')).toBe(true, j);
    expect(has(j, '"fields":{"msg_type":5,"msg_name":"Renew"}')).toBe(true, j);
    expect(has(j, '"off":23,"len":28,"fields":{"protocol":3,"protocol_name":"Reconfigure Key","algorithm":1,"algorithm_name":"HMAC-MD5","rdm":0,"rdm_name":"Monotonically increasing counter","replay":"6b0924ad00000002","info":"020bdb3c2e1ee0689a539a962396c42ed3","info_type":2,"info_type_name":"HMAC-MD5 digest","info_value":"0bdb3c2e1ee0689a539a962396c42ed3"}')).toBe(true, j);
  });

  it("decodes dhcpcd's Rapid Commit (empty) and Vendor Class", () => {
    const j = inspectVec(V.SOLICIT_RAPID);
    expect(has(j, '{"code":14,"name":"Rapid Commit","rfc":"RFC 8415 21.14","off":68,"len":0,"fields":{}}')).toBe(true, j);
    expect(has(j, '"name":"Vendor Class","rfc":"RFC 8415 21.16","off":72,"len":60,"fields":{"enterprise":40712,"items":["6468637063642d392e342e31')).toBe(true, j);
    expect(has(j, '"codes":[{"code":82,"name":"SOL_MAX_RT"},{"code":83,"name":"INF_MAX_RT"}]')).toBe(true, j);
  });
});

describe("inspect on the malformed odhcpd 2026 Relay-reply (frame 2)", () => {
  it("decodes the Relay Message as the 180 bytes it declares", () => {
    const j = inspectVec(V.MALFORMED_RELAY_REPLY);
    expect(has(j, '{"code":9,"name":"Relay Message","rfc":"RFC 8415 21.10","off":34,"len":180,"fields":{},"msg":{"type":2,"name":"Advertise","off":38,"len":180,"xid":4596018,')).toBe(true, j);
  });

  it("reports the inner IA_PD at offset 191 as truncated: 41 declared, 23 remain", () => {
    const j = inspectVec(V.MALFORMED_RELAY_REPLY);
    expect(has(j, '{"code":25,"name":"IA_PD","rfc":"RFC 8415 21.21","off":191,"len":41,')).toBe(true, j);
    expect(has(j, '{"off":191,"len":27,"error":"option length 41 exceeds the 23 bytes remaining in Advertise (truncated by 18)"}')).toBe(true, j);
  });

  it("reports the IA Prefix inside it at offset 207: 25 declared, 7 remain", () => {
    const j = inspectVec(V.MALFORMED_RELAY_REPLY);
    expect(has(j, '{"off":207,"len":11,"error":"option length 25 exceeds the 7 bytes remaining in IA_PD (truncated by 18)"}')).toBe(true, j);
  });

  it("reports the relay-level leftover as option 49214 whose length 8193 overruns the 14 remaining bytes", () => {
    const j = inspectVec(V.MALFORMED_RELAY_REPLY);
    expect(has(j, '{"code":49214,"name":"Unknown","off":218,"len":8193,"fields":{"data":"0db8000900140000000000000000"},"errors":[{"off":218,"len":18,"error":"option length 8193 exceeds the 14 bytes remaining in Relay-reply (truncated by 8179)"}]}')).toBe(true, j);
  });

  it("has exactly these three errors and otherwise decodes the two IA Addresses", () => {
    const j = inspectVec(V.MALFORMED_RELAY_REPLY);
    expect(count(j, '"error":')).toBe(3, j);
    expect(has(j, '"addr":"2001:db8:9:10::b0e"')).toBe(true, j);
    expect(has(j, '"addr":"2001:db8:9::b0e"')).toBe(true, j);
    expect(wellFormed(j)).toBe(true);
  });
});

describe("inspect on broken framing", () => {
  it("an empty datagram", () => {
    expect(inspectRx(0)).toBe('{"msg":{"off":0,"len":0,"options":[],"errors":[{"off":0,"len":0,"error":"empty message: no msg-type byte"}]}}');
  });

  it("a client message header cut short", () => {
    put(V.INFOREQ, RX);
    expect(inspectRx(3)).toBe('{"msg":{"type":11,"name":"Information-request","off":0,"len":3,"options":[],"errors":[{"off":0,"len":3,"error":"truncated header: Information-request needs 4 bytes, has 3"}]}}');
  });

  it("a relay header cut short", () => {
    put(V.RELAY_FORW_SOLICIT, RX);
    const j = inspectRx(20);
    expect(j).toBe('{"msg":{"type":12,"name":"Relay-forward","off":0,"len":20,"options":[],"errors":[{"off":0,"len":20,"error":"truncated header: Relay-forward needs 34 bytes, has 20"}]}}');
  });

  it("an option header cut short (3 bytes left)", () => {
    const n = put(V.INFOREQ, RX);
    store<u8>(RX + n, 0);
    store<u8>(RX + n + 1, 0x17);
    store<u8>(RX + n + 2, 0);
    const j = inspectRx(n + 3);
    expect(has(j, '"errors":[{"off":36,"len":3,"error":"option header truncated: 4 bytes needed, 3 bytes remain in Information-request"}]}}')).toBe(true, j);
  });

  it("an option length past the end of the message", () => {
    put(V.INFOREQ, RX);
    const j = inspectRx(35); // Elapsed Time cut by one byte
    expect(has(j, '{"code":8,"name":"Elapsed Time","rfc":"RFC 8415 21.9","off":30,"len":2,"fields":{"data":"00"},"errors":[{"off":30,"len":5,"error":"option length 2 exceeds the 1 byte remaining in Information-request (truncated by 1)"}]}')).toBe(true, j);
  });

  it("lengths a layout does not allow", () => {
    const ia = inspectVec(bytes([
      0x01, 0x00, 0x00, 0x01, // msg-type: Solicit, transaction-id
      0x00, 0x03, 0x00, 0x08, // option-code: IA_NA, option-len: 8
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, // IAID, T1 (no T2)
    ]));
    expect(has(ia, '"off":4,"len":8,"fields":{"data":"0000000100000002"},"errors":[{"off":4,"len":12,"error":"IA_NA needs at least 12 bytes, has 8"}]}')).toBe(true, ia);
    const et = inspectVec(bytes([
      0x01, 0x00, 0x00, 0x01, // msg-type: Solicit, transaction-id
      0x00, 0x08, 0x00, 0x03, // option-code: Elapsed Time, option-len: 3
      0x00, 0x00, 0x00, // elapsed-time and one byte too many
    ]));
    expect(has(et, '"error":"Elapsed Time needs exactly 2 bytes, has 3"')).toBe(true, et);
    const dns = inspectVec(bytes([
      0x07, 0x00, 0x00, 0x01, // msg-type: Reply, transaction-id
      0x00, 0x17, 0x00, 0x11, // option-code: DNS servers, option-len: 17
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53, 0xff, // one address and a stray byte
    ]));
    expect(has(dns, '"fields":{"addrs":["2001:db8::53"]},"errors":[{"off":8,"len":17,"error":"DNS Recursive Name Server length must be a multiple of 16, has 17"}]')).toBe(true, dns);
  });

  it("an unknown option is decoded as hex, without an error", () => {
    const j = inspectVec(bytes([
      0x01, 0x00, 0x00, 0x01, // msg-type: Solicit, transaction-id
      0xfd, 0xe8, 0x00, 0x03, // option-code: 65000 (unassigned), option-len: 3
      0xca, 0xfe, 0x01, // option-data
    ]));
    expect(j).toBe('{"msg":{"type":1,"name":"Solicit","off":0,"len":11,"xid":1,"options":[{"code":65000,"name":"Unknown","off":4,"len":3,"fields":{"data":"cafe01"}}],"errors":[]}}');
  });

  it("a Relay-forward without a Relay Message, and a hop-count of 40", () => {
    wStart(RX, 64);
    wU8(C.MSG_RELAY_FORW);
    wU8(40); // hop-count
    wZeros(32);
    wOption(C.OPT_INTERFACE_ID, ptr(V.INFOREQ), 0);
    const j = inspectRx(wLength());
    expect(has(j, '{"off":1,"len":1,"error":"hop-count 40 is not below HOP_COUNT_LIMIT (32)"}')).toBe(true, j);
    expect(has(j, '{"off":0,"len":38,"error":"Relay-forward has no Relay Message option"}')).toBe(true, j);
    expect(has(j, '"error":"Interface-Id needs at least 1 byte, has 0"')).toBe(true, j);
  });
});

/** `layers` Relay-forwards around the Information-request, in RX. */
function nestRelays(layers: i32): u32 {
  wStart(RX, RX_SIZE);
  for (let i = 0; i < layers; i++) {
    wU8(C.MSG_RELAY_FORW);
    wU8(0); // hop-count
    wZeros(32);
    optOpen(C.OPT_RELAY_MSG);
  }
  wBytes(ptr(V.INFOREQ), V.INFOREQ.length);
  for (let i = 0; i < layers; i++) optClose();
  return wLength();
}

describe("inspect on deep nesting", () => {
  it("decodes 32 nested Relay-forwards down to the Information-request", () => {
    const j = inspectRx(nestRelays(32));
    expect(count(j, '"name":"Relay-forward"')).toBe(32, j);
    expect(has(j, '"name":"Information-request","off":1216,"len":36')).toBe(true, j);
    expect(has(j, '"error":')).toBe(false, j);
    expect(wellFormed(j)).toBe(true);
  });

  it("reports the 33rd Relay-forward and does not decode it", () => {
    const j = inspectRx(nestRelays(33));
    expect(count(j, '"name":"Relay-forward"')).toBe(33, j);
    expect(has(j, '"name":"Information-request"')).toBe(false, j);
    expect(has(j, '"off":1216,"len":74,"hop":0,"link":"::","peer":"::","options":[],"errors":[{"off":1216,"len":74,"error":"relay nesting deeper than 32 (HOP_COUNT_LIMIT, RFC 8415 7.6): 32 relay layers above this one; not decoded further"}]}')).toBe(true, j);
    expect(count(j, '"error":')).toBe(1, j);
    expect(wellFormed(j)).toBe(true);
  });

  it("stops option nesting after 8 levels (IA_NA inside IA_NA)", () => {
    wStart(RX, 4096);
    wU8(C.MSG_REPLY);
    wU24(1);
    for (let i = 0; i < 12; i++) {
      optOpen(C.OPT_IA_NA);
      wU32(i);
      wU32(0);
      wU32(0);
    }
    for (let i = 0; i < 12; i++) optClose();
    expect(wOk()).toBe(true);
    const j = inspectRx(wLength());
    expect(count(j, '"name":"IA_NA"')).toBe(9, j);
    expect(has(j, '"error":"options nested deeper than 8: suboptions not decoded"')).toBe(true, j);
    expect(wellFormed(j)).toBe(true);
  });

  it("stops messages nested in Relay Message options of client messages after 33", () => {
    wStart(RX, RX_SIZE);
    for (let i = 0; i < 40; i++) {
      wU8(C.MSG_SOLICIT);
      wU24(i);
      optOpen(C.OPT_RELAY_MSG);
    }
    wBytes(ptr(V.INFOREQ), V.INFOREQ.length);
    for (let i = 0; i < 40; i++) optClose();
    const j = inspectRx(wLength());
    expect(count(j, '"name":"Solicit"')).toBe(34, j);
    expect(has(j, '"error":"messages nested deeper than 33: 33 messages above this one; not decoded further"')).toBe(true, j);
    expect(wellFormed(j)).toBe(true);
  });
});

describe("inspect output limits and safety", () => {
  it("stays valid JSON and says truncated when OUT fills up", () => {
    // a 65535-byte Solicit whose ORO asks for option 21 32763 times: ~1.5 MB of JSON
    wStart(RX, RX_SIZE);
    wU8(C.MSG_SOLICIT);
    wU24(1);
    optOpen(C.OPT_ORO);
    for (let i = 0; i < 32763; i++) wU16(C.OPT_SIP_SERVER_D);
    optClose();
    const len = wLength();
    expect(len).toBe(65534);
    const n = inspect(len);
    expect(n).toBeLessThanOrEqual(OUT_SIZE);
    expect(n).toBeGreaterThan(OUT_SIZE - 2048);
    const j = inspectRx(len);
    expect(j.endsWith('}]}}]},"truncated":true}')).toBe(true, j.slice(j.length - 80));
    expect(j.startsWith('{"msg":{"type":1,"name":"Solicit","off":0,"len":65534,"xid":1,"options":[{"code":6,')).toBe(true);
    expect(wellFormed(j)).toBe(true);
  });

  it("never reads a byte past `len`: every prefix of every capture decodes the same whatever follows", () => {
    const vs: StaticArray<u8>[] = [V.INFOREQ, V.INFOREQ_REPLY, V.SOLICIT_NA_PD, V.ADVERTISE_NA_PD, V.RELEASE_REPLY, V.SOLICIT_RAPID, V.RELAY_FORW_SOLICIT, V.RELAY_REPL_ADVERTISE, V.RECONFIGURE, V.MALFORMED_RELAY_REPLY];
    let checked = 0;
    for (let k = 0; k < vs.length; k++) {
      const v = vs[k];
      for (let len: u32 = 0; len <= <u32>v.length; len++) {
        memory.fill(RX, 0x00, 512);
        memory.copy(RX, ptr(v), len);
        const a = inspectRx(len);
        memory.fill(RX + len, 0xff, 512 - len);
        const b = inspectRx(len);
        if (a != b) expect(b).toBe(a, "prefix " + len.toString() + " of vector " + k.toString());
        if (!wellFormed(a)) expect(a).toBe("well-formed JSON");
        checked++;
      }
    }
    expect(checked).toBe(1335);
  });

  it("allocates nothing", () => {
    const n = put(V.MALFORMED_RELAY_REPLY, RX);
    const a = heapTop();
    inspect(n);
    inspect(0);
    inspect(nestRelays(33));
    const b = heapTop();
    const c = heapTop();
    expect(b - a).toBe(c - b);
  });
});
