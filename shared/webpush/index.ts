export { fromBase64url, toBase64url } from "./base64url.ts";
export { EcKeys, EcPrivateJwk, ecKeysFromRaw } from "./ec-keys.ts";
export {
  type Encrypted,
  type EncryptFailure,
  encryptedLength,
  encryptPayload,
  MAX_PLAINTEXT,
} from "./encrypt-payload.ts";
export {
  type PushBuilt,
  type PushFailure,
  type PushInput,
  type PushRequest,
  pushRequest,
  pushTopic,
  type Urgency,
  type WebPushSubscription,
} from "./push-request.ts";
export {
  DEFAULT_VAPID_SECONDS,
  generateVapidKeys,
  isVapidSubject,
  MAX_VAPID_SECONDS,
  VapidKeys,
  vapidAuthorization,
} from "./vapid.ts";
