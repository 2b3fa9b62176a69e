// Prefix delegation (RFC 8415 sections 18.3, 21.21, 21.22; the reference's
// carving rules) through the real core.wasm.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Bench, iaPd, iaNa, duidLL, ip, INF } from "./helpers/engine.js";

const P56 = [{ addr: ip("2001:db8:5:0::1"), plen: 56, preferredUntil: INF, validUntil: INF }];

test("default /62, aligned first fit, the interface's own /64 is never delegated", () => {
  const b = new Bench({ addrs: P56 });
  const got = [1, 2, 3].map((c) => b.bind(duidLL(c), iaPd(1))[0].leases[0]);
  assert.deepEqual(got.map((l) => `${l.addr}/${l.plen}`), ["2001:db8:5:4::/62", "2001:db8:5:8::/62", "2001:db8:5:c::/62"]);
});

test("a hinted length is honoured", () => {
  const b = new Bench({ addrs: P56 });
  assert.equal(b.bind(duidLL(1), iaPd(1, { plen: 60 }))[0].leases[0].plen, 60);
  assert.equal(b.bind(duidLL(2), iaPd(1, { plen: 64 }))[0].leases[0].plen, 64);
});

test("a hinted prefix value is honoured when it is free", () => {
  const b = new Bench({ addrs: P56 });
  const [pd] = b.bind(duidLL(1), iaPd(1, { plen: 60, prefix: ip("2001:db8:5:a0::") }));
  assert.equal(`${pd.leases[0].addr}/${pd.leases[0].plen}`, "2001:db8:5:a0::/60");
  const [other] = b.bind(duidLL(2), iaPd(1, { plen: 60, prefix: ip("2001:db8:5:a0::") }));
  assert.notEqual(other.leases[0].addr, "2001:db8:5:a0::", "taken: carved elsewhere");
});

test("a length that no longer fits is lengthened until it does", () => {
  const b = new Bench(); // the /60: 16 /64s, the first is the interface's own
  const lens = [1, 2, 3, 4, 5].map((c) => b.bind(duidLL(c), iaPd(1))[0].leases[0]?.plen);
  assert.deepEqual(lens, [62, 62, 62, 63, 64]);
});

test("NoPrefixAvail when the space is exhausted", () => {
  const b = new Bench();
  for (let c = 1; c <= 15; c++) b.bind(duidLL(c), iaPd(1, { plen: 64 }));
  const [pd] = b.bind(duidLL(99), iaPd(1));
  assert.equal(pd.status, 6);
});

test("dhcpv6_pd_min_len: never shorter than configured", () => {
  const b = new Bench({ addrs: P56, cfg: (r) => r.u8(18, 62) });
  assert.equal(b.bind(duidLL(1), iaPd(1, { plen: 58 }))[0].leases[0].plen, 62);
});

test("a delegation is given under every prefix shorter than /64, at the same position", () => {
  const b = new Bench({
    addrs: [
      { addr: ip("2001:db8:5::1"), plen: 56, preferredUntil: INF, validUntil: INF },
      { addr: ip("fd00:1:2:300::1"), plen: 56, preferredUntil: INF, validUntil: INF },
    ],
  });
  const [pd] = b.bind(duidLL(1), iaPd(1));
  assert.deepEqual(pd.leases.map((l) => `${l.addr}/${l.plen}`), ["2001:db8:5:4::/62", "fd00:1:2:304::/62"]);
});

test("IA_PD disabled on the interface: NoPrefixAvail, IA_NA still served", () => {
  const b = new Bench({ cfg: (r) => r.u8(17, 0) });
  const [na, pd] = b.bind(duidLL(1), iaNa(1), iaPd(2));
  assert.equal(na.leases.length, 1);
  assert.equal(pd.status, 6);
});

test("releasing a delegation makes its prefix available again", () => {
  const b = new Bench({ addrs: P56 });
  const first = b.bind(duidLL(1), iaPd(1))[0].leases[0].addr;
  b.send(Uint8Array.from([8, 0, 0, 1, 0, 1, 0, 10, ...duidLL(1), 0, 2, 0, 10, 0, 3, 0, 1, 2, 0, 0, 0, 0, 1, ...iaPd(1)]));
  assert.equal(b.bind(duidLL(2), iaPd(1))[0].leases[0].addr, first);
});

test("two router addresses in one prefix give each lease once", () => {
  const b = new Bench({
    addrs: [
      { addr: ip("2001:db8:5::1"), plen: 56, preferredUntil: INF, validUntil: INF },
      { addr: ip("2001:db8:5::2"), plen: 56, preferredUntil: INF, validUntil: INF },
    ],
  });
  const [pd] = b.bind(duidLL(1), iaPd(1));
  assert.deepEqual(pd.leases.map((l) => `${l.addr}/${l.plen}`), ["2001:db8:5:4::/62"]);
});
