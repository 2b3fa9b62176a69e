// Whole files through loadConfig/parseConfig: warnings for what is unknown,
// silence for what is known but not ours, the section- and device-level
// errors, and realistic OpenWrt files from tests/vectors/config/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadConfig, parseConfig } from "../../host/config/schema.js";
import { ConfigError } from "../../host/config/errors.js";

const FILE = "/etc/config/dhcp";
const VECTORS = fileURLToPath(new URL("../../../tests/vectors/config/", import.meta.url));

const hex = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString("hex") : null);

test("unknown options and section types are warnings with file, line and option", () => {
  const text = [
    "config odhcpd", // 1
    "\toption loglevel 5",
    "\toption logfile '/tmp/log'", // 3
    "config dhcp lan", // 4
    "\toption dhcpv6 server",
    "\toption dnss '2001:db8::1'", // 6
    "config host", // 7
    "\toption hostname 'x'", // 8
    "config dhcpv6 extra", // 9
    "\toption anything 1",
  ].join("\n");
  const { config, warnings } = parseConfig(text, FILE);
  assert.equal(config.interfaces[0].mode, "server");
  assert.deepEqual(warnings, [
    { file: FILE, line: 3, option: "logfile", reason: "unknown option in odhcpd section '@odhcpd[0]', ignored", message: "/etc/config/dhcp:3: option 'logfile': unknown option in odhcpd section '@odhcpd[0]', ignored" },
    { file: FILE, line: 6, option: "dnss", reason: "unknown option in dhcp section 'lan', ignored", message: "/etc/config/dhcp:6: option 'dnss': unknown option in dhcp section 'lan', ignored" },
    { file: FILE, line: 8, option: "hostname", reason: "unknown option in host section '@host[0]', ignored", message: "/etc/config/dhcp:8: option 'hostname': unknown option in host section '@host[0]', ignored" },
    { file: FILE, line: 9, reason: "unknown section type 'dhcpv6', ignored", message: "/etc/config/dhcp:9: unknown section type 'dhcpv6', ignored" },
  ]);
});

test("RA, NDP, DHCPv4 and dnsmasq options and sections are known: no warning", () => {
  const text = [
    "config dnsmasq",
    "\toption domainneeded 1",
    "\toption whatever 1",
    "config dhcp lan",
    "\toption ra server",
    "\toption ndp relay",
    "\toption dhcpv4 server",
    "\toption start 100",
    "\toption limit 150",
    "\toption ra_default 1",
    "\toption ra_management 1",
    "\tlist ra_flags managed-config",
    "\toption ra_slaac 1",
    "\toption ra_maxinterval 600",
    "\toption pd_manager x",
    "\toption dhcpv6_assignall 1",
    "\toption dhcpv6_hostidlength 12",
    "\toption force 1",
    "\tlist dhcp_option '6,192.168.1.1'",
    "config odhcpd",
    "\toption legacy 0",
    "\toption hostsfile /tmp/hosts",
    "config host",
    "\toption tag known",
    "\toption dns 1",
    "config domain",
    "\toption name router",
    "config boot",
    "config boot6",
    "\toption url 'tftp://[2001:db8::1]/boot'",
    "config mac",
    "config tag",
    "config vendorclass",
    "config userclass",
  ].join("\n");
  assert.deepEqual(parseConfig(text, FILE).warnings, []);
});

test("a foreign option in a section type that does not have it is warned about", () => {
  const { warnings } = parseConfig("config odhcpd\n\toption start 100\n", FILE);
  assert.deepEqual(warnings.map((w) => [w.line, w.option]), [[2, "start"]]);
});

test("a second odhcpd section overrides the first, with a warning", () => {
  const { config, warnings } = parseConfig("config odhcpd\noption loglevel 3\noption maindhcp 1\nconfig odhcpd\noption loglevel 7\n", FILE);
  assert.equal(config.global.loglevel, 7);
  assert.equal(config.global.maindhcp, true);
  assert.deepEqual(warnings.map((w) => w.message), ["/etc/config/dhcp:4: another odhcpd section: its options override the earlier ones"]);
});

test("two sections with one name are an error at the second", () => {
  assert.throws(() => parseConfig("config dhcp lan\n\toption ifname a\n\nconfig dhcp lan\n\toption ifname b\n", FILE), {
    name: "ConfigError",
    message: "/etc/config/dhcp:4: section 'lan' is already defined on line 1",
  });
  assert.throws(() => parseConfig("config odhcpd main\nconfig host main\n", FILE), {
    message: "/etc/config/dhcp:2: section 'main' is already defined on line 1",
  });
  // Anonymous sections never collide.
  assert.equal(parseConfig("config host\nconfig host\n", FILE).config.hosts.length, 2);
});

test("two dhcp sections on one device are an error, pointing at what named the device", () => {
  assert.throws(() => parseConfig("config dhcp lan\n\toption ifname br-lan\nconfig dhcp guest\n\n\toption ifname 'br-lan'\n", FILE), {
    name: "ConfigError",
    message: "/etc/config/dhcp:5: option 'ifname': device 'br-lan' is already used by dhcp section 'lan' (line 1)",
  });
  assert.throws(() => parseConfig("config dhcp lan\nconfig dhcp other\n\toption interface lan\n", FILE), {
    message: "/etc/config/dhcp:3: option 'interface': device 'lan' is already used by dhcp section 'lan' (line 1)",
  });
  assert.throws(() => parseConfig("config dhcp x\n\toption networkid eth1\nconfig dhcp eth1\n\toption ignore 1\n", FILE), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual([e.line, e.option, e.reason], [3, undefined, "device 'eth1' is already used by dhcp section 'x' (line 1)"]);
    return true;
  });
});

