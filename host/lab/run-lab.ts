// `npm start` / `odhcpd-wasm lab`: a two-namespace lab with OUR server on one
// side (2001:db8:1::1/64, DNS 2001:db8:1::53, domain lab.example) and a real
// client on the other. Prints what the client received, keeps serving
// (forwarding the server's log) until Ctrl-C, then removes everything.
//
// Also runnable directly: node build/host/lab/run-lab.js [--server ours|kea]
//   [--client KIND|none] [--once] [--verbose] [--log-level L]

import { pathToFileURL } from "node:url";
import { checkLabPrerequisites, onInterrupt, SERVER_ADDR, LabPrerequisiteError, LabCommandError } from "./netns.js";
import { LAB_DNS, LAB_DOMAIN, ourCli, projectRoot } from "./servers.js";
import { CLIENT_KINDS, describeClientResult, type ClientKind, type ClientResult } from "./clients.js";
import { openLab, type ServerKind } from "./with-lab.js";

export interface RunLabOptions {
  /** Which server runs in the server namespace (default "ours"; "kea" as a reference). */
  server?: Exclude<ServerKind, "none">;
  /** Which client to run once the server listens (default "dhclient-S"; "none" for none). */
  client?: ClientKind | "none";
  /** Our server's --log-level (number 0-7 or name; default info). */
  logLevel?: number | string;
  /** Also print the client's own output and the UCI file. */
  verbose?: boolean;
  /** Stop after the client ran instead of serving until Ctrl-C (tests, scripts). */
  once?: boolean;
  /** Stop serving when this aborts (alternative to Ctrl-C). */
  signal?: AbortSignal;
  dns?: string[];
  domain?: string[];
  /** Project root (default: found from this module's location). */
  root?: string;
  /** Where lines go (default stdout). */
  print?: (line: string) => void;
  /** Bound on the client's exchange (default 10 s). */
  clientTimeoutMs?: number;
}

export interface RunLabResult {
  /** The client's result (null with client "none"). */
  client: ClientResult | null;
  /** The client got what it asked for and the server ran until asked to stop. */
  ok: boolean;
  /** How serving ended. */
  stoppedBy: "once" | "interrupt" | "abort" | "server-exit" | "error";
}

const CLIENT_TOOL: Record<string, string> = { dhclient: "dhclient", dhcpcd: "dhcpcd", dhcp6c: "dhcp6c" };

export async function runLab(opts: RunLabOptions = {}): Promise<RunLabResult> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const serverKind = opts.server ?? "ours";
  const clientKind = opts.client ?? "dhclient-S";
  if (clientKind !== "none" && !CLIENT_KINDS.includes(clientKind)) throw new Error(`unknown client '${clientKind}' (one of ${CLIENT_KINDS.join(", ")}, none)`);
  const tools = ["ss"];
  if (clientKind !== "none") tools.push(CLIENT_TOOL[clientKind.split("-")[0]]);
  if (clientKind.startsWith("dhcpcd") || clientKind.startsWith("dhcp6c")) tools.push("mount");
  if (serverKind === "kea") tools.push("kea-dhcp6");
  checkLabPrerequisites(tools);
  const root = opts.root ?? projectRoot();
  if (serverKind === "ours") ourCli(root); // clear message when not built

  const uci = { dns: opts.dns ?? [LAB_DNS], domain: opts.domain ?? [LAB_DOMAIN] };
  const serverLine = (line: string) => print(`[${serverKind === "ours" ? "server" : "kea"}] ${line}`);
  const ctx = await openLab({
    server: serverKind,
    ours: { root, logLevel: opts.logLevel ?? "info", uci, onLine: serverLine },
    kea: { dns: uci.dns, domain: uci.domain, onLine: serverLine },
  });
  const { lab } = ctx;
  let result: RunLabResult = { client: null, ok: false, stoppedBy: "error" };
  let serverExited = false;
  try {
    print(`lab: server namespace ${lab.ns("srv")}, interface ${ctx.serverIf} (${SERVER_ADDR}/64, ${ctx.serverLinkLocal})`);
    print(`lab: client namespace ${lab.ns("cli")}, interface ${ctx.clientIf} (${lab.linkLocal("cli")})`);
    print(`lab: ${serverKind === "ours" ? "our server" : "Kea"} is listening (config ${ctx.server!.configFile})`);
    if (opts.verbose) {
      const { readFileSync } = await import("node:fs");
      for (const l of readFileSync(ctx.server!.configFile, "utf8").split("\n")) print(`lab:   ${l}`);
    }
    void ctx.server!.proc.exited.then(() => (serverExited = true));

    if (clientKind !== "none") {
      print(`lab: running ${clientKind} in ${lab.ns("cli")} ...`);
      const r = await ctx.client(clientKind, {
        timeoutMs: opts.clientTimeoutMs ?? 10_000,
        onLine: opts.verbose ? (l) => print(`[${clientKind}] ${l}`) : undefined,
      });
      result.client = r;
      for (const l of describeClientResult(r).split("\n")) print(`lab: ${l}`);
      if (!r.ok && !opts.verbose) for (const l of r.log.split("\n").slice(-15)) print(`[${clientKind}] ${l}`);
    }

    if (opts.once) {
      result.stoppedBy = "once";
    } else if (serverExited) {
      result.stoppedBy = "server-exit";
    } else {
      print("lab: serving; press Ctrl-C to stop and clean up");
      let off = (): void => undefined;
      result.stoppedBy = await new Promise<RunLabResult["stoppedBy"]>((resolve) => {
        off = onInterrupt(() => resolve("interrupt"));
        opts.signal?.addEventListener("abort", () => resolve("abort"), { once: true });
        if (opts.signal?.aborted) resolve("abort");
        void ctx.server!.proc.exited.then(() => resolve("server-exit"));
      });
      off();
      if (result.stoppedBy === "server-exit") {
        const x = ctx.server!.proc.exit;
        print(`lab: the server exited (code ${x?.code}, signal ${x?.signal})`);
      } else print(`lab: stopping (${result.stoppedBy})`);
    }
    result.ok = (result.client?.ok ?? true) && result.stoppedBy !== "server-exit" && !serverExited;
  } finally {
    await lab.close();
    print("lab: namespaces, processes and temp files removed");
  }
  return result;
}

// Direct use: node build/host/lab/run-lab.js [options]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const o: RunLabOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--server") o.server = argv[++i] as RunLabOptions["server"];
    else if (a === "--client") o.client = argv[++i] as RunLabOptions["client"];
    else if (a === "--log-level") o.logLevel = argv[++i];
    else if (a === "--once") o.once = true;
    else if (a === "--verbose" || a === "-v") o.verbose = true;
    else {
      process.stderr.write(`usage: run-lab.js [--server ours|kea] [--client ${CLIENT_KINDS.join("|")}|none] [--once] [--verbose] [--log-level L]\n`);
      process.exit(2);
    }
  }
  runLab(o).then(
    (r) => process.exit(r.ok ? 0 : 1),
    (e) => {
      process.stderr.write(`lab: ${e instanceof LabPrerequisiteError || e instanceof LabCommandError ? e.message : ((e as Error).stack ?? e)}\n`);
      process.exit(1);
    },
  );
}
