import { createHash } from "node:crypto";
import { Rng } from "../chaos/random.ts";

/** What a run is asked to do (run.ts parses it from flags, the short test fixes it). */
export type SessionsConfig = {
  seed: number;
  inputs: number;
  /** Bridge SIGKILLs. */
  kills: number;
  relayKills: number;
  /** Network cuts and stalls (each on the bridge's or the phones' proxy). */
  netFaults: number;
  sessions: number;
  phones: number;
  /** Reloads and offline periods of the phones, together. */
  phoneFaults: number;
  log: (line: string) => void;
};

/** One user.message: which session and phone, and for a tool call the ledger tag and the answer. */
export type PlannedInput = {
  i: number;
  session: number;
  phone: number;
  /** null: plain text, no tool. */
  tag: string | null;
  decision: "allow" | "deny";
  /** Pause before the next input. */
  gapMs: number;
};

export const KILL_MOMENTS = ["mid_turn", "mid_tool", "permission_wait", "on_answer", "any"] as const;
export type KillMoment = (typeof KILL_MOMENTS)[number];

export type PlannedFault =
  | { kind: "bridge_kill"; at: KillMoment; groupKill: boolean; delayMs: number; restartAfterMs: number }
  | { kind: "relay_kill" }
  | { kind: "net_cut" | "net_stall"; target: "bridge" | "phones"; durationMs: number }
  | { kind: "phone_reload"; phone: number }
  | { kind: "phone_offline"; phone: number; durationMs: number };

export type FaultKind = PlannedFault["kind"];
export const FAULT_KINDS: FaultKind[] = [
  "bridge_kill",
  "relay_kill",
  "net_cut",
  "net_stall",
  "phone_reload",
  "phone_offline",
];

export type Plan = {
  inputs: PlannedInput[];
  /** Each fault with the input index after which it is due. */
  faults: { afterInput: number; fault: PlannedFault }[];
  digest: string;
};

/** Everything drawn from the seed; the run waits on events, so timing between processes still varies. */
export function makePlan(c: SessionsConfig): Plan {
  const rng = new Rng(c.seed);
  const inputs = Array.from({ length: c.inputs }, (_, i) => plannedInput(rng, c, i));
  const drawn: PlannedFault[] = [
    ...Array.from({ length: c.kills }, () => bridgeKill(rng)),
    ...Array.from({ length: c.relayKills }, () => ({ kind: "relay_kill" }) as const),
    ...Array.from({ length: c.netFaults }, () => netFault(rng)),
    ...Array.from({ length: c.phoneFaults }, () => phoneFault(rng, c.phones)),
  ];
  const faults = shuffle(drawn, rng).map((fault, j) => ({
    // Spread over the inputs, none before the first turn has run.
    afterInput: Math.min(
      c.inputs - 1,
      1 + Math.floor(((j + 0.5) * (c.inputs - 1)) / Math.max(1, drawn.length)),
    ),
    fault,
  }));
  const digest = createHash("sha256")
    .update(JSON.stringify({ inputs: inputs.map(({ tag, ...x }) => ({ ...x, tool: tag !== null })), faults }))
    .digest("hex")
    .slice(0, 12);
  return { inputs, faults, digest };
}

function plannedInput(rng: Rng, c: SessionsConfig, i: number): PlannedInput {
  const tool = rng.chance(0.65);
  return {
    i,
    session: rng.int(0, c.sessions - 1),
    phone: rng.int(0, c.phones - 1),
    tag: tool ? `t${i}x${rng.int(0, 0xffffff).toString(16)}` : null,
    decision: rng.chance(0.7) ? "allow" : "deny",
    gapMs: rng.int(100, 1_200),
  };
}

function bridgeKill(rng: Rng): PlannedFault {
  const at = rng.pick(KILL_MOMENTS);
  return {
    kind: "bridge_kill",
    at,
    // Most crashes take the CLIs with them; some leave them running (the next start stops them).
    groupKill: rng.chance(0.7),
    // on_answer aims at the bridge handling a phone's answer: a few ms after it left the phone.
    delayMs: at === "on_answer" ? rng.int(0, 40) : rng.int(0, 150),
    restartAfterMs: rng.int(0, 1_500),
  };
}

function netFault(rng: Rng): PlannedFault {
  return {
    kind: rng.chance(0.5) ? "net_cut" : "net_stall",
    target: rng.chance(0.5) ? "bridge" : "phones",
    durationMs: rng.int(300, 5_000),
  };
}

function phoneFault(rng: Rng, phones: number): PlannedFault {
  const phone = rng.int(0, phones - 1);
  return rng.chance(0.5)
    ? { kind: "phone_reload", phone }
    : { kind: "phone_offline", phone, durationMs: rng.int(500, 6_000) };
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}
