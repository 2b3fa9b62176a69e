// host/config/schema.ts imports node:fs for loadConfig (reading a file), which
// the page never calls; parseConfig needs nothing from Node. The bundle's
// loader (web/pack.ts) provides a stub whose readFileSync throws.
declare module "node:fs" {
  export function readFileSync(path: string, encoding: string): string;
}
