import { lazyPage } from "./lazy-page.tsx";

/**
 * Every page but the home page is a chunk of its own, fetched when first shown: the first screen a
 * new phone sees (how to pair) needs neither the protocol's schemas nor the room machinery, and
 * so fits the first-load budget (tests/web/budget.test.ts). The session page brings markdown and
 * diffs.
 */
export const MachinePage = lazyPage("machine page", () =>
  import("./machine-page.tsx").then((m) => m.MachinePage),
);
export const PairPage = lazyPage("pairing page", () => import("./pair-page.tsx").then((m) => m.PairPage));
export const SessionPage = lazyPage("session page", () =>
  import("./session/session-page.tsx").then((m) => m.SessionPage),
);
export const ChangesPage = lazyPage("changes view", () =>
  import("./workspace/changes-page.tsx").then((m) => m.ChangesPage),
);
export const MachinesPage = lazyPage("machines", () =>
  import("./machines-page.tsx").then((m) => m.MachinesPage),
);
export const InboxPage = lazyPage("inbox", () => import("./inbox-page.tsx").then((m) => m.InboxPage));
