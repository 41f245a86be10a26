// SPDX-License-Identifier: LGPL-2.1-or-later
// A bounded load generator for bench/daemon/daemon_bench.sh when wrk is not installed:
// C keep-alive connections on loopback, each sending GET requests back to back for S seconds.
// Prints one JSON object: {requests, rps, non2xx, errors, p50ms, p99ms}.
//
// Usage: node load.mjs --url http://127.0.0.1:PORT/v1/status --origin ORIGIN
//          [--connections C] [--seconds S]
import http from "node:http";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, v, i, a) => (i % 2 === 0 ? [...acc, [v.slice(2), a[i + 1]]] : acc), []),
);
const url = new URL(args.url);
if (!["127.0.0.1", "[::1]", "localhost"].includes(url.hostname)) {
  throw new Error("loopback only");
}
const connections = Math.min(256, Math.max(1, Number(args.connections ?? 16)));
const seconds = Math.min(60, Math.max(1, Number(args.seconds ?? 10)));
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const headers = { Origin: args.origin, "X-CNS-Client": "1", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors" };
const end = performance.now() + seconds * 1000;
const times = [];
let non2xx = 0;
let errors = 0;

function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => {
        times.push(performance.now() - t0);
        if (res.statusCode < 200 || res.statusCode > 299) non2xx += 1;
        resolve();
      });
    });
    req.on("error", () => {
      errors += 1;
      resolve();
    });
  });
}

async function loop() {
  while (performance.now() < end) await once();
}

const start = performance.now();
await Promise.all(Array.from({ length: connections }, loop));
const elapsed = (performance.now() - start) / 1000;
agent.destroy();
times.sort((a, b) => a - b);
const pct = (p) => (times.length ? Number(times[Math.min(times.length - 1, Math.floor(times.length * p))].toFixed(2)) : 0);
console.log(JSON.stringify({
  requests: times.length, rps: times.length / elapsed, non2xx, errors, p50ms: pct(0.5), p99ms: pct(0.99),
}));
