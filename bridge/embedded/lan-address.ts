/**
 * The address `tether up --lan` listens on and prints. The relay then serves plain HTTP, so it
 * must be an address only the local network reaches: a private IPv4 (RFC 1918), an IPv4
 * link-local one (169.254/16), or an IPv6 unique local address (fc00::/7). A public address is
 * never chosen. IPv6 link-local (fe80::/10) is left out: a URL cannot carry its zone.
 */

/** One entry of `os.networkInterfaces()` (Node has reported `family` as 4/6 as well as a string). */
export type InterfaceAddress = { address: string; family: string | number; internal: boolean };

type Rank = 0 | 1 | 2;

/** The best private address of `interfaces`, shaped like `os.networkInterfaces()`; null when none. */
export function pickLanAddress(interfaces: Record<string, InterfaceAddress[] | undefined>): string | null {
  let best: { address: string; rank: Rank } | null = null;
  for (const addresses of Object.values(interfaces)) {
    for (const a of addresses ?? []) {
      if (a.internal) continue;
      const rank = rankOf(a);
      if (rank !== null && (best === null || rank < best.rank)) best = { address: a.address, rank };
    }
  }
  return best?.address ?? null;
}

function rankOf(a: InterfaceAddress): Rank | null {
  const v4 = a.family === "IPv4" || a.family === 4;
  const v6 = a.family === "IPv6" || a.family === 6;
  if (v4) {
    const octets = ipv4Octets(a.address);
    if (octets === null) return null;
    if (isRfc1918(octets)) return 0;
    if (octets[0] === 169 && octets[1] === 254) return 1;
    return null;
  }
  if (v6 && isUniqueLocal(a.address)) return 2;
  return null;
}

function ipv4Octets(address: string): number[] | null {
  const parts = address.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? octets : null;
}

function isRfc1918([a, b]: number[]): boolean {
  return a === 10 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** fc00::/7: the first byte is 0xfc or 0xfd. */
function isUniqueLocal(address: string): boolean {
  return /^f[cd][0-9a-f]{2}:/i.test(address);
}
