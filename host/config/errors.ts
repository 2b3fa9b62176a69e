// Diagnostics of the configuration layer: one error type that stops loading
// and one warning shape, both pointing at FILE:LINE and, when there is one,
// the option. The text reads `/etc/config/dhcp:14: option 'dns': reason`.

/** Where a diagnostic points: the file, the 1-based line, the option if any. */
export interface ConfigLocation {
  file: string;
  line: number;
  option?: string;
}

/** A problem that does not stop loading (unknown section type or option, ...). */
export interface ConfigWarning extends ConfigLocation {
  /** What is wrong, without the location. */
  reason: string;
  /** The whole line to log: `FILE:LINE: option 'KEY': REASON`. */
  message: string;
}

/** Formats `FILE:LINE: option 'KEY': REASON` (the option part only when there is one). */
export function formatDiagnostic(at: ConfigLocation, reason: string): string {
  const opt = at.option !== undefined ? ` option '${at.option}':` : "";
  return `${at.file}:${at.line}:${opt} ${reason}`;
}

/** A syntax error or an invalid value: the configuration cannot be used. */
export class ConfigError extends Error {
  readonly file: string;
  readonly line: number;
  readonly option: string | undefined;
  /** What is wrong, without the location. */
  readonly reason: string;

  constructor(at: ConfigLocation, reason: string) {
    super(formatDiagnostic(at, reason));
    this.name = "ConfigError";
    this.file = at.file;
    this.line = at.line;
    this.option = at.option;
    this.reason = reason;
  }
}

/** Builds a warning record for `at`. */
export function makeWarning(at: ConfigLocation, reason: string): ConfigWarning {
  const w: ConfigWarning = { file: at.file, line: at.line, reason, message: formatDiagnostic(at, reason) };
  if (at.option !== undefined) w.option = at.option;
  return w;
}
