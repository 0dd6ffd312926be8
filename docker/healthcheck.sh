#!/bin/sh
# Container HEALTHCHECK: GET /health (liveness) of the role in this container. VG_HEALTH_URL names it;
# otherwise the default port of each role is tried (a container runs one role).
if [ -n "${VG_HEALTH_URL:-}" ]; then
    exec curl -fsS -o /dev/null --max-time 3 "$VG_HEALTH_URL"
fi
for port in 8080 8081 8082 8083; do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null && exit 0
done
exit 1
