import { useState } from "preact/hooks";
import { type CreateSession, PermissionMode } from "../../../shared/protocol/index.ts";
import { joinUnder, permissionModeLabels } from "./format.ts";

/** A new session: a folder under one of the bridge's roots, an optional title and first prompt. */
export function NewSessionForm(p: { roots: string[]; busy: boolean; onSubmit(req: CreateSession): void }) {
  const [root, setRoot] = useState(p.roots[0] ?? "");
  const [sub, setSub] = useState("");
  const [title, setTitle] = useState("");
  const [prompt, setPrompt] = useState("");
  const [mode, setMode] = useState<PermissionMode>("default");
  const [error, setError] = useState<string | null>(null);
  // The options are PermissionMode's own values; parsing just names the select's string as one.
  const pickMode = (value: string) => {
    const m = PermissionMode.safeParse(value);
    if (m.success) setMode(m.data);
  };
  if (p.roots.length === 0)
    return <p class="muted">Waiting for the bridge to say which folders it may work in…</p>;
  const chosen = root || p.roots[0] || "";
  const submit = (e: Event) => {
    e.preventDefault();
    const cwd = joinUnder(chosen, sub);
    if (!cwd) return setError("The folder must stay inside the root (no “..”).");
    setError(null);
    p.onSubmit({
      cwd,
      permissionMode: mode,
      ...(title.trim() ? { title: title.trim() } : {}),
      ...(prompt.trim() ? { prompt: prompt.trim() } : {}),
    });
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="New session">
      <label>
        Root
        <select value={chosen} onChange={(e) => setRoot(e.currentTarget.value)}>
          {p.roots.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <label>
        Folder inside the root (optional)
        <input
          value={sub}
          onInput={(e) => setSub(e.currentTarget.value)}
          placeholder="e.g. app/server"
          autocapitalize="off"
          autocorrect="off"
          spellcheck={false}
        />
      </label>
      <label>
        Title (optional)
        <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={200} />
      </label>
      <label>
        First prompt (optional)
        <textarea value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} rows={3} />
      </label>
      <label>
        Permissions
        <select value={mode} onChange={(e) => pickMode(e.currentTarget.value)}>
          {PermissionMode.options.map((m) => (
            <option key={m} value={m}>
              {permissionModeLabels[m]}
            </option>
          ))}
        </select>
      </label>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" class="btn primary" disabled={p.busy}>
        Start session
      </button>
    </form>
  );
}
