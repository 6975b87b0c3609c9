import { signal } from "@preact/signals";
import type { FunctionComponent } from "preact";
import { Centered, Notice } from "./common.tsx";

/**
 * A page in its own chunk, fetched the first time it is shown ("Opening…" until then): what a
 * first visit needs (pairing, the machine list) stays within the first-load budget. A failed
 * fetch says so and is tried again on the next render.
 */
export function lazyPage<P extends object>(
  name: string,
  load: () => Promise<FunctionComponent<P>>,
): FunctionComponent<P> {
  const page = signal<FunctionComponent<P> | null>(null);
  const error = signal<string | null>(null);
  let requested = false;
  const request = () => {
    if (requested) return;
    requested = true;
    load().then(
      (component) => {
        page.value = component;
      },
      (err: unknown) => {
        requested = false;
        console.error(`tether: could not load the ${name}`, err);
        error.value = `The ${name} could not be loaded. Check the connection and reload.`;
      },
    );
  };
  return function LazyPage(props: P) {
    const Page = page.value;
    if (Page) return <Page {...props} />;
    request();
    return <Centered>{error.value ? <Notice level="error">{error.value}</Notice> : "Opening…"}</Centered>;
  };
}
