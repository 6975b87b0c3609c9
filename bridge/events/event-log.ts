import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { LifecycleEvent } from "./lifecycle-event.ts";

/** A file is rotated before a line would take it past 1 MiB. */
export const EVENT_FILE_BYTES = 1024 * 1024;
/** At most 10 rotated files are kept beside the current one (so about 11 MiB in all)… */
export const EVENT_FILES_KEPT = 10;
/** …and none whose last line is older than 30 days. */
export const EVENT_RETENTION_MS = 30 * 24 * 3600 * 1000;

const CURRENT = "events.jsonl";
const ROTATED = /^events-(\d{12})\.jsonl$/;

/**
 * The append-only event log: `<dir>/events.jsonl` and rotated `events-<last seq>.jsonl` files.
 * One write and one fdatasync per line, so a crash loses at most the line being written; a torn
 * last line is cut off when the log is opened again.
 */
export class EventLog {
  readonly dir: string;
  #fd: number;
  #size: number;
  #lastSeq: number;
  readonly #now: () => number;
  readonly #fileBytes: number;

  /** `fileBytes`: the rotation size (EVENT_FILE_BYTES; smaller in tests). */
  constructor(dir: string, o: { now?: () => number; fileBytes?: number } = {}) {
    this.dir = dir;
    this.#now = o.now ?? Date.now;
    this.#fileBytes = o.fileBytes ?? EVENT_FILE_BYTES;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const current = join(dir, CURRENT);
    cutTornTail(current);
    this.#fd = openSync(current, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
    this.#lastSeq = lastSeqOf(current) ?? lastSeqOf(rotatedFiles(dir).at(-1) ?? "") ?? 0;
    this.#prune();
  }

  /** The seq of the last line on disk (0 for an empty log). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Writes the event `make` builds with the next seq (never below `floor`). A second bridge
   * process on the same state dir (for the moment before it fences this one) may have written
   * lines meanwhile: the file's size tells, and its last seq is read again, so no seq is reused.
   */
  append(make: (seq: number) => LifecycleEvent, floor = 0): LifecycleEvent {
    const size = fstatSync(this.#fd).size;
    if (size !== this.#size) {
      this.#size = size;
      this.#lastSeq = Math.max(this.#lastSeq, lastSeqOf(join(this.dir, CURRENT)) ?? 0);
    }
    const e = make(Math.max(this.#lastSeq, floor) + 1);
    const line = Buffer.from(`${JSON.stringify(e)}\n`);
    if (this.#size > 0 && this.#size + line.length > this.#fileBytes) this.#rotate();
    writeSync(this.#fd, line);
    fdatasyncSync(this.#fd);
    this.#size += line.length;
    this.#lastSeq = e.seq;
    return e;
  }

  close(): void {
    closeSync(this.#fd);
  }

  #rotate(): void {
    closeSync(this.#fd);
    const current = join(this.dir, CURRENT);
    renameSync(current, join(this.dir, `events-${String(this.#lastSeq).padStart(12, "0")}.jsonl`));
    this.#fd = openSync(current, "a", 0o600);
    this.#size = 0;
    this.#prune();
  }

  /** Keeps the newest EVENT_FILES_KEPT rotated files, none older than EVENT_RETENTION_MS. */
  #prune(): void {
    const files = rotatedFiles(this.dir);
    const cutoff = this.#now() - EVENT_RETENTION_MS;
    files.forEach((file, i) => {
      if (i < files.length - EVENT_FILES_KEPT || statSync(file).mtimeMs < cutoff) unlinkSync(file);
    });
  }
}

/** Every event still kept, oldest first; a line that does not parse (a torn or foreign one) is skipped. */
export function readEvents(dir: string): LifecycleEvent[] {
  if (!existsSync(dir)) return [];
  return [...rotatedFiles(dir), join(dir, CURRENT)].flatMap(eventsIn);
}

/** The events after `seq`, oldest first, reading only the newest files that hold any. */
export function eventsAfter(dir: string, seq: number): LifecycleEvent[] {
  const out: LifecycleEvent[] = [];
  for (const file of [join(dir, CURRENT), ...rotatedFiles(dir).reverse()]) {
    const events = eventsIn(file);
    out.unshift(...events.filter((e) => e.seq > seq));
    if ((events[0]?.seq ?? Number.POSITIVE_INFINITY) <= seq) break;
  }
  return out;
}

function eventsIn(file: string): LifecycleEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      if (!line) return [];
      const parsed = LifecycleEvent.safeParse(safeJson(line));
      return parsed.success ? [parsed.data] : [];
    });
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    return { unparsable: String(err) };
  }
}

/** Rotated files, oldest first (their names carry their last seq, zero-padded). */
function rotatedFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => ROTATED.test(f))
    .sort()
    .map((f) => join(dir, f));
}

function lastSeqOf(file: string): number | null {
  return file ? (eventsIn(file).at(-1)?.seq ?? null) : null;
}

/** A crash in the middle of a write leaves a line without its newline: it was never counted, so it goes. */
function cutTornTail(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file);
  if (text.length === 0 || text[text.length - 1] === 0x0a) return;
  truncateSync(file, text.lastIndexOf(0x0a) + 1);
}
