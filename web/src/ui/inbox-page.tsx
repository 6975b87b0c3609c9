import { useState } from "preact/hooks";
import { promptKind } from "../../../shared/protocol/index.ts";
import { devices } from "../lib/devices.ts";
import {
  type InboxItem,
  inbox,
  machineModel,
  machineName,
  machineView,
  watchMachines,
} from "../state/inbox.ts";
import { AppNotices } from "./app-notices.tsx";
import { TopBar } from "./common.tsx";
import { relTime } from "./format.ts";
import { PermissionSheet } from "./session/permission-sheet.tsx";
import { summary } from "./session/tool-card.tsx";
import { useNow } from "./use-now.ts";

/**
 * Everything that waits for the person, on every paired machine, newest first: each row is one
 * big target that opens the prompt's own sheet here, over the list; answering it is the same
 * message the session page sends, and the row goes once the answer is on its way.
 */
export function InboxPage() {
  watchMachines();
  const now = useNow(30_000);
  const items = inbox.value;
  const [open, setOpen] = useState<string | null>(null);
  const shown = items.find((i) => i.key === open) ?? null;
  return (
    <>
      <TopBar title="Needs you" subtitle={machinesText(devices.value.length)} back="/machines" />
      <AppNotices />
      <main class="page">
        {items.length === 0 ? (
          <p class="muted">Nothing waits for you: no prompt, question or plan on any machine.</p>
        ) : (
          <ul class="list" aria-label="Waiting prompts">
            {items.map((i) => (
              <InboxRow key={i.key} item={i} now={now} onOpen={() => setOpen(i.key)} />
            ))}
          </ul>
        )}
      </main>
      {shown ? (
        <PermissionSheet
          key={shown.key}
          model={shown.model}
          req={shown.req}
          queued={1}
          refusal={shown.refusal}
          onClose={() => setOpen(null)}
        />
      ) : null}
    </>
  );
}

function InboxRow(p: { item: InboxItem; now: number; onOpen: () => void }) {
  const { item } = p;
  const model = machineModel(item.machineId);
  const name = machineName(item.machineId, model ? machineView(model).value : null);
  const what = askText(item);
  return (
    <li class="inbox-item" data-machine={item.machineId} data-room={item.room}>
      <button type="button" class="row" onClick={p.onOpen} aria-label={`${name}, ${item.title}: ${what}`}>
        <span class="row-top">
          <strong class="title">{what}</strong>
          <span class="badge state-awaiting_permission">{relTime(item.at, p.now)}</span>
        </span>
        <span class="sub">
          {name} · {item.title}
        </span>
      </button>
    </li>
  );
}

function askText(item: InboxItem): string {
  const kind = promptKind(item.req);
  if (kind === "question") return "Claude has a question";
  if (kind === "plan") return "Approve Claude's plan?";
  return `Allow ${item.req.toolName}? ${item.req.title ?? summary(item.req.toolName, item.req.input)}`;
}

function machinesText(n: number): string {
  return n === 1 ? "1 machine" : `${n} machines`;
}
