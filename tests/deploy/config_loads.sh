#!/usr/bin/env bash
# Loads a VisionGrid config file from deploy/ with VisionGrid's own strict loader (`visiongrid config
# print`): unknown keys and bad values fail. Secrets get well-formed stand-ins; nothing else of the
# caller's environment leaks in. A file with a `monitor:` section SKIPs (77) while this visiongrid
# has no monitor section.
#   config_loads.sh VISIONGRID FILE
set -uo pipefail
binary=$1 file=$2
hash=$("$binary" gateway hash-key deploy-test-key) || { echo "visiongrid gateway hash-key failed"; exit 1; }
run() {
    env -i PATH="$PATH" VG_CONSOLE_KEY_HASH="$hash" VG_JWT_SECRET=deploy-test-secret-of-at-least-32-bytes \
        VG_DB_PASSWORD=deploy-test-password "$@"
}
if grep -q '^monitor:' "$file" && ! run "$binary" config print --set monitor.server.port=8083 >/dev/null 2>&1; then
    echo "SKIPPED: this visiongrid has no monitor: config section yet, so $file cannot be loaded"
    exit 77
fi
if ! output=$(run "$binary" config print -c "$file" 2>&1); then
    echo "$output"
    exit 1
fi
# The GPU setting arrives as text through a placeholder; the loader must read it as the number.
if grep -q 'gpu_layers: "${VG_GPU_LAYERS' "$file"; then
    if ! output=$(run VG_GPU_LAYERS=-1 "$binary" config print -c "$file" 2>&1); then
        echo "with VG_GPU_LAYERS=-1: $output"
        exit 1
    fi
    if ! grep -Eq '^ +gpu_layers: -1$' <<< "$output"; then
        echo "with VG_GPU_LAYERS=-1 the effective gpu_layers is not -1:"
        echo "$output"
        exit 1
    fi
fi
echo "OK: $file loads"
