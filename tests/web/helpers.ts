// Shared by the inspector's tests: paths, the built page, Debian's chromium
// driven by playwright-core (never a downloaded browser).

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** The repository (this file runs from build/tests/web/). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const WEB = join(ROOT, "build/web");
export const CAPTURES = join(ROOT, "tests/vectors/captures");
export const ARTIFACTS = join(ROOT, "build/artifacts");
export const CHROMIUM = "/usr/bin/chromium";

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

export interface Browser {
  ctx: BrowserContext;
  close(): Promise<void>;
}

/** Headless Debian chromium with a fresh profile; fails (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) assert.fail(`install chromium: ${CHROMIUM} is missing (Debian: apt-get install chromium)`);
  if (!existsSync(join(WEB, "index.html")) || !existsSync(join(WEB, "app.js"))) assert.fail(`the inspector is not built in ${WEB}: npm run build`);
  const profile = mkdtempSync(join(tmpdir(), "inspector-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1500, height: 1100 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    ctx,
    close: async () => {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Fails the test on any script error on the page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  return errors;
}

/** Marks the page as busy, runs `act` (which loads something), waits until the page is ready again. */
export async function loadAndWait(page: Page, act: () => Promise<unknown>, timeout = 30_000): Promise<void> {
  await page.evaluate(() => (document.body.dataset.state = "test-pending"));
  await act();
  await page.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.state ?? ""), null, { timeout });
  const state = await page.evaluate(() => [document.body.dataset.state, document.getElementById("status")?.textContent]);
  assert.equal(state[0], "ready", `page state after loading: ${state[1]}`);
}

/** Waits until the page has loaded core.wasm. */
export async function waitStarted(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state !== "starting", null, { timeout: 15_000 });
  const s = await page.evaluate(() => [document.body.dataset.state, document.getElementById("status")?.textContent]);
  assert.notEqual(s[0], "error", `the page did not start: ${s[1]}`);
}

export interface ListRow {
  index: number;
  no: string;
  time: string;
  src: string;
  dst: string;
  type: string;
  xid: string;
  client: string;
  summary: string;
  mal: string;
  malTitle: string;
  classes: string;
}

/** The rows of the message list currently in the DOM. */
export function listRows(page: Page): Promise<ListRow[]> {
  return page.$$eval("#list .row", (els) =>
    els.map((r) => {
      const c = (k: string) => r.querySelector(`.c-${k}`)?.textContent ?? "";
      return {
        index: Number((r as HTMLElement).dataset.index),
        no: c("no"),
        time: c("time"),
        src: c("src"),
        dst: c("dst"),
        type: c("type"),
        xid: c("xid"),
        client: c("client"),
        summary: c("summary"),
        mal: c("mal"),
        malTitle: (r.querySelector(".c-mal") as HTMLElement | null)?.title ?? "",
        classes: r.className,
      };
    }),
  );
}

export interface TreeNode {
  key: string;
  label: string;
  value: string;
  off: number;
  len: number;
  classes: string;
}

/** The nodes of a tree view (`#tree`, `#sim-ours`, `#sim-captured`). */
export function treeNodes(page: Page, container: string): Promise<TreeNode[]> {
  return page.$$eval(`${container} .node`, (els) =>
    els.map((e) => {
      const h = e as HTMLElement;
      return {
        key: h.dataset.key ?? "",
        label: h.querySelector(".lbl")?.textContent ?? "",
        value: h.querySelector(".val")?.textContent ?? "",
        off: Number(h.dataset.off),
        len: Number(h.dataset.len),
        classes: h.className,
      };
    }),
  );
}

/** Indexes of the hex view's bytes that have class `cls`. */
export function hexBytes(page: Page, cls: string): Promise<number[]> {
  return page.$$eval(`#hexview .hb.${cls}`, (els) => els.map((e) => Number((e as HTMLElement).dataset.i)));
}

export function range(off: number, len: number): number[] {
  return Array.from({ length: len }, (_, i) => off + i);
}
