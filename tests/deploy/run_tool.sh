#!/usr/bin/env bash
# Runs TOOL ARGS...; SKIPs (exit 77, ctest's SKIP_RETURN_CODE) when TOOL is not installed, so a missing
# tool is reported as skipped, never as passed.
tool=$1
if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIPPED: $tool is not installed (scripts/install-deps installs it)"
    exit 77
fi
exec "$@"
