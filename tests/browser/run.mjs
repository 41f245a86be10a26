// SPDX-License-Identifier: LGPL-2.1-or-later
// The browser test's driver: Debian's headless Chromium through playwright-core (never a
// downloaded browser). It opens the test portal (server.mjs) over https on 127.0.0.1, clicks the
// login button, and expects the page to show the holder verified by `tscns verify` (codice
// fiscale and card ID). Then: the same token posted again is refused (single-use challenge), a
// reload gets a new challenge, and a page from an origin the daemon does not allow cannot reach
// it (the daemon's 403 carries no CORS header, so the page sees a network error).
//
// Usage: node run.mjs --url URL --expect-cf CF --expect-card-id ID --user-data-dir DIR
//          [--foreign-url URL] [--screenshot FILE] [--chromium /usr/bin/chromium]
// Prints one line per check ("ok   ..." / "FAIL ...") and exits 0 when all pass.
import { checker, firstPage, launchChromium, parseArgs } from "./launch.mjs";

const opt = parseArgs(process.argv.slice(2), ["url", "expectCf", "expectCardId", "userDataDir"]);
const { check, summary } = checker();

const context = await launchChromium({ userDataDir: opt.userDataDir, executablePath: opt.chromium });
try {
  const page = await firstPage(context);

  await page.goto(opt.url, { waitUntil: "load" });
  await page.waitForSelector('#daemon:not([data-state="checking"])', { timeout: 20_000 });
  const daemonState = await page.getAttribute("#daemon", "data-state");
  check("the page reaches the daemon and sees the card (status)", daemonState === "ready",
    `${daemonState}: ${await page.textContent("#daemon")}`);
  const challenge1 = await page.getAttribute("body", "data-challenge");
  check("the page got a challenge from the portal", /^[A-Za-z0-9_-]{43}$/.test(challenge1 ?? ""));

  await page.click("#login");
  await page.waitForSelector('#result[data-state="verified"], #result[data-state="error"]',
    { timeout: 60_000 });
  const state = await page.getAttribute("#result", "data-state");
  check("the portal verified the token", state === "verified",
    `${state}: ${(await page.textContent("#result"))?.trim()}`);
  if (state === "verified") {
    const cf = (await page.textContent("#cf"))?.trim();
    const card = (await page.textContent("#card"))?.trim();
    check("the page shows the holder's codice fiscale", cf === opt.expectCf, cf);
    check("the page shows the card ID (as certified)", card === opt.expectCardId, card);
  }
  if (opt.screenshot) await page.screenshot({ path: opt.screenshot, fullPage: true });

  const replay = await page.evaluate(async () => {
    const csrf = document.documentElement.innerHTML.match(/const csrf = "([^"]+)"/)?.[1];
    const r = await fetch("/auth/cns/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: window.__cnsToken ?? "{}",
    });
    return { status: r.status, body: await r.json() };
  });
  check("the same token posted again is refused (challenge used up)",
    replay.status === 400 && replay.body?.error?.code === "SESSION_MISSING", JSON.stringify(replay));

  await page.reload({ waitUntil: "load" });
  await page.waitForSelector('#daemon:not([data-state="checking"])', { timeout: 20_000 });
  const challenge2 = await page.getAttribute("body", "data-challenge");
  check("a new page load gets a new challenge", !!challenge2 && challenge2 !== challenge1);

  if (opt.foreignUrl) {
    await page.goto(opt.foreignUrl, { waitUntil: "load" });
    await page.waitForSelector('#daemon:not([data-state="checking"])', { timeout: 20_000 });
    const st = await page.getAttribute("#daemon", "data-state");
    const code = await page.getAttribute("#daemon", "data-code");
    check("a page of an origin not on the allowlist cannot read the daemon's status",
      st === "unreachable" && code === "DAEMON_UNREACHABLE", `${st} ${code}`);
    await page.click("#login");
    await page.waitForSelector('#result[data-state="error"], #result[data-state="verified"]',
      { timeout: 20_000 });
    const fcode = await page.getAttribute("#result", "data-code");
    check("... nor authenticate (network error, no answer readable)",
      fcode === "DAEMON_UNREACHABLE", fcode ?? "");
  }
} catch (e) {
  check("browser run", false, e.message);
} finally {
  await context.close();
}
process.exit(summary());
