import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { CommandEntry } from "../../../../shared/protocol/index.ts";
import { matchCommands, slashQuery } from "../../state/slash-filter.ts";

export type SlashPicker = {
  /** The list to show above the box, or null. */
  view: JSX.Element | null;
  /** Arrow keys, Enter/Tab and Escape while the list is open; true when the key was the picker's. */
  onKey(e: KeyboardEvent): boolean;
};

/**
 * The command picker: while the box holds `/` and the start of a name, the session's commands
 * (from the CLI's own list, session.commands) that match, with their descriptions and argument
 * hints. Tapping one calls `pick` with its name; the box keeps whatever else was typed.
 */
export function useSlashPicker(
  text: string,
  commands: readonly CommandEntry[],
  pick: (name: string) => void,
): SlashPicker {
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const query = slashQuery(text);
  const matches = query === null || dismissed === text ? [] : matchCommands(commands, query);
  const at = Math.min(active, Math.max(0, matches.length - 1));
  const choose = (c: CommandEntry | undefined) => {
    if (!c) return;
    setActive(0);
    pick(c.name);
  };
  const onKey = (e: KeyboardEvent): boolean => {
    if (matches.length === 0) return false;
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1 };
    const move = moves[e.key];
    if (move !== undefined) setActive((at + move + matches.length) % matches.length);
    else if ((e.key === "Enter" && !e.ctrlKey && !e.metaKey) || e.key === "Tab") choose(matches[at]);
    else if (e.key === "Escape") setDismissed(text);
    else return false;
    e.preventDefault();
    return true;
  };
  if (matches.length === 0) return { view: null, onKey };
  const view = (
    <div class="slash-picker" role="listbox" aria-label="Commands" id="slash-picker">
      {matches.map((c, i) => (
        <div
          key={c.name}
          id={`slash-${i}`}
          role="option"
          tabIndex={-1}
          aria-selected={i === at}
          class={i === at ? "slash-option active" : "slash-option"}
          // The box keeps the focus (and the phone keyboard stays up) when an option is tapped.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => choose(c)}
          onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && choose(c)}
        >
          <span class="slash-name">
            /{c.name}
            {c.argumentHint ? <span class="slash-hint"> {c.argumentHint}</span> : null}
          </span>
          {c.description ? <span class="slash-desc">{c.description}</span> : null}
        </div>
      ))}
    </div>
  );
  return { view, onKey };
}
