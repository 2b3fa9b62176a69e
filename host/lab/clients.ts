// Real DHCPv6 clients run in a lab namespace with private files, and what they
// received, parsed into one structure. Every wrapper stops its client and
// restores what the client changed on the interface (addresses, routes,
// dhcpcd's addrgenmode).
//
// Isolation: dhclient gets private -lf/-pf/-sf files. dhcpcd and dhcp6c keep
// their DUID and lease files in fixed host directories (/var/lib/dhcpcd,
// /var/lib/dhcpv6, /run/dhcpcd); `ip netns exec` gives each command its own
// mount namespace (slave of the host's), so we bind-mount private directories
// over those paths for the client only. The script every client runs is our
// recorder, which only writes its environment to a file: no client ever edits
// resolv.conf or the interface through a script.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabCommandError, requireTool, sleep, withTimeout, type Lab, type LabProcess } from "./netns.js";
import { summarizeMessage, walkDhcpv6 } from "./dhcpv6-bytes.js";

export type ClientKind = "dhclient-S" | "dhclient-N" | "dhclient-P" | "dhclient-NP" | "dhcpcd" | "dhcpcd-inform" | "dhcp6c" | "dhcp6c-info";
export const CLIENT_KINDS: ClientKind[] = ["dhclient-S", "dhclient-N", "dhclient-P", "dhclient-NP", "dhcpcd", "dhcpcd-inform", "dhcp6c", "dhcp6c-info"];

export interface LeasedAddress {
  address: string;
  preferred?: number;
  valid?: number;
  iaid?: string;
}

export interface LeasedPrefix {
  prefix: string;
  length: number;
  preferred?: number;
  valid?: number;
  iaid?: string;
}

export interface ClientResult {
  client: ClientKind;
  /** The client finished its exchange (got what it asked for) within the time allowed. */
  ok: boolean;
  /** Why not ok. */
  error?: string;
  dnsServers: string[];
  /** Domain search list, without trailing dots. */
  domainSearch: string[];
  addresses: LeasedAddress[];
  prefixes: LeasedPrefix[];
  serverId?: string;
  clientId?: string;
  /** Script reasons in order (PREINIT6, BOUND6, ... or NBI for dhcp6c). */
  reasons: string[];
  /** Environment of each script run, in order. */
  scriptEnv: Record<string, string>[];
  /** The client's own output (stdout + stderr). */
  log: string;
  /** Raw lease file text (dhclient) or hex (dhcpcd's binary lease6), when there is one. */
  lease?: string;
  exitCode?: number | null;
  durationMs: number;
}

export interface ClientOptions {
  /** Logical interface in `role` (default: its only interface). */
  logicalIf?: string;
  /** Bound on the exchange (default 10000 ms). */
  timeoutMs?: number;
  /** Release the lease when stopping (stateful clients; default true). */
  release?: boolean;
  /** Called with every output line of the client. */
  onLine?: (line: string) => void;
}

export interface DhclientOptions extends ClientOptions {
  /** -S (Information-request), -N (IA_NA), -P (IA_PD) or both. */
  mode: "S" | "N" | "P" | "NP";
  /** A private dhclient.conf text (default: Debian's /etc/dhcp/dhclient.conf, ORO 23,24,39,31). */
  conf?: string;
  extraArgs?: string[];
}

export interface DhcpcdOptions extends ClientOptions {
  /** Information-request only (--inform6), no IAs. */
  inform?: boolean;
  na?: boolean;
  pd?: boolean;
  rapidCommit?: boolean;
  /** Ask for DNS servers and the domain search list (default true; the lab notes' config did not). */
  requestDns?: boolean;
  /** More dhcpcd.conf lines. */
  extraConf?: string[];
}

export interface Dhcp6cOptions extends ClientOptions {
  /** information-only (Information-request). */
  infoOnly?: boolean;
  na?: boolean;
  pd?: boolean;
  /** More lines inside the interface block. */
  extraConf?: string[];
}

