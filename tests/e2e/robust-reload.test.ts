// A reload (SIGHUP) with a bad configuration file keeps the running
// configuration and the bindings (issue 6 item 4), end to end: a real dhcpcd
// bound before keeps being served (it renews after every refused reload and
// gets the OLD DNS server, which every bad file also changes), `leases` keeps
// its binding, and the log names file, line, option and reason. A good file
// afterwards is applied: the next Renew brings the new DNS server.

import { test } from "node:test";
import assert from "node:assert/strict";
import { directTopology, labLeftovers, requireLab, withTopology } from "./helpers/lab.js";
import { DhcpcdSession } from "./support/sessions.js";
import { pfx } from "./support/checks.js";
import { startRobustDaemon } from "./robust-support/lab.js";

const OLD_DNS = "2001:db8:1::53";
const NEW_DNS = "2001:db8:1::5353";

function uci(ifname: string, o: { dns?: string; body?: string[] } = {}): string {
  return [
    "config dhcp 'lan'", //                                  line 1
    `\toption ifname '${ifname}'`, //                        2
    "\toption dhcpv6 'server'", //                          3
    `\tlist dns '${o.dns ?? OLD_DNS}'`, //                  4
    "\tlist domain 'lab.example'", //                       5
    "\toption leasetime '1h'", //                           6
    ...(o.body ?? []).map((l) => `\t${l}`), //              7...
    "",
  ].join("\n");
}

test("SIGHUP with a bad file (syntax error, invalid value, unknown interface mode) keeps the running configuration and the bindings, logs file, line, option and reason; a bound dhcpcd renews after each and keeps its binding and the old DNS; a good file is then applied", { timeout: 90_000 }, async (t) => {
  requireLab(["ip", "ss", "sysctl", "mount", "dhcpcd"]);
  let names: string[] = [];
  await withTopology(directTopology({ serverAddrs: ["2001:db8:1::1/64", "2001:db8:100::1/56"] }), async (lab) => {
    names = Object.values(lab.namespaces());
    const ifname = lab.ifname("srv");
    const srv = await startRobustDaemon(lab, "srv", ifname, uci(ifname));
    try {
      const dc = new DhcpcdSession(lab, "cli", "dhcpcd");
      const first = (await dc.start()).binding;
      assert.equal(first.addresses.length, 1, `dhcpcd bound an address: ${JSON.stringify(first)}`);
      assert.equal(first.prefixes.length, 1, `dhcpcd bound a prefix: ${JSON.stringify(first)}`);
      assert.deepEqual(first.dns, [OLD_DNS]);
      const leases = (await srv.flatLeases()).map((l) => `${l.duid} ${l.kind} ${pfx(l)}`).sort();
      assert.equal(leases.length, 2);

      // Every bad file would also change the DNS server and the lease time, were it applied.
      const bad = [
        { what: "a syntax error (unterminated quote)", body: ["option leasetime '2h"], line: 7, option: "leasetime", reason: /unterminated single quote/ },
        { what: "an invalid value (leasetime 'soon')", body: ["option leasetime 'soon'"], line: 7, option: "leasetime", reason: /'soon' is not a lease time/ },
        { what: "an invalid value (dns 'dns.example')", body: ["list dns 'dns.example'"], line: 7, option: "dns", reason: /dns\.example/ },
        { what: "an unknown interface mode (dhcpv6 'router')", body: ["option dhcpv6 'router'"], line: 7, option: "dhcpv6", reason: /'router' is not a mode/ },
      ];
      const logged: string[] = [];
      for (const b of bad) {
        srv.writeConfig(uci(ifname, { dns: NEW_DNS, body: b.body }));
        const at = srv.hup();
        const line = await srv.waitLog(/reload refused|reloaded /, at);
        logged.push(line);
        assert.match(line, /reload refused, keeping the running configuration/, `${b.what}: refused`);
        assert.ok(line.includes(`${srv.configFile}:${b.line}: option '${b.option}':`), `${b.what}: the log names file, line ${b.line} and option '${b.option}':\n${line}`);
        assert.match(line, b.reason, `${b.what}: and why`);
        assert.deepEqual((await srv.flatLeases()).map((l) => `${l.duid} ${l.kind} ${pfx(l)}`).sort(), leases, `${b.what}: leases keeps the binding`);
        const r = await dc.renewNow();
        assert.equal(r.reason, "RENEW6", `${b.what}: dhcpcd renews`);
        assert.deepEqual([r.binding.addresses, r.binding.prefixes], [first.addresses, first.prefixes], `${b.what}: and keeps address and prefix`);
        assert.deepEqual(r.binding.dns, [OLD_DNS], `${b.what}: the running configuration (the old DNS server) is still served`);
      }
      assert.ok(srv.running, "the daemon still runs");

      // A good file is applied.
      srv.writeConfig(uci(ifname, { dns: NEW_DNS }));
      const at = srv.hup();
      assert.match(await srv.waitLog(/reload refused|reloaded /, at), /reloaded /, "the good file is reloaded");
      const r = await dc.renewNow();
      assert.deepEqual([r.binding.addresses, r.binding.prefixes], [first.addresses, first.prefixes], "the binding survives the good reload too");
      assert.deepEqual(r.binding.dns, [NEW_DNS], "and the new DNS server is served");
      assert.deepEqual((await srv.flatLeases()).map((l) => `${l.duid} ${l.kind} ${pfx(l)}`).sort(), leases);
      for (const line of logged) t.diagnostic(line.replace(/^#\d+ /, ""));
    } catch (e) {
      (e as Error).message += `\n--- server log ---\n${srv.tail(30)}`;
      throw e;
    }
  });
  assert.deepEqual(labLeftovers(names), [], "the lab left namespaces or /etc/netns dirs");
});
