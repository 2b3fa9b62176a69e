// The reference's lease file (`leasefile`), rewritten atomically (temp +
// rename), and the `leasetrigger` script, run when the set of (address,
// hostname) pairs changed. Both are debounced: many changes in a burst cost
// one write and one run.

import { writeFileSync, renameSync } from "node:fs";
import { spawn } from "node:child_process";
import { log } from "../log/log.js";

const DEBOUNCE_MS = 200;

export class LeaseOutputs {
  private timer: NodeJS.Timeout | null = null;
  private trigger = false;
  private running = false;

  constructor(
    private leasefile: string | null,
    private leasetrigger: string | null,
    private render: () => string,
  ) {}

  /** Something changed: rewrite the file soon; `setChanged` also runs the trigger. */
  changed(setChanged: boolean): void {
    if (!this.leasefile && !this.leasetrigger) return;
    this.trigger ||= setChanged;
    if (!this.timer) this.timer = setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  /** Writes now (also at shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.leasefile) {
      try {
        writeFileSync(`${this.leasefile}.tmp`, this.render());
        renameSync(`${this.leasefile}.tmp`, this.leasefile);
      } catch (e) {
        log.err(`writing lease file ${this.leasefile}: ${(e as Error).message}`);
      }
    }
    if (this.trigger && this.leasetrigger && !this.running) {
      this.trigger = false;
      this.running = true;
      const child = spawn(this.leasetrigger, [], { stdio: "ignore" });
      child.on("error", (e) => {
        this.running = false;
        log.err(`leasetrigger ${this.leasetrigger}: ${e.message}`);
      });
      child.on("exit", () => {
        this.running = false;
      });
    }
  }
}
