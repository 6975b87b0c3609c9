import { useState } from "preact/hooks";
import { pairTarget } from "../../../shared/core/pairing/pair-target.ts";
import { navigate } from "../router.ts";
import { Notice } from "./common.tsx";

/**
 * Pairing by pasting the link `tether pair` printed. A link of this app's relay is simply opened;
 * a link of another relay (a peer, docs/protocol.md §3.6) is opened here with that relay named,
 * so this one app keeps both machines, each with its own relay's credential and connection.
 */
export function PairLinkForm() {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    const target = pairTarget(text.trim(), location.origin);
    if (!target)
      return setError("That is not a pairing link: paste the whole link that tether pair printed.");
    setError(null);
    navigate(target);
  };
  return (
    <details class="card pair-link">
      <summary>Pair another machine</summary>
      <form onSubmit={submit}>
        <label>
          Pairing link (from <code>tether pair</code>)
          <input value={text} onInput={(e) => setText(e.currentTarget.value)} inputMode="url" />
        </label>
        <button type="submit" class="btn primary">
          Pair
        </button>
      </form>
      {error ? <Notice level="error">{error}</Notice> : null}
    </details>
  );
}
