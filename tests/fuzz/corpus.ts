// Files: corpus directories (raw inputs, one per file, DIR/<target>/<hash>)
// and the regression format (text), used for crashers too:
//
//   # any comment
//   target: handle
//   expect: drop drop_malformed        (optional; applies to the next input)
//   0100...                            one input per line, hex
//
// All inputs of a file run in order on one freshly set-up core (so a file can
// hold a state-dependent history).

import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ROOT } from "./harness.js";
import { hex, unhex } from "./dhcpv6.js";

export const REGRESSIONS = `${ROOT}tests/fuzz/regressions/`;
export const CORPUS = `${ROOT}tests/fuzz/corpus/`;

export const digest = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex").slice(0, 16);

export function loadCorpusDir(dir: string, target: string): Uint8Array[] {
  const d = join(dir, target);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .sort()
    .filter((f) => statSync(join(d, f)).isFile())
    .map((f) => new Uint8Array(readFileSync(join(d, f))));
}

export function saveCorpusInput(dir: string, target: string, input: Uint8Array): string {
  const d = join(dir, target);
  mkdirSync(d, { recursive: true });
  const f = join(d, digest(input));
  if (!existsSync(f)) writeFileSync(f, input);
  return f;
}

export interface Expectation {
  /** "drop <counter>", "reply <msg type> [layers <n>]", "none" (no reply, no drop), "ok" */
  text: string;
}

export interface RegressionCase {
  file: string;
  target: string;
  comments: string[];
  inputs: { bytes: Uint8Array; expect: string | null; line: number }[];
}

export function parseRegression(file: string, text: string): RegressionCase {
  const c: RegressionCase = { file, target: "", comments: [], inputs: [] };
  let expect: string | null = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    if (line.startsWith("#")) c.comments.push(line.slice(1).trim());
    else if (line.startsWith("target:")) c.target = line.slice(7).trim();
    else if (line.startsWith("expect:")) expect = line.slice(7).trim();
    else {
      if (!/^[0-9a-fA-F\s]*$/.test(line) || line.replace(/\s+/g, "").length % 2) throw new Error(`${file}:${i + 1}: not hex`);
      c.inputs.push({ bytes: unhex(line), expect, line: i + 1 });
      expect = null;
    }
  });
  if (!c.target) throw new Error(`${file}: no "target:" line`);
  return c;
}

export function loadRegressions(dir = REGRESSIONS): RegressionCase[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".hex"))
    .sort()
    .map((f) => parseRegression(f, readFileSync(join(dir, f), "utf8")));
}

export function formatRegression(target: string, comments: string[], inputs: Uint8Array[]): string {
  const lines = comments.flatMap((c) => c.split("\n")).map((c) => `# ${c}`);
  lines.push(`target: ${target}`);
  for (const i of inputs) lines.push(hex(i));
  return lines.join("\n") + "\n";
}
