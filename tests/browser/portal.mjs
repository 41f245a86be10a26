// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's browser test driver (tests/e2e/portal_browser.sh): Debian's headless Chromium
// through playwright-core against `tscns-portal serve` over HTTPS, as a citizen uses it. One run
// goes through every scenario in order, on one persistent profile:
//   first-access  user ID + paper half + SMS half, a blocklisted then a good new password, the
//                 SMS code, /home (name, "pwd + otp"), logout
//   sms-login     password, "send code", the code, /home
//   wrong-codes   5 wrong codes, then the right one is refused; a new code works
//   card-login    password, the card button: card-login.js gets a challenge, tscnsd signs
//                 (scripted pinentry), the portal verifies; /home with "pwd + card"
//   other-card    another person's card: the card step is refused, the page shows the error
//   renewal       the renewal card as second factor of the old user ID; then the old user ID is
//                 refused, the old card is refused for the new user ID, the renewal card works
// A full-page screenshot of every distinct page goes to --screenshots.
//
// What only the shell can do is asked for on stdout, one line, and answered on stdin, one line:
//   NEED code KIND         → the code of the last SMS of KIND in the outbox (otp,
//                            provisional-password)
//   NEED card NAME         → "ok" once card NAME (holder, other, renewal) is in the reader
//   NEED renewal           → the renewal card registered (`tscns-portal cards add`) and in the
//                            reader: its user ID
//   NEED pinentry-count    → how many pinentries tscnsd has started so far
// An answer starting with "error" stops the run.
//
// Usage: node portal.mjs --url https://127.0.0.1:PORT --user ID --paper-half H --name "NAME"
//          --password NEW_PASSWORD --user-data-dir DIR --screenshots DIR [--chromium PATH]
// Prints one line per check ("ok   ..." / "FAIL ...") and "N passed, M failed"; exits 0 when all
// pass.
import { mkdirSync } from "node:fs";
import { checker, firstPage, launchChromium, parseArgs } from "./launch.mjs";

const opt = parseArgs(process.argv.slice(2),
  ["url", "user", "paperHalf", "name", "password", "userDataDir", "screenshots"]);
const { check, summary } = checker();
const base = opt.url.replace(/\/$/, "");

// ---- the line protocol with the shell
const answers = [];
const waiting = [];
let stdinBuffer = "";
let stdinClosed = false;
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  stdinBuffer += chunk;
  for (let i; (i = stdinBuffer.indexOf("\n")) >= 0;) {
    const line = stdinBuffer.slice(0, i);
    stdinBuffer = stdinBuffer.slice(i + 1);
    const w = waiting.shift();
    if (w) w(line);
    else answers.push(line);
  }
});
process.stdin.on("end", () => {
  stdinClosed = true;
  while (waiting.length) waiting.shift()(null);
});

async function ask(what, timeoutMs = 60_000) {
  console.log(`NEED ${what}`);
  let timer;
  const line = answers.length ? answers.shift() : stdinClosed ? null : await new Promise((resolve) => {
    waiting.push(resolve);
    timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(resolve), 1);
      resolve(null);
    }, timeoutMs);
  });
  clearTimeout(timer);
  if (line === null) throw new Error(`no answer to NEED ${what}`);
  if (line.startsWith("error")) throw new Error(`NEED ${what}: ${line}`);
  return line.trim();
}

// ---- page helpers
mkdirSync(opt.screenshots, { recursive: true });
let shots = 0;
const context = await launchChromium({ userDataDir: opt.userDataDir, executablePath: opt.chromium });
const page = await firstPage(context);

async function shot(name) {
  shots += 1;
  const file = `${opt.screenshots}/${String(shots).padStart(2, "0")}-${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
}

const path = () => new URL(page.url()).pathname;
const text = async (selector) =>
  ((await page.locator(selector).count()) ? (await page.textContent(selector))?.trim() ?? "" : "");

/** Runs `action` (a click that submits a form) and waits for the page it loads. */
async function navigating(action) {
  const loaded = page.waitForNavigation({ waitUntil: "load", timeout: 30_000 });
  loaded.catch(() => {}); // when the action throws, its error is the one to report
  await action();
  await loaded;
}

async function submit(button) {
  await navigating(() => page.click(button));
}

/** A new browser session at /login; fills in the credentials and submits. */
async function passwordStep(user, password) {
  await context.clearCookies();
  await page.goto(`${base}/login`, { waitUntil: "load" });
  await page.fill("#user_id", user);
  await page.fill("#password", password);
  await submit("#login-submit");
}

async function expectHome(scenario, amr) {
  check(`${scenario}: at /home`, path() === "/home", page.url());
  const holder = await text("#holder");
  check(`${scenario}: home shows the holder's name`, holder === opt.name, holder);
  const shown = await text("#amr");
  check(`${scenario}: home shows "${amr}"`, shown.includes(amr), shown);
}

