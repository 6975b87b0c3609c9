import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultStateDir } from "../config.ts";
import { createPairingLink } from "../e2e/pairing-link.ts";
import { RELAY_CONFIG } from "../embedded/relay-config.ts";
import { securePrivateDir } from "../private-files.ts";
import { type BridgePlan, describeBridgePlan, planBridge, pointBridge } from "./deploy-bridge.ts";
import {
  loadDeployedSecret,
  loadDeployRecord,
  newRelaySecret,
  SECRET_FILE,
  saveDeployedSecret,
  saveDeployRecord,
} from "./deploy-state.ts";
import { bundleOnly, deployWorker, ensureLoggedIn, putSecret } from "./deploy-steps.ts";
import { CliError, parseFlags, relayUrl } from "./options.ts";
import { orFail } from "./saved-bearer.ts";
import { showLink } from "./show-link.ts";
import { makeTerminal, type Terminal } from "./terminal.ts";
import { waitForRelay } from "./wait-relay.ts";
import { findWrangler, type Wrangler } from "./wrangler.ts";

const HELP = `Usage: tether deploy [--worker NAME] [--state-dir DIR] [--force] [--new-secret] [--url URL] [--dry-run] [--json]

Deploys the relay to Cloudflare and points this machine's bridge at it, so the phone works from
anywhere (a free Cloudflare account is enough). In order:
  1. wrangler whoami; if not logged in, wrangler login (opens a browser), then checks again
  2. wrangler deploy (builds web/dist, uploads the Worker and its Durable Objects)
  3. wrangler secret put TETHER_RELAY_SECRET: on the first deploy a new random secret, passed
     through stdin (never on a command line, never printed) and kept private in the state dir
  4. registers this machine on the deployed relay (what "tether init" does) and saves it
  5. prints a pairing link and QR code for the deployed relay
Then run "tether bridge" and keep it running. Running deploy again updates the Worker in place:
same secret, same machine, same paired phones and history.

One state dir holds one machine on one relay. If the state dir holds "tether up"'s machine, deploy
stops before deploying and says the choices: the deployed relay does not know that machine's
phones (they pair again) and the history stays in the embedded relay's storage.

  --worker NAME      the Worker's name (default: the one this state dir deployed last, else
                     ${RELAY_CONFIG.name} as in wrangler.toml); the URL is
                     https://NAME.<your subdomain>.workers.dev
  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --force            replace the state dir's machine of another relay or Worker (e.g. tether up's)
                     with a new machine on the deployed relay; phones pair again
  --new-secret       set a new random relay secret on a re-run (tokens already minted keep working)
  --url URL          the relay's address, when wrangler prints none (routes or a custom domain)
  --dry-run          bundle the Worker with wrangler deploy --dry-run and print the plan; nothing
                     is sent to Cloudflare and the state dir is not changed
  --outdir DIR       with --dry-run: where the bundle goes (default: a new temp dir)
  --json             JSON lines ({"event":"plan"|"deployed"|"pairing",...}), no QR code

The secret for a Worker's first deploy from this state dir is TETHER_RELAY_SECRET when set (at
least 32 characters, e.g. to keep an existing one), else 32 random bytes; --new-secret always sets
a random one. wrangler is this checkout's (node_modules/wrangler); TETHER_WRANGLER names another.
`;

export async function deployCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    worker: { type: "string" },
    "state-dir": { type: "string" },
    force: { type: "boolean" },
    "new-secret": { type: "boolean" },
    url: { type: "string" },
    "dry-run": { type: "boolean" },
    outdir: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const url = values.url === undefined ? null : httpsUrl(values.url);
  if (values.outdir !== undefined && !values["dry-run"]) throw new CliError("--outdir goes with --dry-run");
  const stateDir = values["state-dir"] ?? defaultStateDir();
  // A re-run without --worker updates the Worker this state dir deployed, whatever its name.
  const worker = workerName(values.worker ?? loadDeployRecord(stateDir)?.name ?? RELAY_CONFIG.name);
  const t = makeTerminal(values.json ?? false);
  const wrangler = findWrangler();
  const plan = planBridge(stateDir, worker, values.force ?? false);
  const secret = planSecret(stateDir, worker, values["new-secret"] === true);
  const newSecret = secret.set;
  if (values["dry-run"]) {
    const outdir = values.outdir ?? mkdtempSync(join(tmpdir(), "tether-deploy-bundle-"));
    await dryRun(t, wrangler, { worker, outdir, plan, stateDir, newSecret });
    return 0;
  }
  if (plan.kind === "refuse") throw new CliError(plan.message, 1);

  step(t, 1, "Cloudflare account (wrangler whoami)");
  const who = await ensureLoggedIn(t, wrangler);
  if (!t.json) t.print(`   logged in${who ? ` as ${who}` : ""}`);

  step(t, 2, `Deploying the Worker ${worker} (wrangler deploy)`);
  const deployed = await deployWorker(t, wrangler, worker, url);
  if (!t.json) t.print(`   deployed to ${deployed}`);

  step(t, 3, "Relay secret");
  securePrivateDir(stateDir);
  if (newSecret) {
    await putSecret(wrangler, worker, secret.value);
    saveDeployedSecret(stateDir, secret.value);
    if (!t.json)
      t.print(
        `   set a new TETHER_RELAY_SECRET on the Worker; kept in ${join(stateDir, SECRET_FILE)} (0600)`,
      );
  } else if (!t.json) t.print("   unchanged (the one set by the last deploy; --new-secret sets another)");
  saveDeployRecord(stateDir, { name: worker, url: deployed });

  step(t, 4, "This machine's bridge");
  await waitForRelay(t, deployed);
  const pointed = await pointBridge(plan, {
    stateDir,
    url: deployed,
    secret: secret.value,
    secretSet: newSecret,
  });
  if (t.json) t.log.info(pointed.note);
  else t.print(`   ${pointed.note}`);

  step(t, 5, "Pairing");
  const bearer = { relayUrl: deployed, token: pointed.config.token };
  const pairing = orFail(await createPairingLink(bearer, stateDir), deployed);
  if (t.json)
    t.print(
      JSON.stringify({
        event: "deployed",
        worker,
        url: deployed,
        machineId: pointed.config.machineId,
        stateDir,
        secretSet: newSecret,
        bridge: pointed.outcome,
        ...(pointed.previousMachineId ? { previousMachineId: pointed.previousMachineId } : {}),
      }),
    );
  await showLink(t, "pairing", "Pair your phone: scan this code or open the link", {
    url: pairing.url,
    expiresAt: pairing.expiresAt,
  });
  if (!t.json) t.print(`Next, keep the bridge running (tmux, systemd, ...):\n  ${nextCommand(stateDir)}\n`);
  return 0;
}