// ---------------------------------------------------------------------------
// Shared helpers

/** Writes the recorder script: each run saves its environment as DIR/env.<ns-time>.<pid>. */
function writeRecorder(dir: string): string {
  const script = join(dir, "record-env.sh");
  const envDir = join(dir, "env");
  mkdirSync(envDir, { recursive: true });
  writeFileSync(
    script,
    `#!/bin/sh
# Lab recorder: DHCP clients run it instead of their system script.
f='${envDir}'/env.$(date +%s%N).$$
env > "$f.tmp" && mv "$f.tmp" "$f"
exit 0
`,
  );
  chmodSync(script, 0o755);
  return script;
}

/** Script environments recorded so far, oldest first. */
export function readRecords(dir: string): Record<string, string>[] {
  const envDir = join(dir, "env");
  if (!existsSync(envDir)) return [];
  return readdirSync(envDir)
    .filter((f) => /^env\.\d+\.\d+$/.test(f))
    .sort((a, b) => {
      const [, ta, pa] = a.split(".");
      const [, tb, pb] = b.split(".");
      return ta.length - tb.length || (ta < tb ? -1 : ta > tb ? 1 : Number(pa) - Number(pb));
    })
    .map((f) => {
      const env: Record<string, string> = {};
      for (const line of readFileSync(join(envDir, f), "utf8").split("\n")) {
        const i = line.indexOf("=");
        if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
      }
      return env;
    });
}

const noDot = (s: string) => s.replace(/\.$/, "");
const words = (s: string | undefined) => (s ?? "").split(/\s+/).filter(Boolean);

function emptyResult(client: ClientKind): ClientResult {
  return { client, ok: false, dnsServers: [], domainSearch: [], addresses: [], prefixes: [], reasons: [], scriptEnv: [], log: "", durationMs: 0 };
}

/** What every client run starts with: its empty result, the device, a private directory with the recorder script. */
async function prepareRun(lab: Lab, role: string, kind: ClientKind, dirPrefix: string, logicalIf?: string): Promise<{ res: ClientResult; ifname: string; dir: string; script: string }> {
  const res = emptyResult(kind);
  const ifname = lab.ifname(role, logicalIf);
  await lab.waitLinkLocal(role, logicalIf);
  const dir = mkdtempSync(join(lab.tmpDir, dirPrefix));
  return { res, ifname, dir, script: writeRecorder(dir) };
}

/** What the interface looked like before a client ran. */
interface IfaceSnapshot {
  role: string;
  logicalIf?: string;
  ifname: string;
  addrgenmode?: string;
  globals: Set<string>;
  routes: Set<string>;
}

interface RouteJson {
  type?: string;
  dst: string;
  dev?: string;
  table?: string;
  metric?: number;
  protocol?: string;
}

function routes(lab: Lab, role: string): RouteJson[] {
  try {
    return JSON.parse(lab.ip(role, "-6", "-j", "route", "show", "table", "all") || "[]") as RouteJson[];
  } catch {
    return [];
  }
}

const routeKey = (r: RouteJson) => `${r.type ?? "unicast"} ${r.dst} ${r.dev ?? ""} ${r.table ?? "main"} ${r.metric ?? ""}`;

function snapshot(lab: Lab, role: string, logicalIf?: string): IfaceSnapshot {
  const ifname = lab.ifname(role, logicalIf);
  let addrgenmode: string | undefined;
  try {
    const j = JSON.parse(lab.ip(role, "-d", "-j", "link", "show", "dev", ifname)) as { inet6_addr_gen_mode?: string }[];
    addrgenmode = j[0]?.inet6_addr_gen_mode;
  } catch {
    /* unknown */
  }
  const globals = new Set(
    lab
      .addresses(role, logicalIf)
      .filter((a) => a.scope !== "link")
      .map((a) => `${a.addr}/${a.prefixlen}`),
  );
  return { role, logicalIf, ifname, addrgenmode, globals, routes: new Set(routes(lab, role).map(routeKey)) };
}

