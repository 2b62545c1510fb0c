#!/bin/bash
# Disk fills survived (issue 11.1): one daemon, default settings (log files on), its data dir on a
# 2 MiB tmpfs; each cycle fills the disk, sends 200 introspections, reads /health, frees the
# space and checks the daemon still answers. Needs root (mount).
#
#   npm run build && sudo bash test/bench/disk-fills.sh [path/to/cli.js] [cycles] [port]
set -u
CLI=${1:-dist/cli.js}; N=${2:-10}; PORT=${3:-18796}
SECRET=test-secret-0123456789-abcdefghij
D=$(mktemp -d /tmp/bridge-fills.XXXX)
mount -t tmpfs -o size=2m tmpfs "$D" || { rmdir "$D"; echo "cannot mount a tmpfs (needs root)"; exit 2; }
export BRIDGE_DATA_DIR=$D/data BRIDGE_PORT=$PORT BRIDGE_ADMIN_PORT=off BRIDGE_PUBLIC_URL=http://127.0.0.1:$PORT
# One client sends all the traffic on purpose: the rate limits are not what is measured.
export BRIDGE_API_REQUESTS_PER_MINUTE=1000000 BRIDGE_CLIENT_REQUESTS_PER_MINUTE=1000000
node "$CLI" client add alexa-skill --alexa-vendor-id M2TESTVENDOR42 --secret $SECRET >/dev/null
node "$CLI" serve >"$D/out.log" 2>&1 &
PID=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "localhost:$PORT/health" && break; sleep 0.2; done
ask() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }
survived=0
for c in $(seq 1 "$N"); do
  dd if=/dev/zero of="$D/filler" bs=16k 2>/dev/null
  ok=0
  for _ in $(seq 1 200); do [ "$(ask -u alexa-skill:$SECRET -d token=abc "localhost:$PORT/alexa/introspect")" = 200 ] && ok=$((ok + 1)); done
  full=$(ask "localhost:$PORT/health")
  rm -f "$D/filler"
  sleep 1.2
  ask -u alexa-skill:$SECRET -d token=abc "localhost:$PORT/alexa/introspect" >/dev/null
  after=$(ask "localhost:$PORT/health")
  if kill -0 $PID 2>/dev/null && [ "$after" = 200 ]; then
    survived=$((survived + 1))
    echo "fill $c: $ok/200 introspections answered 200 while full, /health $full while full, $after after"
  else
    echo "fill $c: the daemon is gone or does not answer ($ok/200 answered while full)"
    break
  fi
done
echo "survived $survived of $N disk fills; reports of dropped log lines: $(grep -c droppedLines "$D/out.log")"
kill $PID 2>/dev/null; sleep 1; kill -9 $PID 2>/dev/null; wait $PID 2>/dev/null
umount -l "$D"; rmdir "$D"