async function logout(scenario) {
  await submit("#logout");
  check(`${scenario}: logout leads to /login`, path() === "/login", page.url());
  await page.goto(`${base}/home`, { waitUntil: "load" });
  check(`${scenario}: after logout /home sends to /login`, path() === "/login", page.url());
}

async function smsCode(scenario) {
  const code = await ask("code otp");
  check(`${scenario}: the outbox has a 6-digit code`, /^[0-9]{6}$/.test(code), code);
  return code;
}

let proofs = 0;
/** Clicks the card button; resolves to "home" or "error" (the page's #card-status). */
async function cardStep(scenario) {
  // (#card-status is empty, hence invisible, until the script has something to say.)
  await page.waitForSelector('#card-status[data-state="ready"], #card-status[data-state="error"]',
    { state: "attached", timeout: 20_000 });
  await page.click("#card-login");
  // The click handler shows "working" at once (before its first await), so an error left by an
  // earlier try on this page is gone before the wait below.
  await page.waitForSelector('#card-status:not([data-state="error"])',
    { state: "attached", timeout: 5_000 }).catch(() => {});
  // Either card-login.js sends the page to /home or it shows the error; the loser keeps waiting
  // in the background and is ignored.
  const outcome = await Promise.race([
    page.waitForURL(/\/home$/, { timeout: 60_000 }).then(() => "home", () => "timeout"),
    page.locator('#card-status[data-state="error"]').waitFor({ state: "attached", timeout: 60_000 })
      .then(() => "error", () => "timeout"),
  ]);
  if (outcome === "home") await page.waitForLoadState("load");
  proofs += 1;
  const started = Number(await ask("pinentry-count"));
  check(`${scenario}: tscnsd started one pinentry for the card proof`, started === proofs,
    `${started} in all after ${proofs} proofs`);
  return outcome;
}

async function expectCardRefused(scenario, screenshot) {
  const state = await page.getAttribute("#card-status", "data-state");
  const message = await text("#card-status");
  check(`${scenario}: the card step is refused (#card-status error)`, state === "error",
    `${state}: ${message}`);
  check(`${scenario}: the page says why`, /tessera registrata/.test(message), message);
  check(`${scenario}: still on the second-factor page`, path() === "/login/second-factor", page.url());
  check(`${scenario}: the card button works again`, await page.isEnabled("#card-login"));
  await shot(screenshot);
}

// ---- the scenarios
async function firstAccess() {
  const s = "first access";
  await context.clearCookies();
  await page.goto(`${base}/login`, { waitUntil: "load" });
  check(`${s}: the login form with a CSRF token`,
    (await page.locator("#login-form input[name=csrf]").count()) === 1
      && !!(await page.getAttribute('meta[name="csrf-token"]', "content")));
  await shot("login");
  const smsHalf = await ask("code provisional-password");
  check(`${s}: the SMS half of the provisional password is in the outbox`, smsHalf.length === 5,
    smsHalf);
  await page.fill("#user_id", opt.user);
  await page.fill("#password", opt.paperHalf + smsHalf);
  await submit("#login-submit");
  check(`${s}: provisional password -> the new-password page`, path() === "/login/new-password",
    page.url());
  await shot("new-password");

  await page.fill("#new_password", "password");
  await page.fill("#new_password_confirm", "password");
  await submit("#new-password-submit");
  const error = await text("#error");
  check(`${s}: a blocklisted password is refused with an error`,
    path() === "/login/new-password" && error !== "", `${path()}: ${error}`);
  await shot("new-password-error");

  await page.fill("#new_password", opt.password);
  await page.fill("#new_password_confirm", opt.password);
  await submit("#new-password-submit");
  check(`${s}: new password -> the SMS code page`, path() === "/login/otp", page.url());
  check(`${s}: the code page says a code was sent`, (await text("#notice")) !== "");
  await shot("otp");
  await page.fill("#code", await smsCode(s));
  await submit("#otp-submit");
  await expectHome(s, "pwd + otp");
  await shot("home-otp");
  await logout(s);
}

async function smsLogin() {
  const s = "SMS login";
  await passwordStep(opt.user, opt.password);
  check(`${s}: password -> the second-factor page`, path() === "/login/second-factor", page.url());
  check(`${s}: the page offers the card`, (await page.locator("#card-login").count()) === 1);
  await page.waitForSelector('#card-status[data-state="ready"]',
    { state: "attached", timeout: 20_000 });
  await shot("second-factor");
  await submit("#send-sms");
  check(`${s}: "send code" -> the SMS code page`, path() === "/login/otp", page.url());
  await page.fill("#code", await smsCode(s));
  await submit("#otp-submit");
  await expectHome(s, "pwd + otp");
  await logout(s);
}

