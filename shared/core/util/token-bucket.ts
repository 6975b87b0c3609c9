/** A token bucket kept in plain numbers so it fits a socket attachment and survives hibernation. */
export type Bucket = { tokens: number; at: number };

export type Take = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfterMs: number };

export function fullBucket(burst: number, now: number): Bucket {
  return { tokens: burst, at: now };
}

/** Takes `n` tokens at once or none; when refused, says when the bucket will hold `n`. */
export function take(bucket: Bucket, n: number, now: number, perSecond: number, burst: number): Take {
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(burst, bucket.tokens + (elapsed * perSecond) / 1000);
  if (tokens >= n) return { ok: true, bucket: { tokens: tokens - n, at: now } };
  const retryAfterMs = Math.ceil(((n - tokens) * 1000) / perSecond);
  return { ok: false, bucket: { tokens, at: now }, retryAfterMs };
}
