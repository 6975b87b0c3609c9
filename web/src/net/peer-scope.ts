/**
 * The scope at which the app's service worker is registered again for a peer relay's pushes
 * (net/push-client.ts): one path segment named after the relay's host and port.
 */
export function peerScope(relay: string): string {
  return `/peer/${relay.replace(/^https?:\/\//, "").replace(/[^A-Za-z0-9.-]/g, "_")}/`;
}
