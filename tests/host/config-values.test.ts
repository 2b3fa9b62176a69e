// Every option this server reads: valid values and their typed result, and
// invalid values with the exact file, line and option in the error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../host/config/schema.js";
import { ConfigError } from "../../host/config/errors.js";
import type { InterfaceConfig } from "../../host/config/types.js";

const FILE = "/etc/config/dhcp";
/** Two lines; options given to lan() start on line 3. */
const HEAD = "config dhcp 'lan'\n\toption ifname 'br-lan'\n";

function lan(...lines: string[]): InterfaceConfig {
  return parseConfig(HEAD + lines.join("\n") + "\n", FILE).config.interfaces[0];
}

/** Asserts that `text` is refused at `line` for `option` with exactly `reason`. */
function fails(text: string, line: number, option: string | undefined, reason: string): void {
  assert.throws(
    () => parseConfig(text, FILE),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
      assert.equal(e.line, line);
      assert.equal(e.option, option);
      assert.equal(e.reason, reason);
      assert.equal(e.file, FILE);
      return true;
    },
  );
}

/** An option of the lan section (written on line 3) is refused with `reason`. */
function lanFails(line: string, option: string, reason: string): void {
  fails(HEAD + line + "\n", 3, option, reason);
}

const hex = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString("hex") : null);

test("the error from the brief: FILE:LINE: option 'dns': reason, at the list element's own line", () => {
  const text = [
    "config odhcpd 'odhcpd'", // 1
    "\toption maindhcp '0'",
    "\toption leasefile '/tmp/hosts/odhcpd'",
    "",
    "config dhcp 'lan'", // 5
    "\toption interface 'lan'",
    "\toption ifname 'br-lan'",
    "\toption dhcpv6 'server'",
    "\toption ra 'server'",
    "\toption leasetime '12h'", // 10
    "\tlist domain 'lan'",
    "\tlist dns '2001:db8::1'",
    "\tlist dns '2001:db8::2'",
    "\tlist dns '2001:db8::zz'", // 14
    "",
  ].join("\n");
  assert.throws(() => parseConfig(text, FILE), {
    name: "ConfigError",
    message: "/etc/config/dhcp:14: option 'dns': '2001:db8::zz' is not an IPv6 address",
  });
});

test("defaults of a dhcp section", () => {
  const i = lan();
  assert.deepEqual(
    { ...i, dns: i.dns.length, ntp: i.ntp.length, relayServers: i.relayServers.length },
    {
      section: "lan",
      line: 1,
      name: "lan",
      ifname: "br-lan",
      ignore: false,
      master: false,
      mode: "server",
      dns: 0,
      domains: [],
      ntp: 0,
      raw: null,
      leasetime: null,
      dynamicdhcp: true,
      filterClass: null,
      dhcpv6Na: true,
      dhcpv6Pd: true,
      dhcpv6PdMinLen: null,
      assignAll: false,
      rapidCommit: true,
      reconfigure: true,
      rateIface: null,
      rateClient: null,
      relayServers: 0,
      relayRemoteId: null,
      relayClientLladdr: false,
      relayHopLimit: null,
      refreshTime: null,
      solMaxRt: null,
      infMaxRt: null,
    },
  );
});

test("interface, ifname, networkid: which one names the device", () => {
  const one = (body: string) => parseConfig(body, FILE).config.interfaces[0];
  assert.deepEqual(
    [one("config dhcp lan\n").ifname, one("config dhcp lan\n").name],
    ["lan", "lan"],
  );
  const a = one("config dhcp lan\noption interface 'home'\n");
  assert.deepEqual([a.name, a.ifname], ["home", "home"]);
  const b = one("config dhcp lan\noption interface 'home'\noption networkid 'br-home'\n");
  assert.deepEqual([b.name, b.ifname], ["home", "br-home"]);
  const c = one("config dhcp lan\noption interface 'home'\noption networkid 'br-x'\noption ifname 'eth0.1'\n");
  assert.deepEqual([c.name, c.ifname], ["home", "eth0.1"]);
  const both = parseConfig("config dhcp lan\noption ifname 'eth0'\noption networkid 'not a device'\n", FILE);
  assert.deepEqual([both.config.interfaces[0].ifname, both.warnings], ["eth0", []]);
  const d = one("config dhcp\noption interface 'home'\n");
  assert.deepEqual([d.section, d.ifname], ["@dhcp[0]", "home"]);
});

