// The daemon: one straight line from socket to core to socket.
//   netlink dump -> interface contexts (core.setIface) + the socket set
//   UCI file     -> configuration record (core.configure), again on SIGHUP
//   datagram     -> core.handle -> effects (journal, routes, lease file) -> reply
//   every second -> core.tick -> effects (expired bindings)
// The host never looks inside a DHCPv6 message.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Core, type Effect } from "./core/core.js";
import { encodeIface, type IfaceAddress } from "./core/records.js";
import { EFFECT, LIFETIME_INFINITE, MAX_IFACES, STAT_NAMES, DST_UPSTREAM, DST_UPSTREAM_ONE } from "./core/abi.js";
import { Netlink, type LinkInfo } from "./net/netlink.js";
import { ServerSockets, wantedSockets, ALL_DHCP_SERVERS, SERVER_PORT, type Datagram } from "./net/sockets.js";
import { beforeBatchedSend } from "./net/udp.js";
import { kernelDrops } from "./net/kernel-drops.js";
import { Routes } from "./net/routes.js";
import { formatIPv6, isLinkLocal, onPrefix, parseIPv6 } from "./util/ipv6.js";
import { log } from "./log/log.js";
import { loadServedConfig, type ServedConfig } from "./served-config.js";
import { StateDir } from "./store/state.js";
import { Journal } from "./store/journal.js";
import { LeaseOutputs } from "./store/leasefile.js";
import { ControlServer } from "./control.js";

/** build/core.wasm, next to build/host/. */
export const CORE_WASM = fileURLToPath(new URL("../core.wasm", import.meta.url));
const ALL_SERVERS_BYTES = parseIPv6(ALL_DHCP_SERVERS)!;

function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where the journal, the secret and the clock live unless `statedir` says otherwise. */
export const DEFAULT_STATE_DIR = "/var/lib/odhcpd-wasm";
const TICK_MS = 1000;
const CLOCK_SAVE_MS = 60_000;

export interface ServerOptions {
  configPath: string;
  /** Overrides `config odhcpd` `statedir`. */
  stateDir?: string;
}

export class Server {
  readonly core: Core;
  readonly state: StateDir;
  private config!: ServedConfig;
  private slots = new Map<string, number>(); // device name -> interface slot
  private slotDevice: string[] = []; // interface slot -> device name
  private slotIfindex: number[] = []; // interface slot -> kernel ifindex (0: not present)
  private links: LinkInfo[] = [];
  private netlink = new Netlink();
  private sockets: ServerSockets;
  private routes = new Routes();
  private journal: Journal;
  private outputs!: LeaseOutputs;
  private control: ControlServer;
  private timers: NodeJS.Timeout[] = [];
  private refreshing: Promise<void> | null = null;
  private routesRestored = false;
  private compactionQueued = false;
  private unhookJournal: () => void;

  private constructor(core: Core, first: ServedConfig, private opts: ServerOptions) {
    this.core = core;
    this.state = new StateDir(opts.stateDir ?? first.config.global.statedir ?? DEFAULT_STATE_DIR);
    this.sockets = new ServerSockets((d) => this.onDatagram(d), SERVER_PORT, (src, scope) => this.locate(src, scope));
    this.applyConfig(first);
    this.journal = new Journal(this.state.journalPath);
    // Datagrams of a batch (the batched socket) write their bindings in one
    // write(2), before the batch's replies leave.
    this.unhookJournal = beforeBatchedSend(() => this.journal.flush());
    this.restoreBindings();
    this.control = new ControlServer(this.state.controlPath, (cmd) => this.command(cmd));
  }

  /** Loads the core, the configuration (throws ConfigError) and the bindings, then serves. */
  static async start(opts: ServerOptions): Promise<Server> {
    const core = await Core.load(readFileSync(CORE_WASM));
    const s = new Server(core, loadServedConfig(opts.configPath), opts);
    s.netlink.watch(() => void s.refresh());
    await s.refresh();
    s.timers.push(setInterval(() => s.tick(), TICK_MS));
    s.timers.push(setInterval(() => s.state.saveClock(), CLOCK_SAVE_MS));
    s.state.saveClock();
    await s.control.listen();
    return s;
  }

