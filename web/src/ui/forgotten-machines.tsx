import { forgotten } from "../state/forgotten.ts";
import { Notice } from "./common.tsx";

/** Machines whose pairing the relay refused while this page was open: said once their data is gone. */
export function ForgottenMachines() {
  const gone = [...forgotten.value].filter((key) => !key.includes(":"));
  if (gone.length === 0) return null;
  return (
    <Notice level="error">
      The pairing with {gone.join(", ")} was revoked. Its sessions, drafts and prompts were removed from this
      phone.
    </Notice>
  );
}