test("ifname, networkid and a device taken from interface must be Linux device names", () => {
  const tooLong = "'a-very-long-device'";
  const reason = (v: string) => `'${v}' is not a network device name (at most 15 characters, no '/', ':' or spaces)`;
  lanFails(`option ifname ${tooLong}`, "ifname", reason("a-very-long-device"));
  lanFails("option ifname 'eth0/1'", "ifname", reason("eth0/1"));
  lanFails("option ifname 'eth0:1'", "ifname", reason("eth0:1"));
  lanFails("option ifname 'br lan'", "ifname", reason("br lan"));
  fails("config dhcp lan\noption networkid '..'\n", 2, "networkid", reason(".."));
  fails("config dhcp lan\noption interface 'my lan'\n", 2, "interface", reason("my lan"));
  fails("config dhcp averyveryverylongname\n", 1, undefined, `dhcp section name used as the device: ${reason("averyveryverylongname")}; set 'ifname'`);
  fails("\nconfig dhcp\noption ignore 1\n", 2, undefined, "anonymous dhcp section names no device: set 'ifname' (or 'interface')");
});

test("ignore, master, dynamicdhcp, dhcpv6_na, dhcpv6_pd: every boolean spelling", () => {
  for (const [word, value] of [
    ["1", true], ["yes", true], ["on", true], ["true", true], ["enabled", true],
    ["0", false], ["no", false], ["off", false], ["false", false], ["disabled", false],
  ] as const) {
    const i = lan(`option ignore '${word}'`, `option master '${word}'`, `option dynamicdhcp '${word}'`, `option dhcpv6_na '${word}'`, `option dhcpv6_pd '${word}'`);
    assert.deepEqual([i.ignore, i.master, i.dynamicdhcp, i.dhcpv6Na, i.dhcpv6Pd], [value, value, value, value, value], word);
  }
  const reason = (v: string) => `'${v}' is not a boolean (use 1/0, yes/no, on/off, true/false or enabled/disabled)`;
  for (const opt of ["ignore", "master", "dynamicdhcp", "dhcpv6_na", "dhcpv6_pd"]) {
    lanFails(`option ${opt} 'maybe'`, opt, reason("maybe"));
  }
  lanFails("option ignore 'Yes'", "ignore", reason("Yes"));
  lanFails("option master '2'", "master", reason("2"));
});

test("dhcpv6: the four modes; ignore forces disabled", () => {
  for (const m of ["disabled", "server", "relay", "hybrid"] as const) assert.equal(lan(`option dhcpv6 ${m}`).mode, m);
  assert.equal(lan("option dhcpv6 relay", "option ignore 1").mode, "disabled");
  assert.equal(lan("option dhcpv6 server", "option ignore 0").mode, "server");
  lanFails("option dhcpv6 'serve'", "dhcpv6", "'serve' is not a mode (use disabled, server, relay, hybrid)");
  lanFails("option dhcpv6 'Server'", "dhcpv6", "'Server' is not a mode (use disabled, server, relay, hybrid)");
});

test("dns: IPv6 addresses from a list or a space-separated option; IPv4 entries (DHCPv4's) skipped", () => {
  const a = lan("list dns '2001:db8::53'", "list dns 192.168.1.1", "list dns 'fd00::1'");
  assert.deepEqual(a.dns.map(hex), ["20010db8000000000000000000000053", "fd000000000000000000000000000001"]);
  const b = lan("option dns '2001:db8::1  2001:db8::2'");
  assert.deepEqual(b.dns.map(hex), ["20010db8000000000000000000000001", "20010db8000000000000000000000002"]);
  assert.equal(lan("option dns '::ffff:192.0.2.1'").dns.length, 1);
});

test("dns: invalid entries", () => {
  lanFails("list dns '2001:db8::zz'", "dns", "'2001:db8::zz' is not an IPv6 address");
  lanFails("list dns 'fe80::1%br-lan'", "dns", "'fe80::1%br-lan' is not an IPv6 address");
  lanFails("list dns 'dns.example.com'", "dns", "'dns.example.com' is not an IPv6 address");
  lanFails("list dns ''", "dns", "'' is not an IPv6 address");
  lanFails("list dns '::'", "dns", "'::' is the unspecified address, not a DNS server");
  lanFails("list dns 'ff02::fb'", "dns", "'ff02::fb' is a multicast address, not a DNS server");
  lanFails("option dns '2001:db8::1 nope'", "dns", "'nope' is not an IPv6 address");
  fails(HEAD + "list dns 2001:db8::1\n\n\tlist dns 2001:db8:::2\n", 5, "dns", "'2001:db8:::2' is not an IPv6 address");
});

