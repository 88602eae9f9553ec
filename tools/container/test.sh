#!/usr/bin/env bash
# npm run test:container: builds the image from the Dockerfile with buildah, runs it, and drives
# upload -> ready -> tags -> png through its API (tools/container/drive.ts). No registry is
# needed: the base image is made locally once (tools/container/base-image.sh) unless NODE_IMAGE
# names one that exists. Prints "NOT RUN: ..." and exits 0 when buildah (or, to make the base,
# debootstrap) is missing; otherwise ends with "N passed, N failed".
#
# Environment: NODE_IMAGE (default localhost/node-base:<node major of this machine>),
# IMAGE (default localhost/dicom-service), MAX_ADDED_MB (default 150), KEEP_IMAGE=1.
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! command -v buildah >/dev/null; then echo "NOT RUN: buildah not found"; exit 0; fi
# Every buildah call uses the same (vfs) store: the base made here is found by the build.
export STORAGE_DRIVER=vfs
buildah() { command buildah --storage-driver vfs "$@"; }

node_image="${NODE_IMAGE:-localhost/node-base:$(node -p 'process.versions.node.split(".")[0]')}"
image="${IMAGE:-localhost/dicom-service}"
max_added_mb="${MAX_ADDED_MB:-150}"
started=$SECONDS
passed=0
failed=0
check() { # check NAME COMMAND...: runs the command, counts and prints the result
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "  ok   $name"; else failed=$((failed + 1)); echo "  FAIL $name"; return 1; fi
}
finish() { echo "== container test: $((SECONDS - started)) s"; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

# (1) The base image.
if ! buildah inspect --type image "$node_image" >/dev/null 2>&1; then
  case "$node_image" in
    localhost/node-base:*) ;;
    *) echo "NOT RUN: base image $node_image not found (no registry is reachable to pull it)"; exit 0 ;;
  esac
  if ! command -v debootstrap >/dev/null; then echo "NOT RUN: debootstrap not found (needed to make $node_image)"; exit 0; fi
  # Counted only when it fails, so the totals are the same on the first run and the next ones.
  tools/container/base-image.sh "$node_image" || { failed=$((failed + 1)); echo "  FAIL base image $node_image made locally"; finish; }
fi

# (2) The image. npm in the build stage reaches the registry this machine uses, through the base's
# CA bundle; the registry URL is passed on, nothing else of this machine's npm configuration.
echo "== build $image (NODE_IMAGE=$node_image)"
build_log="$(mktemp)"
t=$SECONDS
build() {
  nice -n 10 buildah --storage-driver vfs bud --isolation chroot --format docker --quiet \
    --build-arg NODE_IMAGE="$node_image" --build-arg NPM_CONFIG_REGISTRY="$(npm config get registry)" \
    -t "$image" . >"$build_log" 2>&1 || { tail -40 "$build_log"; false; }
}
check "image builds" build || finish
echo "     built in $((SECONDS - t)) s"
rm -f "$build_log"

# (3) What the image is: non-root, a healthcheck, /data as a volume, and little above its base.
config="$(buildah inspect --type image "$image")"
field() { node -e 'const c = JSON.parse(require("fs").readFileSync(0, "utf8")).Docker.config ?? {}; const v = new Function("c", "return " + process.argv[1])(c); process.stdout.write(typeof v === "string" ? v : JSON.stringify(v ?? null));' "$1" <<<"$config"; }
user="$(field 'c.User')"
check "runs as a non-root user ($user)" test -n "$user" -a "$user" != root -a "$user" != 0
health_cmd="$(field 'c.Healthcheck && c.Healthcheck.Test')"
check "has a healthcheck" node -e 'const t = JSON.parse(process.argv[1]); process.exit(Array.isArray(t) && t[0] === "CMD" && t.length > 1 ? 0 : 1)' "$health_cmd"
check "declares /data as a volume" node -e 'process.exit(Object.keys(JSON.parse(process.argv[1]) ?? {}).includes("/data") ? 0 : 1)' "$(field 'c.Volumes')"

