/** Numeric limits of the transport (docs/protocol.md §6.1). One place, so relay and clients agree. */
export const Limits = {
  frameBytes: 1024 * 1024,
  /**
   * A body as the relay stores it: sealed (§12), so base64 of the ciphertext of a plaintext of up
   * to `plainBodyBytes` (4/3 of it, plus the envelope).
   */
  bodyBytes: 350 * 1024,
  /** What a sender keeps a body's plaintext JSON within, so that it still fits once sealed. */
  plainBodyBytes: 256 * 1024,
  /** Nesting of a message body: `[]` and `{}` count 1 (refused as `too_deep`). */
  bodyDepth: 64,
  msgsPerSend: 100,
  pageItems: 500,
  pageBytes: 256 * 1024,
  window: 2000,
  tailDefault: 200,
  tailMax: 1000,
  historyDefault: 100,
  historyMax: 500,
  ratePerSecond: 200,
  rateBurst: 1000,
  /** One rate token per this many bytes of a `history` answer or a `signal` frame, on top of one per item. */
  rateBytesPerToken: 1024,
  /** A signal frame from a controller or viewer (the bridge's only have the frame limit). */
  signalBytes: 4 * 1024,
  socketsPerToken: 8,
  /** At the socket cap, a socket of the token silent this long gives its place to a new one. */
  socketIdleMs: 30_000,
  cidsPerToken: 16,
  /** A token's cid idle this long may give its place to a new cid of the same token. */
  cidIdleMs: 10 * 60 * 1000,
  /** Non-bridge ack cursors kept per room whatever their age; older ones beyond it expire. */
  cursorsKept: 100,
  cursorIdleMs: 7 * 24 * 3600 * 1000,
  /** At most one presence broadcast per room in this interval; the latest state wins. */
  presenceEveryMs: 1000,
  invalidFramesPerMinute: 20,
  silentCloseMs: 90_000,
  livenessEveryMs: 30_000,
  compactedMidTtlMs: 7 * 24 * 3600 * 1000,
  roomMaxMessagesDefault: 100_000,
  roomMaxBytesDefault: 200_000_000,
  shareTtlDefaultSeconds: 7 * 24 * 3600,
  shareTtlMaxSeconds: 30 * 24 * 3600,
  pairingTtlMs: 10 * 60 * 1000,
  pairRequestsPerMinute: 10,
  /** A push hint's JSON (§11.1); the whole push payload must fit one 4,096-byte RFC 8291 record. */
  pushHintBytes: 2048,
  /** Sessions a device may mute. */
  pushMutedMax: 500,
  /** A bridge gone this long from a room with a will set makes the relay push the will. */
  pushWillGraceMs: 30_000,
  /** A controller socket that said `focus` counts as watching while it was seen this recently. */
  pushFocusFreshMs: 60_000,
  /** Attempts per push and subscription before it counts as failed (backoff 2 s, 10 s, 60 s, 5 min). */
  pushAttempts: 5,
  /** A push service's last error as the relay keeps and serves it (§11.2): the rest is cut. */
  pushErrorChars: 200,
} as const;

/** Close codes (docs/protocol.md §6.3). */
export const Close = {
  normal: 1000,
  goingAway: 1001,
  internal: 1011,
  tryLater: 1013,
  unauthorized: 4001,
  fenced: 4003,
  notFound: 4004,
  policy: 4008,
  forbidden: 4403,
} as const;

/**
 * The reason of the `4008` close that answers a `hello` whose `v` this relay does not speak
 * (docs/protocol.md §5.1, §10): a client tells its user it is out of date by it.
 */
export const UNSUPPORTED_VERSION = "unsupported version";

/**
 * The wire version (docs/protocol.md §10.1). 2: every session-layer body is end-to-end encrypted
 * (§12), which a version-1 app cannot read, so the relay tells it to update instead.
 */
export const WIRE_VERSION = 2;
