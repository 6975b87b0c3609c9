import QRCode from "qrcode";
import type { Terminal } from "./terminal.ts";

/** A link for the phone: a terminal QR code and the link itself, or one JSON line with --json. */
export async function showLink(
  t: Terminal,
  what: "pairing" | "share",
  heading: string,
  link: { url: string; expiresAt: number | null; id?: string },
): Promise<void> {
  if (t.json) {
    t.print(JSON.stringify({ event: what, ...link }));
    return;
  }
  // ANSI colours make the code readable on dark terminals; a file or pipe gets plain blocks.
  const type = process.stdout.isTTY ? "terminal" : "utf8";
  const qr = await QRCode.toString(link.url, { type, small: true });
  const expiry = link.expiresAt === null ? "" : ` (valid until ${when(link.expiresAt)})`;
  t.print(`\n${heading}${expiry}:\n\n${qr}\n  ${link.url}\n${plainHttpNote(link.url)}`);
}

/**
 * A link another device opens over plain HTTP (`tether up --lan`): the network carries the code or
 * token, the envelopes and the app's own code without TLS, so the person is told; loopback and
 * HTTPS say nothing. Bodies stay end-to-end encrypted: the app brings a JavaScript implementation
 * of the crypto where the browser offers no WebCrypto. Browsers also allow no service worker
 * there, so the app cannot open offline or get notifications.
 */
export function plainHttpNote(url: string): string {
  const { protocol, hostname } = new URL(url);
  if (protocol !== "http:" || hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]")
    return "";
  return (
    "  Plain HTTP: anyone on this network can see the pairing code, the phone's token and who sends\n" +
    "  what when (messages stay end-to-end encrypted), and someone who can change the traffic can\n" +
    "  change the app itself. Use it only on a network you trust; from anywhere else, use a relay\n" +
    "  deployed with HTTPS (see the README).\n" +
    "  Offline use and notifications need HTTPS or 127.0.0.1; over this plain-HTTP LAN address the\n" +
    "  phone app works only while online. Pairing and end-to-end encryption work there too.\n"
  );
}

/** A time today is enough for a 10-minute pairing code; a share lasting days needs the date. */
function when(at: number): string {
  const d = new Date(at);
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return at - Date.now() < 12 * 3_600_000 ? time : `${d.toLocaleDateString()} ${time}`;
}