  private restoreBindings(): void {
    const r = this.journal.takeReplayed(); // the records are dropped once restored
    if (r.damage) log.warn(`binding journal ${this.journal.path}: ${r.damage}; recovered ${r.records.size} bindings before it`);
    let refused = 0;
    for (const [id, record] of r.records) if (!this.core.restore(id, record)) refused++;
    const n = this.core.restoreDone();
    if (refused) log.warn(`${refused} journaled bindings did not fit the binding table (max_bindings) and were dropped`);
    if (n) log.notice(`restored ${n} bindings from ${this.journal.path}`);
  }

  /** Re-reads the configuration file; a bad file leaves everything running as it was. */
  reload(): boolean {
    try {
      this.applyConfig(loadServedConfig(this.opts.configPath));
      void this.refresh();
      log.notice(`reloaded ${this.opts.configPath}`);
      return true;
    } catch (e) {
      log.err(`reload refused, keeping the running configuration: ${(e as Error).message}`);
      return false;
    }
  }

  private applyConfig(c: ServedConfig): void {
    for (const w of c.warnings) log.warn(w);
    const slots = new Map(this.slots);
    for (const i of c.interfaces) {
      if (slots.has(i.device)) continue;
      if (slots.size >= MAX_IFACES) throw new Error(`more than ${MAX_IFACES} interfaces configured`);
      const used = new Set(slots.values());
      let slot = 0;
      while (used.has(slot)) slot++;
      slots.set(i.device, slot);
    }
    this.core.configure(c.encode(slots, this.state.secret)); // throws, and changes nothing, when refused
    this.slots = slots;
    this.slotDevice = [];
    for (const [dev, slot] of slots) this.slotDevice[slot] = dev;
    this.config = c;
    const g = c.config.global;
    this.outputs?.flush();
    this.outputs = new LeaseOutputs(g.leasefile, g.leasetrigger, () => this.core.leaseFile(this.state.now(), this.state.wallNow()));
  }

  /** Re-reads links and addresses and pushes them to the core and the sockets. */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing.then(() => this.refresh());
    this.refreshing = this.netlink
      .dump()
      .then((links) => this.applyLinks(links))
      .catch((e) => log.err(`reading interfaces failed: ${(e as Error).message}`))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private applyLinks(links: LinkInfo[]): void {
    this.links = links;
    const now = this.state.now();
    const sockets: { slot: number; ifname: string; addrs: Uint8Array[]; server: boolean }[] = [];
    for (const i of this.config.interfaces) {
      const slot = this.slots.get(i.device)!;
      const link = links.find((l) => l.name === i.device);
      const usable = link ? link.addrs.filter((a) => !a.tentative) : [];
      const linkLocal = usable.find((a) => isLinkLocal(a.addr))?.addr ?? null;
      const globals: IfaceAddress[] = usable
        .filter((a) => !isLinkLocal(a.addr))
        .map((a) => ({
          addr: a.addr,
          plen: a.plen,
          preferredUntil: a.preferred === LIFETIME_INFINITE ? LIFETIME_INFINITE : now + a.preferred,
          validUntil: a.valid === LIFETIME_INFINITE ? LIFETIME_INFINITE : now + a.valid,
        }));
      const up = !!link && link.up;
      this.slotIfindex[slot] = link?.index ?? 0;
      this.applyEffects(this.core.setIface(encodeIface({ slot, name: i.device, ifindex: link?.index ?? 0, up, mac: link?.mac ?? null, linkLocal, addrs: globals }), now));
      if (!link) log.debug(`interface ${i.device} not present`);
      if (up && i.serving) sockets.push({ slot, ifname: i.device, addrs: usable.map((a) => a.addr), server: i.server });
    }
    this.sockets.sync(wantedSockets(sockets));
    if (!this.routesRestored) {
      this.routesRestored = true;
      this.applyEffects(this.core.resyncRoutes(now));
    }
  }