async function dryRun(
  t: Terminal,
  w: Wrangler,
  o: { worker: string; outdir: string; plan: BridgePlan; stateDir: string; newSecret: boolean },
): Promise<void> {
  await bundleOnly(t, w, o.worker, o.outdir);
  const bundle = join(o.outdir, "worker.js");
  const size = statSync(bundle).size;
  const steps = [
    { step: "login", does: "wrangler whoami; wrangler login if not logged in" },
    { step: "deploy", does: `wrangler deploy --name ${o.worker} (the bundle checked above)` },
    {
      step: "secret",
      does: o.newSecret
        ? `wrangler secret put TETHER_RELAY_SECRET --name ${o.worker} with a new secret through stdin`
        : "keep the secret set by the last deploy",
    },
    { step: "bridge", does: describeBridgePlan(o.plan, o.stateDir) },
    { step: "pair", does: "print a pairing link and QR code for the deployed relay" },
  ];
  if (t.json) {
    t.print(JSON.stringify({ event: "plan", worker: o.worker, bundle, bytes: size, steps }));
    return;
  }
  t.print(
    `Bundled the Worker ${o.worker}: ${bundle} (${Math.round(size / 1024)} KiB).\n` +
      "Plan (dry run: nothing was sent to Cloudflare, the state dir is unchanged):\n" +
      steps.map((s, i) => `  ${i + 1}. ${s.step}: ${s.does}`).join("\n") +
      `\nThen: ${nextCommand(o.stateDir)}`,
  );
}

/**
 * The relay secret, decided before anything is deployed. The saved secret is the Worker's that the
 * deploy record names: a re-run of that Worker keeps it unless --new-secret. A new one is
 * TETHER_RELAY_SECRET on the Worker's first deploy from this state dir (to keep an existing one),
 * else random: --new-secret never sets again the secret it replaces, and a secret too short to be
 * loaded again (loadDeployedSecret) would be replaced by every re-run.
 */
function planSecret(stateDir: string, worker: string, renew: boolean): { set: boolean; value: string } {
  const saved = loadDeployRecord(stateDir)?.name === worker ? loadDeployedSecret(stateDir) : null;
  if (saved !== null && !renew) return { set: false, value: saved };
  const fromEnv = saved === null ? process.env.TETHER_RELAY_SECRET : undefined;
  if (!fromEnv) return { set: true, value: newRelaySecret() };
  if (fromEnv.length < 32 || fromEnv.trim() !== fromEnv)
    throw new CliError(
      `TETHER_RELAY_SECRET must be at least 32 characters, without spaces at either end (it has ${fromEnv.length}); ` +
        "unset it and tether deploy sets a random one. Nothing was deployed.",
    );
  return { set: true, value: fromEnv };
}

function step(t: Terminal, n: number, what: string): void {
  if (t.json) t.log.info(`step ${n}/5: ${what}`);
  else t.print(`[${n}/5] ${what}`);
}

function nextCommand(stateDir: string): string {
  return stateDir === defaultStateDir() ? "tether bridge" : `tether bridge --state-dir ${stateDir}`;
}

/** Worker names: lower-case letters, digits and dashes (Cloudflare's rule), so no flag or path sneaks in. */
function workerName(text: string): string {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(text))
    throw new CliError(`--worker: "${text}" is not a Worker name (lower-case letters, digits and dashes)`);
  return text;
}

/** A deployed relay is served over HTTPS; plain http only for a loopback address (the tests' relay). */
function httpsUrl(text: string): string {
  const url = relayUrl(text);
  const { protocol, hostname } = new URL(url);
  if (protocol !== "https:" && hostname !== "127.0.0.1" && hostname !== "localhost")
    throw new CliError(`--url: a deployed relay is served over https, got ${url}`);
  return url;
}
