#!/usr/bin/env bash
# Set everything up and run all checks: ruff (lint + format), mypy, and the test suite, including
# the PostGIS tests (a throwaway cluster is started when PLANNER_TEST_POSTGRES_URL is not set) and
# the browser tests (Debian's Chromium through Playwright).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup --test
if [ -z "${PLANNER_TEST_POSTGRES_URL:-}" ]; then
  export PLANNER_PG_DIR=${PLANNER_PG_DIR:-$(mktemp -d /tmp/planner-pg.XXXXXX)}
  export PLANNER_PG_PORT=${PLANNER_PG_PORT:-5439}
  PLANNER_TEST_POSTGRES_URL=$(scripts/pg-test-cluster start "$PLANNER_PG_DIR")
  export PLANNER_TEST_POSTGRES_URL
  trap 'scripts/pg-test-cluster stop "$PLANNER_PG_DIR"' EXIT
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
