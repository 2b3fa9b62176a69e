// Routes to delegated prefixes (IA_PD) through the client, with rtnetlink:
// added when the core binds a delegation, removed when it ends. The routes
// we installed are remembered per binding, so a binding's end removes exactly
// what its start added.

import { RtNetlink } from "./rtnetlink.js";
import { log } from "../log/log.js";
import { formatIPv6, isLinkLocal } from "../util/ipv6.js";

/** The reference installs delegated-prefix routes with metric 1024. */
export const ROUTE_METRIC = 1024;
/** Our routes' protocol number, so that `ip -6 route show proto 96` lists them (odhcpd-wasm). */
export const RTPROT_OURS = 96;

export interface RouteSpec {
  prefix: Uint8Array;
  plen: number;
  via: Uint8Array;
  ifindex: number;
}

const key = (r: RouteSpec) => `${formatIPv6(r.prefix)}/${r.plen}`;

export class Routes {
  private sock: RtNetlink;
  private byBinding = new Map<number, Map<string, RouteSpec>>();

  constructor() {
    this.sock = new RtNetlink();
  }

  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** One rtnetlink request at a time: hundreds at once (routes restored at
   *  start-up) overflow the netlink package's native send path, which then
   *  aborts the process. */
  private request(add: boolean, r: RouteSpec): Promise<unknown> {
    this.pending++;
    const run = () => this.send(add, r).finally(() => this.pending--);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Requests not finished yet (tests, shutdown). */
  get inFlight(): number {
    return this.pending;
  }

  private send(add: boolean, r: RouteSpec): Promise<unknown> {
    // A link-local next hop needs its interface; a global one is resolved by the kernel.
    return this.sock.route(add, { prefix: r.prefix, plen: r.plen, gateway: r.via, oif: isLinkLocal(r.via) ? r.ifindex : 0, priority: ROUTE_METRIC, protocol: RTPROT_OURS });
  }

  add(binding: number, r: RouteSpec): void {
    let m = this.byBinding.get(binding);
    if (!m) this.byBinding.set(binding, (m = new Map()));
    m.set(key(r), r);
    this.request(true, r).then(
      () => log.info(`route ${key(r)} via ${formatIPv6(r.via)} added`),
      (e) => log.err(`adding route ${key(r)} via ${formatIPv6(r.via)}: ${(e as Error).message}`),
    );
  }

  /** Removes one route, or with `r` undefined every route of the binding. */
  del(binding: number, r?: RouteSpec): void {
    const m = this.byBinding.get(binding);
    if (!m) return;
    const list = r ? [m.get(key(r))].filter((x): x is RouteSpec => !!x) : [...m.values()];
    for (const x of list) {
      m.delete(key(x));
      this.request(false, x).then(
        () => log.info(`route ${key(x)} removed`),
        (e) => log.debug(`removing route ${key(x)}: ${(e as Error).message}`),
      );
    }
    if (m.size === 0) this.byBinding.delete(binding);
  }

  close(): void {
    this.sock.close();
  }
}