test("domain: search list, trailing dot dropped", () => {
  const long63 = "a".repeat(63);
  const i = lan("list domain 'lan'", "list domain 'Example.ORG.'", "list domain 'my_net.sub-domain.example'", `list domain '${long63}.example'`);
  assert.deepEqual(i.domains, ["lan", "Example.ORG", "my_net.sub-domain.example", `${long63}.example`]);
  const name253 = Array(4).fill("b".repeat(62)).join(".") + ".c";
  assert.equal(name253.length, 253);
  assert.deepEqual(lan(`option domain '${name253}.'`).domains, [name253]);
  assert.deepEqual(lan("option domain 'a.example b.example'").domains, ["a.example", "b.example"]);
});

test("domain: invalid names", () => {
  const label64 = "a".repeat(64);
  lanFails("list domain 'a..b'", "domain", "'a..b' is not a domain name: it has an empty label");
  lanFails("list domain '.'", "domain", "'.' is not a domain name: it is empty");
  lanFails("list domain ''", "domain", "'' is not a domain name: it is empty");
  lanFails(`list domain '${label64}.com'`, "domain", `'${label64}.com' is not a domain name: label '${label64}' is longer than 63 characters`);
  lanFails("list domain 'ex!ample.com'", "domain", "'ex!ample.com' is not a domain name: label 'ex!ample' may contain only letters, digits, '-' and '_'");
  const name254 = Array(4).fill("b".repeat(62)).join(".") + ".cd";
  lanFails(`list domain '${name254}'`, "domain", `'${name254}' is not a domain name: longer than 253 characters`);
});

test("ntp: addresses and names in file order; IPv4 entries skipped", () => {
  const i = lan("list ntp '2001:db8::123'", "list ntp 'ntp.example.org.'", "list ntp '192.0.2.123'", "list ntp 'fd00::7b'");
  assert.deepEqual(
    i.ntp.map((n) => (n.kind === "addr" ? hex(n.addr) : n.name)),
    ["20010db8000000000000000000000123", "ntp.example.org", "fd00000000000000000000000000007b"],
  );
});

test("ntp: invalid entries", () => {
  lanFails("list ntp '2001:db8::zz'", "ntp", "'2001:db8::zz' is not an IPv6 address");
  lanFails("list ntp 'ntp..example'", "ntp", "'ntp..example' is not a host name: it has an empty label");
  lanFails("list ntp 'ntp server'", "ntp", "'ntp server' is not a host name: label 'ntp server' may contain only letters, digits, '-' and '_'");
  lanFails("list ntp '::'", "ntp", "'::' is the unspecified address, not an NTP server");
  lanFails("list ntp 'ff05::101'", "ntp", "'ff05::101' is a multicast address: multicast NTP (suboption 2) is not supported");
});

test("dhcpv6_raw: hex of whole options, colons allowed between bytes", () => {
  assert.equal(hex(lan("option dhcpv6_raw '0015000400010203'").raw), "0015000400010203");
  assert.equal(hex(lan("option dhcpv6_raw '00:15:00:00:00:16:00:01:ff'").raw), "0015000000160001ff");
  assert.equal(hex(lan("option dhcpv6_raw 'AbCd0000'").raw), "abcd0000");
});

