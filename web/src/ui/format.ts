import type { PermissionMode } from "../../../shared/protocol/session.ts";

export { PROMPT_KEY } from "../lib/storage-keys.ts";

/** Human formats for times, durations, costs, paths and modes. Pure. */

/** Every mode the bridge accepts, and only those: a Record, so a new mode needs its words here. */
export const permissionModeLabels: Record<PermissionMode, string> = {
  default: "Ask before edits and commands",
  acceptEdits: "Accept file edits",
  plan: "Plan only",
};

export function relTime(at: number, now: number): string {
  const s = Math.round((now - at) / 1000);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 7) return `${d} d ago`;
  return new Date(at).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** A clock time today, a date and time otherwise. */
export function clock(at: number, now: number): string {
  const d = new Date(at);
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (new Date(now).toDateString() === d.toDateString()) return time;
  return `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${time}`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function cost(usd: number): string {
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** The last `keep` path segments, so a long cwd fits a phone line. */
export function shortPath(path: string, keep = 2): string {
  const parts = path.split("/").filter(Boolean);
  if (parts.length <= keep) return path;
  return `…/${parts.slice(-keep).join("/")}`;
}

/** Joins a root and a relative folder the user typed; refuses to climb out with `..`. */
export function joinUnder(root: string, sub: string): string | null {
  const parts = sub.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) return null;
  if (parts.length === 0) return root;
  return `${root.replace(/\/+$/, "")}/${parts.join("/")}`;
}