  /** The configured interface a sender is on: its link-local scope, else the interface with an on-link prefix holding it. */
  private locate(src: Uint8Array, scope: string | null): { slot: number; ifname: string } | null {
    let dev: string | undefined = scope && this.slots.has(scope) ? scope : undefined;
    if (!dev) {
      for (const l of this.links) {
        if (this.slots.has(l.name) && l.addrs.some((a) => !isLinkLocal(a.addr) && a.plen <= 128 && onPrefix(a.addr, a.plen, src))) {
          dev = l.name;
          break;
        }
      }
    }
    return dev ? { slot: this.slots.get(dev)!, ifname: dev } : null;
  }

  private deviceOfSlot(slot: number): string | undefined {
    return this.slotDevice[slot];
  }

  private ifindexOfSlot(slot: number): number {
    return this.slotIfindex[slot] ?? 0;
  }

  /** Carries out the core's effects: journal first (before any reply leaves), then routes and outputs. */
  private applyEffects(effects: Effect[]): void {
    let changed = false;
    let setChanged = false;
    for (const e of effects) {
      switch (e.type) {
        case EFFECT.BINDING_PUT:
          this.journal.put(e.id, e.record);
          changed = true;
          break;
        case EFFECT.BINDING_DEL:
          this.journal.del(e.id);
          this.routes.del(e.id);
          changed = true;
          break;
        case EFFECT.ROUTE_ADD:
          this.routes.add(e.id, { prefix: e.prefix, plen: e.plen, via: e.via, ifindex: this.ifindexOfSlot(e.ifslot) });
          break;
        case EFFECT.ROUTE_DEL:
          this.routes.del(e.id, { prefix: e.prefix, plen: e.plen, via: e.via, ifindex: this.ifindexOfSlot(e.ifslot) });
          break;
        case EFFECT.LEASES_CHANGED:
          setChanged = true;
          break;
        case EFFECT.SEND:
          this.sendEffect(e);
          break;
        case EFFECT.RESYNC:
          log.warn("effect list overflowed: compacting the journal from the core's table");
          this.journal.compact(this.core.committed());
          changed = setChanged = true;
          break;
      }
    }
    if (changed) {
      this.journal.sync();
      if (!this.compactionQueued && this.journal.wantsCompaction()) {
        // Once, after the datagrams already queued (not once per datagram).
        this.compactionQueued = true;
        setImmediate(() => {
          this.compactionQueued = false;
          this.journal.compact(this.core.committed());
        });
      }
    }
    if (changed || setChanged) this.outputs.changed(setChanged);
  }

  /**
   * The destination text for `sock`: a link-local address needs its interface
   * unless the socket is bound to that interface already (ours are: the
   * multicast and link-local sockets). libuv looks a zone up with
   * if_nametoindex on every send, three syscalls, so it is left out when it can be.
   */
  private scoped(text: string, addr: Uint8Array, dev: string, sock: Datagram["socket"]): string {
    if (!isLinkLocal(addr) || this.sockets.boundTo(sock) === dev) return text;
    return `${text}%${dev}`;
  }

  /** A message the core wants sent now (a Reconfigure), out of the interface it names. */
  private sendEffect(e: Extract<Effect, { type: typeof EFFECT.SEND }>): void {
    const dev = this.deviceOfSlot(e.ifslot);
    const sock = dev ? this.sockets.socketFor(dev, e.addr) : null;
    if (!dev || !sock) {
      log.warn(`no socket on interface slot ${e.ifslot} to send ${e.datagram.length} bytes to ${formatIPv6(e.addr)}`);
      return;
    }
    const dst = this.scoped(formatIPv6(e.addr), e.addr, dev, sock);
    this.send(sock, Buffer.from(e.datagram), e.port, dst);
    log.info(`sent ${e.datagram.length} bytes (Reconfigure) to [${dst}]:${e.port}`);
  }

  private tick(): void {
    try {
      this.applyEffects(this.core.tick(this.state.now()));
    } catch (e) {
      log.err(`tick failed: ${(e as Error).message}`);
    }
  }

