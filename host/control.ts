// The control socket: a Unix stream socket in the state directory. A client
// writes one command line ("leases", "counters", "reload") and reads one JSON
// document back. The `leases` and `counters` CLI commands use it.

import net from "node:net";
import { existsSync, unlinkSync, chmodSync } from "node:fs";
import { log } from "./log/log.js";

const MAX_COMMAND = 256;

export class ControlServer {
  private server: net.Server;

  constructor(private path: string, private handler: (cmd: string) => unknown) {
    this.server = net.createServer((c) => {
      let buf = "";
      c.setEncoding("utf8");
      c.on("data", (d) => {
        buf += d;
        const nl = buf.indexOf("\n");
        if (nl < 0 && buf.length < MAX_COMMAND) return;
        const cmd = buf.slice(0, nl < 0 ? MAX_COMMAND : nl).trim();
        let out: unknown;
        try {
          out = this.handler(cmd);
        } catch (e) {
          out = { error: (e as Error).message };
        }
        c.end(JSON.stringify(out) + "\n");
      });
      c.on("error", () => c.destroy());
    });
  }

  listen(): Promise<void> {
    if (existsSync(this.path)) unlinkSync(this.path); // a stale socket from a crash
    return new Promise((resolve) => {
      this.server.once("error", (e) => {
        log.warn(`control socket ${this.path}: ${e.message}`);
        resolve();
      });
      this.server.listen(this.path, () => {
        chmodSync(this.path, 0o600);
        resolve();
      });
    });
  }

  close(): void {
    this.server.close();
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

/** Sends one command to a running daemon and returns its JSON answer. */
export function controlRequest(path: string, cmd: string, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(path);
    let buf = "";
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    c.setEncoding("utf8");
    c.on("connect", () => c.write(`${cmd}\n`));
    c.on("data", (d) => (buf += d));
    c.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf));
      } catch {
        reject(new Error(`bad answer from ${path}: ${buf.slice(0, 100)}`));
      }
    });
    c.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach the daemon at ${path}: ${e.message} (is it running? see --state-dir)`));
    });
  });
}
