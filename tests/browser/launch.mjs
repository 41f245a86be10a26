// SPDX-License-Identifier: LGPL-2.1-or-later
// What the browser drivers (run.mjs, portal.mjs) share: their command line, their check lines
// ("ok   NAME" / "FAIL NAME (detail)", then "N passed, M failed") and how Debian's Chromium is
// launched through playwright-core (headless, a persistent profile, the self-signed test
// certificates accepted; never a downloaded browser).
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

/**
 * "--some-option VALUE" pairs into { someOption: VALUE }; `required` lists camelCase keys that
 * must be given. --chromium defaults to /usr/bin/chromium.
 */
export function parseArgs(argv, required = []) {
  const o = { chromium: "/usr/bin/chromium" };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    if (!k.startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${k}`);
    o[k.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[i + 1];
  }
  for (const k of required) {
    if (!o[k]) throw new Error(`missing --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  return o;
}

/** Counts checks and prints one line each; summary() prints the totals and returns the exit code. */
export function checker(out = (line) => console.log(line)) {
  let passed = 0;
  let failed = 0;
  return {
    check(name, ok, detail = "") {
      if (ok) passed += 1;
      else failed += 1;
      out(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` (${detail})` : ""}`);
      return ok;
    },
    get failed() {
      return failed;
    },
    summary() {
      out(`${passed} passed, ${failed} failed`);
      return failed === 0 ? 0 : 1;
    },
  };
}

/** Headless Chromium with a persistent profile in `userDataDir`; resolves to the context. */
export async function launchChromium({ userDataDir, executablePath = "/usr/bin/chromium" }) {
  mkdirSync(userDataDir, { recursive: true });
  return chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    ignoreHTTPSErrors: true, // the test servers' certificates are self-signed
    timeout: 60_000,
    args: [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors",
      "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--disable-default-apps", "--disable-extensions",
    ],
  });
}

/** The context's page, with the page's console and errors copied to stderr. */
export async function firstPage(context) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => process.stderr.write(`[page] ${m.type()}: ${m.text()}\n`));
  page.on("pageerror", (e) => process.stderr.write(`[page] error: ${e.message}\n`));
  const version = context.browser()?.version() ?? "(persistent context)";
  process.stderr.write(`[browser] Chromium ${version}\n`);
  return page;
}
