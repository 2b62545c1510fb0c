#!/bin/sh
# Add-on start script. The Supervisor writes the user's options to
# /data/options.json; the daemon reads that file as its config file (the
# BRIDGE_* environment comes from the Dockerfile). No restart loop here: when
# the daemon exits, s6-overlay stops the container and the Supervisor's
# watchdog decides what happens next. A configuration problem is not a reason
# to exit (the watchdog would restart it forever): --wait-for-config keeps the
# daemon up, saying on /health and the admin page what to fill in. APP_DIR and BRIDGE_DATA_DIR default to
# the image's layout; the start-path test points them at a temp folder.
set -eu

options="${BRIDGE_DATA_DIR:-/data}/options.json"

set -- serve --wait-for-config
if [ -f "$options" ]; then
    set -- "$@" --config "$options"
fi

exec node "${APP_DIR:-/app}/dist/cli.js" "$@"
