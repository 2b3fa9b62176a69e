// Every syntax error of the UCI parser: a ConfigError with file, line, option
// (when there is one) and a reason, formatted FILE:LINE: option 'KEY': REASON.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseUci } from "../../host/config/uci.js";
import { ConfigError } from "../../host/config/errors.js";

const FILE = "/etc/config/dhcp";

/** Asserts that parsing `text` fails with exactly this message. */
function fails(text: string, message: string, line: number, option?: string): void {
  assert.throws(
    () => parseUci(text, FILE),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
      assert.equal(e.message, message);
      assert.equal(e.file, FILE);
      assert.equal(e.line, line);
      assert.equal(e.option, option);
      assert.equal(e.name, "ConfigError");
      return true;
    },
  );
}

test("unterminated single quote: the line where it opened, and the option", () => {
  fails(
    "config dhcp lan\n\toption domain 'lan\n\toption dns x\n",
    "/etc/config/dhcp:2: option 'domain': unterminated single quote: no closing ' before the end of the file",
    2,
    "domain",
  );
});

test("unterminated double quote, also when the file ends in a backslash", () => {
  fails(
    'config dhcp lan\nlist dns "2001:db8::1\n',
    "/etc/config/dhcp:2: option 'dns': unterminated double quote: no closing \" before the end of the file",
    2,
    "dns",
  );
  fails('config dhcp lan\noption a "abc\\', "/etc/config/dhcp:2: option 'a': unterminated double quote: no closing \" before the end of the file", 2, "a");
});

test("unterminated quote in a config line has no option", () => {
  fails("\n\nconfig dhcp 'lan\n", "/etc/config/dhcp:3: unterminated single quote: no closing ' before the end of the file", 3);
});

test("option or list before any section", () => {
  fails("# header\noption dns 2001:db8::1\n", "/etc/config/dhcp:2: option 'dns': option outside a section (add a 'config' line before it)", 2, "dns");
  fails("list dns 2001:db8::1\n", "/etc/config/dhcp:1: option 'dns': list outside a section (add a 'config' line before it)", 1, "dns");
});

test("a line that is not a command", () => {
  fails("config dhcp lan\n\tifname br-lan\n", "/etc/config/dhcp:2: 'ifname' is not a UCI command (expected config, option, list or package)", 2);
  fails("config dhcp lan\n\toptions a b\n", "/etc/config/dhcp:2: 'options' is not a UCI command (expected config, option, list or package)", 2);
  fails("config dhcp lan\n}\n", "/etc/config/dhcp:2: '}' is not a UCI command (expected config, option, list or package)", 2);
});

test("a quoted keyword is not a command", () => {
  fails("'config' dhcp lan\n", "/etc/config/dhcp:1: 'config' is not a UCI command (expected config, option, list or package)", 1);
});

test("config without a type, with a bad type, with a bad name, with too many words", () => {
  fails("config\n", "/etc/config/dhcp:1: config without a section type", 1);
  fails("config ''\n", "/etc/config/dhcp:1: config without a section type", 1);
  fails("config 'my type'\n", "/etc/config/dhcp:1: section type 'my type' contains a space or a non-printable character", 1);
  fails("config dhcp 'my-lan'\n", "/etc/config/dhcp:1: section name 'my-lan' may contain only letters, digits and '_'", 1);
  fails("config dhcp lan extra\n", "/etc/config/dhcp:1: too many arguments (config takes a type and an optional name)", 1);
});

test("option or list without a name, or with a bad name", () => {
  fails("config dhcp lan\noption\n", "/etc/config/dhcp:2: option without a name", 2);
  fails("config dhcp lan\nlist '' x\n", "/etc/config/dhcp:2: list without a name", 2);
  fails("config dhcp lan\noption my-opt 1\n", "/etc/config/dhcp:2: option name 'my-opt' may contain only letters, digits and '_'", 2);
  fails("config dhcp lan\nlist 'a b' 1\n", "/etc/config/dhcp:2: list name 'a b' may contain only letters, digits and '_'", 2);
});

test("a value with spaces that is not quoted: too many arguments, with the option", () => {
  fails(
    "config dhcp lan\n\n\toption dns 2001:db8::1 2001:db8::2\n",
    "/etc/config/dhcp:3: option 'dns': too many arguments (quote a value that contains spaces)",
    3,
    "dns",
  );
  fails("config dhcp lan\nlist domain a b\n", "/etc/config/dhcp:2: option 'domain': too many arguments (quote a value that contains spaces)", 2, "domain");
});

test("package without a name, with a bad name, with too many words", () => {
  fails("package\n", "/etc/config/dhcp:1: package without a name", 1);
  fails("package 'd hcp'\n", "/etc/config/dhcp:1: package name 'd hcp' may contain only letters, digits, '_' and '-'", 1);
  fails("package dhcp more\n", "/etc/config/dhcp:1: too many arguments after the package name", 1);
});

test("errors after multi-line values and continuations report the right line", () => {
  fails("config x y\noption a 'one\ntwo'\nbogus\n", "/etc/config/dhcp:4: 'bogus' is not a UCI command (expected config, option, list or package)", 4);
  fails("config x y\noption a b\\\nc\r\nbogus\r\n", "/etc/config/dhcp:4: 'bogus' is not a UCI command (expected config, option, list or package)", 4);
});

test("the command after ';' is checked like any other", () => {
  fails("config x y; bogus\n", "/etc/config/dhcp:1: 'bogus' is not a UCI command (expected config, option, list or package)", 1);
});