test("dhcpv6_raw: broken hex and broken option framing", () => {
  const notHex = (v: string) => `'${v}' is not DHCPv6 options in hex (pairs of hex digits, ':' allowed between bytes)`;
  lanFails("option dhcpv6_raw 'xyz0'", "dhcpv6_raw", notHex("xyz0"));
  lanFails("option dhcpv6_raw '001500000'", "dhcpv6_raw", notHex("001500000"));
  lanFails("option dhcpv6_raw '0:15:00:00'", "dhcpv6_raw", notHex("0:15:00:00"));
  lanFails("option dhcpv6_raw '0015'", "dhcpv6_raw", "DHCPv6 options must be 4 to 65535 bytes, '0015' has 2");
  lanFails("option dhcpv6_raw '001500100001'", "dhcpv6_raw", "broken DHCPv6 option framing: option 21 at offset 0 has length 16 but only 2 byte(s) follow");
  lanFails("option dhcpv6_raw '00150000ffff'", "dhcpv6_raw", "broken DHCPv6 option framing: 2 byte(s) left at offset 4, too few for an option header");
  lanFails("option dhcpv6_raw '0015000000170002aa'", "dhcpv6_raw", "broken DHCPv6 option framing: option 23 at offset 4 has length 2 but only 1 byte(s) follow");
  const long = "00".repeat(40);
  lanFails(`option dhcpv6_raw '${long}z'`, "dhcpv6_raw", `'${long.slice(0, 48)}...' is not DHCPv6 options in hex (pairs of hex digits, ':' allowed between bytes)`);
});

test("leasetime: units, fractions, infinite", () => {
  const cases: [string, number][] = [
    ["3600", 3600], ["90s", 90], ["2m", 120], ["12h", 43200], ["1d", 86400], ["1w", 604800],
    ["1.5h", 5400], ["60", 60], ["infinite", 0xffffffff], ["4294967294", 4294967294],
  ];
  for (const [v, s] of cases) assert.equal(lan(`option leasetime '${v}'`).leasetime, s, v);
});

test("leasetime: under 60 s is raised to 60 s with a warning, as odhcpd does", () => {
  const r = parseConfig(HEAD + "option leasetime '30s'\n", FILE);
  assert.equal(r.config.interfaces[0].leasetime, 60);
  assert.deepEqual(r.warnings, [
    { file: FILE, line: 3, option: "leasetime", reason: "'30s' is shorter than 60 s: using 60 s", message: "/etc/config/dhcp:3: option 'leasetime': '30s' is shorter than 60 s: using 60 s" },
  ]);
});

test("leasetime: invalid values", () => {
  const reason = (v: string) => `'${v}' is not a lease time (a number with an optional unit s, m, h, d or w, or 'infinite')`;
  for (const v of ["12x", "-1", "h", "infinity", "1.h", "12 h", "0x10"]) lanFails(`option leasetime '${v}'`, "leasetime", reason(v));
  lanFails("option leasetime '4294967295'", "leasetime", "'4294967295' is too long (at most 4294967294 seconds, or 'infinite')");
  lanFails("option leasetime '100000w'", "leasetime", "'100000w' is too long (at most 4294967294 seconds, or 'infinite')");
  lanFails("list leasetime '12h'", "leasetime", "takes one value: write it with 'option', not 'list'");
});

test("filter_class: any text", () => {
  assert.equal(lan("option filter_class 'blocked class'").filterClass, "blocked class");
});

test("dhcpv6_pd_min_len: 1 to 64", () => {
  assert.equal(lan("option dhcpv6_pd_min_len 1").dhcpv6PdMinLen, 1);
  assert.equal(lan("option dhcpv6_pd_min_len 64").dhcpv6PdMinLen, 64);
  lanFails("option dhcpv6_pd_min_len 0", "dhcpv6_pd_min_len", "0 is out of range (1 to 64)");
  lanFails("option dhcpv6_pd_min_len 65", "dhcpv6_pd_min_len", "65 is out of range (1 to 64)");
  lanFails("option dhcpv6_pd_min_len /56", "dhcpv6_pd_min_len", "'/56' is not a whole number");
});

test("dhcpv6_refresh: at least 600 s (IRT_MINIMUM)", () => {
  assert.equal(lan("option dhcpv6_refresh 600").refreshTime, 600);
  assert.equal(lan("option dhcpv6_refresh 4294967295").refreshTime, 4294967295);
  lanFails("option dhcpv6_refresh 599", "dhcpv6_refresh", "599 is out of range (600 to 4294967295)");
  lanFails("option dhcpv6_refresh 4294967296", "dhcpv6_refresh", "4294967296 is out of range (600 to 4294967295)");
  lanFails("option dhcpv6_refresh 10m", "dhcpv6_refresh", "'10m' is not a whole number");
});

