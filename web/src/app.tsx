import { credentialsLoaded } from "./lib/credentials.ts";
import { route } from "./router.ts";
import { Centered } from "./ui/common.tsx";
import { HomePage } from "./ui/home-page.tsx";
import { lazyPage } from "./ui/lazy-page.tsx";
import { MachinePage } from "./ui/machine-page.tsx";
import { PairPage } from "./ui/pair-page.tsx";

/** The session page (markdown, diffs) and the changes view load as soon as they are opened. */
const SessionPage = lazyPage("session page", () =>
  import("./ui/session/session-page.tsx").then((m) => m.SessionPage),
);
const ChangesPage = lazyPage("changes view", () =>
  import("./ui/workspace/changes-page.tsx").then((m) => m.ChangesPage),
);

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
    case "session":
      return <SessionPage key={r.room} room={r.room} shareToken={r.shareToken} />;
    case "changes":
      return <ChangesPage key={r.room} room={r.room} />;
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