/** Puts back addrgenmode and removes the addresses and routes added since the snapshot. */
function restore(lab: Lab, s: IfaceSnapshot): void {
  const ip = (...args: string[]) => {
    try {
      lab.ip(s.role, ...args);
    } catch {
      /* already gone */
    }
  };
  if (s.addrgenmode) {
    try {
      const j = JSON.parse(lab.ip(s.role, "-d", "-j", "link", "show", "dev", s.ifname)) as { inet6_addr_gen_mode?: string }[];
      if (j[0]?.inet6_addr_gen_mode !== s.addrgenmode) ip("link", "set", "dev", s.ifname, "addrgenmode", s.addrgenmode);
    } catch {
      /* interface gone */
    }
  }
  for (const a of lab.addresses(s.role, s.logicalIf))
    if (a.scope !== "link" && !s.globals.has(`${a.addr}/${a.prefixlen}`)) ip("-6", "addr", "del", `${a.addr}/${a.prefixlen}`, "dev", s.ifname);
  for (const r of routes(lab, s.role)) {
    if (s.routes.has(routeKey(r)) || r.protocol === "kernel") continue;
    const args = ["-6", "route", "del"];
    if (r.type && r.type !== "unicast") args.push(r.type);
    args.push(r.dst);
    if (r.dev) args.push("dev", r.dev);
    if (r.table) args.push("table", r.table);
    if (r.metric !== undefined) args.push("metric", String(r.metric));
    ip(...args);
  }
}

function pidFromFile(f: string): number | null {
  try {
    const n = Number(readFileSync(f, "utf8").trim());
    return Number.isInteger(n) && n > 1 ? n : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) [ZX] /.test(st);
  } catch {
    return false;
  }
}

async function killPid(pid: number | null, graceMs = 1500): Promise<void> {
  if (!pid || !alive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(20);
  if (alive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** Waits for a process to exit, killing it (group) after timeoutMs. Resolves true when it exited by itself. */
async function waitExit(p: LabProcess, timeoutMs: number): Promise<boolean> {
  const r = await withTimeout(p.exited.then(() => true), timeoutMs, false);
  if (!r) await p.stop("SIGKILL", 1000);
  return r;
}

// ---------------------------------------------------------------------------
// dhclient

/** One lease6 block of a dhclient lease file. */
export interface DhclientLease {
  interface?: string;
  addresses: LeasedAddress[];
  prefixes: LeasedPrefix[];
  options: Record<string, string>;
}

/** Parses a dhclient -6 lease file (all lease6 blocks, oldest first). */
export function parseDhclientLeases(text: string): DhclientLease[] {
  const leases: DhclientLease[] = [];
  const re = /lease6\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    // Find the matching brace.
    let depth = 1;
    let i = re.lastIndex;
    for (; i < text.length && depth; i++) {
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      } else if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    const body = text.slice(re.lastIndex, i - 1);
    re.lastIndex = i;
    const lease: DhclientLease = { addresses: [], prefixes: [], options: {} };
    const ifm = /interface\s+"([^"]*)"/.exec(body);
    if (ifm) lease.interface = ifm[1];
    const iaRe = /ia-(na|pd|ta)\s+([0-9a-f:]+)\s*\{/g;
    let ia: RegExpExecArray | null;
    while ((ia = iaRe.exec(body))) {
      const iaid = ia[2];
      const rest = body.slice(iaRe.lastIndex);
      const end = matchingBrace(rest);
      const iaBody = rest.slice(0, end);
      for (const a of iaBody.matchAll(/iaaddr\s+([0-9a-fA-F:.]+)\s*\{([^}]*)\}/g))
        lease.addresses.push({ address: a[1], iaid, ...lifetimes(a[2]) });
      for (const p of iaBody.matchAll(/iaprefix\s+([0-9a-fA-F:.]+)\/(\d+)\s*\{([^}]*)\}/g))
        lease.prefixes.push({ prefix: p[1], length: Number(p[2]), iaid, ...lifetimes(p[3]) });
    }
    for (const o of body.matchAll(/option\s+([\w.-]+)\s+([^;]*);/g)) lease.options[o[1]] = o[2].trim();
    leases.push(lease);
  }
  return leases;
}

