import { useEffect, useState } from "preact/hooks";
import type { CreateSession } from "../../../shared/protocol/index.ts";
import type { MachineView } from "../state/machine-fold.ts";
import type { RoomModel } from "../state/room-model.ts";
import { relTime, shortPath } from "./format.ts";
import { useNow } from "./use-now.ts";

/** Claude sessions on the workstation's disk (`machine.list_resumable`), each resumable in a new room. */
export function ResumePanel(p: {
  model: RoomModel;
  view: MachineView;
  busy: boolean;
  onResume(req: CreateSession): void;
}) {
  const [mid, setMid] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(60_000);
  useEffect(() => {
    void p.model.send("machine.list_resumable", {}).then((r) => (r.ok ? setMid(r.mid) : setError(r.message)));
  }, [p.model]);
  const list = mid ? p.view.resumable.get(mid) : undefined;
  const notice = mid ? p.view.notices.get(mid) : undefined;
  return (
    <section class="card" aria-labelledby="resume-h">
      <h2 id="resume-h">Resume a Claude session</h2>
      {error || notice ? (
        <p class="error" role="alert">
          {error ?? notice?.text}
        </p>
      ) : null}
      {!list && !error && !notice ? (
        <p class="muted" aria-live="polite">
          Asking the bridge…
        </p>
      ) : null}
      {list?.length === 0 ? <p class="muted">No Claude sessions found on the workstation.</p> : null}
      {list && list.length > 0 ? (
        <ul class="list">
          {list.map((s) => (
            <li key={s.claudeSessionId} class="resume-row">
              <span class="row-top">
                <strong class="title">{s.title ?? s.claudeSessionId}</strong>
              </span>
              <span class="sub">
                {shortPath(s.cwd)}
                {s.updatedAt ? ` · ${relTime(s.updatedAt, now)}` : ""}
              </span>
              {s.resumable === false ? (
                <span class="sub">Cannot resume: {s.reason ?? "unknown reason"}</span>
              ) : (
                <button
                  type="button"
                  class="btn small"
                  disabled={p.busy}
                  onClick={() =>
                    p.onResume({
                      cwd: s.cwd,
                      resumeClaudeSessionId: s.claudeSessionId,
                      title: (s.title ?? "Resumed session").slice(0, 200),
                    })
                  }
                >
                  Resume
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
