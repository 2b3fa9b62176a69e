// The UCI parser on every syntax form it accepts (host/config/uci.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseUci, type UciSection } from "../../host/config/uci.js";

const FILE = "/etc/config/dhcp";

/** The values of option `key` in `s`, failing when it is absent. */
function values(s: UciSection, key: string): string[] {
  const o = s.options.get(key);
  assert.ok(o, `option ${key} missing`);
  return o.values;
}

test("sections: type, quoted or unquoted name, line", () => {
  const f = parseUci("config dhcp lan\nconfig dhcp 'wan'\n\nconfig odhcpd \"main\"\n", FILE);
  assert.deepEqual(
    f.sections.map((s) => [s.type, s.name, s.anonymous, s.line]),
    [
      ["dhcp", "lan", false, 1],
      ["dhcp", "wan", false, 2],
      ["odhcpd", "main", false, 4],
    ],
  );
  assert.equal(f.file, FILE);
});

test("anonymous sections are named @type[N], counting every section of that type", () => {
  const f = parseUci("config host\nconfig dhcp lan\nconfig host 'nas'\nconfig host\nconfig dhcp ''\n", FILE);
  assert.deepEqual(
    f.sections.map((s) => [s.name, s.anonymous]),
    [
      ["@host[0]", true],
      ["lan", false],
      ["nas", false],
      ["@host[2]", true],
      ["@dhcp[1]", true],
    ],
  );
});

test("option values unquoted, in single and in double quotes", () => {
  const f = parseUci("config dhcp lan\n\toption a plain\n\toption b 'single quoted'\n\toption c \"double quoted\"\n", FILE);
  const s = f.sections[0];
  assert.deepEqual(values(s, "a"), ["plain"]);
  assert.deepEqual(values(s, "b"), ["single quoted"]);
  assert.deepEqual(values(s, "c"), ["double quoted"]);
  assert.equal(s.options.get("b")?.isList, false);
  assert.equal(s.options.get("c")?.line, 4);
});

test("list values accumulate with their own lines", () => {
  const f = parseUci("config dhcp lan\n  list dns '2001:db8::1'\n\n  list dns 2001:db8::2\n", FILE);
  const o = f.sections[0].options.get("dns");
  assert.deepEqual(o, { values: ["2001:db8::1", "2001:db8::2"], lines: [2, 4], isList: true, line: 2 });
});

test("adjacent quoted and unquoted parts form one word", () => {
  const f = parseUci(`config x y\noption a 'foo'"bar"baz\noption b pre'mid dle'post\n`, FILE);
  assert.deepEqual(values(f.sections[0], "a"), ["foobarbaz"]);
  assert.deepEqual(values(f.sections[0], "b"), ["premid dlepost"]);
});

test("backslash: literal next character unquoted and in double quotes, nothing special in single quotes", () => {
  const text = [
    "config x y",
    "option a a\\ b",
    'option b "say \\"hi\\""',
    'option c "back\\\\slash"',
    'option d "\\n"',
    "option e 'a\\b'",
    "option f 'it'\\''s'",
  ].join("\n");
  const s = parseUci(text, FILE).sections[0];
  assert.deepEqual(values(s, "a"), ["a b"]);
  assert.deepEqual(values(s, "b"), ['say "hi"']);
  assert.deepEqual(values(s, "c"), ["back\\slash"]);
  assert.deepEqual(values(s, "d"), ["n"]);
  assert.deepEqual(values(s, "e"), ["a\\b"]);
  assert.deepEqual(values(s, "f"), ["it's"]);
});

test("a backslash at the end of a line joins the next line, and later line numbers stay right", () => {
  const text = "config x y\noption a foo\\\nbar\noption b \"one \\\ntwo\"\noption c after\n";
  const s = parseUci(text, FILE).sections[0];
  assert.deepEqual(values(s, "a"), ["foobar"]);
  assert.deepEqual(values(s, "b"), ["one two"]);
  assert.equal(s.options.get("a")?.line, 2);
  assert.equal(s.options.get("b")?.line, 4);
  assert.equal(s.options.get("c")?.line, 6);
});

