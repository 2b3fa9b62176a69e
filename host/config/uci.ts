// A parser for OpenWrt UCI files (/etc/config/dhcp), following libuci's
// file.c: `config TYPE ['NAME']`, `option KEY VALUE`, `list KEY VALUE`,
// `package NAME`, `#` comments, `;` between commands. A word is built from
// unquoted, '...' and "..." parts written next to each other; a backslash
// takes the next character literally (outside single quotes), and a backslash
// at the end of a line joins the next one. Quoted values may span lines, as in
// uci. Like uci, `option KEY ''` removes KEY, `list` after `option` turns the
// value into a list, and a later `option` replaces an earlier one.
//
// Not like uci: two sections with the same name are both returned (uci merges
// them); the schema reports that as an error.

import { ConfigError } from "./errors.js";

/** One option of a section, after all its `option`/`list` lines. */
export interface UciOption {
  values: string[];
  /** Line of each value (a list's values may be on different lines). */
  lines: number[];
  /** Written with `list` (else a single `option` value). */
  isList: boolean;
  /** Line of the first value. */
  line: number;
}

/** One `config` section. */
export interface UciSection {
  type: string;
  /** The section's name, or `@type[N]` for an anonymous one (as `uci show` names it). */
  name: string;
  anonymous: boolean;
  line: number;
  options: Map<string, UciOption>;
}

/** A parsed file. */
export interface UciFile {
  file: string;
  /** Name from a `package` line, if any (uci itself ignores it when loading a file). */
  package: string | null;
  sections: UciSection[];
}

interface Word {
  text: string;
  quoted: boolean;
}

interface Command {
  line: number;
  words: Word[];
}

/** Names of options and sections: libuci's uci_validate_name. */
const NAME_RE = /^[A-Za-z0-9_]+$/;
/** Package names may also contain '-'. */
const PACKAGE_RE = /^[A-Za-z0-9_-]+$/;
/** Section types: any printable ASCII but space (uci_validate_type). */
const TYPE_RE = /^[\x21-\x7e]+$/;

const KEYWORDS: Record<string, "config" | "option" | "list" | "package"> = {
  config: "config",
  c: "config",
  option: "option",
  o: "option",
  list: "list",
  l: "list",
  package: "package",
  p: "package",
};

/** isspace() minus '\n', which ends a command. */
function isBlank(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\v" || c === "\f";
}

/** The option a partly lexed `option`/`list` command names, if it got that far. */
function optionOf(cmd: Command | null): string | undefined {
  if (!cmd || cmd.words.length < 2 || cmd.words[0].quoted) return undefined;
  const k = KEYWORDS[cmd.words[0].text];
  return k === "option" || k === "list" ? cmd.words[1].text : undefined;
}

/** Splits the text into commands of words (quotes, escapes and comments resolved). */
function lex(text: string, file: string): Command[] {
  const src = text.replace(/\r\n/g, "\n");
  const commands: Command[] = [];
  let line = 1;
  let cmd: Command | null = null;
  let word: Word | null = null;

  const endWord = (): void => {
    if (word && cmd) cmd.words.push(word);
    word = null;
  };
  const endCommand = (): void => {
    endWord();
    if (cmd && cmd.words.length > 0) commands.push(cmd);
    cmd = null;
  };
  const inWord = (): Word => {
    if (!cmd) cmd = { line, words: [] };
    if (!word) word = { text: "", quoted: false };
    return word;
  };

  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      endCommand();
      line++;
      i++;
    } else if (isBlank(c)) {
      endWord();
      i++;
    } else if (c === "#") {
      endWord();
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === ";") {
      endCommand();
      i++;
    } else if (c === "'" || c === '"') {
      const w = inWord();
      w.quoted = true;
      const opened = line;
      i++;
      for (;;) {
        if (i >= src.length) {
          const kind = c === "'" ? "single" : "double";
          const at = { file, line: opened, option: optionOf(cmd) };
          throw new ConfigError(at, `unterminated ${kind} quote: no closing ${c} before the end of the file`);
        }
        const q = src[i];
        if (q === c) {
          i++;
          break;
        }
        if (q === "\\" && c === '"') {
          i++;
          if (i >= src.length) continue;
          if (src[i] === "\n") line++;
          else w.text += src[i];
          i++;
          continue;
        }
        if (q === "\n") line++;
        w.text += q;
        i++;
      }
    } else if (c === "\\") {
      i++;
      if (i >= src.length) break;
      if (src[i] === "\n") {
        line++; // continuation: the command goes on on the next line
      } else {
        inWord().text += src[i];
      }
      i++;
    } else {
      inWord().text += c;
      i++;
    }
  }
  endCommand();
  return commands;
}

