/** Keys of what the app keeps in localStorage and sessionStorage, per room or request. */

/** The first prompt of a session this device created, by the create request's mid. */
export const PROMPT_KEY = "tether.prompt.";
/** The unsent text of a room's composer. */
export const DRAFT_KEY = "tether.draft.";
/** A create_session request in flight, per machine (sessionStorage). */
export const PENDING_KEY = "tether.create.";
/** What this tab wiped after a revocation, so a reload can still say why (sessionStorage). */
export const FORGOTTEN_KEY = "tether.forgotten";
/** A note the user closed for good on this device (localStorage), by the note's name. */
export const DISMISSED_KEY = "tether.dismissed.";
/** The files picked for a room's composer and not sent yet (IndexedDB `kv`: they may be MBs). */
export const ATTACH_DRAFT_KEY = "tether.attach.";
