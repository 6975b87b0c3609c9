import WebSocket from "ws";

/**
 * The history-flood probe of issue 10 against a running relay: a viewer sends `flood` history
 * frames while a controller sends one message; returns what the viewer got and how long the
 * controller's ack took. Counts bytes without parsing, so the probe itself stays cheap.
 */
export type FloodFigures = {
  answered: number;
  refused: number;
  viewerBytes: number;
  viewerClose: { code: number; reason: string } | null;
  controllerAckMs: number;
};

type Sock = {
  ws: WebSocket;
  frames: string[];
  bytes: number;
  closed: Promise<{ code: number; reason: string }>;
};

export async function historyFlood(origin: string, secret: string, flood = 2000): Promise<FloodFigures> {
  const machineId = `mflood${Math.random().toString(36).slice(2, 8)}`;
  const room = `s-flood${Math.random().toString(36).slice(2, 14).padEnd(12, "x")}`;
  const bridge = await mint(origin, secret, { kind: "bridge", machineId });
  const device = await mint(origin, secret, { kind: "device", machineId });
  const b = await join(origin, room, bridge, { cid: "bridge-cid-flood", epoch: 1 });
  for (let i = 0; i < 3; i++) {
    const msgs = Array.from({ length: 100 }, (_, n) => ({
      mid: `flood-${i}-${n}-${Math.random().toString(36).slice(2, 10)}`,
      kind: "agent.message",
      body: { n, text: "y".repeat(600) },
    }));
    b.ws.send(JSON.stringify({ t: "send", msgs }));
    await waitFor(b, (f) => f.startsWith('{"t":"acked"'), i + 1);
  }
  const viewerToken = await shareViewer(origin, bridge, room);
  const viewer = await join(origin, room, viewerToken, { cid: "viewer-cid-flood" });
  const phone = await join(origin, room, device, { cid: "phone-cid-flood" });
  const settled = () => viewer.frames.filter((f) => /^\{"t":"(history|error)"/.test(f)).length;
  for (let i = 0; i < flood; i++) viewer.ws.send('{"t":"history"}');
  await waitFor(viewer, () => settled() >= 5, 1);
  const sentAt = performance.now();
  phone.ws.send(
    JSON.stringify({
      t: "send",
      msgs: [{ mid: "flood-phone-message-1", kind: "user.message", body: { text: "hi" } }],
    }),
  );
  await waitFor(phone, (f) => f.startsWith('{"t":"acked"'), 1);
  const controllerAckMs = performance.now() - sentAt;
  const viewerClose = await Promise.race([
    viewer.closed,
    waitFor(viewer, () => settled() >= flood, 1).then(
      () => null,
      () => null,
    ),
  ]);
  for (const s of [b, viewer, phone]) s.ws.close();
  return {
    answered: viewer.frames.filter((f) => f.startsWith('{"t":"history"')).length,
    refused: viewer.frames.filter((f) => f.startsWith('{"t":"error"')).length,
    viewerBytes: viewer.bytes,
    viewerClose,
    controllerAckMs,
  };
}

async function mint(origin: string, secret: string, body: object): Promise<string> {
  const res = await fetch(`${origin}/api/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`minting a token: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

async function shareViewer(origin: string, bridge: string, room: string): Promise<string> {
  const res = await fetch(`${origin}/api/shares`, {
    method: "POST",
    headers: { Authorization: `Bearer ${bridge}`, "Content-Type": "application/json" },
    body: JSON.stringify({ room, role: "viewer" }),
  });
  if (res.status !== 201) throw new Error(`sharing: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

async function join(origin: string, room: string, token: string, hello: object): Promise<Sock> {
  const ws = new WebSocket(`${origin.replace(/^http/, "ws")}/v1/rooms/${room}`, [
    "tether.v1",
    `bearer.${token}`,
  ]);
  const sock: Sock = {
    ws,
    frames: [],
    bytes: 0,
    closed: new Promise((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
    ),
  };
  ws.on("message", (data) => {
    const text = String(data);
    sock.bytes += text.length;
    sock.frames.push(text.length > 200 ? text.slice(0, 200) : text);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  ws.send(JSON.stringify({ t: "hello", v: 2, ...hello }));
  await waitFor(sock, (f) => f.startsWith('{"t":"caught_up"'), 1);
  return sock;
}

/** Resolves once `count` received frames match `pred` (a deadline of 120 s guards the wait). */
function waitFor(sock: Sock, pred: (frame: string) => boolean, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      sock.ws.off("message", check);
      reject(new Error(`waited 120 s; got ${sock.frames.length} frames`));
    }, 120_000);
    const check = () => {
      if (sock.frames.filter(pred).length < count) return;
      clearTimeout(deadline);
      sock.ws.off("message", check);
      resolve();
    };
    sock.ws.on("message", check);
    check();
  });
}
