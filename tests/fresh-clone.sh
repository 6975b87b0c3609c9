#!/usr/bin/env bash
# The README's promise, end to end: a fresh clone, `npm ci`, `npm start` with an empty state dir;
# the printed pairing link pairs a phone, /healthz answers, the phone's token opens the machine room
# and sees machine.info; Ctrl-C (SIGINT to the process group) leaves no process behind; a second
# start has the same machine, the paired phone and the session it created.
#
#   tests/fresh-clone.sh              clone HEAD of this repository
#   tests/fresh-clone.sh --worktree   clone HEAD, then copy uncommitted changes over it
#   TETHER_INSTALL="npm install" tests/fresh-clone.sh    another install command
#
# Not part of `npm test`: `npm ci` alone takes longer than the whole test suite should.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/tether-fresh-XXXXXX)"
CLONE="$WORK/tether"
STATE="$WORK/state"
PGID=""
cleanup() {
  if [ -n "$PGID" ]; then kill -KILL -- "-$PGID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; [ -f "$WORK/out" ] && tail -n 40 "$WORK/out" "$WORK/err" >&2; exit 1; }

say "clone $SRC"
git clone --quiet --depth 1 "file://$SRC" "$CLONE"
if [ "${1:-}" = "--worktree" ]; then
  (cd "$SRC" && git ls-files -z --modified --others --exclude-standard) |
    while IFS= read -r -d '' f; do
      if [ -e "$SRC/$f" ]; then mkdir -p "$CLONE/$(dirname "$f")" && cp -p "$SRC/$f" "$CLONE/$f"; else rm -f "$CLONE/$f"; fi
    done
fi
cd "$CLONE"
say "${TETHER_INSTALL:-npm ci --prefer-offline --no-audit --no-fund}"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
start=$(date +%s%N)
${TETHER_INSTALL:-npm ci --prefer-offline --no-audit --no-fund} >"$WORK/install.log" 2>&1 || { tail -n 30 "$WORK/install.log"; fail "install"; }
say "installed in $(ms "$start") ms"
NODE="$CLONE/node_modules/.bin/node"
PORT=$("$NODE" -e 'const s=process.getBuiltinModule("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
mkdir -p "$WORK/project"

# npm start in its own process group, as a terminal would run it.
up() {
  : >"$WORK/out"
  : >"$WORK/err"
  TETHER_STATE_DIR="$STATE" ANTHROPIC_BASE_URL=http://127.0.0.1:9 ANTHROPIC_API_KEY=unused \
    setsid npm start -- --port "$PORT" --root "$WORK/project" >"$WORK/out" 2>"$WORK/err" &
  PGID=$!
}
wait_for() { # pattern, seconds
  local deadline=$((SECONDS + $2))
  until grep -qE "$1" "$WORK/out"; do
    kill -0 "$PGID" 2>/dev/null || fail "npm start exited before printing /$1/"
    [ $SECONDS -lt $deadline ] || fail "no /$1/ within $2 s"
    sleep 0.1
  done
}
stop() {
  kill -INT -- "-$PGID"
  local deadline=$((SECONDS + 20))
  while kill -0 -- "-$PGID" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "processes left behind after SIGINT: $(pgrep -g "$PGID" -a)"
    sleep 0.1
  done
  PGID=""
  ! pgrep -af "$CLONE" >/dev/null || fail "a process still runs from the clone: $(pgrep -af "$CLONE")"
}

say "npm start (cold: empty state dir, no bundle cache)"
t0=$(date +%s%N)
up
wait_for '/pair#c=' 120
say "pairing link after $(ms "$t0") ms"
LINK=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/pair#c=[A-Za-z0-9_-]+' "$WORK/out" | head -n 1)
ORIGIN="${LINK%%/pair#c=*}"
CODE="${LINK##*#c=}"
curl -fsS "$ORIGIN/healthz" | grep -q '"ok":true' || fail "/healthz"
# A phone: pair with the code, open the machine room, wait for machine.info, ask for a session.
ROOM=$("$NODE" - "$ORIGIN" "$CODE" "$WORK/project" "$WORK/phone.json" <<'JS'
const [origin, code, project, saveTo] = process.argv.slice(2);
const res = await fetch(`${origin}/api/pair`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) });
if (res.status !== 201) throw new Error(`POST /api/pair: ${res.status} ${await res.text()}`);
const { token, machineId } = await res.json();
process.getBuiltinModule("node:fs").writeFileSync(saveTo, JSON.stringify({ token, machineId }));
const ws = new WebSocket(`${origin.replace("http", "ws")}/v1/rooms/m-${machineId}`, ["tether.v1", `bearer.${token}`]);
const timer = setTimeout(() => { console.error("no machine.info / session within 20 s"); process.exit(1); }, 20_000);
ws.onopen = () => ws.send(JSON.stringify({ t: "hello", v: 2, cid: "freshclonephone", since: 0 }));
ws.onmessage = (e) => {
  const f = JSON.parse(e.data);
  for (const m of f.t === "msgs" ? f.items : []) {
    if (m.kind === "machine.info" && m.body.machineId === machineId)
      ws.send(JSON.stringify({ t: "send", msgs: [{ mid: "freshclonecreate0001", kind: "machine.create_session", body: { cwd: project, title: "fresh clone" } }] }));
    if (m.kind === "machine.session_created") { console.log(m.body.room); clearTimeout(timer); ws.close(); }
  }
};
JS
) || fail "phone"
MACHINE=$("$NODE" -p "JSON.parse(process.getBuiltinModule('fs').readFileSync('$STATE/config.json','utf8')).machineId")
say "paired; machine $MACHINE; session $ROOM"
stop
say "SIGINT: every process gone"

say "npm start again (warm)"
t0=$(date +%s%N)
up
wait_for 'phone is paired' 60
say "ready after $(ms "$t0") ms"
[ "$("$NODE" -p "JSON.parse(process.getBuiltinModule('fs').readFileSync('$STATE/config.json','utf8')).machineId")" = "$MACHINE" ] || fail "machine id changed"
"$NODE" - "$ORIGIN" "$WORK/phone.json" "$ROOM" <<'JS' || fail "second start: the phone or the session is gone"
const [origin, saved, room] = process.argv.slice(2);
const { token, machineId } = JSON.parse(process.getBuiltinModule("node:fs").readFileSync(saved, "utf8"));
const ws = new WebSocket(`${origin.replace("http", "ws")}/v1/rooms/m-${machineId}`, ["tether.v1", `bearer.${token}`]);
const timer = setTimeout(() => { console.error("session not listed within 20 s"); process.exit(1); }, 20_000);
ws.onopen = () => ws.send(JSON.stringify({ t: "hello", v: 2, cid: "freshclonephone", since: 0 }));
ws.onmessage = (e) => {
  const f = JSON.parse(e.data);
  for (const m of f.t === "msgs" ? f.items : [])
    if (m.kind === "machine.sessions" && m.body.sessions.some((s) => s.room === room)) { clearTimeout(timer); ws.close(); }
};
JS
stop
say "PASS: fresh clone → npm ci → npm start → paired phone → clean stop → same machine and session"
