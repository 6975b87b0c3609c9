import { randomId } from "./ids.ts";

const TAB_KEY = "tether.tab";

/**
 * One id per tab, kept in sessionStorage so a reload keeps it (the relay's ack cursor and presence
 * are per cid) while another tab gets its own.
 */
export function tabId(): string {
  const known = sessionStorage.getItem(TAB_KEY);
  if (known && /^[A-Za-z0-9_-]{8}$/.test(known)) return known;
  const id = randomId(6);
  sessionStorage.setItem(TAB_KEY, id);
  return id;
}

/**
 * The relay binds a cid to the first token that used it in a room, so the cid combines the
 * credential's own random id with the tab: a new pairing or a share link never reuses a cid.
 */
export function cidFor(credId: string): string {
  return `w${credId}-${tabId()}`;
}
