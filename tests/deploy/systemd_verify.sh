#!/usr/bin/env bash
# `systemd-analyze verify` on deploy/systemd for every role, with the unit's binary path pointed at the
# built visiongrid. Any message (unknown key, bad value, missing binary) fails the test.
#   systemd_verify.sh VISIONGRID UNIT_DIR
set -euo pipefail
binary=$1 units=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIPPED: systemd-analyze is not installed"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$units"/. "$work"/
sed -i "s#/usr/local/bin/visiongrid#$binary#g" "$work/visiongrid@.service"
cd "$work"
messages=$(systemd-analyze verify --man=no ./visiongrid@gateway.service ./visiongrid@model.service \
    ./visiongrid@business.service ./visiongrid@monitor.service ./visiongrid.target 2>&1) || true
if [ -n "$messages" ]; then
    echo "$messages"
    exit 1
fi
echo "OK: systemd units verify"
