#!/bin/sh
# The `pimesh` command, installed by pimesh's deploy/install.sh as /usr/local/bin/pimesh (and removed
# by its uninstall). It runs the installed pimesh with the service's settings: /etc/pimesh/env, the
# data directories of the service and /etc/pimesh/config.json, so `pimesh status`, `pimesh peers` and
# the one-shots see what the daemon sees. Variables already set in the caller's environment win.
set -a
if [ -r /etc/pimesh/env ]; then . /etc/pimesh/env; fi
set +a
export PIMESH_DATA_DIR="${PIMESH_DATA_DIR:-/var/lib/pimesh/data}"
export PIMESH_PEERS_DIR="${PIMESH_PEERS_DIR:-/var/lib/pimesh/peers}"
export PIMESH_CONFIG="${PIMESH_CONFIG:-/etc/pimesh/config.json}"
exec /usr/bin/node --max-semi-space-size=2 /opt/pimesh/dist/cli.js "$@"
