import { describe, expect, it } from "vitest";
import type { StoredMsg } from "../../../shared/protocol/index.ts";
import { chosenModel, contextLabel, foldCatalog } from "./catalog-fold.ts";
import { inserted, matchCommands, slashQuery } from "./slash-filter.ts";

let seq = 0;
function msg(
  kind: string,
  body: unknown,
  role: "bridge" | "controller" = "bridge",
  mid = `m${seq + 1}`,
): StoredMsg {
  seq += 1;
  return { seq, mid, kind, body, role, cid: role === "bridge" ? "bridge" : "ph1", ts: seq } as StoredMsg;
}

const lists = (names: string[]) =>
  msg("session.commands", {
    commands: names.map((name) => ({ name, description: `does ${name}` })),
    models: [
      { value: "default", displayName: "Default" },
      { value: "haiku", displayName: "Haiku" },
    ],
    at: 1,
  });

describe("the catalog fold", () => {
  it("takes the latest lists and context; an odd entry is dropped, not the list", () => {
    const odd = msg("session.commands", {
      commands: [
        { name: "ok", description: "fine" },
        { name: "/bad", description: 3 },
      ],
      models: [],
      at: 2,
    });
    const v = foldCatalog([
      lists(["a", "b"]),
      msg("session.context", { usedTokens: 10, maxTokens: 100, percent: 10, at: 1 }),
      odd,
      msg("session.context", { usedTokens: 70, maxTokens: 100, percent: 70, at: 2 }),
    ]);
    expect(v.commands.map((c) => c.name)).toEqual(["ok"]);
    expect(v.context?.percent).toBe(70);
    expect(contextLabel(v.context ?? { usedTokens: 0, maxTokens: 1, percent: 0 })).toBe("70% of context");
  });

  it("shows why the latest mode change was refused, until another is sent", () => {
    const ask = msg(
      "session.command",
      { name: "set_permission_mode", value: "bypassPermissions" },
      "controller",
    );
    const refused = msg("session.notice", {
      level: "warn",
      code: "bad_permission_mode",
      text: "needs a launch flag",
      inputMid: ask.mid,
    });
    expect(foldCatalog([ask, refused]).modeRefusal).toBe("needs a launch flag");
    const again = msg("session.command", { name: "set_permission_mode", value: "plan" }, "controller");
    expect(foldCatalog([ask, refused, again]).modeRefusal).toBeNull();
    // A notice about another input is not the mode's.
    const other = msg("session.notice", { level: "warn", code: "bad_command", text: "x", inputMid: "zz" });
    expect(foldCatalog([again, other]).modeRefusal).toBeNull();
  });

  it("shows why the latest model change was refused", () => {
    const ask = msg("session.command", { name: "set_model", value: "gpt" }, "controller");
    const refused = msg("session.notice", {
      level: "warn",
      code: "bad_model",
      text: "not offered",
      inputMid: ask.mid,
    });
    expect(foldCatalog([ask, refused])).toMatchObject({ modelRefusal: "not offered", modeRefusal: null });
  });

  it("names the chosen model: the session's, else the CLI's default", () => {
    const models = [
      { value: "default", displayName: "Default" },
      { value: "haiku", displayName: "Haiku" },
    ];
    expect(chosenModel(undefined, models)).toBe("default");
    expect(chosenModel("haiku", models)).toBe("haiku");
    expect(chosenModel(null, [])).toBe("");
  });
});

describe("the slash picker's filter", () => {
  const commands = [
    { name: "greet", description: "" },
    { name: "compact", description: "" },
    { name: "clear", description: "", aliases: ["reset"] },
    { name: "reload-skills", description: "" },
  ];

  it("opens only while a command name is being typed", () => {
    expect(slashQuery("/")).toBe("");
    expect(slashQuery("/gr")).toBe("gr");
    expect(slashQuery("/greet ")).toBeNull();
    expect(slashQuery("hello /gr")).toBeNull();
    expect(slashQuery("")).toBeNull();
  });

  it("lists prefix matches (names and aliases) first, then names that contain the query", () => {
    expect(matchCommands(commands, "").map((c) => c.name)).toEqual([
      "greet",
      "compact",
      "clear",
      "reload-skills",
    ]);
    expect(matchCommands(commands, "c").map((c) => c.name)).toEqual(["compact", "clear"]);
    expect(matchCommands(commands, "re").map((c) => c.name)).toEqual(["clear", "reload-skills", "greet"]);
    expect(matchCommands(commands, "RE", 1).map((c) => c.name)).toEqual(["clear"]);
    expect(inserted("greet")).toBe("/greet ");
  });
});
