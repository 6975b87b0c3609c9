import { useEffect, useState } from "preact/hooks";
import { enrollDevice, pairSecrets } from "../e2e/enroll.ts";
import { pair } from "../lib/api.ts";
import { addDevice } from "../lib/credentials.ts";
import { deviceLabel } from "../lib/device-label.ts";
import { navigate, scrubHash } from "../router.ts";
import { Centered, Notice } from "./common.tsx";

type Step = { s: "working" } | { s: "failed"; message: string; retry: boolean } | { s: "no_code" };

/** A link without the machine's key and the pairing secret: refused, never paired in the clear. */
const NO_KEYS =
  "This pairing link has no end-to-end encryption keys, so this phone cannot pair with it: Tether never falls back to unencrypted messages. Update `tether` on your workstation and run `tether pair` again.";

/**
 * /pair#c=<code>&m=<machine key>&p=<pairing secret>: trade the one-use code for a device token,
 * keep it with this phone's own key pair, enroll that key with the machine (docs/protocol.md
 * §12.4), and open the machine.
 */
export function PairPage(p: { code: string | null; m: string | null; p: string | null; r: string | null }) {
  const [step, setStep] = useState<Step>(p.code ? { s: "working" } : { s: "no_code" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const code = p.code;
    if (!code) return;
    const relay = peerRelay(p.r);
    if (relay === false) return setStep({ s: "failed", message: BAD_RELAY, retry: false });
    const secrets = pairSecrets(p.m, p.p);
    if (!secrets) {
      // Checked before the code is redeemed: a link that cannot pair safely does not use it up.
      console.warn("tether: a pairing link without end-to-end keys was refused");
      return setStep({ s: "failed", message: NO_KEYS, retry: false });
    }
    let live = true;
    setStep({ s: "working" });
    void (async () => {
      const label = deviceLabel();
      const r = await pair(code, label, relay);
      if (!live) return;
      if (r.ok) {
        await addDevice(r.data.machineId, r.data.token, label, relay);
        const enrolled = await enrollDevice(r.data.machineId, r.data.token, code, secrets, relay);
        scrubHash();
        if (!enrolled.ok)
          return setStep({ s: "failed", message: `Pairing failed: ${enrolled.message}`, retry: false });
        return navigate(`/m/${r.data.machineId}`, true);
      }
      if (r.code === "bad_code") scrubHash();
      setStep({ s: "failed", message: failure(r.code, r.message), retry: r.code !== "bad_code" });
    })();
    return () => {
      live = false;
    };
  }, [p.code, p.m, p.p, p.r, attempt]);

  return (
    <Centered>
      <h1>Pair this phone</h1>
      {step.s === "working" ? <p aria-live="polite">Pairing with your workstation…</p> : null}
      {step.s === "no_code" ? (
        <p>
          Open the link (or scan the QR code) that <code>tether pair</code> prints on your workstation.
        </p>
      ) : null}
      {step.s === "failed" ? (
        <>
          <Notice level="error">{withCode(step.message)}</Notice>
          {step.retry ? (
            <button type="button" class="btn primary" onClick={() => setAttempt(attempt + 1)}>
              Try again
            </button>
          ) : null}
        </>
      ) : null}
    </Centered>
  );
}

const BAD_RELAY = "This pairing link names a relay address this app cannot use.";

/**
 * The machine's relay from the link: null for this page's own, its origin for another (which this
 * relay's operator must list as a peer, else the browser refuses to connect), false if malformed.
 */
function peerRelay(r: string | null): string | null | false {
  if (r === null) return null;
  try {
    const u = new URL(r);
    if (u.protocol !== "https:" && u.protocol !== "http:") return false;
    return u.origin === location.origin ? null : u.origin;
  } catch {
    return false;
  }
}

function failure(code: string, message: string): string {
  if (code === "bad_code")
    return "This pairing link was already used or has expired. Run `tether pair` on your workstation for a new one.";
  if (code === "rate_limited") return "Too many pairing attempts. Wait a minute and try again.";
  if (code === "network") return "The relay could not be reached. Check the connection and try again.";
  return `Pairing failed: ${message}`;
}

/** Text with `backticked` commands shown as code (the messages name commands to run). */
function withCode(text: string) {
  return text.split("`").map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}
