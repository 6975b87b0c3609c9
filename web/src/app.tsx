import { credentialsLoaded } from "./lib/devices.ts";
import { route } from "./router.ts";
import { Centered } from "./ui/common.tsx";
import { HomePage } from "./ui/home-page.tsx";
import { ChangesPage, InboxPage, MachinePage, MachinesPage, PairPage, SessionPage } from "./ui/pages.ts";

export function App() {
  const r = route.value;
  if (!credentialsLoaded.value) return <Centered>Loading…</Centered>;
  switch (r.name) {
    case "pair":
      return <PairPage code={r.code} m={r.m} p={r.p} r={r.r} />;
    case "home":
      return <HomePage />;
    case "machines":
      return <MachinesPage />;
    case "inbox":
      return <InboxPage />;
    case "machine":
      return <MachinePage key={r.machineId} machineId={r.machineId} />;
    case "session":
      return <SessionPage key={r.room} room={r.room} shareToken={r.shareToken} k={r.k} i={r.i} />;
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
