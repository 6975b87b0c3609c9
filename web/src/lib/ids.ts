/** Random identifiers. A mid carries 128 bits (the protocol asks for ≥ 96). */

export function randomId(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let bin = "";
  for (const b of buf) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function newMid(): string {
  return randomId(16);
}

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
