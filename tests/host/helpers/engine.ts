// A test bench for the core's server engine: builds client messages byte by
// byte (independently of the core's writer), runs them through core.wasm and
// reads replies with the lab's independent walker (host/lab/dhcpv6-bytes.ts).

import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { Core, type Effect } from "../../../host/core/core.js";
import { encodeIface, CfgRecord, type IfaceAddress } from "../../../host/core/records.js";
import { CFG, MODE } from "../../../host/core/abi.js";
import { parseIPv6, formatIPv6 } from "../../../host/util/ipv6.js";
import { walkDhcpv6, type WireMessage, type WireOption } from "../../../host/lab/dhcpv6-bytes.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const WASM = `${ROOT}build/core.wasm`;

export const INF = 0xffffffff;
export const ip = (s: string): Uint8Array => parseIPv6(s)!;
export const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
export const SERVER_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 0x01);
export const SERVER_DUID = Uint8Array.of(0, 3, 0, 1, ...SERVER_MAC);
export const CLIENT_LL = ip("fe80::c1");

export function loadCore(): Core {
  if (!existsSync(WASM)) execFileSync("npx", ["asc", "assembly/index.ts", "--target", "release"], { cwd: ROOT });
  return Core.loadSync(readFileSync(WASM));
}

// ---------------------------------------------------------------- building messages

export function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}
export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
export function opt(code: number, data: ArrayLike<number>): number[] {
  return [...u16(code), ...u16(data.length), ...Array.from(data)];
}
export function duidLL(last: number): number[] {
  return [0, 3, 0, 1, 0x0a, 0, 0, 0, (last >> 8) & 0xff, last & 0xff];
}
export const clientId = (duid: number[]) => opt(1, duid);
export const serverId = (duid: ArrayLike<number> = SERVER_DUID) => opt(2, duid);
export const oro = (...codes: number[]) => opt(6, codes.flatMap(u16));
export const elapsed = () => opt(8, [0, 0]);
export function iaNa(iaid: number, ...addrs: Uint8Array[]): number[] {
  return opt(3, [...u32(iaid), ...u32(0), ...u32(0), ...addrs.flatMap((a) => opt(5, [...a, ...u32(0), ...u32(0)]))]);
}
export function iaPd(iaid: number, ...prefixes: { plen: number; prefix?: Uint8Array }[]): number[] {
  return opt(25, [...u32(iaid), ...u32(0), ...u32(0), ...prefixes.flatMap((p) => opt(26, [...u32(0), ...u32(0), p.plen, ...(p.prefix ?? new Uint8Array(16))]))]);
}
export function message(type: number, xid: number, ...options: number[][]): Uint8Array {
  return Uint8Array.from([type, (xid >> 16) & 0xff, (xid >> 8) & 0xff, xid & 0xff, ...options.flat()]);
}
export function relayForward(hop: number, link: Uint8Array, peer: Uint8Array, inner: Uint8Array, ...options: number[][]): Uint8Array {
  return Uint8Array.from([12, hop, ...link, ...peer, ...options.flat(), ...opt(9, inner)]);
}

// ---------------------------------------------------------------- reading replies

export function walk(bytes: Uint8Array): WireMessage {
  const { message, problems } = walkDhcpv6(bytes);
  assert.deepEqual(problems, [], "reply framing");
  assert.ok(message);
  return message;
}
export const find = (opts: WireOption[], code: number) => opts.find((o) => o.code === code);
export const all = (opts: WireOption[], code: number) => opts.filter((o) => o.code === code);
const be32 = (d: Uint8Array, o: number) => ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;

export interface IaView {
  code: number;
  iaid: number;
  t1: number;
  t2: number;
  status: number | null;
  leases: { addr: string; plen: number; preferred: number; valid: number }[];
}

export function ias(m: WireMessage): IaView[] {
  return m.options
    .filter((o) => o.code === 3 || o.code === 25)
    .map((o) => {
      const st = find(o.children ?? [], 13);
      return {
        code: o.code,
        iaid: be32(o.data, 0),
        t1: be32(o.data, 4),
        t2: be32(o.data, 8),
        status: st ? (st.data[0] << 8) | st.data[1] : null,
        leases: (o.children ?? [])
          .filter((c) => c.code === 5 || c.code === 26)
          .map((c) =>
            c.code === 5
              ? { addr: formatIPv6(c.data.subarray(0, 16)), plen: 128, preferred: be32(c.data, 16), valid: be32(c.data, 20) }
              : { addr: formatIPv6(c.data.subarray(9, 25)), plen: c.data[8], preferred: be32(c.data, 0), valid: be32(c.data, 4) },
          ),
      };
    });
}

export function status(m: WireMessage): number | null {
  const st = find(m.options, 13);
  return st ? (st.data[0] << 8) | st.data[1] : null;
}

// ---------------------------------------------------------------- the bench

export interface BenchOptions {
  addrs?: IfaceAddress[];
  cfg?: (r: CfgRecord) => void;
  globals?: (r: CfgRecord) => void;
}

export const DEFAULT_ADDRS: IfaceAddress[] = [
  { addr: ip("2001:db8:1::1"), plen: 64, preferredUntil: INF, validUntil: INF },
  { addr: ip("2001:db8:1:10::1"), plen: 60, preferredUntil: 100000, validUntil: 200000 },
];

export class Bench {
  readonly core: Core;
  now = 1000;

  constructor(opts: BenchOptions = {}, core = loadCore()) {
    this.core = core;
    this.setAddrs(opts.addrs ?? DEFAULT_ADDRS);
    const r = new CfgRecord().item(CFG.SECRET, SECRET);
    opts.globals?.(r);
    r.iface(0).u8(CFG.MODE, MODE.server).item(CFG.DNS, ip("2001:db8:1::53")).text(CFG.DOMAIN, "lab.example");
    opts.cfg?.(r);
    this.core.configure(r.bytes());
  }

  setAddrs(addrs: IfaceAddress[]): void {
    this.core.setIface(encodeIface({ slot: 0, name: "lan0", ifindex: 2, up: true, mac: SERVER_MAC, linkLocal: ip("fe80::1"), addrs }));
  }

  /** Sends `msg` (multicast from CLIENT_LL by default); returns the walked reply or the drop code. */
  send(msg: Uint8Array, o: { multicast?: boolean; src?: Uint8Array; port?: number } = {}): { reply: WireMessage | null; code: number; effects: Effect[] } {
    const r = this.core.handle(msg, 0, o.src ?? CLIENT_LL, o.port ?? 546, o.multicast ?? true, this.now);
    const effects = this.core.effects();
    if (typeof r === "number") return { reply: null, code: r, effects };
    return { reply: walk(this.core.tx.slice(0, r.length)), code: r.length, effects };
  }

  tick(seconds: number): Effect[] {
    this.now += seconds;
    return this.core.tick(this.now);
  }

  /** Solicit + Request for a client; returns the Reply's IAs. */
  bind(duid: number[], ...iaOpts: number[][]): IaView[] {
    const adv = this.send(message(1, 0x1111, clientId(duid), elapsed(), ...iaOpts)).reply;
    assert.ok(adv, "Advertise");
    const req = this.send(message(3, 0x2222, clientId(duid), serverId(), elapsed(), ...iaOpts)).reply;
    assert.ok(req, "Reply");
    assert.equal(req.msgType, 7);
    return ias(req);
  }
}
