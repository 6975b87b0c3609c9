import { onLinkClick } from "../router.ts";
import { inbox, watchMachines } from "../state/inbox.ts";

/**
 * The way to the inbox from the top bar, with how many prompts wait across every machine. On a
 * session's page (`room`) it counts only the other sessions' prompts, and shows only when one waits.
 */
export function InboxLink(p: { room?: string }) {
  watchMachines();
  const n = inbox.value.filter((item) => item.room !== p.room).length;
  if (p.room !== undefined && n === 0) return null;
  return (
    <a
      class="inbox-link"
      href="/inbox"
      onClick={(e) => onLinkClick(e, "/inbox")}
      aria-label={n === 0 ? "Inbox: nothing waits" : `Inbox: ${n} waiting`}
      data-testid="inbox-link"
    >
      Inbox
      {n > 0 ? (
        <span class="count" data-testid="inbox-count">
          {n}
        </span>
      ) : null}
    </a>
  );
}
