import type { TolerantSessionInfo } from "../../../../shared/protocol/index.ts";

/** A path as one shell word: single-quoted unless it is plainly safe. */
export function shellWord(text: string): string {
  return /^[\w./~-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The ways back to a keyboard (docs/protocol.md §9.6.2): `claude --resume` in a terminal on the
 * machine takes the session over in this room; `tether attach` follows it from any terminal.
 */
export function DeskCommands(p: { room: string; info: TolerantSessionInfo | null }) {
  const id = p.info?.claudeSessionId;
  const resume = id && p.info ? `cd ${shellWord(p.info.cwd)} && claude --resume ${id}` : null;
  return (
    <details class="desk" data-testid="desk-commands">
      <summary>Continue at a keyboard</summary>
      {resume ? (
        <label>
          In a terminal on the machine (takes it over here):
          <input
            readOnly
            value={resume}
            onFocus={(e) => e.currentTarget.select()}
            data-testid="desk-resume"
          />
        </label>
      ) : (
        <p class="sub">Claude has not named this session yet: send it a message first.</p>
      )}
      <label>
        Or follow it from any terminal:
        <input
          readOnly
          value={`tether attach ${p.room}`}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="desk-attach"
        />
      </label>
    </details>
  );
}