/** Sets or extends an option the way libuci's uci_set/uci_add_list do. */
function assign(section: UciSection, key: string, value: string, line: number, isList: boolean): void {
  const prev = section.options.get(key);
  if (isList) {
    if (prev) {
      prev.values.push(value);
      prev.lines.push(line);
      prev.isList = true;
    } else {
      section.options.set(key, { values: [value], lines: [line], isList: true, line });
    }
    return;
  }
  // uci_set with an empty value deletes the option.
  section.options.delete(key);
  if (value !== "") section.options.set(key, { values: [value], lines: [line], isList: false, line });
}

/**
 * Parses the text of a UCI file. `file` names it in errors.
 * @throws ConfigError on any syntax error, with the line and (when known) the option.
 */
export function parseUci(text: string, file: string): UciFile {
  const out: UciFile = { file, package: null, sections: [] };
  const perType = new Map<string, number>();
  let section: UciSection | null = null;

  for (const cmd of lex(text, file)) {
    const at = { file, line: cmd.line };
    const [head, ...args] = cmd.words;
    const keyword = head.quoted ? undefined : KEYWORDS[head.text];
    if (!keyword) {
      throw new ConfigError(at, `'${head.text}' is not a UCI command (expected config, option, list or package)`);
    }
    if (keyword === "package") {
      if (args.length === 0 || args[0].text === "") throw new ConfigError(at, "package without a name");
      if (!PACKAGE_RE.test(args[0].text)) {
        throw new ConfigError(at, `package name '${args[0].text}' may contain only letters, digits, '_' and '-'`);
      }
      if (args.length > 1) throw new ConfigError(at, "too many arguments after the package name");
      out.package ??= args[0].text;
      continue;
    }
    if (keyword === "config") {
      section = openSection(args, at, perType);
      out.sections.push(section);
      continue;
    }
    // option or list
    if (args.length === 0 || args[0].text === "") throw new ConfigError(at, `${keyword} without a name`);
    const key = args[0].text;
    if (!NAME_RE.test(key)) {
      throw new ConfigError(at, `${keyword} name '${key}' may contain only letters, digits and '_'`);
    }
    const atOpt = { ...at, option: key };
    if (!section) throw new ConfigError(atOpt, `${keyword} outside a section (add a 'config' line before it)`);
    if (args.length > 2) throw new ConfigError(atOpt, "too many arguments (quote a value that contains spaces)");
    assign(section, key, args.length > 1 ? args[1].text : "", cmd.line, keyword === "list");
  }
  return out;
}

/** Validates a `config TYPE [NAME]` line and creates its section. */
function openSection(args: Word[], at: { file: string; line: number }, perType: Map<string, number>): UciSection {
  if (args.length === 0 || args[0].text === "") throw new ConfigError(at, "config without a section type");
  const type = args[0].text;
  if (!TYPE_RE.test(type)) throw new ConfigError(at, `section type '${type}' contains a space or a non-printable character`);
  const name = args.length > 1 ? args[1].text : "";
  if (name !== "" && !NAME_RE.test(name)) {
    throw new ConfigError(at, `section name '${name}' may contain only letters, digits and '_'`);
  }
  if (args.length > 2) throw new ConfigError(at, "too many arguments (config takes a type and an optional name)");
  const index = perType.get(type) ?? 0;
  perType.set(type, index + 1);
  return {
    type,
    name: name !== "" ? name : `@${type}[${index}]`,
    anonymous: name === "",
    line: at.line,
    options: new Map(),
  };
}
