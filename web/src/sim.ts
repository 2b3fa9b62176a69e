// "What would our server answer": the daemon's own configuration path (UCI
// text -> parseConfig -> encodeConfig -> core.configure), an interface context
// written as text (-> encodeIface -> core.set_iface), then core.handle on the
// client's message, in a fresh core each time (no state carried over).

import { Core } from "../../host/core/core.js";
import { LIFETIME_INFINITE, STAT_NAMES } from "../../host/core/abi.js";
import { encodeIface, type IfaceAddress, type IfaceContext } from "../../host/core/records.js";
import { parseConfig } from "../../host/config/schema.js";
import { encodeConfig } from "../../host/config/encode.js";
import { parseMac } from "../../host/config/values.js";
import { parseIPv6 } from "../../host/util/ipv6.js";
import { formatIPv6 } from "../../host/util/ipv6.js";

export const DEFAULT_CONFIG = `config odhcpd 'odhcpd'
	option loglevel '6'

config dhcp 'lan'
	option interface 'lan'
	option ifname 'br-lan'
	option dhcpv6 'server'
	list dns '2001:db8:1::53'
	list domain 'lab.example'
`;

export const DEFAULT_IFACE = `# The interface the message arrived on, as netlink would report it.
device br-lan
mac 02:00:5e:00:53:01
link-local fe80::1
# address ADDR/PLEN [preferred SECONDS] [valid SECONDS]; /64 or longer: IA_NA,
# shorter than /64: prefixes delegated with IA_PD
address 2001:db8:1::1/64
address 2001:db8:100::1/48
`;

/** The host clock the simulation runs at (seconds). */
export const SIM_NOW = 1000;
const SLOT = 0;

export interface SimInput {
  wasm: BufferSource;
  configText: string;
  ifaceText: string;
  payload: Uint8Array;
  src: string;
  srcPort: number;
  multicast: boolean;
  /** Use this DUID (hex) as ours: the Server ID the client names. */
  serverDuid: string | null;
}

export interface SimResult {
  warnings: string[];
  /** The reply and where it would go. */
  reply?: { bytes: Uint8Array; to: string; port: number };
  /** Why there is no reply. */
  noReply?: string;
  /** The configuration, interface or source could not be used. */
  error?: string;
}

const DROP_WHY: Record<string, string> = {
  drop_malformed: "the message is malformed",
  drop_not_for_server: "a server does not answer this message type",
  drop_unicast: "it was sent by unicast where the RFC requires multicast",
  drop_server_id: "its Server Identifier is not ours (tick 'answer as the server it names')",
  drop_client_id: "its Client Identifier is missing or invalid",
  drop_unknown_iface: "no configured interface serves it (check 'device' and the dhcp section's ifname)",
  drop_hop_limit: "it has too many relay layers",
  drop_unsupported: "the server does not handle this message",
  drop_too_big: "the reply would not fit",
  drop_invalid: "it breaks a rule of RFC 8415 for its type",
};

export async function simulate(input: SimInput): Promise<SimResult> {
  const warnings: string[] = [];
  try {
    const { config, warnings: w } = parseConfig(input.configText, "/etc/config/dhcp");
    warnings.push(...w.map((x) => x.message));
    const iface = parseIfaceText(input.ifaceText);
    if (!config.interfaces.some((i) => i.ifname === iface.name)) {
      throw new Error(`no 'config dhcp' section serves device '${iface.name}' (its ifname, networkid, interface or name)`);
    }
    if (input.serverDuid) config.global.duid = hexBytes(input.serverDuid);
    const src = parseIPv6(input.src);
    if (!src) throw new Error(`source address '${input.src}' is not an IPv6 address`);
    const core = await Core.load(input.wasm);
    core.configure(encodeConfig(config, new Map([[iface.name!, SLOT]])));
    core.setIface(encodeIface(iface));
    const r = core.handle(input.payload, SLOT, src, input.srcPort, input.multicast, SIM_NOW);
    if (typeof r === "number") {
      if (r === 0) return { warnings, noReply: "no reply" };
      const name = STAT_NAMES[-r] ?? `code ${r}`;
      return { warnings, noReply: `dropped (${name}): ${DROP_WHY[name] ?? ""}` };
    }
    return { warnings, reply: { bytes: core.tx.slice(0, r.length), to: formatIPv6(r.addr), port: r.port } };
  } catch (e) {
    return { warnings, error: e instanceof Error ? e.message : String(e) };
  }
}

function hexBytes(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
}

/** Parses the interface text (see DEFAULT_IFACE). @throws Error "interface line N: ...". */
export function parseIfaceText(text: string): IfaceContext {
  const ctx: IfaceContext = { slot: SLOT, name: "", ifindex: 1, up: true, mac: null, linkLocal: null, addrs: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    const [key, ...args] = line.split(/\s+/);
    const fail = (why: string): never => {
      throw new Error(`interface line ${i + 1}: ${why}`);
    };
    const addr = (v: string | undefined) => (v && parseIPv6(v)) || fail(`'${v ?? ""}' is not an IPv6 address`);
    if (key === "device" && args.length === 1) ctx.name = args[0];
    else if (key === "mac" && args.length === 1) {
      try {
        ctx.mac = parseMac(args[0]);
      } catch (e) {
        fail((e as Error).message);
      }
    } else if (key === "link-local" && args.length === 1) ctx.linkLocal = addr(args[0]);
    else if (key === "address" && args.length >= 1) {
      const [a, p] = args[0].split("/");
      const plen = Number(p);
      if (!/^\d+$/.test(p ?? "") || plen > 128) fail(`'${args[0]}' needs a prefix length: ADDR/PLEN`);
      const life = { preferred: LIFETIME_INFINITE, valid: LIFETIME_INFINITE };
      for (let k = 1; k < args.length; k += 2) {
        const name = args[k];
        const v = Number(args[k + 1]);
        if ((name !== "preferred" && name !== "valid") || !Number.isInteger(v) || v < 0) fail(`expected 'preferred SECONDS' or 'valid SECONDS' after the address`);
        life[name as "preferred" | "valid"] = SIM_NOW + v;
      }
      const rec: IfaceAddress = { addr: addr(a), plen, preferredUntil: life.preferred, validUntil: life.valid };
      ctx.addrs.push(rec);
    } else fail(`expected 'device NAME', 'mac MAC', 'link-local ADDR' or 'address ADDR/PLEN', got '${line}'`);
  });
  if (!ctx.name) throw new Error("interface: a 'device NAME' line is needed");
  return ctx;
}
