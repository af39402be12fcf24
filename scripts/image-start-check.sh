#!/usr/bin/env bash
# Starts the build the way the Docker image runs it, without Docker (issue 18, item 19):
# the Dockerfile's build stage into a fresh /app-like folder owned by root and read-only to the
# process, which runs as an unprivileged user (`nobody` when this script runs as root) with
# NODE_ENV=production, APP_SECRET and an external DATABASE_URL, no DATA_DIR, and its working
# directory in that folder. `migrate` must exit 0, `serve` must answer /healthz and /readyz,
# `worker` must keep running, and nothing may be written in the folder.
#
#   scripts/image-start-check.sh                  # a throwaway PostgreSQL of its own (Debian's)
#   DATABASE_URL=postgres://… [REDIS_URL=redis://…] scripts/image-start-check.sh
#
# Keep the copy steps below in step with the Dockerfile's build stage.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
log() { echo "[image-start-check] $*"; }
fail() {
  echo "[image-start-check] FAIL: $*" >&2
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }; done
  exit 1
}

work=$(mktemp -d /tmp/techex-image.XXXXXX)
chmod 755 "$work"
app="$work/app"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${pgbin:-}" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Unprivileged, as in the image (USER techex). As root: `nobody`; otherwise the caller already is.
user_cmd=()
[ "$(id -u)" = 0 ] && user_cmd=(runuser -u nobody --)
as_user() { "${user_cmd[@]}" "$@"; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -z "${DATABASE_URL:-}" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$pgbin" ] || fail "no DATABASE_URL and no PostgreSQL server binaries (apt-get install postgresql)"
  mkdir -p "$work/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  pgport=$((40000 + RANDOM % 20000))
  as_postgres "$pgbin/initdb" -D "$work/pg/data" --auth=trust -U postgres --encoding=UTF8 --locale=C >/dev/null
  as_postgres "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w start \
    -o "-p $pgport -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" >/dev/null
  DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/postgres"
  log "PostgreSQL of its own on port $pgport"
fi

log "build (the Dockerfile's build stage)"
mkdir -p "$app/scripts"
npx tsc -p tsconfig.json --noEmit false --outDir "$app/dist"
cp -r openapi migrations "$app/dist/"
(cd src && find . -path '*/data/*' -type f -exec cp --parents {} "$app/dist/src/" \;)
(cd src && find . -name '*.json' -not -path '*/data/*' -exec cp --parents {} "$app/dist/src/" \;)
cp package.json "$app/"
cp scripts/techex.mjs "$app/scripts/"
ln -s "$repo/node_modules" "$app/node_modules"
# The runtime stage: root-owned, nothing writable by the process.
[ "$(id -u)" = 0 ] && chown -R root:root "$app"
chmod -R a-w,a+rX "$app"
touch "$work/started"

port=$((40000 + RANDOM % 20000))
run_env=(env -i "PATH=$PATH" HOME=/nonexistent NODE_ENV=production HOST=127.0.0.1 "PORT=$port"
  "APP_SECRET=$(openssl rand -base64 32)" "DATABASE_URL=$DATABASE_URL" "REDIS_URL=${REDIS_URL:-}"
  "PUBLIC_URL=http://127.0.0.1:$port" LOG_LEVEL=info)
[ -w "$app" ] && [ "$(id -u)" != 0 ] && fail "$app is writable by $(id -un)"

log "migrate"
(cd "$app" && as_user "${run_env[@]}" node scripts/techex.mjs migrate >"$work/migrate.log" 2>&1) ||
  fail "techex migrate exited with $?"

log "serve"
(cd "$app" && exec "${user_cmd[@]}" "${run_env[@]}" node scripts/techex.mjs serve >"$work/serve.log" 2>&1) &
pids+=($!)
ready=
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "${pids[0]}" 2>/dev/null || fail "techex serve exited"
  sleep 0.5
done
[ -n "$ready" ] || fail "techex serve never answered /readyz"
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || fail "/healthz"

log "worker"
(cd "$app" && exec "${user_cmd[@]}" "${run_env[@]}" PORT=0 node scripts/techex.mjs worker >"$work/worker.log" 2>&1) &
pids+=($!)
for _ in $(seq 1 20); do
  grep -q 'techex workers running' "$work/worker.log" 2>/dev/null && break
  kill -0 "${pids[1]}" 2>/dev/null || fail "techex worker exited"
  sleep 0.5
done
grep -q 'techex workers running' "$work/worker.log" || fail "techex worker did not report running"
sleep 3
kill -0 "${pids[1]}" 2>/dev/null || fail "techex worker exited"

if grep -E 'EACCES|EROFS|Unhandled error event' "$work"/*.log; then fail "a write or an unhandled error"; fi
written=$(find "$app" -newer "$work/started" -print)
[ -z "$written" ] || fail "written in the app folder: $written"
log "ok: migrate, serve and worker started as $(as_user id -un) from a read-only folder, nothing written"
