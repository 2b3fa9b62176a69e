// Every fuzz target by name.

import { inspectTarget, handleTarget, sequenceTarget, type Target } from "./targets.js";
import { relayTarget } from "./relay.js";

export const TARGETS: Target[] = [inspectTarget, handleTarget, sequenceTarget, relayTarget];

export function targetByName(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown target ${name} (${TARGETS.map((x) => x.name).join(", ")})`);
  return t;
}
