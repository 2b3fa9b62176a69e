// The configuration as the daemon uses it: the validated UCI file, the
// devices it serves, and the CFG record for the core (with the daemon's
// persisted secret).

import { loadConfig } from "./config/schema.js";
import { encodeConfig } from "./config/encode.js";
import type { Config } from "./config/types.js";

export interface ServedInterface {
  device: string;
  /** True when this device gets sockets (a mode other than disabled). */
  serving: boolean;
  /** True when it may answer as a server (server or hybrid mode, not a master). */
  server: boolean;
  /** Upstream interface of relay/hybrid mode. */
  master: boolean;
  /** Where Relay-forwards go from this master: these servers, or ff05::1:3 when empty. */
  relayServers: Uint8Array[];
}

export interface ServedConfig {
  config: Config;
  interfaces: ServedInterface[];
  warnings: string[];
  /** The CFG record for the given device -> slot map and the daemon's secret. */
  encode(slots: ReadonlyMap<string, number>, secret?: Uint8Array): Uint8Array;
}

/** Loads and validates `path` (throws ConfigError with file, line, option, reason). */
export function loadServedConfig(path: string): ServedConfig {
  const { config, warnings } = loadConfig(path);
  return {
    config,
    interfaces: config.interfaces.map((i) => ({
      device: i.ifname,
      serving: i.mode !== "disabled",
      server: (i.mode === "server" || i.mode === "hybrid") && !i.master,
      master: i.master && (i.mode === "relay" || i.mode === "hybrid"),
      relayServers: i.relayServers,
    })),
    warnings: warnings.map((w) => w.message),
    encode: (slots, secret) => encodeConfig(config, slots, { secret }),
  };
}
