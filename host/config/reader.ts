// Reading one UCI section's options through value parsers, with every
// InvalidValue turned into a ConfigError at the exact file, line and option,
// and a note of which options were read so the rest can be warned about.

import { ConfigError, makeWarning, type ConfigLocation, type ConfigWarning } from "./errors.js";
import { InvalidValue } from "./values.js";
import type { UciSection } from "./uci.js";

/** Reads the options of one section; remembers which ones it read. */
export class SectionReader {
  private readonly used = new Set<string>();

  constructor(
    readonly file: string,
    readonly section: UciSection,
    private readonly warnings: ConfigWarning[],
  ) {}

  /** Location of `option` (its first line), or of the section when absent. */
  at(option?: string, line?: number): ConfigLocation {
    const o = option !== undefined ? this.section.options.get(option) : undefined;
    const loc: ConfigLocation = { file: this.file, line: line ?? o?.line ?? this.section.line };
    if (option !== undefined) loc.option = option;
    return loc;
  }

  /** True when the section sets `key` (and marks it read). */
  has(key: string): boolean {
    this.used.add(key);
    return this.section.options.has(key);
  }

  /** The raw single value of `key`, or undefined. A `list` is refused. */
  text(key: string): string | undefined {
    this.used.add(key);
    const o = this.section.options.get(key);
    if (!o) return undefined;
    if (o.isList) throw new ConfigError(this.at(key), "takes one value: write it with 'option', not 'list'");
    return o.values[0];
  }

  /** The single value of `key` through `parse`, or undefined when unset. */
  one<T>(key: string, parse: (v: string) => T): T | undefined {
    const v = this.text(key);
    return v === undefined ? undefined : this.convert(key, this.at(key).line, () => parse(v));
  }

  /**
   * Every value of `key` through `parse`, in order: the elements of a `list`,
   * or the space-separated words of an `option` (as odhcpd's uci_to_blob
   * splits them). `parse` may return undefined to skip a value.
   */
  many<T>(key: string, parse: (v: string) => T | undefined): T[] {
    this.used.add(key);
    const o = this.section.options.get(key);
    if (!o) return [];
    const items: [string, number][] = o.isList
      ? o.values.map((v, i) => [v, o.lines[i]])
      : o.values[0].split(/\s+/).filter((w) => w !== "").map((w) => [w, o.line]);
    const out: T[] = [];
    for (const [v, line] of items) {
      const r = this.convert(key, line, () => parse(v));
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** Records a warning about `option` (or the section). */
  warn(reason: string, option?: string, line?: number): void {
    this.warnings.push(makeWarning(this.at(option, line), reason));
  }

  /** Warns about each option that was never read and is not in `foreign`. */
  warnUnknown(kind: string, foreign: ReadonlySet<string>): void {
    for (const key of this.section.options.keys()) {
      if (this.used.has(key) || foreign.has(key)) continue;
      this.warn(`unknown option in ${kind} section '${this.section.name}', ignored`, key);
    }
  }

  private convert<T>(key: string, line: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof InvalidValue) throw new ConfigError(this.at(key, line), e.reason);
      throw e;
    }
  }
}
