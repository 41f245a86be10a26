// SPDX-License-Identifier: LGPL-2.1-or-later
// A small portal for the browser test (cns-auth.md §1, §2, §5): an HTTPS server on 127.0.0.1 that
// serves the login page and cns-auth.js, issues one challenge per page load into a session
// (cookie), and verifies the token the page posts by running `tscns verify` with the session's
// challenge, origin and context. The challenge is taken out of the session before verifying
// (get-and-delete: single use, also on failure). Only Node's standard library; loopback only.
//
// Usage: node server.mjs --port N --cert FILE --key FILE --cns-auth-js FILE --tscns FILE
//          --ca FILE --crl FILE --expect-cf CF --daemon-port N [--context C]
// Prints "listening https://127.0.0.1:N" on standard output when ready.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const o = { context: "fse-login-2fa" };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (!k.startsWith("--") || v === undefined) throw new Error(`bad argument ${k}`);
    o[k.slice(2).replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase())] = v;
  }
  for (const k of ["port", "cert", "key", "cnsAuthJs", "tscns", "ca", "crl", "expectCf", "daemonPort"]) {
    if (!o[k]) throw new Error(`--${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} is required`);
  }
  return o;
}

const opt = parseArgs(process.argv.slice(2));
const origin = `https://127.0.0.1:${opt.port}`;
const page = readFileSync(join(here, "page.html"), "utf8");
const TTL_MS = 120_000;
const COOKIE = "__Host-tscns-sid";

/** sid → {challenge?, issuedAt, csrf, failures} (session-backed, never keyed by challenge). */
const sessions = new Map();

function log(msg) {
  process.stderr.write(`[portal] ${msg}\n`);
}

function cookieSid(req) {
  const m = /(?:^|;\s*)__Host-tscns-sid=([A-Za-z0-9_-]{43})(?:;|$)/.exec(req.headers.cookie ?? "");
  return m ? m[1] : undefined;
}

function send(res, status, body, headers = {}) {
  const isJson = typeof body !== "string";
  res.writeHead(status, {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Type": isJson ? "application/json" : "text/plain; charset=utf-8",
    ...headers,
  });
  res.end(isJson ? JSON.stringify(body) : body);
}

function readBody(req, max) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > max) {
        reject(new Error("body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function runVerify(token, s) {
  return new Promise((resolve) => {
    const args = ["verify", "--json", "--token", "-", "--origin", origin, "--challenge", s.challenge,
      "--context", opt.context, "--ca", opt.ca, "--crl", opt.crl, "--expect-cf", opt.expectCf];
    const child = execFile(opt.tscns, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      let out;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = { verified: false, error: { code: "INTERNAL", reason: String(stderr).trim() } };
      }
      resolve({ exit: error ? (error.code ?? 1) : 0, out });
    });
    child.stdin.end(token);
  });
}

async function handle(req, res) {
  const url = new URL(req.url, origin);
  // 127.0.0.1 is the portal; localhost serves the same page from an origin the daemon does not
  // allow (the test's "foreign page").
  if (![`127.0.0.1:${opt.port}`, `localhost:${opt.port}`].includes(req.headers.host ?? "")) {
    return send(res, 421, "wrong host");
  }

  if (req.method === "GET" && url.pathname === "/") {
    // A session per page load (the "pre-auth session" after the first factor).
    const sid = randomBytes(32).toString("base64url");
    sessions.set(sid, { issuedAt: 0, csrf: randomBytes(16).toString("base64url"), failures: 0 });
    return send(res, 200, page.replaceAll("{{CSRF}}", sessions.get(sid).csrf), {
      "Content-Type": "text/html; charset=utf-8",
      "Set-Cookie": `${COOKIE}=${sid}; Secure; HttpOnly; SameSite=Lax; Path=/`,
      // The page may talk to its own origin and to the daemon only (cns-auth.md §5.1).
      "Content-Security-Policy": `default-src 'self'; connect-src 'self' http://127.0.0.1:${opt.daemonPort}; ` +
        "script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
    });
  }
  if (req.method === "GET" && url.pathname === "/cns-auth.js") {
    return send(res, 200, readFileSync(opt.cnsAuthJs, "utf8"), {
      "Content-Type": "text/javascript; charset=utf-8",
    });
  }
  if (req.method === "GET" && url.pathname === "/favicon.ico") return send(res, 404, "");

  if (req.method === "POST" && url.pathname.startsWith("/auth/cns/")) {
    const sid = cookieSid(req);
    const s = sid && sessions.get(sid);
    if (!s || req.headers["x-csrf-token"] !== s.csrf) {
      return send(res, 403, { verified: false, error: { code: "SESSION_MISSING" } });
    }
    if (url.pathname === "/auth/cns/challenge") {
      s.challenge = randomBytes(32).toString("base64url"); // 43 characters
      s.issuedAt = Date.now();
      log(`challenge issued for session ${sid.slice(0, 6)}…`);
      return send(res, 200, {
        challenge: s.challenge, context: opt.context, expiresIn: TTL_MS / 1000,
        daemonPort: Number(opt.daemonPort),
      });
    }
    if (url.pathname === "/auth/cns/verify") {
      let token;
      try {
        token = await readBody(req, 10 * 1024);
      } catch {
        return send(res, 413, { verified: false, error: { code: "MALFORMED" } });
      }
      // Get-and-delete before any cryptography (cns-auth.md §5.3 step 1).
      const taken = s.challenge ? { challenge: s.challenge, issuedAt: s.issuedAt } : undefined;
      delete s.challenge;
      if (!taken) return send(res, 400, { verified: false, error: { code: "SESSION_MISSING" } });
      if (Date.now() - taken.issuedAt > TTL_MS) {
        return send(res, 400, { verified: false, error: { code: "CHALLENGE_EXPIRED" } });
      }
      const { exit, out } = await runVerify(token, taken);
      log(`verify: exit ${exit}${out.verified ? "" : " " + JSON.stringify(out.error)}`);
      if (!out.verified) {
        s.failures += 1;
        if (s.failures >= 3) sessions.delete(sid);
        return send(res, 401, { verified: false, error: { code: out.error?.code ?? "INTERNAL" } });
      }
      // A portal would now rotate the session ID and record amr; the challenge is already gone.
      s.amr = ["pwd", "sc", "pin"];
      return send(res, 200, {
        verified: true, codiceFiscale: out.codiceFiscale, cardId: out.cardId, serial: out.serial,
        issuer: out.issuer, amr: s.amr,
      });
    }
  }
  return send(res, 404, "not found");
}

const server = https.createServer(
  { cert: readFileSync(opt.cert), key: readFileSync(opt.key) },
  (req, res) => {
    handle(req, res).catch((e) => {
      log(`error: ${e.stack ?? e}`);
      if (!res.headersSent) send(res, 500, "internal error");
    });
  },
);
server.listen(Number(opt.port), "127.0.0.1", () => {
  process.stdout.write(`listening ${origin}\n`);
});
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
