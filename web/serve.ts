// `npm run inspect`: serves the built inspector (this folder, build/web) on
// http://127.0.0.1:PORT/. The page needs no server (it also works from
// file://); this is a convenience and what the tests use.
//
//   node build/web/serve.js [--port N] [--host ADDR]

import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
};

/** Serves the files of `dir` (GET and HEAD only); resolves when listening. */
export function serveStatic(dir: string, port = 0, host = "127.0.0.1"): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(dir, path.endsWith("/") ? path + "index.html" : path));
    if ((req.method !== "GET" && req.method !== "HEAD") || !(file + sep).startsWith(dir + sep) || file.endsWith(".map")) {
      res.writeHead(req.method === "GET" || req.method === "HEAD" ? 404 : 405).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve({ server, url: `http://${host.includes(":") ? `[${host}]` : host}:${a.port}/` });
    });
  });
}

const here = dirname(fileURLToPath(import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg("--port") ?? 8547);
  serveStatic(here, port, arg("--host") ?? "127.0.0.1").then(
    ({ url }) => console.log(`DHCPv6 inspector: ${url}  (Ctrl-C stops; the page also works opened from ${join(here, "index.html")})`),
    (e: Error) => {
      console.error(`inspect: ${e.message}`);
      process.exit(1);
    },
  );
}