ctr="$(buildah from --pull=never --quiet "$image")"
base_ctr="$(buildah from --pull=never --quiet "$node_image")"
server_pid=""
ext_pid=""
cleanup() {
  for pid in $ext_pid $server_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  buildah rm "$ctr" "$base_ctr" >/dev/null 2>&1
  [ "${KEEP_IMAGE:-}" = 1 ] || buildah rmi "$image" >/dev/null 2>&1
}
trap cleanup EXIT
size_kb() { du -sk --apparent-size "$(buildah mount "$1")" | cut -f1; }
added_mb=$(( ($(size_kb "$ctr") - $(size_kb "$base_ctr")) / 1024 ))
buildah umount "$ctr" "$base_ctr" >/dev/null
check "adds ${added_mb} MB to its base (at most ${max_added_mb} MB)" test "$added_mb" -le "$max_added_mb"

# (4) Run it. buildah run --isolation chroot shares this machine's network: free ports are picked.
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
port="$(free_port)"
s3_port="$(free_port)"
while [ "$s3_port" = "$port" ]; do s3_port="$(free_port)"; done
run_log="$(mktemp)"
# The image's own command (CMD), run as the image's user in its working directory. Started as
# the buildah process itself (not through the function above), so that $! is what cleanup kills.
mapfile -t cmd < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$(field 'c.Cmd')")
# Authentication on, as the image starts by default: its key pair is made in /data on first start,
# and `node token.mjs <name>` in the same container signs with it (below).
command buildah --storage-driver vfs run --isolation chroot --env PORT="$port" --env LOCAL_S3_PORT="$s3_port" "$ctr" -- "${cmd[@]}" >"$run_log" 2>&1 &
server_pid=$!

# Healthy is what the image's HEALTHCHECK says, run inside the container as Docker would.
mapfile -t probe < <(node -e 'for (const a of JSON.parse(process.argv[1]).slice(1)) console.log(a)' "$health_cmd")
healthy() { # healthy PORT PID: the server on PORT, started as PID (which must not exit)
  for _ in $(seq 1 60); do
    buildah run --isolation chroot --env PORT="$1" "$ctr" -- "${probe[@]}" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}
check "healthy (its HEALTHCHECK passes) within 30 s" healthy "$port" "$server_pid" || { tail -20 "$run_log"; finish; }

# (5) The API, over real HTTP: upload -> ready -> tags -> png.
drive() { # [TOKEN=…] drive URL: tools/container/drive.ts, its checks counted here
  local out dp df
  echo "== drive $1"
  out="$(npx tsx tools/container/drive.ts "$1")"
  echo "$out" | sed '$d'
  read -r dp _ df _ <<<"$(echo "$out" | tail -1)"
  passed=$((passed + ${dp:-0}))
  failed=$((failed + ${df:-1}))
  [ "${df:-1}" = 0 ]
}
# The image's token command, run in the container as `docker exec <ctr> node token.mjs alice` would.
token="$(buildah run --isolation chroot --env PORT="$port" "$ctr" -- node token.mjs alice 2>/dev/null)"
check "node token.mjs prints a token (three base64url parts)" grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' <<<"$token"
status_of() { node -e 'fetch(process.argv[1]).then((r) => console.log(r.status), () => console.log(0))' "$1"; }
check "without a token a data route answers 401" test "$(status_of "http://127.0.0.1:$port/files/00000000-0000-4000-8000-000000000000")" = 401
TOKEN="$token" drive "http://127.0.0.1:$port" || { echo "== server log"; tail -20 "$run_log"; }

# (6) The same image against an S3 named by the environment (AWS_ENDPOINT_URL_S3 + BUCKET_NAME):
# a second server in the container, whose S3 is the first one's embedded store. The first still
# processes the uploads (its S3 emits the events), so the file becomes ready as with AWS.
ext_port="$(free_port)"
ext_log="$(mktemp)"
command buildah --storage-driver vfs run --isolation chroot --env PORT="$ext_port" --env AWS_ENDPOINT_URL_S3="http://127.0.0.1:$s3_port" \
  --env BUCKET_NAME=dicom-local --env AUTH=off --env AWS_ACCESS_KEY_ID=S3RVER --env AWS_SECRET_ACCESS_KEY=S3RVER \
  "$ctr" -- "${cmd[@]}" >"$ext_log" 2>&1 &
ext_pid=$!
if check "with AWS_ENDPOINT_URL_S3 + BUCKET_NAME: healthy" healthy "$ext_port" "$ext_pid"; then
  drive "http://127.0.0.1:$ext_port" || { echo "== server log"; tail -20 "$ext_log"; }
else
  tail -20 "$ext_log"
fi
kill "$ext_pid" 2>/dev/null && wait "$ext_pid" 2>/dev/null
rm -f "$run_log" "$ext_log"
finish