test("the stock OpenWrt file loads without warnings", () => {
  const { config, warnings } = loadConfig(VECTORS + "openwrt-default.uci");
  assert.deepEqual(warnings, []);
  assert.equal(config.file, VECTORS + "openwrt-default.uci");
  assert.deepEqual(config.global, { maindhcp: false, leasefile: "/tmp/hosts/odhcpd", leasetrigger: "/usr/sbin/odhcpd-update", loglevel: 4, duid: null, statedir: null, maxBindings: null });
  assert.deepEqual(
    config.interfaces.map((i) => [i.section, i.line, i.name, i.ifname, i.mode, i.ignore, i.leasetime]),
    [
      ["lan", 26, "lan", "lan", "server", false, 43200],
      ["wan", 38, "wan", "wan", "disabled", true, null],
    ],
  );
  assert.deepEqual(config.hosts, []);
});

test("a full router file: every value lands where it belongs", () => {
  const { config, warnings } = loadConfig(VECTORS + "router-full.uci");
  assert.deepEqual(warnings, []);
  assert.equal(hex(config.global.duid), "00043f8c912a5de647119cbe0214a97e5530");
  assert.deepEqual({ ...config.global, duid: null }, { maindhcp: false, leasefile: "/tmp/hosts/odhcpd", leasetrigger: "/usr/sbin/odhcpd-update", loglevel: 7, duid: null, statedir: null, maxBindings: null });
  const [lan, guest, wan, iot] = config.interfaces;
  assert.equal(config.interfaces.length, 4);
  assert.deepEqual([lan.section, lan.ifname, lan.mode, lan.leasetime], ["lan", "br-lan", "server", 43200]);
  assert.deepEqual(lan.dns.map(hex), ["20010db8000100000000000000000053", "fd000001000000000000000000000001"]);
  assert.deepEqual(lan.domains, ["home", "example.org"]);
  assert.deepEqual(lan.ntp.map((n) => (n.kind === "addr" ? hex(n.addr) : n.name)), ["20010db8000100000000000000000123", "ntp.example.org"]);
  assert.equal(hex(lan.raw), "001500120473697031076578616d706c6503636f6d00");
  assert.deepEqual(
    [lan.refreshTime, lan.solMaxRt, lan.infMaxRt, lan.dhcpv6Na, lan.dhcpv6Pd, lan.dhcpv6PdMinLen, lan.filterClass],
    [3600, 3600, 7200, true, true, 62, "blocked"],
  );
  assert.deepEqual([guest.ifname, guest.mode, guest.leasetime, guest.dynamicdhcp, guest.dns.length], ["br-guest", "hybrid", 0xffffffff, false, 2]);
  assert.deepEqual([wan.ifname, wan.mode, wan.master], ["eth1", "relay", true]);
  assert.deepEqual([iot.ifname, iot.mode, iot.ignore], ["br-iot", "disabled", true]);
  const [printer, nas] = config.hosts;
  assert.deepEqual([printer.name, printer.hostid, printer.leasetime, hex(printer.duid)], ["printer", 0x20n, 86400, "000100012a4b5c6d001122334455"]);
  assert.deepEqual([nas.section, nas.macs.map(hex), nas.hostid, nas.leasetime], ["nas", ["aabbccddee01", "aabbccddee02"], 0x1000n, 0xffffffff]);
});

test("a relay file in mixed quoting styles, with a package line", () => {
  const { config, warnings } = loadConfig(VECTORS + "relay.uci");
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    config.interfaces.map((i) => [i.section, i.ifname, i.mode, i.master, i.dns.length, i.leasetime]),
    [
      ["wan", "eth0", "relay", true, 0, null],
      ["lan", "br-lan", "relay", false, 1, null],
      ["lab", "veth-lab", "server", false, 0, 90],
    ],
  );
  assert.equal(config.global.loglevel, 6);
});

test("a CRLF copy of a file gives the same configuration", () => {
  const text = "config dhcp 'lan'\n\toption ifname 'br-lan'\n\tlist dns '2001:db8::1'\n\toption leasetime '1h'\n";
  const a = parseConfig(text, FILE);
  const b = parseConfig(text.replace(/\n/g, "\r\n"), FILE);
  assert.deepEqual(b, a);
  assert.equal(b.config.interfaces[0].leasetime, 3600);
});

test("loadConfig: a missing file is the fs error; a bad file is a ConfigError naming the path", () => {
  assert.throws(() => loadConfig(VECTORS + "does-not-exist"), { code: "ENOENT" });
  assert.throws(() => loadConfig(VECTORS + "broken.uci"), {
    name: "ConfigError",
    message: `${VECTORS}broken.uci:6: option 'dns': '2001:db8:::2' is not an IPv6 address`,
  });
});