test("dhcpv6_sol_max_rt and dhcpv6_inf_max_rt: 60 to 86400 s", () => {
  const i = lan("option dhcpv6_sol_max_rt 60", "option dhcpv6_inf_max_rt 86400");
  assert.deepEqual([i.solMaxRt, i.infMaxRt], [60, 86400]);
  for (const opt of ["dhcpv6_sol_max_rt", "dhcpv6_inf_max_rt"]) {
    lanFails(`option ${opt} 59`, opt, "59 is out of range (60 to 86400)");
    lanFails(`option ${opt} 86401`, opt, "86401 is out of range (60 to 86400)");
    lanFails(`option ${opt} 1h`, opt, "'1h' is not a whole number");
  }
});

test("config odhcpd: maindhcp, leasefile, leasetrigger, loglevel, duid, with defaults", () => {
  const none = parseConfig("", FILE).config.global;
  assert.deepEqual(none, { maindhcp: false, leasefile: null, leasetrigger: null, loglevel: 6, duid: null, statedir: null, maxBindings: null });
  const g = parseConfig(
    "config odhcpd\noption maindhcp 1\noption leasefile /tmp/hosts/odhcpd\noption leasetrigger '/usr/sbin/odhcpd-update'\noption loglevel 0\noption duid '00:03:00:01:02:00:5e:10:00:01'\noption statedir /var/lib/d6\noption max_bindings 10000\n",
    FILE,
  ).config.global;
  assert.deepEqual(
    { ...g, duid: hex(g.duid) },
    { maindhcp: true, leasefile: "/tmp/hosts/odhcpd", leasetrigger: "/usr/sbin/odhcpd-update", loglevel: 0, duid: "0003000102005e100001", statedir: "/var/lib/d6", maxBindings: 10000 },
  );
  assert.equal(parseConfig("config odhcpd\noption loglevel 7\n", FILE).config.global.loglevel, 7);
  assert.equal(hex(parseConfig("config odhcpd\noption duid 0001\n", FILE).config.global.duid), "0001");
});

test("config odhcpd: invalid values", () => {
  const g = (line: string) => `config odhcpd 'odhcpd'\n${line}\n`;
  fails(g("option maindhcp 'sometimes'"), 2, "maindhcp", "'sometimes' is not a boolean (use 1/0, yes/no, on/off, true/false or enabled/disabled)");
  fails(g("option loglevel 8"), 2, "loglevel", "8 is out of range (0 to 7)");
  fails(g("option max_bindings 0"), 2, "max_bindings", "0 is out of range (1 to 1048576)");
  fails(g("option loglevel debug"), 2, "loglevel", "'debug' is not a whole number");
  fails(g("option leasefile '/tmp/a\nb'"), 2, "leasefile", "'/tmp/a?b' is not a usable path: it contains control characters");
  fails(g("option leasetrigger '/bin/x\tscript'"), 2, "leasetrigger", "'/bin/x?script' is not a usable path: it contains control characters");
  fails(g("option duid '01'"), 2, "duid", "a DUID must be 2 to 130 bytes, '01' has 1");
  fails(g(`option duid '${"ab".repeat(131)}'`), 2, "duid", `a DUID must be 2 to 130 bytes, '${"ab".repeat(24)}...' has 131`);
  fails(g("option duid '00:03:zz'"), 2, "duid", "'00:03:zz' is not a DUID in hex (pairs of hex digits, ':' allowed between bytes)");
  fails(g("option duid '0003:'"), 2, "duid", "'0003:' is not a DUID in hex (pairs of hex digits, ':' allowed between bytes)");
});

test("config host: every option", () => {
  const r = parseConfig(
    [
      "config host",
      "\toption name 'printer'",
      "\toption mac '00:11:22:33:44:55 a:b:c:d:e:f'",
      "\toption duid '000100012a4b5c6d001122334455'",
      "\toption hostid '0x1F'",
      "\toption ip '192.168.1.20'",
      "\toption leasetime '1d'",
      "config host 'nas'",
      "\tlist mac 'AA:BB:CC:DD:EE:01'",
      "\toption hostid 'ffffffffffffffff'",
      "\toption leasetime infinite",
      "\toption name 'nas-1.home'",
      "config host",
    ].join("\n"),
    FILE,
  );
  const [a, b, c] = r.config.hosts;
  assert.deepEqual(
    { ...a, macs: a.macs.map(hex), duid: hex(a.duid), ip: a.ip && [...a.ip] },
    { section: "@host[0]", line: 1, name: "printer", macs: ["001122334455", "0a0b0c0d0e0f"], duid: "000100012a4b5c6d001122334455", hostid: 0x1fn, ip: [192, 168, 1, 20], leasetime: 86400 },
  );
  assert.deepEqual([b.section, b.macs.map(hex), b.hostid, b.leasetime, b.name], ["nas", ["aabbccddee01"], 0xffffffffffffffffn, 0xffffffff, "nas-1.home"]);
  assert.deepEqual([c.duid, c.macs, c.hostid, c.ip, c.name, c.leasetime], [null, [], null, null, null, null]);
  assert.deepEqual(r.warnings, []);
});

