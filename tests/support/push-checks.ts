import { createDecipheriv, createPublicKey, type ECDH, hkdfSync, verify } from "node:crypto";

/**
 * What the push-service stand-in checks, written with node:crypto and without shared/webpush: an
 * independent reading of RFC 8292 (VAPID) and RFC 8291/8188 (aes128gcm), so the two cannot agree
 * on the same mistake.
 */

export type Verdict<T> =
  | { ok: true; value: T }
  | { ok: false; status: 400 | 401 | 403 | 413; reason: string };

export type VapidClaims = { aud: string; exp: number; sub: string };

const VAPID_HEADER = /^vapid\s+t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/;
const DAY_SECONDS = 24 * 60 * 60;

/** RFC 8292 §3–§4: the JWT verifies with `k`, `k` is the subscription's key, the claims fit. */
export function checkVapid(
  header: string | undefined,
  expectedKey: string,
  audience: string,
  nowMs: number,
): Verdict<VapidClaims> {
  const match = VAPID_HEADER.exec(header ?? "");
  if (match === null) return refuse(401, `Authorization is not "vapid t=…, k=…": ${header}`);
  const [jwt = "", k = ""] = [match[1], match[2]];
  if (k !== expectedKey) return refuse(403, "k= is not the key the subscription was made with");
  const [head = "", body = "", signature = ""] = jwt.split(".");
  const alg = parseJson(Buffer.from(head, "base64url"));
  if (!alg.ok || !isRecord(alg.value) || alg.value.alg !== "ES256")
    return refuse(401, `JWT header is not {"alg":"ES256"}: ${Buffer.from(head, "base64url").toString()}`);
  if (!verifyEs256(`${head}.${body}`, Buffer.from(signature, "base64url"), k))
    return refuse(401, "JWT signature does not verify with k=");
  const claims = parseJson(Buffer.from(body, "base64url"));
  if (!claims.ok || !isRecord(claims.value)) return refuse(401, "JWT claims are not a JSON object");
  const { aud, exp, sub } = claims.value;
  if (aud !== audience) return refuse(401, `JWT aud ${String(aud)} is not ${audience}`);
  const now = Math.floor(nowMs / 1000);
  if (typeof exp !== "number" || !Number.isInteger(exp)) return refuse(401, "JWT exp is not a whole number");
  if (exp <= now) return refuse(401, `JWT expired ${now - exp} s ago`);
  if (exp > now + DAY_SECONDS) return refuse(401, `JWT exp is ${exp - now} s ahead, more than 24 h`);
  if (typeof sub !== "string" || !/^(mailto:.+|https:\/\/.+)$/.test(sub))
    return refuse(401, `JWT sub is not a mailto: or https: URL: ${String(sub)}`);
  return { ok: true, value: { aud, exp, sub } };
}

function verifyEs256(signingInput: string, signature: Buffer, publicKey: string): boolean {
  const point = Buffer.from(publicKey, "base64url");
  if (point.length !== 65 || point[0] !== 0x04 || signature.length !== 64) return false;
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
    format: "jwk",
  });
  return verify("sha256", Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" }, signature);
}

/** Push services need not take more than 4096 bytes of body (RFC 8030 §7.2); we take no more. */
export const MAX_BODY = 4096;

/** The receiver's side of RFC 8291: the browser's private key and auth secret open the body. */
export function decryptAes128gcm(body: Buffer, receiver: ECDH, auth: Buffer): Verdict<Buffer> {
  if (body.length > MAX_BODY) return refuse(413, `body of ${body.length} bytes, more than ${MAX_BODY}`);
  if (body.length < 86) return refuse(400, "body shorter than the aes128gcm header");
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  if (idlen !== 65) return refuse(400, `keyid is ${idlen} bytes, not a 65-byte P-256 point`);
  const senderKey = body.subarray(21, 86);
  const record = body.subarray(86);
  if (rs < 18 || record.length > rs) return refuse(400, `a record of ${record.length} bytes with rs ${rs}`);
  if (record.length < 17) return refuse(400, "record shorter than the GCM tag and a delimiter");
  const secret = ecdhSecret(receiver, senderKey);
  if (!secret.ok) return secret;

  const info = Buffer.concat([Buffer.from("WebPush: info\0"), receiver.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync("sha256", secret.value, auth, info, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const opened = openGcm(cek, nonce, record);
  if (!opened.ok) return opened;
  const padded = opened.value;
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  if (padded[end - 1] !== 0x02) return refuse(400, "the only record does not end with the 0x02 delimiter");
  return { ok: true, value: padded.subarray(0, end - 1) };
}

// node:crypto reports each of these by throwing; here they are the sender's faults, so verdicts.

function ecdhSecret(receiver: ECDH, senderKey: Buffer): Verdict<Buffer> {
  try {
    return { ok: true, value: receiver.computeSecret(senderKey) };
  } catch (error) {
    return refuse(400, `the sender key is not a P-256 point (${String(error)})`);
  }
}

function openGcm(key: Buffer, nonce: Buffer, record: Buffer): Verdict<Buffer> {
  const decipher = createDecipheriv("aes-128-gcm", key, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  try {
    return { ok: true, value: Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]) };
  } catch (error) {
    return refuse(400, `the record does not decrypt: tampered, or not for this key (${String(error)})`);
  }
}

export function parseJson(bytes: Buffer): Verdict<unknown> {
  try {
    return { ok: true, value: JSON.parse(bytes.toString("utf8")) };
  } catch (error) {
    return refuse(400, `not JSON (${String(error)})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function refuse(status: 400 | 401 | 403 | 413, reason: string): Verdict<never> {
  return { ok: false, status, reason };
}
