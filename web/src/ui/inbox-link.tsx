import { onLinkClick } from "../router.ts";
import { inbox, watchMachines } from "../state/inbox.ts";

/** The way to the inbox from the top bar, with how many prompts wait across every machine. */
export function InboxLink() {
  watchMachines();
  const n = inbox.value.length;
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
