// withLab: build a topology, start a server (ours, Kea or none) and a relay
// when the topology has one, hand a context to a function, and always clean up.
//
//   await withLab({ server: "kea" }, async (ctx) => {
//     const r = await ctx.client("dhclient-S");
//     assert.deepEqual(r.dnsServers, ["2001:db8:1::53"]);
//   });

import { createLab, directTopology, relayTopology, RELAY_SERVER_ADDR, type CreateLabOptions, type Lab, type LabProcess, type TopologySpec } from "./netns.js";
import { startKea, startOurServer, startDhcrelay, type KeaOptions, type RelayOptions, type ServerHandle, type StartOurServerOptions } from "./servers.js";
import { runClient, type ClientKind, type ClientOptions, type ClientResult } from "./clients.js";
import { startCapture, type Capture, type CaptureOptions } from "./capture.js";

export type ServerKind = "ours" | "kea" | "none";

export interface WithLabOptions {
  /** "direct" (default), "relay", or a topology of your own (roles "srv" and "cli" expected by the helpers). */
  topology?: "direct" | "relay" | TopologySpec;
  /** The server started in "srv" (default "ours"). */
  server?: ServerKind;
  ours?: StartOurServerOptions;
  kea?: KeaOptions;
  /** With the relay topology: start ISC dhcrelay in "rly" (default true unless server is "none"). */
  relay?: boolean | RelayOptions;
  /** Copy the output of the server and the relay to stderr, prefixed (default false). */
  verbose?: boolean;
  lab?: CreateLabOptions;
}

export interface LabContext {
  lab: Lab;
  topology: "direct" | "relay" | "custom";
  server: ServerHandle | null;
  relay: LabProcess | null;
  /** Namespace roles. */
  serverRole: string;
  clientRole: string;
  /** Real interface names. */
  serverIf: string;
  clientIf: string;
  /** Link-local address of the server's interface. */
  serverLinkLocal: string;
  /** Runs a real client in the client namespace (default dhclient -6 -S). */
  client(kind?: ClientKind, opts?: ClientOptions): Promise<ClientResult>;
  /** Starts a capture (default: on the client's interface). */
  capture(role?: string, logicalIf?: string, opts?: CaptureOptions): Promise<Capture>;
  /** Starts a server in "srv" (when the lab was created with server "none", or after stopping it). */
  startServer(kind: "ours" | "kea", opts?: StartOurServerOptions | KeaOptions): Promise<ServerHandle>;
}

function prefixer(name: string, on: boolean): ((line: string) => void) | undefined {
  return on ? (line) => process.stderr.write(`[${name}] ${line}\n`) : undefined;
}

/** Builds the lab and starts what the options ask for; the caller must `ctx.lab.close()`. */
export async function openLab(opts: WithLabOptions = {}): Promise<LabContext> {
  const t = opts.topology ?? "direct";
  const spec = t === "direct" ? directTopology() : t === "relay" ? relayTopology() : t;
  const lab = await createLab(spec, opts.lab);
  try {
    const isRelay = t === "relay";
    const serverRole = "srv";
    const clientRole = "cli";
    const ctx: LabContext = {
      lab,
      topology: typeof t === "string" ? t : "custom",
      server: null,
      relay: null,
      serverRole,
      clientRole,
      serverIf: lab.ifname(serverRole),
      clientIf: lab.ifname(clientRole),
      serverLinkLocal: await lab.waitLinkLocal(serverRole),
      client: (kind = "dhclient-S", o = {}) => runClient(lab, clientRole, kind, o),
      capture: (role = clientRole, logicalIf, o) => startCapture(lab, role, logicalIf, o),
      startServer: async (kind, o = {}) => {
        if (kind === "ours") {
          const so = o as StartOurServerOptions;
          ctx.server = await startOurServer(lab, serverRole, { ...so, onLine: so.onLine ?? prefixer("server", !!opts.verbose) });
        } else {
          const ko = o as KeaOptions;
          ctx.server = await startKea(lab, serverRole, {
            ...(isRelay ? { unicast: RELAY_SERVER_ADDR } : {}),
            ...ko,
            onLine: ko.onLine ?? prefixer("kea", !!opts.verbose),
          });
        }
        return ctx.server;
      },
    };
    const server = opts.server ?? "ours";
    if (server !== "none") await ctx.startServer(server, server === "ours" ? opts.ours : opts.kea);
    const wantRelay = opts.relay ?? (isRelay && server !== "none");
    if (wantRelay && isRelay) {
      const ro = typeof opts.relay === "object" ? opts.relay : {};
      ctx.relay = await startDhcrelay(lab, "rly", { ...ro, onLine: ro.onLine ?? prefixer("dhcrelay", !!opts.verbose) });
    }
    return ctx;
  } catch (e) {
    await lab.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Runs fn with a fresh lab and always cleans up (namespaces, processes,
 * /etc/netns dirs, temp files), also when fn throws. An error of fn wins over a
 * cleanup error.
 */
export async function withLab<T>(fn: (ctx: LabContext) => Promise<T>): Promise<T>;
export async function withLab<T>(opts: WithLabOptions, fn: (ctx: LabContext) => Promise<T>): Promise<T>;
export async function withLab<T>(a: WithLabOptions | ((ctx: LabContext) => Promise<T>), b?: (ctx: LabContext) => Promise<T>): Promise<T> {
  const opts = typeof a === "function" ? {} : a;
  const fn = typeof a === "function" ? a : b!;
  const ctx = await openLab(opts);
  let result: T;
  try {
    result = await fn(ctx);
  } catch (e) {
    await ctx.lab.close().catch(() => undefined);
    throw e;
  }
  await ctx.lab.close();
  return result;
}