test("quoted values may span lines, as in uci", () => {
  const s = parseUci("config x y\noption a 'line1\nline2'\noption b next\n", FILE).sections[0];
  assert.deepEqual(values(s, "a"), ["line1\nline2"]);
  assert.equal(s.options.get("b")?.line, 4);
});

test("comments: whole lines, indented, after a value, inside a word; kept inside quotes", () => {
  const text = [
    "# leading comment",
    "config x y # after the header",
    "   # indented comment",
    "option a value # trailing",
    "option b 'has # inside'",
    "option c word#rest is comment",
    '#option d hidden',
  ].join("\n");
  const f = parseUci(text, FILE);
  assert.equal(f.sections.length, 1);
  const s = f.sections[0];
  assert.deepEqual(values(s, "a"), ["value"]);
  assert.deepEqual(values(s, "b"), ["has # inside"]);
  assert.deepEqual(values(s, "c"), ["word"]);
  assert.equal(s.options.has("d"), false);
});

test("blank lines, tabs and trailing spaces are ignored", () => {
  const f = parseUci("\n\n\t\nconfig\tdhcp\t'lan'   \n\t\toption\tx\t1\t\n   \n", FILE);
  assert.equal(f.sections[0].line, 4);
  assert.deepEqual(values(f.sections[0], "x"), ["1"]);
  assert.equal(f.sections[0].options.get("x")?.line, 5);
});

test("CRLF files parse like LF files, without carriage returns in values", () => {
  const lf = "config dhcp 'lan'\n\toption ifname 'br-lan'\n\tlist dns 2001:db8::1\n\n\toption leasetime 12h\n";
  const a = parseUci(lf, FILE);
  const b = parseUci(lf.replace(/\n/g, "\r\n"), FILE);
  assert.deepEqual(b, a);
  assert.deepEqual(values(b.sections[0], "leasetime"), ["12h"]);
});

test("';' separates commands on one line", () => {
  const f = parseUci("config x a; option k v; list l 1;list l 2\nconfig x b\n", FILE);
  assert.equal(f.sections.length, 2);
  assert.deepEqual(values(f.sections[0], "k"), ["v"]);
  assert.deepEqual(values(f.sections[0], "l"), ["1", "2"]);
  assert.equal(f.sections[1].line, 2);
});

test("keywords may be abbreviated as in uci (c, o, l, p), and package is recorded", () => {
  const f = parseUci("p dhcp\nc dhcp lan\no a 1\nl b 2\npackage other\n", FILE);
  assert.equal(f.package, "dhcp");
  assert.deepEqual(values(f.sections[0], "a"), ["1"]);
  assert.deepEqual(values(f.sections[0], "b"), ["2"]);
  assert.equal(f.sections[0].options.get("b")?.isList, true);
});

test("option semantics follow uci: later option wins, list after option extends it, option '' removes", () => {
  const text = [
    "config x y",
    "option a first",
    "option a second",
    "option b one",
    "list b two",
    "list c 1",
    "option c replaced",
    "option d gone",
    "option d ''",
    "option e",
    "list f ''",
  ].join("\n");
  const s = parseUci(text, FILE).sections[0];
  assert.deepEqual(s.options.get("a"), { values: ["second"], lines: [3], isList: false, line: 3 });
  assert.deepEqual(s.options.get("b"), { values: ["one", "two"], lines: [4, 5], isList: true, line: 4 });
  assert.deepEqual(s.options.get("c"), { values: ["replaced"], lines: [7], isList: false, line: 7 });
  assert.equal(s.options.has("d"), false);
  assert.equal(s.options.has("e"), false);
  assert.deepEqual(values(s, "f"), [""]);
});

test("an empty file, or only comments, has no sections", () => {
  assert.deepEqual(parseUci("", FILE).sections, []);
  assert.deepEqual(parseUci("# nothing\n\n", FILE).sections, []);
});

test("section types may hold any printable character; names letters, digits and '_'", () => {
  const f = parseUci("config my-type.v2 Name_2\n", FILE);
  assert.equal(f.sections[0].type, "my-type.v2");
  assert.equal(f.sections[0].name, "Name_2");
});

test("two sections with one name are both returned (the schema rejects them)", () => {
  const f = parseUci("config dhcp lan\nconfig dhcp lan\n", FILE);
  assert.deepEqual(
    f.sections.map((s) => s.line),
    [1, 2],
  );
});
