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

describe("mapSdk: results, retries and structured tool results", () => {
  const result = {
    type: "result",
    subtype: "success",
    is_error: false,
    result: "done",
    duration_ms: 5,
    total_cost_usd: 0,
    usage: {},
    uuid: "u",
    session_id: "s",
  };

  it("marks the result of a turn Claude Code started by itself", () => {
    const of = (m: object) => (mapSdk(m as SDKMessage)[0] as { byCli?: boolean }).byCli;
    expect(of(result)).toBe(false);
    expect(of({ ...result, origin: { kind: "human" } })).toBe(false);
    expect(of({ ...result, origin: { kind: "task-notification", producer: "session-task" } })).toBe(true);
  });

  it("an api_retry names its error and status", () => {
    const retry = { type: "system", subtype: "api_retry", attempt: 1, max_retries: 10, retry_delay_ms: 500 };
    expect(
      mapSdk({ ...retry, error_status: 401, error: "authentication_failed" } as unknown as SDKMessage),
    ).toEqual([{ t: "api_retry", error: "authentication_failed", status: 401 }]);
  });

  it("a tool result carries the CLI's own result object only when the message holds one result", () => {
    const part = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "ok" });
    const user = (content: object[]) =>
      ({
        type: "user",
        message: { role: "user", content },
        parent_tool_use_id: null,
        tool_use_result: { task: { id: "1" } },
      }) as unknown as SDKMessage;
    expect(mapSdk(user([part("a")]))).toMatchObject([{ toolUseId: "a", structured: { task: { id: "1" } } }]);
    const two = mapSdk(user([part("a"), part("b")]));
    expect(two.map((e) => "structured" in e)).toEqual([false, false]);
  });
});
