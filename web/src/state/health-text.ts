import type { TolerantMachineHealth } from "../../../shared/protocol/index.ts";

type Counts = Record<string, number>;

/** The machine health sheet's rows: a label, then since the bridge started / since install. Pure. */
export function healthRows(h: TolerantMachineHealth): [string, string][] {
  const pair = (name: string) => `${h.sinceStart[name] ?? 0} / ${h.sinceInstall[name] ?? 0}`;
  const sum = (c: Counts, names: string[]) => names.reduce((n, k) => n + (c[k] ?? 0), 0);
  const answered = ["promptsAnsweredPhone", "promptsAnsweredElsewhere"];
  const rows: [string, string][] = [
    ["Sessions created", pair("sessionsCreated")],
    ["Resumed", pair("sessionsResumed")],
    ["Fell back to a fresh start", pair("resumeFallbacks")],
    ["Slept / woke", `${pair("sessionsSlept")} · ${pair("sessionsWoken")}`],
    ["/clear", pair("transitions")],
    ["Turns ok", pair("turnsOk")],
    ["Turns failed", pair("turnsFailed")],
    ["Prompts asked", pair("promptsAsked")],
    ["Answered", `${sum(h.sinceStart, answered)} / ${sum(h.sinceInstall, answered)}`],
    ["Timed out", pair("promptsTimedOut")],
    ["Cancelled", pair("promptsCancelled")],
    ["Relay reconnects", pair("relayReconnects")],
    [
      "Longest relay outage",
      `${ms(h.sinceStart.relayLongestOutageMs)} / ${ms(h.sinceInstall.relayLongestOutageMs)}`,
    ],
  ];
  // The relay's push totals, from bridges that read them (absent, not 0, from older ones).
  if (h.sinceInstall.pushesSent !== undefined)
    rows.push(["Pushes sent", pair("pushesSent")], ["Pushes failed", pair("pushesFailed")]);
  const n = h.now;
  if (n.sessionsRegistered !== undefined)
    rows.push([
      "Sessions now",
      `${n.sessionsLive ?? 0} live, ${n.sessionsSleeping ?? 0} sleeping, ${n.sessionsRegistered} in all`,
    ]);
  if (n.outboxQueued !== undefined)
    rows.push([
      "Queued for the relay",
      `${n.outboxQueued}${n.outboxOldestAgeMs ? `, oldest ${ms(n.outboxOldestAgeMs)}` : ""}`,
    ]);
  if (typeof n.liveClaudeRssBytes === "number") {
    const budget =
      typeof n.liveClaudeBudgetBytes === "number" ? ` of a ${mib(n.liveClaudeBudgetBytes)} budget` : "";
    rows.push(["Claude processes' memory", `${mib(n.liveClaudeRssBytes)}${budget}`]);
  }
  if (h.sinceInstall["sessionsSlept.memory"]) rows.push(["Slept for memory", pair("sessionsSlept.memory")]);
  return rows;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

function ms(v: number | undefined): string {
  const x = v ?? 0;
  if (x < 1000) return `${x} ms`;
  if (x < 120_000) return `${(x / 1000).toFixed(1)} s`;
  return `${Math.round(x / 60_000)} min`;
}
