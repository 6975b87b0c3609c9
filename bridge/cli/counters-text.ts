import type { CountersRes } from "../control/control-api.ts";

/** The counters for a person: each as "since start/since install", then what is so now. */
export function countersText(c: CountersRes): string {
  const pair = (name: string) => `${c.sinceStart[name] ?? 0}/${c.sinceInstall[name] ?? 0}`;
  const row = (label: string, names: [string, string][]) =>
    `  ${label.padEnd(9)} ${names.map(([text, name]) => `${text} ${pair(name)}`).join(", ")}`;
  const failed = Object.entries(c.sinceInstall)
    .filter(([name]) => name.startsWith("turnsFailed."))
    .map(([name, n]) => `${name.slice("turnsFailed.".length)} ${n}`);
  const longest = `${ms(c.sinceStart.relayLongestOutageMs)}/${ms(c.sinceInstall.relayLongestOutageMs)}`;
  const n = c.now;
  const oldest = n.outboxOldestAgeMs === null ? "" : `, oldest ${ms(n.outboxOldestAgeMs)}`;
  const rss =
    n.liveClaudeRssBytes === null ? "not measured" : `${Math.round(n.liveClaudeRssBytes / 2 ** 20)} MiB`;
  return [
    `Counters  since start/since install (since ${new Date(c.installedAt).toISOString().slice(0, 10)})`,
    row("sessions", [
      ["created", "sessionsCreated"],
      ["ended", "sessionsEnded"],
      ["resumed", "sessionsResumed"],
      ["fell back", "resumeFallbacks"],
      ["slept", "sessionsSlept"],
      ["woke", "sessionsWoken"],
      ["/clear", "transitions"],
      ["errors", "sessionErrors"],
    ]),
    `${row("turns", [
      ["ok", "turnsOk"],
      ["failed", "turnsFailed"],
    ])}${failed.length > 0 ? ` (since install: ${failed.join(", ")})` : ""}`,
    row("prompts", [
      ["asked", "promptsAsked"],
      ["phone", "promptsAnsweredPhone"],
      ["elsewhere", "promptsAnsweredElsewhere"],
      ["timed out", "promptsTimedOut"],
      ["cancelled", "promptsCancelled"],
      ["questions", "questionsAnswered"],
      ["plans", "plansAnswered"],
    ]),
    `${row("relay", [["reconnects", "relayReconnects"]])}, longest outage ${longest}`,
    // The relay's totals (docs/protocol.md §11.2); absent until the relay first answered.
    ...("pushesSent" in c.sinceInstall
      ? [
          row("pushes", [
            ["sent", "pushesSent"],
            ["failed", "pushesFailed"],
            ["retried", "pushesRetried"],
          ]),
        ]
      : []),
    `Now       ${n.sessionsLive} live, ${n.sessionsSleeping} sleeping, ${n.sessionsRegistered} registered; ` +
      `outbox ${n.outboxQueued} queued${oldest}; Claude processes' RSS ${rss}` +
      (n.relayOutageMs > 0 ? `; relay down for ${ms(n.relayOutageMs)}` : ""),
  ].join("\n");
}

function ms(value: number | undefined): string {
  const v = value ?? 0;
  if (v < 1000) return `${v}ms`;
  if (v < 120_000) return `${(v / 1000).toFixed(1)}s`;
  return `${Math.round(v / 60_000)}m`;
}
