import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { relayApi } from "../bridge/control/relay-api.ts";
import { createPairingLink } from "../bridge/e2e/pairing-link.ts";
import { until } from "./support/bridge-world.ts";
import { runTerminalClaude } from "./support/terminal-claude.ts";
import { runTether, TetherProcess } from "./support/tether-process.ts";
import { useHooksWorld } from "./support/use-hooks-world.ts";

/**
 * Coming back to a keyboard (issue 16, handoff): a session started in a terminal, continued on the
 * phone, then followed and steered from a terminal client over the relay (`tether login` with a
 * pairing link, `tether attach`), end to end encrypted like a phone. Real bridge, real CLI, real
 * relay; only the model is scripted.
 */
const world = useHooksWorld();

/** Lines of attach's output that are a speaker's words (`you › …`, `claude › …`). */
function said(out: string): string[] {
  return out.split("\n").filter((l) => /^(you|claude) › /.test(l));
}

describe("tether attach", () => {
  it("follows a terminal session continued on the phone, every message once and in order, and steers it", async () => {
    const { w, machine } = world;
    const before = new Set(machine.bodies("machine.sessions").flatMap((b) => b.sessions.map((s) => s.room)));
    // At the desk: a plain `claude` with the hooks; then continued on the phone.
    const first = "remember the word pelican";
    const done = await runTerminalClaude({ cwd: w.project, env: w.env(), prompt: first });
    expect(done.code, done.stderr).toBe(0);
    const listed = await machine.wait(
      "machine.sessions",
      (b) => b.sessions.some((s) => !before.has(s.room)),
      90_000,
    );
    const room = listed.sessions.find((s) => !before.has(s.room))?.room ?? "";
    const phone = await w.phone(room);
    await phone.wait("session.status", (b) => b.state === "ended", 60_000);
    const onPhone = await phone.send("user.message", { text: "what was the word?" });
    expect((await phone.wait("turn.result", (b) => b.inputMid === onPhone, 120_000)).ok).toBe(true);

    // Another terminal logs in with a pairing link, as a phone pairs.
    const link = await createPairingLink(
      { relayUrl: w.relay.url, token: w.bridgeToken },
      w.stateDir,
      "laptop",
    );
    if (!link.ok) throw new Error(link.message);
    const home = join(w.dir, "laptop-state");
    const env = w.env();
    const loggedIn = await runTether(
      ["login", link.value.url, "--state-dir", home, "--label", "laptop"],
      env,
    );
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    expect(loggedIn.stdout).toContain("Logged in to machine");
    expect(readFileSync(join(home, "logins.json"), "utf8")).not.toContain(
      link.value.url.split("&p=")[1] ?? "?",
    );
    const again = await runTether(["login", link.value.url, "--state-dir", home], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("the relay refused the pairing code");

    // Listed without a session named; attached by a part of its room id.
    const list = await runTether(["attach", "--state-dir", home], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(room);
    const t = TetherProcess.start(["attach", room.slice(0, 12), "--state-dir", home], env, { input: true });
    try {
      await t.waitFor(/claude › Echo: what was the word\?/, 60_000);
      await t.waitFor(/· connected/, 60_000);
      expect(said(t.stdout)).toEqual([
        `you › ${first}`,
        `claude › Echo: ${first}`,
        "you › what was the word?",
        "claude › Echo: what was the word?",
      ]);

      // A message typed here runs on the bridge's Claude; the phone sees it once.
      t.type("and now from the laptop");
      await t.waitFor(/claude › Echo: and now from the laptop/, 120_000);
      await until(
        () =>
          phone.bodies("user.message").filter((b) => b.text === "and now from the laptop").length === 1
            ? true
            : null,
        30_000,
        "the laptop's message on the phone",
      );

      // A permission prompt answered with the keyboard.
      const file = join(w.project, "from-laptop.txt");
      t.type(`[[write path=${file} content=laptop]]`);
      await t.waitFor(/\? Claude wants to use Write\(.*from-laptop\.txt\)/, 120_000);
      t.type("y");
      await t.waitFor(/· allowed/, 60_000);
      await until(
        () => (phone.bodies("turn.result").length >= 4 ? true : null),
        120_000,
        "the Write turn's result",
      );
      expect(readFileSync(file, "utf8")).toBe("laptop");
      const resolved = phone.bodies("permission.resolved").at(-1);
      expect(resolved?.decision).toBe("allow");

      // A question answered by its option's number.
      t.type("[[question q=Which_color?]]");
      await t.waitFor(/\? 1\/1: Which color\?/, 120_000);
      t.type("2");
      await t.waitFor(/claude › Answers: .*blue/, 120_000);

      t.endInput();
      expect(await t.exited).toBe(0);
    } finally {
      if (t.child.exitCode === null) await t.kill();
    }
    // Every speaker's line once, in order, as the phone's log has them.
    const lines = said(t.stdout);
    const echoes = lines.filter((l) => l.startsWith("claude › Echo:"));
    expect(echoes).toEqual([
      `claude › Echo: ${first}`,
      "claude › Echo: what was the word?",
      "claude › Echo: and now from the laptop",
    ]);
    const phoneEchoes = phone
      .bodies("agent.message")
      .flatMap((m) =>
        m.blocks.flatMap((b) => (b.type === "text" && b.text.startsWith("Echo:") ? [b.text] : [])),
      );
    expect(phoneEchoes).toEqual(echoes.map((l) => l.slice("claude › ".length)));
    // The machine lists this terminal under its label, like a phone.
    const tokens = await relayApi.listTokens({ relayUrl: w.relay.url, token: w.bridgeToken });
    if (!tokens.ok) throw new Error(tokens.message);
    const laptop = tokens.value.tokens.find((k) => k.kind === "device" && k.label === "laptop");
    if (!laptop) throw new Error("the terminal's token is not listed under its label");
    // Revoked on the machine: the terminal is told so and stops, it does not retry forever.
    const revoked = await relayApi.revokeToken({ relayUrl: w.relay.url, token: w.bridgeToken }, laptop.id);
    expect(revoked.ok).toBe(true);
    const refused = await runTether(["attach", room, "--state-dir", home], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`cannot read machine ${w.machineId}`);
  }, 600_000);
});
