import type { Role, TokenKind } from "../shared/protocol/index.ts";

/** What the Worker learned about a socket's bearer; handed to the Room in a trusted header. */
export type SocketAuth = {
  tokenId: string;
  kind: TokenKind;
  role: Role;
  machineId: string;
  expiresAt: number | null;
};

/** The Directory's answer to "may this bearer open this room?" */
export type RoomAuthorization = { ok: true; auth: SocketAuth } | { ok: false; close: 4001 | 4403 | 4004 };

export const AUTH_HEADER = "x-tether-auth";

declare global {
  interface Env {
    /** Admin bearer for /api/* (a Worker secret). */
    TETHER_RELAY_SECRET?: string;
    /** Origin for pairing and share links; the request's origin when unset. */
    TETHER_PUBLIC_URL?: string;
    /** Caps per token and room (docs/protocol.md §2.6); Limits' defaults when unset. */
    TETHER_SOCKETS_PER_TOKEN?: string;
    TETHER_CIDS_PER_TOKEN?: string;
    /** "1" in the embedded relay (`tether up`): no Cloudflare edge in front of the Worker. */
    TETHER_EMBEDDED?: string;
    /** The embedded relay's own host names beyond loopback, comma-separated (the LAN address). */
    TETHER_HOSTS?: string;
    /**
     * Other relays, as origins, comma-separated (docs/protocol.md §3.6): this relay's app may
     * connect to them, and their apps may call this relay's API.
     */
    TETHER_PEER_RELAYS?: string;
    /** "1": push endpoints may be plain HTTP on loopback (tests' push service stand-in). */
    TETHER_PUSH_ALLOW_HTTP?: string;
    /** The VAPID `sub` (a mailto: or https: URL) push services may contact; see docs/protocol.md §11.4. */
    TETHER_PUSH_SUBJECT?: string;
    /** How long a bridge may be gone from a room before its will is pushed (tests shorten it). */
    TETHER_PUSH_WILL_GRACE_MS?: string;
  }
}
