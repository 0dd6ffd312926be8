#!/usr/bin/env bash
# Prints the distribution packages that hold the shared libraries BINARY links to, one per line, so a
# runtime image installs exactly those whatever the release calls them (libssl3 or libssl3t64, ...).
# Fails when a library belongs to no package: the runtime image would lack it.
set -euo pipefail
binary=$1
packages=()
missing=0
while read -r lib; do
    found=""
    real=$(readlink -f "$lib")
    for path in "$lib" "$real" "/usr$lib" "/usr$real"; do
        owner=$(dpkg -S "$path" 2>/dev/null | head -n 1 || true)
        if [ -n "$owner" ]; then
            found=${owner%%:*}
            break
        fi
    done
    if [ -z "$found" ]; then
        echo "runtime-packages: no package holds $lib" >&2
        missing=1
    else
        packages+=("$found")
    fi
done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3}')
[ "$missing" -eq 0 ] || exit 1
printf '%s\n' "${packages[@]}" | sort -u
