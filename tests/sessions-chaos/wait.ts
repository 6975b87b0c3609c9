/** Polls `f` until true or the deadline; never throws: a wait that runs out is reported by the caller. */
export async function waitFor(f: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** A planned pause (a fault's duration, a phone's think), never a wait for an event. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
