import { resumeEnrolls } from "./e2e/enroll-watch.ts";
import { loadCredentials } from "./lib/credentials.ts";
import { forgetRevokedCredentials } from "./state/forget.ts";
import { flushOutboxes } from "./state/rooms.ts";

/**
 * The part of start-up that needs the protocol and the room machinery (a chunk of its own, see
 * main.tsx): the stored credentials, parsed; revoked ones forgotten; messages queued by an earlier
 * page (closed before they went out) sent now.
 */
export async function startSync(): Promise<void> {
  forgetRevokedCredentials();
  await loadCredentials();
  await flushOutboxes();
  await resumeEnrolls();
}
