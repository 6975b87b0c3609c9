#!/usr/bin/env bash
# Measures `npm start` → pairing QR printed, with hyperfine (cold: empty state dir, so no bundle
# cache and a new machine; warm: the second and later starts on the same state dir).
#
#   tests/start-to-qr.sh             run both measurements (needs hyperfine: apt-get install hyperfine)
#   tests/start-to-qr.sh once DIR    one timed start: returns when the QR code is on stdout
#   tests/start-to-qr.sh stop DIR    stops the start that `once` left running (SIGINT, waits)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
case "${1:-bench}" in
once)
  STATE="$2"
  mkdir -p "$STATE.run"
  : >"$STATE.run/out"
  cd "$ROOT"
  TETHER_STATE_DIR="$STATE" setsid npm start -- --port "${PORT:?}" >"$STATE.run/out" 2>"$STATE.run/err" &
  echo $! >"$STATE.run/pgid"
  # The QR code's last line is followed by the link; the link is printed after the whole code.
  until grep -q '/pair#c=' "$STATE.run/out"; do
    kill -0 "$!" 2>/dev/null || { cat "$STATE.run/err" >&2; exit 1; }
    sleep 0.02
  done
  ;;
stop)
  STATE="$2"
  [ -f "$STATE.run/pgid" ] || exit 0
  PGID=$(cat "$STATE.run/pgid")
  kill -INT -- "-$PGID" 2>/dev/null || true
  while kill -0 -- "-$PGID" 2>/dev/null; do sleep 0.05; done
  rm -f "$STATE.run/pgid"
  ;;
bench)
  WORK="$(mktemp -d /tmp/tether-bench-XXXXXX)"
  trap '"$0" stop "$WORK/cold"; "$0" stop "$WORK/warm"; cp "$WORK"/*.json "${RESULTS:-/tmp}/" 2>/dev/null; rm -rf "$WORK"' EXIT
  PORT=$("$ROOT/node_modules/.bin/node" -e 'const s=process.getBuiltinModule("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  export PORT
  "$ROOT/node_modules/.bin/node" "$ROOT/scripts/build-web.mjs" # the web build is not what is measured
  hyperfine --runs "${RUNS:-10}" --export-json "$WORK/cold.json" \
    --prepare "$0 stop $WORK/cold; rm -rf $WORK/cold" --cleanup "$0 stop $WORK/cold" \
    -n "cold: npm start → QR (empty state dir)" "$0 once $WORK/cold"
  hyperfine --runs "${RUNS:-10}" --warmup 1 --export-json "$WORK/warm.json" \
    --prepare "$0 stop $WORK/warm" --cleanup "$0 stop $WORK/warm" \
    -n "warm: npm start → QR (second start)" "$0 once $WORK/warm"
  ;;
esac
