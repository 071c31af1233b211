#!/usr/bin/env bash
# The long-running deployment on one host: dagster-daemon (schedules, sensors, automation,
# run queue, run monitoring) in the background and dagster-webserver in the foreground.
# Ctrl-C stops both. Settings: docs/deployment.md.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${SMS_VENV_BIN:-$repo/.venv/bin}"
workspace="$repo/deploy/workspace.yaml"
cd "$repo"

# Dagster wants an absolute DAGSTER_HOME holding dagster.yaml; link ours unless one is there.
DAGSTER_HOME="$(mkdir -p "${DAGSTER_HOME:-$repo/.dagster_home}" && cd "${DAGSTER_HOME:-$repo/.dagster_home}" && pwd)"
export DAGSTER_HOME
[ -e "$DAGSTER_HOME/dagster.yaml" ] || ln -s "$repo/deploy/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"

# Every run is its own process already (one per source partition); SMS_EXECUTOR=multiprocess
# would also give every step one (docs/deployment.md, "Executors"). The data directory must
# not depend on the working directory of whichever process opens it.
export SMS_EXECUTOR="${SMS_EXECUTOR:-in_process}"
export SMS_DATA_DIR="${SMS_DATA_DIR:-$repo/data}"

echo "DAGSTER_HOME=$DAGSTER_HOME  SMS_DATA_DIR=$SMS_DATA_DIR  SMS_SOURCES=${SMS_SOURCES:-(single source)}"
# Create the instance's SQLite files once, before two processes race to create them.
"$bin/dagster" instance info >/dev/null
"$bin/dagster-daemon" run -w "$workspace" &
daemon=$!
trap 'kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true' EXIT
"$bin/dagster-webserver" -w "$workspace" \
  -h "${SMS_WEBSERVER_HOST:-127.0.0.1}" -p "${SMS_WEBSERVER_PORT:-3000}"
