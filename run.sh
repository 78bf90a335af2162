#!/usr/bin/env bash
# Set everything up and start the app on http://localhost:8501 (builds the demo city on first run).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup
exec .venv/bin/planner app "$@"
