import { describe, expect, it } from "vitest";
import {
  HOOK_MARKER,
  installedEvents,
  installHooks,
  type JsonObject,
  TETHER_HOOK_EVENTS,
  uninstallHooks,
} from "./hook-settings.ts";

const command = (event: string) => `"/usr/bin/node" "/opt/tether.js" hook ${event} ${HOOK_MARKER}`;

/** A user's settings with their own hooks on events Tether also uses, and keys Tether does not know. */
const USER: JsonObject = {
  model: "opus",
  permissions: { allow: ["Bash(ls:*)"] },
  hooks: {
    PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "~/bin/audit.sh", timeout: 5 }] }],
    Stop: [{ hooks: [{ type: "command", command: "say done" }] }],
    FileChanged: [{ matcher: "*.ts", hooks: [{ type: "command", command: "make lint" }] }],
  },
  futureKey: { nested: [1, "two", null] },
};

function install(s: JsonObject): JsonObject {
  const r = installHooks(s, command);
  if (!r.ok) throw new Error(r.reason);
  return r.settings;
}

function uninstall(s: JsonObject): JsonObject {
  const r = uninstallHooks(s);
  if (!r.ok) throw new Error(r.reason);
  return r.settings;
}

describe("hook settings merge", () => {
  it("install adds one entry per event after the user's own, and keeps everything else", () => {
    const s = install(USER);
    expect(installedEvents(s)).toEqual(Object.keys(TETHER_HOOK_EVENTS));
    const hooks = s.hooks as Record<string, unknown[]>;
    expect(hooks.PreToolUse?.[0]).toEqual((USER.hooks as Record<string, unknown[]>).PreToolUse?.[0]);
    expect(hooks.PreToolUse).toHaveLength(2);
    expect(hooks.FileChanged).toEqual((USER.hooks as Record<string, unknown>).FileChanged);
    expect(hooks.PermissionRequest).toEqual([
      { matcher: "*", hooks: [{ type: "command", command: command("PermissionRequest"), timeout: 330 }] },
    ]);
    expect([s.model, s.permissions, s.futureKey]).toEqual([USER.model, USER.permissions, USER.futureKey]);
  });

  it("install twice is install once", () => {
    const once = install(USER);
    const twice = installHooks(once, command);
    expect(twice).toEqual({ ok: true, settings: once, changed: false });
  });

  it("install then uninstall gives back the user's settings", () => {
    expect(uninstall(install(USER))).toEqual(USER);
    expect(uninstall(install({}))).toEqual({});
  });

  it("uninstall takes only entries ending with the marker, also from a group shared with the user", () => {
    const shared: JsonObject = {
      hooks: {
        Stop: [
          {
            hooks: [
              { type: "command", command: "say done" },
              { type: "command", command: command("Stop") },
              { type: "command", command: "echo tether hook Stop" },
            ],
          },
        ],
      },
    };
    expect(installedEvents(shared)).toEqual(["Stop"]);
    expect(uninstall(shared)).toEqual({
      hooks: {
        Stop: [
          {
            hooks: [
              { type: "command", command: "say done" },
              { type: "command", command: "echo tether hook Stop" },
            ],
          },
        ],
      },
    });
  });

  it("a reinstall with another command path replaces the old entries", () => {
    const moved = installHooks(install(USER), (e) => `"/new/node" "/new/tether.js" hook ${e} ${HOOK_MARKER}`);
    if (!moved.ok) throw new Error(moved.reason);
    expect(moved.changed).toBe(true);
    const pr = (moved.settings.hooks as Record<string, { hooks: { command: string }[] }[]>).PermissionRequest;
    expect(pr?.map((g) => g.hooks[0]?.command)).toEqual([
      `"/new/node" "/new/tether.js" hook PermissionRequest ${HOOK_MARKER}`,
    ]);
  });

  it("odd shapes are kept untouched; a hooks document Tether cannot extend is refused", () => {
    const odd: JsonObject = {
      hooks: { Custom: "not a list", PreToolUse: [42, { matcher: "x" }], Empty: [] },
    };
    expect(uninstall(install(odd))).toEqual(odd);
    expect(installHooks({ hooks: { Stop: "x" } }, command)).toEqual({
      ok: false,
      reason: '"hooks.Stop" is not a list',
    });
    expect(installHooks({ hooks: [] }, command)).toEqual({ ok: false, reason: '"hooks" is not an object' });
    expect(uninstallHooks({ hooks: "x" }).ok).toBe(false);
  });
});
