#!/usr/bin/env node
// A stand-in for Cloudflare's service behind `wrangler` (TETHER_WRANGLER), for tests/deploy-command.test.ts:
// Cloudflare cannot be reached from the tests. It appends one JSON line per call to STANDIN_RECORD
// ({argv, stdin}) and answers like wrangler does:
//   whoami --json   {"loggedIn":true,...} exit 0, or {"loggedIn":false} exit 1 while STANDIN_LOGGED_OUT
//                   is set and no `login` has been recorded yet
//   login           recorded, exit 0
//   deploy          wrangler's text with STANDIN_URL under "Deployed NAME triggers"; STANDIN_DEPLOY=fail
//                   prints an error and exits 1, STANDIN_DEPLOY=no-url prints no URL
//   secret put      reads stdin (the secret), exit 0
import { appendFileSync, existsSync, readFileSync } from "node:fs";

const argv = process.argv.slice(2);
const record = process.env.STANDIN_RECORD;
const stdin = argv[0] === "secret" ? readFileSync(0, "utf8") : "";
appendFileSync(record, `${JSON.stringify({ argv, stdin })}\n`);

const loggedIn = () =>
  !process.env.STANDIN_LOGGED_OUT ||
  (existsSync(record) &&
    readFileSync(record, "utf8")
      .split("\n")
      .some((l) => l.startsWith('{"argv":["login"')));

const name = argv[argv.indexOf("--name") + 1] ?? "tether-relay";
switch (argv[0]) {
  case "whoami":
    if (loggedIn()) {
      process.stdout.write(
        `${JSON.stringify({ loggedIn: true, email: "me@example.com\u001b[31m", accounts: [] })}\n`,
      );
    } else {
      process.stdout.write('{"loggedIn":false}\n');
      process.exitCode = 1;
    }
    break;
  case "login":
    process.stdout.write("Successfully logged in.\n");
    break;
  case "deploy":
    process.stdout.write(`\n \u26c5\ufe0f wrangler 4.164.0 (stand-in)\n${"─".repeat(20)}\n`);
    process.stdout.write("Total Upload: 997.87 KiB / gzip: 178.26 KiB\n");
    if (process.env.STANDIN_DEPLOY === "fail") {
      process.stderr.write("\u001b[31m✘ [ERROR]\u001b[0m A request to the Cloudflare API failed.\n");
      process.stderr.write("  Authentication error [code: 10000]\n");
      process.exitCode = 1;
      break;
    }
    process.stdout.write(`Uploaded ${name} (1.20 sec)\n`);
    if (process.env.STANDIN_DEPLOY === "no-url") {
      process.stdout.write(
        `Deployed ${name} triggers (0.30 sec)\n  example.com/* (zone name: example.com)\n`,
      );
    } else {
      process.stdout.write(`Deployed ${name} triggers (0.30 sec)\n  ${process.env.STANDIN_URL}\n`);
    }
    process.stdout.write("Current Version ID: 0f0e0d0c-0b0a-0908-0706-050403020100\n");
    break;
  case "secret":
    process.stdout.write("✨ Success! Uploaded secret TETHER_RELAY_SECRET\n");
    break;
  default:
    process.stderr.write(`stand-in: unexpected command ${argv.join(" ")}\n`);
    process.exitCode = 1;
}
