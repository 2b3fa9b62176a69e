// Integration: UCI file -> typed config -> CFG record -> core.configure, on
// the real build/core.wasm. Then one Information-request shows the values
// arrived: the Reply carries the configured DUID, DNS, domains, NTP, SNTP,
// refresh time, INF_MAX_RT and raw option.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core } from "../../host/core/core.js";
import { CFG } from "../../host/core/abi.js";
import { CfgRecord, encodeIface } from "../../host/core/records.js";
import { encodeConfig } from "../../host/config/encode.js";
import { loadConfig, parseConfig } from "../../host/config/schema.js";
import { parseIPv6 } from "../../host/util/ipv6.js";
import type { Config } from "../../host/config/types.js";

const CORE_WASM = fileURLToPath(new URL("../../core.wasm", import.meta.url));
const VECTORS = fileURLToPath(new URL("../../../tests/vectors/config/", import.meta.url));
const SAMPLES = ["openwrt-default.uci", "router-full.uci", "relay.uci"];

/** RFC 8415 section 7.3 / 21: message and option codes used below. */
const MSG_INFORMATION_REQUEST = 11;
const MSG_REPLY = 7;
const OPT = { CLIENTID: 1, SERVERID: 2, ORO: 6, SNTP: 31, REFRESH: 32, DNS: 23, DOMAINS: 24, SIP_DOMAINS: 21, NTP: 56, INF_MAX_RT: 83 } as const;
const CLIENT_PORT = 546;

function loadCore(): Core {
  assert.ok(existsSync(CORE_WASM), `${CORE_WASM} is missing: build it with npx asc assembly/index.ts --target release`);
  return Core.loadSync(readFileSync(CORE_WASM));
}

/** Slot per device, in file order. */
function slotsFor(config: Config): Map<string, number> {
  return new Map(config.interfaces.map((i, n) => [i.ifname, n]));
}

/** Options of a message (after the 4-byte header): code -> values as hex. */
function options(msg: Uint8Array): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let p = 4;
  while (p + 4 <= msg.length) {
    const code = (msg[p] << 8) | msg[p + 1];
    const len = (msg[p + 2] << 8) | msg[p + 3];
    assert.ok(p + 4 + len <= msg.length, `option ${code} overruns the reply`);
    out.set(code, [...(out.get(code) ?? []), Buffer.from(msg.subarray(p + 4, p + 4 + len)).toString("hex")]);
    p += 4 + len;
  }
  assert.equal(p, msg.length, "trailing bytes after the last option");
  return out;
}

test("the core accepts the record of every sample file", () => {
  const core = loadCore();
  for (const name of SAMPLES) {
    const { config } = loadConfig(VECTORS + name);
    const record = encodeConfig(config, slotsFor(config));
    assert.ok(record.length > 0, name);
    assert.doesNotThrow(() => core.configure(record), name);
  }
});

test("the core accepts the extremes of every value the schema allows", () => {
  const core = loadCore();
  const maxLabel = "a".repeat(63);
  const name253 = Array(4).fill("b".repeat(62)).join(".") + ".c";
  const text = [
    "config odhcpd",
    `\toption duid '${"ab".repeat(130)}'`,
    "config dhcp lan",
    "\toption ifname br-lan",
    "\toption leasetime 60",
    "\toption dhcpv6_refresh 600",
    "\toption dhcpv6_sol_max_rt 60",
    "\toption dhcpv6_inf_max_rt 86400",
    `\tlist domain '${name253}.'`,
    `\tlist domain '${maxLabel}.x_y-z'`,
    `\tlist ntp '${name253}'`,
    "\toption dhcpv6_raw '00ff0000'",
    "config dhcp wan",
    "\toption ifname eth1",
    "\toption leasetime infinite",
    "\toption dhcpv6_refresh 4294967295",
    "\toption dhcpv6_sol_max_rt 86400",
    "\toption dhcpv6_inf_max_rt 60",
    "\toption dhcpv6 hybrid",
    "config odhcpd",
    "\toption duid '0001'",
  ].join("\n");
  const { config } = parseConfig(text, "/etc/config/dhcp");
  assert.doesNotThrow(() => core.configure(encodeConfig(config, slotsFor(config))));
});

test("the harness sees a refusal: a record the core must reject throws", () => {
  const core = loadCore();
  const bad = new CfgRecord().iface(0).item(CFG.DNS, new Uint8Array(15)).bytes();
  assert.throws(() => core.configure(bad), /core refused the configuration/);
});

test("an Information-request is answered with the configured values", () => {
  const core = loadCore();
  const { config } = loadConfig(VECTORS + "router-full.uci");
  core.configure(encodeConfig(config, new Map([["br-lan", 3]])));
  const mac = Uint8Array.of(0x02, 0, 0x5e, 0x10, 0, 1);
  core.setIface(encodeIface({ slot: 3, ifindex: 7, up: true, mac, linkLocal: parseIPv6("fe80::1"), addrs: [] }));

  const clientDuid = [0, 3, 0, 1, 2, 0, 0x5e, 0x20, 0, 2];
  const oro = [OPT.DNS, OPT.DOMAINS, OPT.NTP, OPT.SNTP, OPT.INF_MAX_RT].flatMap((c) => [c >> 8, c & 0xff]);
  const request = Uint8Array.from([
    MSG_INFORMATION_REQUEST, 0x12, 0x34, 0x56,
    0, OPT.CLIENTID, 0, clientDuid.length, ...clientDuid,
    0, OPT.ORO, 0, oro.length, ...oro,
  ]);
  const reply = core.handle(request, 3, parseIPv6("fe80::2")!, CLIENT_PORT, true, 1000);
  assert.ok(typeof reply === "object", `no reply (result ${String(reply)}, counters ${JSON.stringify(core.counters())})`);
  const msg = core.tx.slice(0, reply.length);
  assert.deepEqual([...msg.subarray(0, 4)], [MSG_REPLY, 0x12, 0x34, 0x56]);

  const opts = options(msg);
  assert.deepEqual(opts.get(OPT.SERVERID), ["00043f8c912a5de647119cbe0214a97e5530"]);
  assert.deepEqual(opts.get(OPT.DNS), ["20010db8000100000000000000000053" + "fd000001000000000000000000000001"]);
  assert.deepEqual(opts.get(OPT.DOMAINS), ["04686f6d6500" + "076578616d706c65036f726700"]);
  assert.deepEqual(opts.get(OPT.NTP), [
    "0001" + "0010" + "20010db8000100000000000000000123" + "0003" + "0011" + "036e7470076578616d706c65036f726700",
  ]);
  assert.deepEqual(opts.get(OPT.SNTP), ["20010db8000100000000000000000123"]);
  assert.deepEqual(opts.get(OPT.REFRESH), ["00000e10"]);
  assert.deepEqual(opts.get(OPT.INF_MAX_RT), ["00001c20"]);
  assert.deepEqual(opts.get(OPT.SIP_DOMAINS), ["0473697031076578616d706c6503636f6d00"]);
});
