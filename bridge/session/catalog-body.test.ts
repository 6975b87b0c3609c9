import type {
  ModelInfo,
  SDKControlGetContextUsageResponse,
  SlashCommand,
} from "@anthropic-ai/claude-agent-sdk";
import { describe, expect, it } from "vitest";
import { CatalogLimits, kinds } from "../../shared/protocol/index.ts";
import { commandsBody, contextBody, listed, refusedModeText, slashName } from "./catalog-body.ts";

const cmd = (name: string, more: Partial<SlashCommand> = {}): SlashCommand => ({
  name,
  description: `does ${name}`,
  argumentHint: "",
  ...more,
});
const model = (value: string, more: Partial<ModelInfo> = {}): ModelInfo => ({
  value,
  displayName: value.toUpperCase(),
  description: `${value} model`,
  ...more,
});

describe("session.commands from the CLI's lists", () => {
  it("keeps names, descriptions, hints, sources and aliases; drops internal and duplicate names", () => {
    const body = commandsBody(
      [
        cmd("greet", { description: "Greets (project)", argumentHint: "<name>" }),
        cmd("clear", { builtin: true, aliases: ["reset", "new"] }),
        cmd("__remote-workflow", { builtin: true }),
        cmd("greet", { description: "a second greet" }),
        cmd("/bad name"),
      ],
      [model("default"), model("haiku"), model("not a model name!")],
      5,
    );
    expect(body).toEqual({
      commands: [
        { name: "greet", description: "Greets (project)", argumentHint: "<name>", source: "custom" },
        { name: "clear", description: "does clear", source: "builtin", aliases: ["reset", "new"] },
      ],
      models: [
        { value: "default", displayName: "DEFAULT", description: "default model" },
        { value: "haiku", displayName: "HAIKU", description: "haiku model" },
      ],
      at: 5,
    });
    expect(kinds["session.commands"].body.safeParse(body).success).toBe(true);
  });

  it("clips long texts and caps the counts, so the body always fits its schema", () => {
    const many = Array.from({ length: CatalogLimits.commands + 20 }, (_, i) =>
      cmd(`c${i}`, { description: "d".repeat(5000), argumentHint: "h".repeat(1000) }),
    );
    const models = Array.from({ length: 80 }, (_, i) => model(`m${i}`, { displayName: "n".repeat(500) }));
    const body = commandsBody(many, models, 1);
    expect(body.commands).toHaveLength(CatalogLimits.commands);
    expect(body.models).toHaveLength(CatalogLimits.models);
    expect(body.commands[0]?.description).toHaveLength(CatalogLimits.commandDescription);
    expect(body.commands[0]?.description.endsWith("…")).toBe(true);
    expect(kinds["session.commands"].body.safeParse(body).success).toBe(true);
    expect(JSON.stringify(body).length).toBeLessThan(200_000);
  });
});

describe("session.context from getContextUsage", () => {
  const usage = (more: Partial<SDKControlGetContextUsageResponse>) =>
    ({
      totalTokens: 700_000,
      maxTokens: 1_000_000,
      percentage: 70,
      model: "claude-opus-5-5",
      isAutoCompactEnabled: true,
      autoCompactThreshold: 967_000,
      ...more,
    }) as SDKControlGetContextUsageResponse;

  it("takes Claude Code's own figures", () => {
    expect(contextBody(usage({}), 9)).toEqual({
      usedTokens: 700_000,
      maxTokens: 1_000_000,
      percent: 70,
      model: "claude-opus-5-5",
      autoCompactTokens: 967_000,
      at: 9,
    });
    expect(contextBody(usage({ isAutoCompactEnabled: false, percentage: 250 }), 9)).toMatchObject({
      percent: 100,
    });
    expect(contextBody(usage({ isAutoCompactEnabled: false }), 9)).not.toHaveProperty("autoCompactTokens");
  });

  it("refuses figures that make no sense", () => {
    expect(contextBody(usage({ maxTokens: 0 }), 1)).toBeNull();
    expect(contextBody(usage({ totalTokens: Number.NaN }), 1)).toBeNull();
  });
});

describe("slash commands in messages", () => {
  it("reads the command a message starts with", () => {
    expect(slashName("/compact")).toBe("compact");
    expect(slashName("/greet Bob")).toBe("greet");
    expect(slashName("  /plugin:cmd x")).toBe("plugin:cmd");
    expect(slashName("/etc/hosts is broken")).toBeNull();
    expect(slashName("hello /compact")).toBeNull();
    expect(slashName("/")).toBeNull();
  });

  it("knows a command by its name or an alias", () => {
    const commands = [{ name: "clear", description: "", aliases: ["reset"] }];
    expect(listed("clear", commands)).toBe(true);
    expect(listed("reset", commands)).toBe(true);
    expect(listed("login", commands)).toBe(false);
  });

  it("says why a permission mode is refused", () => {
    expect(refusedModeText("bypassPermissions")).toContain("--dangerously-skip-permissions");
    expect(refusedModeText("x".repeat(1000)).length).toBeLessThan(200);
    expect(refusedModeText({ deep: 1 })).toContain("default, acceptEdits, plan");
  });
});
