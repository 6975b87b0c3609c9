import { doLogIndexesIn, measureRowsWritten, ROWS_METHOD } from "./relay-rows.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import { fillTether, tetherPhoneAway } from "./support/catch-up-clients.ts";
import { type Figure, figure } from "./support/figure.ts";
import { round } from "./support/stats.ts";

const NO_LOG =
  "keeps messages only in memory: nothing is written, and nothing survives a restart (see the restart figure)";

/** Makes sure the relay has written at least one Room DO file, so the schema check has one to read. */
export async function ensureRoomFile(relay: BenchRelay): Promise<void> {
  const phone = await tetherPhoneAway(relay);
  await fillTether(relay, phone.room, 1);
}

/** Rows written per stored message (bench/relay-rows.ts), with the embedded relay's on-disk schema checked. */
export function rowsFigure(doDir: string): Figure {
  const rows = measureRowsWritten([1, 25, 100]);
  const onDisk = doLogIndexesIn(doDir);
  const per = (batch: number) => rows.figures.find((f) => f.batch === batch)?.rowsWrittenPerMessage ?? null;
  return figure(
    {
      id: "rows-per-message",
      name: "storage rows written per stored message (send of 1)",
      unit: "rows/message",
      better: "lower",
      method: `${ROWS_METHOD} The schema check reads the Room DO SQLite files the embedded relay wrote in this run.`,
    },
    [
      {
        contender: "tether",
        value: per(1),
        detail: {
          batchOf25: round(per(25) ?? Number.NaN),
          batchOf100: round(per(100) ?? Number.NaN),
          perAckFrame: rows.perAckFrame,
          perHello: rows.perHello,
          perDuplicateResend: rows.perDuplicateResend,
          schemaMatchesDo:
            onDisk.length > 0 && onDisk.every((i) => JSON.stringify(i) === JSON.stringify(rows.logIndexes)),
          roomFilesChecked: onDisk.length,
        },
      },
      { contender: "ws", value: null, cannot: NO_LOG },
      { contender: "socketio", value: null, cannot: NO_LOG },
    ],
  );
}