test("config host: invalid values", () => {
  const h = (line: string) => `config host\n\n${line}\n`;
  fails(h("option mac '00:11:22:33:44'"), 3, "mac", "'00:11:22:33:44' is not a MAC address (six hex bytes separated by ':')");
  fails(h("list mac '00-11-22-33-44-55'"), 3, "mac", "'00-11-22-33-44-55' is not a MAC address (six hex bytes separated by ':')");
  fails(h("option mac '00:11:22:33:44:55 00:11:22:33:44:5g'"), 3, "mac", "'00:11:22:33:44:5g' is not a MAC address (six hex bytes separated by ':')");
  fails(h("option duid 'x'"), 3, "duid", "'x' is not a DUID in hex (pairs of hex digits, ':' allowed between bytes)");
  fails(h("option hostid '1ffffffffffffffff'"), 3, "hostid", "'1ffffffffffffffff' is not a host ID (1 to 16 hex digits, up to 64 bits)");
  fails(h("option hostid 'g1'"), 3, "hostid", "'g1' is not a host ID (1 to 16 hex digits, up to 64 bits)");
  fails(h("option hostid '::1'"), 3, "hostid", "'::1' is not a host ID (1 to 16 hex digits, up to 64 bits)");
  fails(h("option ip '2001:db8::1'"), 3, "ip", "'2001:db8::1' is not an IPv4 address");
  fails(h("option ip '256.1.1.1'"), 3, "ip", "'256.1.1.1' is not an IPv4 address");
  fails(h("option name '-printer'"), 3, "name", "'-printer' is not a host name: label '-printer' starts or ends with '-' or '_'");
  fails(h("option name 'my printer'"), 3, "name", "'my printer' is not a host name: label 'my printer' may contain only letters, digits, '-' and '_'");
  fails(h("option leasetime 'soon'"), 3, "leasetime", "'soon' is not a lease time (a number with an optional unit s, m, h, d or w, or 'infinite')");
  fails(h("list name 'a'"), 3, "name", "takes one value: write it with 'option', not 'list'");
});

test("relay options: servers, remote-id, client link-layer address, hop limit", () => {
  const i = lan("list dhcpv6_relay_servers 2001:db8:9::1\nlist dhcpv6_relay_servers '2001:db8:9::2'\noption dhcpv6_relay_remote_id '4491:0a0b'\noption dhcpv6_relay_client_lladdr 1\noption dhcpv6_relay_hop_limit 8");
  assert.equal(i.relayServers.length, 2);
  assert.deepEqual(Array.from(i.relayRemoteId!), [0, 0, 0x11, 0x8b, 0x0a, 0x0b]);
  assert.equal(i.relayClientLladdr, true);
  assert.equal(i.relayHopLimit, 8);
  lanFails("list dhcpv6_relay_servers ff05::1:3", "dhcpv6_relay_servers", "'ff05::1:3' is not a unicast server address");
  lanFails("option dhcpv6_relay_remote_id 'abc'", "dhcpv6_relay_remote_id", "'abc' is not ENTERPRISE-NUMBER:HEX-ID");
  lanFails("option dhcpv6_relay_hop_limit 33", "dhcpv6_relay_hop_limit", "33 is out of range (1 to 32)");
});

test("rate limits: 0 (none) up to 1000000 messages per second", () => {
  const i = lan("option dhcpv6_ratelimit 500\noption dhcpv6_client_ratelimit 0");
  assert.equal(i.rateIface, 500);
  assert.equal(i.rateClient, 0);
  lanFails("option dhcpv6_client_ratelimit -1", "dhcpv6_client_ratelimit", "'-1' is not a whole number");
  lanFails("option dhcpv6_ratelimit 2000000", "dhcpv6_ratelimit", "2000000 is out of range (0 to 1000000)");
});