function matchingBrace(s: string): number {
  let depth = 1;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "{") depth++;
    else if (s[i] === "}" && --depth === 0) return i;
  }
  return s.length;
}

function lifetimes(body: string): { preferred?: number; valid?: number } {
  const p = /preferred-life\s+(\d+)/.exec(body);
  const v = /max-life\s+(\d+)/.exec(body);
  return { preferred: p ? Number(p[1]) : undefined, valid: v ? Number(v[1]) : undefined };
}

/** Splits a dhclient list value: `a, b` or `"x.", "y."`. */
function dhclientList(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(/[,\s]+/)
    .map((x) => x.replace(/^"|"$/g, ""))
    .filter(Boolean);
}

/** Runs ISC dhclient -6 in a namespace: -S (stateless, one-shot) or -N/-P (stateful). */
export async function runDhclient(lab: Lab, role: string, o: DhclientOptions): Promise<ClientResult> {
  const bin = requireTool("dhclient");
  const kind = `dhclient-${o.mode}` as ClientKind;
  const { res, ifname, dir, script } = await prepareRun(lab, role, kind, `dhclient-${o.mode}-`, o.logicalIf);
  const lf = join(dir, "dhclient6.leases");
  const pf = join(dir, "dhclient6.pid");
  const common = ["-lf", lf, "-pf", pf, "-sf", script];
  if (o.conf !== undefined) {
    writeFileSync(join(dir, "dhclient.conf"), o.conf);
    common.push("-cf", join(dir, "dhclient.conf"));
  }
  const flags = o.mode === "S" ? ["-S"] : o.mode === "NP" ? ["-N", "-P"] : [`-${o.mode}`];
  const snap = snapshot(lab, role, o.logicalIf);
  const t0 = Date.now();
  const timeoutMs = o.timeoutMs ?? 10_000;
  const proc = lab.spawn(role, bin, ["-6", ...flags, "-v", "-1", ...common, ...(o.extraArgs ?? []), ifname], {
    name: kind,
    onLine: o.onLine ? (l) => o.onLine!(l) : undefined,
  });
  try {
    const exitedByItself = await waitExit(proc, timeoutMs);
    res.durationMs = Date.now() - t0;
    res.exitCode = proc.exit?.code ?? null;
    if (!exitedByItself) res.error = `${kind}: no answer within ${timeoutMs} ms`;
    else if (proc.exit?.code !== 0) res.error = `${kind} exited with code ${proc.exit?.code} (signal ${proc.exit?.signal})`;
    res.scriptEnv = readRecords(dir);
    res.reasons = res.scriptEnv.map((e) => e.reason ?? "?");
    const bound = res.scriptEnv.filter((e) => /^(BOUND6|RENEW6|REBIND6|REBOOT6|INFORM6)$/.test(e.reason ?? ""));
    for (const e of bound) {
      if (e.new_ip6_address) res.addresses.push({ address: e.new_ip6_address, iaid: e.new_iaid, preferred: num(e.new_preferred_life), valid: num(e.new_max_life) });
      if (e.new_ip6_prefix) {
        const [p, l] = e.new_ip6_prefix.split("/");
        res.prefixes.push({ prefix: p, length: Number(l), iaid: e.new_iaid, preferred: num(e.new_preferred_life), valid: num(e.new_max_life) });
      }
    }
    const last = bound[bound.length - 1];
    if (last) {
      res.dnsServers = words(last.new_dhcp6_name_servers);
      res.domainSearch = words(last.new_dhcp6_domain_search).map(noDot);
      res.serverId = last.new_dhcp6_server_id;
      res.clientId = last.new_dhcp6_client_id;
    }
    if (existsSync(lf)) {
      res.lease = readFileSync(lf, "utf8");
      const lease = parseDhclientLeases(res.lease).pop();
      if (lease) {
        // The lease file is the client's own record of the binding: prefer it.
        if (lease.addresses.length) res.addresses = lease.addresses;
        if (lease.prefixes.length) res.prefixes = lease.prefixes;
        if (lease.options["dhcp6.name-servers"]) res.dnsServers = dhclientList(lease.options["dhcp6.name-servers"]);
        if (lease.options["dhcp6.domain-search"]) res.domainSearch = dhclientList(lease.options["dhcp6.domain-search"]).map(noDot);
        res.serverId ??= lease.options["dhcp6.server-id"];
        res.clientId ??= lease.options["dhcp6.client-id"];
      }
    }
    const wantNa = o.mode.includes("N");
    const wantPd = o.mode.includes("P");
    res.ok = !res.error && bound.length > 0 && (!wantNa || res.addresses.length > 0) && (!wantPd || res.prefixes.length > 0);
    if (!res.ok && !res.error) res.error = `${kind} exited without a usable ${o.mode === "S" ? "reply" : "lease"} (script reasons: ${res.reasons.join(",") || "none"})`;
  } finally {
    // Stop the daemon it may have become (it forks and calls setsid after
    // binding, and writes its pid file a moment later: wait for it).
    let daemon = pidFromFile(pf);
    for (let waited = 0; o.mode !== "S" && res.ok && !daemon && waited < 2000; waited += 50) {
      await sleep(50);
      daemon = pidFromFile(pf);
    }
    if (o.mode !== "S" && daemon && alive(daemon)) {
      const stopArgs = ["-6", ...flags, o.release === false ? "-x" : "-r", "-v", ...common, ifname];
      const stopper = lab.spawn(role, bin, stopArgs, { name: `${kind} ${o.release === false ? "-x" : "-r"}` });
      await waitExit(stopper, 5000);
      res.log += stopper.lines.map((l) => l.line).join("\n");
    }
    await killPid(pidFromFile(pf));
    if (proc.running) await proc.stop("SIGKILL", 1000);
    res.log = proc.lines.map((l) => l.line).join("\n") + (res.log ? `\n--- stop ---\n${res.log}` : "");
    restore(lab, snap);
  }
  return res;
}

