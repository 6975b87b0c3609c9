import { signal } from "@preact/signals";
import type { FunctionComponent } from "preact";
import { credentialsLoaded } from "./lib/credentials.ts";
import { route } from "./router.ts";
import { Centered, Notice } from "./ui/common.tsx";
import { HomePage } from "./ui/home-page.tsx";
import { MachinePage } from "./ui/machine-page.tsx";
import { PairPage } from "./ui/pair-page.tsx";

type SessionProps = { room: string; shareToken: string | null };

/**
 * The session page (markdown, diffs) is its own chunk: pairing and the machine list stay within
 * the first-load budget, and the chunk loads as soon as a session is opened.
 */
const sessionPage = signal<FunctionComponent<SessionProps> | null>(null);
const sessionError = signal<string | null>(null);
let requested = false;

function loadSessionPage(): void {
  if (requested) return;
  requested = true;
  import("./ui/session/session-page.tsx").then(
    (m) => {
      sessionPage.value = m.SessionPage;
    },
    (err: unknown) => {
      requested = false;
      console.error("tether: could not load the session page", err);
      sessionError.value = "The session page could not be loaded. Check the connection and reload.";
    },
  );
}

export function App() {
  const r = route.value;
  if (!credentialsLoaded.value) return <Centered>Loading…</Centered>;
  switch (r.name) {
    case "pair":
      return <PairPage code={r.code} />;
    case "home":
      return <HomePage />;
    case "machine":
      return <MachinePage key={r.machineId} machineId={r.machineId} />;
    case "session": {
      const Page = sessionPage.value;
      if (Page) return <Page key={r.room} room={r.room} shareToken={r.shareToken} />;
      loadSessionPage();
      return (
        <Centered>
          {sessionError.value ? <Notice level="error">{sessionError.value}</Notice> : "Opening…"}
        </Centered>
      );
    }
    case "missing":
      return (
        <Centered>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{r.path}</code>. <a href="/">Home</a>
          </p>
        </Centered>
      );
  }
}
