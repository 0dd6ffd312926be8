#!/usr/bin/env bash
# `docker compose config -q` on deploy/compose with .env.example's values: the Compose file is valid
# and every variable resolves. SKIPs (77) where the Docker Compose v2 client is missing.
set -u
compose_dir=$1
if ! command -v docker >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
    echo "SKIPPED: docker compose (Compose v2 client) is not installed; compose_check.py still checks the file"
    exit 77
fi
cd "$compose_dir" && exec docker compose --env-file .env.example config -q