const num = (s: string | undefined) => (s === undefined || s === "" ? undefined : Number(s));

// ---------------------------------------------------------------------------
// dhcpcd

/** Runs dhcpcd -6 one-shot with private /var/lib/dhcpcd and /run, then restores the interface. */
export async function runDhcpcd(lab: Lab, role: string, o: DhcpcdOptions = {}): Promise<ClientResult> {
  const bin = requireTool("dhcpcd");
  requireTool("mount");
  const kind: ClientKind = o.inform ? "dhcpcd-inform" : "dhcpcd";
  const { res, ifname, dir, script } = await prepareRun(lab, role, kind, "dhcpcd-", o.logicalIf);
  const db = join(dir, "db");
  const run = join(dir, "run");
  mkdirSync(db);
  mkdirSync(run);
  const conf = ["duid", "noipv6rs", "ipv6only"];
  if (!o.inform) {
    if (o.na ?? true) conf.push("ia_na 1");
    if (o.pd ?? true) conf.push("ia_pd 2");
    // dhcpcd's DHCPv6 Rapid Commit (`rapid_commit` alone is DHCPv4 option 80).
    if (o.rapidCommit ?? true) conf.push("option dhcp6_rapid_commit");
  }
  if (o.requestDns ?? true) conf.push("option dhcp6_name_servers, dhcp6_domain_search");
  conf.push(`script ${script}`, ...(o.extraConf ?? []));
  writeFileSync(join(dir, "dhcpcd.conf"), conf.join("\n") + "\n");
  const timeoutMs = o.timeoutMs ?? 10_000;
  const secs = Math.max(2, Math.ceil(timeoutMs / 1000));
  const args = ["-6", "-1", "-B", "-d", "-t", String(secs), "-f", join(dir, "dhcpcd.conf")];
  if (o.inform) args.push("--inform6");
  const snap = snapshot(lab, role, o.logicalIf);
  const t0 = Date.now();
  const proc = lab.spawn(
    role,
    "/bin/sh",
    ["-c", 'mkdir -p /var/lib/dhcpcd && mount --bind "$1" /var/lib/dhcpcd && mount --bind "$2" /run && shift 2 && exec "$@"', "sh", db, run, bin, ...args, ifname],
    { name: kind, onLine: o.onLine ? (l) => o.onLine!(l) : undefined },
  );
  try {
    const exitedByItself = await waitExit(proc, timeoutMs + 3000);
    res.durationMs = Date.now() - t0;
    res.exitCode = proc.exit?.code ?? null;
    if (!exitedByItself) res.error = `${kind}: still running after ${timeoutMs + 3000} ms`;
    else if (proc.exit?.code !== 0) res.error = `${kind} exited with code ${proc.exit?.code} (signal ${proc.exit?.signal})`;
    res.scriptEnv = readRecords(dir);
    res.reasons = res.scriptEnv.map((e) => e.reason ?? "?");
    const bound = res.scriptEnv.filter((e) => /^(BOUND6|INFORM6|REBOOT6|RENEW6|REBIND6|ROUTERADVERT)$/.test(e.reason ?? "") && e.protocol !== "ra");
    const last = bound[bound.length - 1];
    if (last) {
      res.dnsServers = words(last.new_dhcp6_name_servers);
      res.domainSearch = words(last.new_dhcp6_domain_search).map(noDot);
      res.serverId = last.new_dhcp6_server_id;
      res.clientId = last.new_dhcp6_client_id;
      for (const [k, v] of Object.entries(last)) {
        const a = /^new_dhcp6_ia_na(\d+)_ia_addr(\d+)$/.exec(k);
        if (a) res.addresses.push({ address: v, iaid: last[`new_dhcp6_ia_na${a[1]}_iaid`], preferred: num(last[`${k}_pltime`]), valid: num(last[`${k}_vltime`]) });
        const p = /^new_dhcp6_ia_pd(\d+)_prefix(\d+)$/.exec(k);
        if (p)
          res.prefixes.push({
            prefix: v,
            length: Number(last[`${k}_length`]),
            iaid: last[`new_dhcp6_ia_pd${p[1]}_iaid`],
            preferred: num(last[`${k}_pltime`]),
            valid: num(last[`${k}_vltime`]),
          });
      }
    }
    // The binary lease (the server's Reply as received) is the ground truth when present.
    const leaseFile = join(db, `${ifname}.lease6`);
    if (existsSync(leaseFile)) {
      const bytes = new Uint8Array(readFileSync(leaseFile));
      res.lease = Buffer.from(bytes).toString("hex");
      const w = walkDhcpv6(bytes);
      if (w.message) {
        const s = summarizeMessage(w.message);
        if (!res.dnsServers.length) res.dnsServers = s.dnsServers;
        if (!res.domainSearch.length) res.domainSearch = s.domainSearch;
        if (!res.addresses.length) res.addresses = s.addresses.map((a) => ({ ...a, iaid: a.iaid.toString(16).padStart(8, "0") }));
        if (!res.prefixes.length) res.prefixes = s.prefixes.map((p) => ({ ...p, iaid: p.iaid.toString(16).padStart(8, "0") }));
        res.serverId ??= s.serverId;
        res.clientId ??= s.clientId;
      }
    }
    const wantNa = !o.inform && (o.na ?? true);
    const wantPd = !o.inform && (o.pd ?? true);
    res.ok = !res.error && !!last && (!wantNa || res.addresses.length > 0) && (!wantPd || res.prefixes.length > 0);
    if (!res.ok && !res.error) res.error = `${kind} finished without what it asked for (script reasons: ${res.reasons.join(",") || "none"})`;
  } finally {
    if (proc.running) await proc.stop("SIGTERM", 2000);
    res.log = proc.lines.map((l) => l.line).join("\n");
    restore(lab, snap);
  }
  return res;
}

