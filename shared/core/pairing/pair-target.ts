/** The in-app path that pairs with `link`, or null when it is not a pairing link. */
export function pairTarget(link: string, here: string): string | null {
  let u: URL;
  try {
    u = new URL(link);
  } catch {
    return null;
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || u.pathname !== "/pair") return null;
  const params = new URLSearchParams(u.hash.replace(/^#/, ""));
  if (!params.get("c")) return null;
  if (u.origin !== here) params.set("r", u.origin);
  return `/pair#${params.toString()}`;
}
