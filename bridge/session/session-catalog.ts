import type { ModelInfo } from "@anthropic-ai/claude-agent-sdk";
import type { BodyOf, SessionCommands, SessionContext } from "../../shared/protocol/index.ts";
import type { ClaudeRun } from "../claude/claude-run.ts";
import type { RunEvent } from "../claude/map-sdk.ts";
import type { Logger } from "../log.ts";
import { commandsBody, contextBody, listed, slashName, unlistedText } from "./catalog-body.ts";
import { clip } from "./clip.ts";
import type { SessionRoom } from "./session-room.ts";
import { derivedMid } from "./turn-mids.ts";

/** The first answer waits for the CLI's initialize, which a loaded machine may take long for. */
const LISTS_MS = 30_000;
const CONTEXT_MS = 10_000;
/** Commands typed before the first list arrived, checked once it does. */
const UNCHECKED_MAX = 20;

export type CatalogRun = Pick<ClaudeRun, "commands" | "modelList" | "contextUsage" | "setModel">;

/** What the catalog says in its room and the session record it reads the model from. */
export type CatalogRoom = Pick<SessionRoom, "notice" | "update" | "record" | "link">;

/**
 * What the session's Claude Code offers (session.commands: its slash commands and models) and how
 * full its context is (session.context), published from the CLI's own answers (docs/protocol.md
 * §9.10). Every question to the CLI runs here, one after another and with a deadline, beside the
 * turns: nothing waits for it.
 */
export class SessionCatalog {
  readonly #out: CatalogRoom;
  readonly #log: Logger;
  #lists: SessionCommands | null = null;
  #models: ModelInfo[] | null = null;
  #context: SessionContext | null = null;
  #unchecked: { mid: string; name: string }[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(out: CatalogRoom, log: Logger) {
    this.#out = out;
    this.#log = log;
  }

  /** A process started: its lists, the session's model checked against them, then the context. */
  started(run: CatalogRun): void {
    this.#queue("lists", async () => {
      await this.#refresh(run);
      await this.#checkModel(run);
      await this.#measure(run);
    });
  }

  /** A turn ended (a /compact and a /clear too): how full the context is now. */
  turnEnded(run: CatalogRun): void {
    this.#queue("context", () => this.#measure(run));
  }

  /** Claude's events of the catalog; false for every other event. */
  onEvent(e: RunEvent, run: CatalogRun): boolean {
    switch (e.t) {
      case "compacted": {
        const body: BodyOf<"session.compacted"> = {
          trigger: e.trigger === "manual" ? "manual" : "auto",
          preTokens: Math.max(0, Math.round(e.preTokens)),
          at: Date.now(),
        };
        if (e.postTokens !== null) body.postTokens = Math.max(0, Math.round(e.postTokens));
        void this.#out.link.send("session.compacted", body);
        return true;
      }
      case "commands_changed":
        this.#queue("lists", () => this.#refresh(run));
        return true;
      case "local_output":
        void this.#out.link.send("agent.message", {
          id: `local_${e.id}`,
          blocks: [{ type: "text", ...clip(e.text) }],
        });
        return true;
      default:
        return false;
    }
  }

  /** A new user.message: one that starts with a command the CLI does not list is told so. */
  input(mid: string, text: string): void {
    const name = slashName(text);
    if (name === null) return;
    if (this.#lists) return this.#check(mid, name);
    if (this.#unchecked.length < UNCHECKED_MAX) this.#unchecked.push({ mid, name });
  }

  /** Whether the CLI's last list offers `model` (by name or what it resolves to); null before any list. */
  offers(model: string): boolean | null {
    if (this.#models === null) return null;
    if (this.#models.length === 0) return true;
    return this.#models.some((m) => m.value === model || m.resolvedModel === model);
  }

  async #refresh(run: CatalogRun): Promise<void> {
    const [commands, models] = await Promise.all([run.commands(LISTS_MS), run.modelList(LISTS_MS)]);
    if (commands === null || models === null) {
      this.#log.warn("Claude Code did not list its commands and models in time", {
        room: this.#out.record.room,
      });
      return;
    }
    this.#models = models;
    const body = commandsBody(commands, models, Date.now());
    const last = this.#lists;
    this.#lists = body;
    if (
      !last ||
      JSON.stringify([last.commands, last.models]) !== JSON.stringify([body.commands, body.models])
    )
      await this.#out.link.send("session.commands", body);
    for (const u of this.#unchecked.splice(0)) this.#check(u.mid, u.name);
  }

  /** A model chosen while no list was known, and not offered: back to the CLI's default, and said why. */
  async #checkModel(run: CatalogRun): Promise<void> {
    const model = this.#out.record.model;
    if (!model || this.offers(model) !== false) return;
    await run.setModel(undefined);
    this.#out.update({ model: null });
    const text = `${model} is not a model this Claude Code offers; the session uses the default model.`;
    this.#out.notice("warn", "bad_model", text);
  }

  async #measure(run: CatalogRun): Promise<void> {
    const usage = await run.contextUsage(CONTEXT_MS);
    const body = usage ? contextBody(usage, Date.now()) : null;
    if (!body) return;
    const last = this.#context;
    this.#context = body;
    const same =
      last &&
      last.usedTokens === body.usedTokens &&
      last.maxTokens === body.maxTokens &&
      last.model === body.model;
    if (!same) await this.#out.link.send("session.context", body);
  }

  #check(mid: string, name: string): void {
    if (!this.#lists || listed(name, this.#lists.commands)) return;
    this.#out.notice("info", "unlisted_command", unlistedText(name), mid, derivedMid("uc", mid));
  }

  #queue(what: string, f: () => Promise<void>): void {
    this.#chain = this.#chain.then(f).catch((err: Error) => {
      this.#log.warn(`session catalog: ${what} failed`, { room: this.#out.record.room, error: err.message });
    });
  }
}