// ---------------------------------------------------------------------------
// WIDE dhcp6c

/** Runs WIDE dhcp6c in the foreground with a private DUID dir; stops it with SIGTERM (which releases). */
export async function runDhcp6c(lab: Lab, role: string, o: Dhcp6cOptions = {}): Promise<ClientResult> {
  const bin = requireTool("dhcp6c");
  requireTool("mount");
  const kind: ClientKind = o.infoOnly ? "dhcp6c-info" : "dhcp6c";
  const { res, ifname, dir, script } = await prepareRun(lab, role, kind, "dhcp6c-", o.logicalIf);
  const db = join(dir, "db");
  mkdirSync(db);
  const na = !o.infoOnly && (o.na ?? true);
  const pd = !o.infoOnly && (o.pd ?? true);
  const body = [
    ...(o.infoOnly ? ["information-only;"] : []),
    ...(na ? ["send ia-na 1;"] : []),
    ...(pd ? ["send ia-pd 2;"] : []),
    "request domain-name-servers;",
    "request domain-name;",
    `script "${script}";`,
    ...(o.extraConf ?? []),
  ];
  const conf = `interface ${ifname} {\n${body.map((l) => `  ${l}`).join("\n")}\n};\n` + (na ? "id-assoc na 1 { };\n" : "") + (pd ? "id-assoc pd 2 { };\n" : "");
  writeFileSync(join(dir, "dhcp6c.conf"), conf);
  const pidFile = join(dir, "dhcp6c.pid");
  const snap = snapshot(lab, role, o.logicalIf);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const t0 = Date.now();
  const proc = lab.spawn(
    role,
    "/bin/sh",
    ["-c", 'mkdir -p /var/lib/dhcpv6 && mount --bind "$1" /var/lib/dhcpv6 && shift && exec "$@"', "sh", db, bin, "-f", "-D", "-c", join(dir, "dhcp6c.conf"), "-p", pidFile, ifname],
    { name: kind, onLine: o.onLine ? (l) => o.onLine!(l) : undefined },
  );
  try {
    // The script runs after the Reply was processed; the log line follows it.
    try {
      await proc.waitForLine(/got an expected reply, sleeping/, timeoutMs);
      const deadline = Date.now() + 2000;
      while (!readRecords(dir).length && Date.now() < deadline) await sleep(20);
    } catch (e) {
      res.error = `${kind}: ${(e as Error).message.split("\n")[0]}`;
    }
    res.durationMs = Date.now() - t0;
    res.scriptEnv = readRecords(dir);
    res.reasons = res.scriptEnv.map((e) => e.REASON ?? e.reason ?? "?");
    const log = proc.lines.map((l) => l.line);
    for (const l of log) {
      const a = /update_address: create an address ([0-9a-fA-F:.]+) pltime=(\d+), vltime=(\d+)/.exec(l);
      if (a) res.addresses.push({ address: a[1], preferred: Number(a[2]), valid: Number(a[3]), iaid: "1" });
      const p = /update_prefix: create a prefix ([0-9a-fA-F:.]+)\/(\d+) pltime=(\d+), vltime=(\d+)/.exec(l);
      if (p) res.prefixes.push({ prefix: p[1], length: Number(p[2]), preferred: Number(p[3]), valid: Number(p[4]), iaid: "2" });
      const s = /picked a server \(ID: ([0-9a-f:]+)\)/.exec(l);
      if (s) res.serverId = s[1];
    }
    const env = res.scriptEnv[res.scriptEnv.length - 1];
    if (env) {
      res.dnsServers = words(env.new_domain_name_servers);
      res.domainSearch = words(env.new_domain_name).map(noDot);
    } else {
      for (const l of log) {
        const d = /info_printf: nameserver\[\d+\] (\S+)/.exec(l);
        if (d) res.dnsServers.push(d[1]);
        const s = /info_printf: Domain search list\[\d+\] (\S+)/.exec(l);
        if (s) res.domainSearch.push(noDot(s[1]));
      }
    }
    res.ok = !res.error && (!na || res.addresses.length > 0) && (!pd || res.prefixes.length > 0);
    if (!res.ok && !res.error) res.error = `${kind} finished without what it asked for`;
  } finally {
    if (proc.running) {
      if (o.release === false) await proc.stop("SIGKILL", 1000);
      else await proc.stop("SIGTERM", 4000); // sends Release for each IA, then exits
    }
    await killPid(pidFromFile(pidFile), 500);
    res.exitCode = proc.exit?.code ?? null;
    res.log = proc.lines.map((l) => l.line).join("\n");
    restore(lab, snap);
  }
  return res;
}

