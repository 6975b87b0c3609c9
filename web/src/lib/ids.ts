/** Random identifiers. A mid carries 128 bits (the protocol asks for ≥ 96). */

export function randomId(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let bin = "";
  for (const b of buf) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function newMid(): string {
  return randomId(16);
}