async function wrongCodes() {
  const s = "wrong codes";
  await passwordStep(opt.user, opt.password);
  await submit("#send-sms");
  check(`${s}: at the SMS code page`, path() === "/login/otp", page.url());
  const right = await smsCode(s);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
  for (let i = 1; i <= 5; i += 1) {
    await page.fill("#code", wrong);
    await submit("#otp-submit");
    const error = await text("#error");
    check(`${s}: wrong code ${i} of 5 is refused with an error`,
      path() === "/login/otp" && /non corretto/.test(error), `${path()}: ${error}`);
    if (i === 1) await shot("otp-error-wrong-code");
  }
  await page.fill("#code", right);
  await submit("#otp-submit");
  const error = await text("#error");
  check(`${s}: after 5 wrong codes the right one is refused`,
    path() === "/login/otp" && /non e' piu' valido/.test(error), `${path()}: ${error}`);
  await shot("otp-error-code-used-up");
  await page.goto(`${base}/home`, { waitUntil: "load" });
  check(`${s}: no session yet`, path() === "/login", page.url());
  // The refused login goes on: back to the code page, a new code.
  await page.goto(`${base}/login/otp`, { waitUntil: "load" });
  await submit("#resend");
  check(`${s}: "new code" -> the SMS code page`, path() === "/login/otp", page.url());
  const fresh = await smsCode(s);
  check(`${s}: the new code is another one`, fresh !== right, `${fresh} ${right}`);
  await page.fill("#code", fresh);
  await submit("#otp-submit");
  await expectHome(s, "pwd + otp");
  await logout(s);
}

async function cardLogin() {
  const s = "card login";
  await passwordStep(opt.user, opt.password);
  check(`${s}: password -> the second-factor page`, path() === "/login/second-factor", page.url());
  const outcome = await cardStep(s);
  check(`${s}: the card step leads to /home`, outcome === "home",
    `${outcome}: ${await text("#card-status")}`);
  await expectHome(s, "pwd + card");
  await shot("home-card");
  await logout(s);
}

async function otherCard() {
  const s = "another person's card";
  await ask("card other");
  await passwordStep(opt.user, opt.password);
  const outcome = await cardStep(s);
  check(`${s}: no /home`, outcome === "error", outcome);
  await expectCardRefused(s, "second-factor-error-other-person");
  await page.goto(`${base}/home`, { waitUntil: "load" });
  check(`${s}: no session (/home sends to /login)`, path() === "/login", page.url());
}

async function renewal() {
  const s = "renewal";
  const newUser = await ask("renewal");
  check(`${s}: the renewal card has a user ID of its own`,
    /^[0-9]{10}$/.test(newUser) && newUser !== opt.user, newUser);
  await passwordStep(opt.user, opt.password);
  check(`${s}: the old user ID + password -> the second-factor page`,
    path() === "/login/second-factor", page.url());
  let outcome = await cardStep(s);
  check(`${s}: the renewal card as second factor of the old user ID -> /home`, outcome === "home",
    `${outcome}: ${await text("#card-status")}`);
  await expectHome(s, "pwd + card");
  await logout(s);

  await passwordStep(opt.user, opt.password);
  const error = await text("#error");
  check(`${s}: the old user ID is refused at /login`,
    path() === "/login" && /non corretti/.test(error), `${path()}: ${error}`);
  await shot("login-error-old-user-id");

  await ask("card holder");
  await passwordStep(newUser, opt.password);
  check(`${s}: the new user ID + password -> the second-factor page`,
    path() === "/login/second-factor", page.url());
  outcome = await cardStep(`${s} (old card)`);
  check(`${s}: the old card is refused for the new user ID`, outcome === "error", outcome);
  await expectCardRefused(`${s} (old card)`, "second-factor-error-old-card");

  await ask("card renewal");
  outcome = await cardStep(`${s} (new card)`);
  check(`${s}: the renewal card, same page, second try -> /home`, outcome === "home",
    `${outcome}: ${await text("#card-status")}`);
  await expectHome(`${s} (new card)`, "pwd + card");
  await shot("home-renewal");
  await logout(`${s} (new card)`);
}

const scenarios = [firstAccess, smsLogin, wrongCodes, cardLogin, otherCard, renewal];
try {
  for (const run of scenarios) {
    try {
      await run();
    } catch (e) {
      check(`${run.name}: ran to its end`, false, e.message.split("\n")[0]);
      await shot(`${run.name}-failed`).catch(() => {});
      if (/NEED/.test(e.message)) break; // the shell is gone
    }
  }
} finally {
  await context.close();
}
console.log(`screenshots: ${shots} in ${opt.screenshots}`);
process.exit(summary());
