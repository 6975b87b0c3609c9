import { describe, expect, it } from "vitest";
import { deployedUrl, parseWhoami, tailLines } from "./deploy-output.ts";

const PRINTED = `
 ⛅️ wrangler 4.164.0
▲ [WARNING] see https://developers.cloudflare.com/workers/ for details
Total Upload: 997.87 KiB / gzip: 178.26 KiB
Uploaded tether-relay (3.21 sec)
Deployed tether-relay triggers (0.31 sec)
  https://tether-relay.someone.workers.dev
Current Version ID: 0f0e0d0c
`;

describe("deployedUrl", () => {
  it("takes the target listed under 'Deployed NAME triggers', not a URL a warning quotes", () => {
    expect(deployedUrl(null, PRINTED)).toBe("https://tether-relay.someone.workers.dev");
  });

  it("prefers wrangler's output file, and reads a custom domain there", () => {
    const file = [
      '{"type":"wrangler-session","version":1}',
      '{"type":"deploy","version":1,"targets":["tether.example.com (custom domain)"]}',
    ].join("\n");
    expect(deployedUrl(file, PRINTED)).toBe("https://tether.example.com");
  });

  it("routes only, or no trigger list: no URL (a docs link is not the relay)", () => {
    const routes = "Deployed tether-relay triggers (0.3 sec)\n  example.com/* (zone name: example.com)\n";
    expect(deployedUrl(null, routes)).toBeNull();
    expect(deployedUrl(null, "see https://developers.cloudflare.com/x\n")).toBeNull();
    expect(deployedUrl("not json\n{", "")).toBeNull();
  });

  it("a workers.dev URL anywhere when the trigger list is missing", () => {
    expect(deployedUrl(null, "Published at https://a-b.c.workers.dev (1s)\n")).toBe(
      "https://a-b.c.workers.dev",
    );
  });
});

describe("parseWhoami", () => {
  it("logged in, logged out, or no answer", () => {
    expect(parseWhoami('{"loggedIn":true,"email":"a@b.c\\u001b[2J","accounts":[]}')).toEqual({
      loggedIn: true,
      who: "a@b.c",
    });
    expect(parseWhoami('{"loggedIn":true,"accounts":[{"name":"Acme"}]}')).toEqual({
      loggedIn: true,
      who: "Acme",
    });
    expect(parseWhoami('{"loggedIn":false}')).toEqual({ loggedIn: false });
    expect(parseWhoami("✘ [ERROR] fetch failed")).toBeNull();
    expect(parseWhoami('{"loggedIn":"yes"}')).toBeNull();
  });
});

it("tailLines keeps the last lines, without escapes or control characters", () => {
  const text = `${"x\n".repeat(50)}\u001b[31m✘ [ERROR]\u001b[0m bad\u0007\n  Authentication error\n`;
  expect(tailLines(text, 2)).toBe("✘ [ERROR] bad\nAuthentication error");
});
