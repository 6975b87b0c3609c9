import type { SDKMessage } from "@anthropic-ai/claude-agent-sdk";
import { describe, expect, it } from "vitest";
import { mapSdk } from "./map-sdk.ts";

describe("mapSdk: the CLI's permission mode", () => {
  it("a status that names a mode becomes a mode event; a status without one is dropped", () => {
    const status = { type: "system", subtype: "status", status: null, uuid: "u", session_id: "s" };
    expect(mapSdk({ ...status, permissionMode: "acceptEdits" } as SDKMessage)).toEqual([
      { t: "mode", mode: "acceptEdits" },
    ]);
    expect(mapSdk({ ...status, status: "requesting" } as SDKMessage)).toEqual([]);
  });
});