// ---------------------------------------------------------------------------

/** Runs any client kind with its defaults (dhclient-S, dhcpcd, dhcp6c, ...). */
export function runClient(lab: Lab, role: string, kind: ClientKind, o: ClientOptions = {}): Promise<ClientResult> {
  switch (kind) {
    case "dhclient-S":
      return runDhclient(lab, role, { ...o, mode: "S" });
    case "dhclient-N":
      return runDhclient(lab, role, { ...o, mode: "N" });
    case "dhclient-P":
      return runDhclient(lab, role, { ...o, mode: "P" });
    case "dhclient-NP":
      return runDhclient(lab, role, { ...o, mode: "NP" });
    case "dhcpcd":
      return runDhcpcd(lab, role, o);
    case "dhcpcd-inform":
      return runDhcpcd(lab, role, { ...o, inform: true });
    case "dhcp6c":
      return runDhcp6c(lab, role, o);
    case "dhcp6c-info":
      return runDhcp6c(lab, role, { ...o, infoOnly: true });
    default:
      throw new LabCommandError(`unknown client kind '${kind as string}' (one of ${CLIENT_KINDS.join(", ")})`);
  }
}

/** Throws with the client's log when it did not get what it asked for. */
export function assertClientOk(r: ClientResult): ClientResult {
  if (!r.ok) throw new LabCommandError(`${r.client}: ${r.error}\n--- client log ---\n${r.log.split("\n").slice(-40).join("\n")}`);
  return r;
}

/** Human-readable summary of a result. */
export function describeClientResult(r: ClientResult): string {
  const lines = [`${r.client}: ${r.ok ? "ok" : `FAILED (${r.error})`} in ${r.durationMs} ms`];
  lines.push(`  DNS servers:    ${r.dnsServers.join(", ") || "-"}`);
  lines.push(`  domain search:  ${r.domainSearch.join(", ") || "-"}`);
  if (r.addresses.length) lines.push(`  addresses:      ${r.addresses.map((a) => `${a.address} (pref ${a.preferred ?? "?"}, valid ${a.valid ?? "?"})`).join(", ")}`);
  if (r.prefixes.length) lines.push(`  prefixes:       ${r.prefixes.map((p) => `${p.prefix}/${p.length} (pref ${p.preferred ?? "?"}, valid ${p.valid ?? "?"})`).join(", ")}`);
  if (r.serverId) lines.push(`  server id:      ${r.serverId}`);
  return lines.join("\n");
}