  private onDatagram(d: Datagram): void {
    let r;
    try {
      r = this.core.handle(d.data, d.slot, d.src, d.srcPort, d.multicast, this.state.now());
      if (d.socket.batched) this.journal.hold();
      this.applyEffects(this.core.effects());
    } catch (e) {
      // A trap in the core is a bug; the datagram is lost, the server goes on.
      log.err(`datagram from ${d.srcText} on ${d.ifname} failed: ${(e as Error).message}`);
      return;
    }
    const from = () => `${d.srcText}%${d.ifname}${d.multicast ? " (multicast)" : ""}`;
    if (typeof r === "number") {
      if (r < 0 && log.enabled(7)) log.debug(`dropped ${d.data.length} bytes from ${from()}: ${STAT_NAMES[-r] ?? r}`);
      return;
    }
    const tx = this.core.tx.subarray(0, r.length); // the core reuses TX for the next datagram
    if (r.kind === DST_UPSTREAM || r.kind === DST_UPSTREAM_ONE) {
      this.sendUpstream(Buffer.from(tx), from(), r.kind === DST_UPSTREAM_ONE);
      return;
    }
    const dev = this.deviceOfSlot(r.ifslot) ?? d.ifname;
    // Usually back to the sender: reuse its text. A link-local destination
    // gets its interface as a numeric zone (a name costs libuv three syscalls
    // per send to look it up).
    const text = sameAddress(r.addr, d.src) ? d.srcText : formatIPv6(r.addr);
    // Out of the interface the core chose: the arrival socket, unless the
    // message goes to another interface (a relayed reply going down).
    const sock = dev === d.ifname && !d.multicast ? d.socket : (this.sockets.socketFor(dev, r.addr) ?? d.socket);
    const dst = this.scoped(text, r.addr, dev, sock);
    this.send(sock, sock.copiesOnSend ? tx : Buffer.from(tx), r.port, dst);
    if (log.enabled(7)) log.debug(`${d.data.length} bytes from ${from()}: sent ${tx.length} bytes to [${dst}]:${r.port}`);
  }

  private send(sock: Datagram["socket"], bytes: Uint8Array, port: number, dst: string): void {
    sock.send(bytes, port, dst, (err) => {
      if (err) log.warn(`sending ${bytes.length} bytes to [${dst}]:${port} failed: ${err.message}`);
    });
  }

  /** A Relay-forward goes to every master: its configured servers, else
   *  ff05::1:3 on it; with `one`, to the first target only. */
  private sendUpstream(bytes: Buffer, from: string, one: boolean): void {
    let sent = 0;
    for (const m of this.config.interfaces.filter((i) => i.master)) {
      if (one && sent > 0) break;
      const sock = this.sockets.socketFor(m.device, m.relayServers[0] ?? ALL_SERVERS_BYTES);
      if (!sock) continue;
      if (m.relayServers.length > 0) {
        for (const s of one ? m.relayServers.slice(0, 1) : m.relayServers) this.send(sock, bytes, SERVER_PORT, formatIPv6(s));
      } else {
        sock.setMulticastInterface(`::%${m.device}`);
        this.send(sock, bytes, SERVER_PORT, `${ALL_DHCP_SERVERS}%${m.device}`);
      }
      sent++;
    }
    if (sent === 0) log.warn(`relay: no master interface is up to forward ${bytes.length} bytes from ${from}`);
    else if (log.enabled(7)) log.debug(`relayed ${bytes.length} bytes from ${from} upstream`);
  }

  /** Answers a control-socket command. */
  private command(cmd: string): unknown {
    if (cmd === "leases") return this.core.leasesJson(this.state.now());
    if (cmd === "counters") return { ...this.counters(), kernel_drops: kernelDrops(SERVER_PORT), bindings: { ...this.core.bindings(), committed: this.core.committedCount() } };
    if (cmd === "reload") return { ok: this.reload() };
    return { error: `unknown command '${cmd}' (leases, counters, reload)` };
  }

  /** Keys of the sockets that are bound (for tests and status). */
  listening(): string[] {
    return this.sockets.listening();
  }

  counters(): Record<string, number> {
    return this.core.counters();
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.outputs.flush();
    this.state.saveClock();
    this.control.close();
    this.sockets.close();
    this.unhookJournal();
    this.netlink.close();
    this.routes.close();
    this.journal.close();
  }
}
