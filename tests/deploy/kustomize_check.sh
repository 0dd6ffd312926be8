#!/usr/bin/env bash
# Renders a kustomize overlay with `kubectl kustomize` and schema-checks the result.
#   kustomize_check.sh PYTHON OVERLAY_DIR [--gpu]
# SKIPs (77) where kubectl is missing; the raw base and overlay files are checked without it.
set -euo pipefail
python=$1 overlay=$2
shift 2
if ! command -v kubectl >/dev/null 2>&1; then
    echo "SKIPPED: kubectl is not installed; k8s_manifest_check.py checks the raw files instead"
    exit 77
fi
rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$overlay" > "$rendered"
"$python" "$(dirname "$0")/k8s_manifest_check.py" rendered "$rendered" "$@"
