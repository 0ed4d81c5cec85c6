#!/usr/bin/env bash
# Builds the Dockerfile unchanged and tests the image end to end, with no container registry:
#   1. tools: apt-installs podman, runc, buildah, mmdebstrap, openssh-client if missing;
#   2. base: a local stand-in for python:3.11-slim-bookworm (mmdebstrap | podman import),
#      unless an image of that name already exists;
#   3. build: `buildah bud --isolation chroot --pull=never --format docker -t sshapp:test .`;
#   4. smoke: sshapp and its C++ module import inside the image, as uid 10001;
#   5. serve: runs the image locked down as in deploy/kubernetes (read-only root, no
#      capabilities) on a free loopback port with volumes on a temp dir; OpenSSH `ssh` runs
#      `kernels --json` and `bench <best AVX2 f32 kernel, else ref> --size 64 --json`, and
#      `ssh -tt` must show the TUI; checks every process runs as uid 10001 under tini, the
#      host key landed in the volume with mode 0600 and is the one the server presents,
#      `podman healthcheck run` passes, and SIGTERM stops the server with exit code 0.
# Prints the time each phase took. Usage: scripts/container_test.sh [--build-only] (as root).
# Environment: SSHAPP_CTEST_KEEP=1 keeps the temp dir and the container for inspection;
# SSHAPP_CTEST_IMAGE=<image> tests that image instead of building one (for iterating).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_ONLY=0
[[ "${1:-}" == "--build-only" ]] && BUILD_ONLY=1
BASE=docker.io/library/python:3.11-slim-bookworm
TAG=${SSHAPP_CTEST_IMAGE:-sshapp:test}
NAME=sshapp-ctest-$$
TMP=$(mktemp -d /tmp/sshapp-ctest.XXXXXX)
TIMINGS=()
T0=$(date +%s.%N)
PHASE=""
PHASE_T0=""

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'container-test FAILED: %s\n' "$*" >&2; exit 1; }
phase() {
    local now
    now=$(date +%s.%N)
    [[ -n "$PHASE" ]] && TIMINGS+=("$(awk -v p="$PHASE" -v a="$PHASE_T0" -v b="$now" \
        'BEGIN { printf "%-10s %6.1f s", p, b - a }')")
    PHASE=$1
    PHASE_T0=$now
    [[ -n "$PHASE" ]] && log "$PHASE"
    return 0
}
summary() {
    phase ""
    printf 'container-test timings:\n' >&2
    printf '  %s\n' "${TIMINGS[@]}" >&2
    awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "  %-10s %6.1f s\n", "total", b - a }' >&2
}
cleanup() {
    local rc=$?
    if [[ $rc -ne 0 ]] && podman container exists "$NAME" 2>/dev/null; then
        log "server log:"
        podman logs "$NAME" >&2 2>&1 || true
    fi
    if [[ "${SSHAPP_CTEST_KEEP:-0}" == 1 ]]; then
        log "kept $TMP and container $NAME"
    else
        podman rm -f -t 2 "$NAME" >/dev/null 2>&1 || true
        rm -rf "$TMP"
    fi
    summary
    [[ $rc -eq 0 ]] && printf 'container-test passed\n' >&2
    exit $rc
}
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || die "run as root (podman/buildah with the host's storage and network)"

# ---------------------------------------------------------------------------------------
phase tools
need=()
for p in podman runc buildah mmdebstrap openssh-client; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [[ ${#need[@]} -gt 0 ]]; then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
fi
# podman's default crun and ulimits fail on this kind of host (cgroups v1/hybrid, no
# CAP_SYS_RESOURCE): runc, cgroupfs, host network and ulimits under the hard limit work.
cat > "$TMP/containers.conf" <<'CONF'
[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF=$TMP/containers.conf
export BUILDAH_ISOLATION=chroot

# ---------------------------------------------------------------------------------------
phase base
if podman image exists "$BASE"; then
    log "$BASE present"
else
    sources=/etc/apt/sources.list.d/debian.sources
    [[ -f $sources ]] || sources=/etc/apt/sources.list
    # Same apt sources as the host (so RUN apt-get works), the host's extra CAs (so pip in
    # RUN reaches PyPI through any TLS proxy: a local image only, never push it), Python
    # headers as in the real image, no PEP 668 marker, /usr/local/bin/python* as upstream.
    mmdebstrap --quiet --variant=minbase \
        --include=python3,python3-venv,python3-pip,python-is-python3,python3-dev,ca-certificates \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --customize-hook='cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/" 2>/dev/null; chroot "$1" update-ca-certificates >/dev/null 2>&1' \
        --customize-hook='rm -f "$1"/usr/lib/python3.*/EXTERNALLY-MANAGED' \
        --customize-hook='for n in python python3 pip pip3; do ln -sf /usr/bin/$n "$1/usr/local/bin/$n"; done' \
        bookworm - "$sources" \
    | podman import -q --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$BASE" >/dev/null
fi

# ---------------------------------------------------------------------------------------
phase build
if [[ -n "${SSHAPP_CTEST_IMAGE:-}" ]]; then
    log "not building: testing $TAG"
else
    old=$(podman image inspect -f '{{.Id}}' "$TAG" 2>/dev/null || true)
    buildah bud --quiet --isolation chroot --pull=never --format docker -t "$TAG" . >/dev/null
    new=$(podman image inspect -f '{{.Id}}' "$TAG")
    # The previous build of this tag is now untagged: drop it (unless a container uses it).
    [[ -n "$old" && "$old" != "$new" ]] && podman rmi "$old" >/dev/null 2>&1 || true
fi
log "image size: $(podman image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}')"
[[ $(podman image inspect -f '{{.Config.User}}' "$TAG") == 10001:10001 ]] || die "image USER is not 10001"
podman image inspect -f '{{.Config.Healthcheck}}' "$TAG" | grep -q sshapp.health \
    || die "HEALTHCHECK missing from the image (built without --format docker?)"

# ---------------------------------------------------------------------------------------
phase smoke
out=$(podman run --rm --no-healthcheck --network none --entrypoint python "$TAG" -c '
import os, sshapp, sshapp._native, sshapp.kernels as k
ids = [i.id for i in k.list_kernels() if i.supported]
print(os.getuid(), sshapp.__version__, len(ids), ",".join(ids))
') || die "sshapp does not import inside the image"
log "uid version kernels: $out"
[[ ${out%% *} == 10001 ]] || die "image runs as uid ${out%% *}, expected 10001"

if [[ $BUILD_ONLY == 1 ]]; then
    exit 0
fi
# The SSH front is a package of its own: a build without it cannot serve (nothing to test
# beyond this point); a build with it must pass everything below.
if ! podman run --rm --no-healthcheck --network none --entrypoint python "$TAG" -c \
        'import importlib.util, sys; sys.exit(importlib.util.find_spec("sshapp.ssh") is None)'; then
    log "SKIPPED serve/ssh phases: sshapp.ssh is not in this build"
    exit 0
fi

# ---------------------------------------------------------------------------------------
phase serve
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$TMP/hostkeys" "$TMP/state"
ssh-keygen -q -t ed25519 -N '' -C sshapp-ctest -f "$TMP/id"
# :U chowns the bind mounts to the image's uid. SSHAPP_PORT keeps the HEALTHCHECK on the
# overridden port. Host network (containers.conf), so bind loopback only. Locked down as in
# deploy/kubernetes (read-only root, /tmp on tmpfs, no capabilities, no privilege gain).
podman run -d --name "$NAME" -e SSHAPP_PORT="$port" \
    --read-only --read-only-tmpfs=false --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges \
    -v "$TMP/hostkeys:/var/lib/sshapp/hostkeys:U" -v "$TMP/state:/var/lib/sshapp/state:U" \
    "$TAG" --host 127.0.0.1 --port "$port" --auth open >/dev/null 2>"$TMP/run.err" \
    || { cat "$TMP/run.err" >&2; die "podman run failed"; }
up=0
for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    [[ $(podman inspect -f '{{.State.Running}}' "$NAME") == true ]] || die "server exited early"
    sleep 0.1
done
[[ $up == 1 ]] || die "port $port did not open within 30 s"

ssh_run() {
    ssh -p "$port" -i "$TMP/id" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 \
        ctest@127.0.0.1 "$@" </dev/null
}

phase ssh
ssh_run kernels --json > "$TMP/kernels.json" || die "ssh kernels --json failed"
kernel=$(python3 - "$TMP/kernels.json" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
if len(rows) == 1 and isinstance(rows[0], list):
    rows = rows[0]
if len(rows) == 1 and isinstance(rows[0], dict) and isinstance(rows[0].get("kernels"), list):
    rows = rows[0]["kernels"]
ids = [r["id"] for r in rows if r.get("supported", True)]
assert "ref.naive.f32" in ids, ids
# The best supported AVX2 f32 kernel (the table is ordered fastest first), else ref.
pick = next((i for i in ids if i.startswith("avx2.") and i.endswith(".f32")), "ref.naive.f32")
print(pick)
PY
) || { cat "$TMP/kernels.json" >&2; die "kernels --json is not the expected JSON"; }
log "kernels --json: $(wc -l < "$TMP/kernels.json") line(s); benchmarking $kernel"
ssh_run bench "$kernel" --size 64 --json > "$TMP/bench.json" || die "ssh bench failed"
python3 - "$TMP/bench.json" "$kernel" <<'PY' || { cat "$TMP/bench.json" >&2; die "bench --json output"; }
import json, sys
objs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
assert objs and all(isinstance(o, dict) for o in objs), "not one JSON object per line"
finished = [o for o in objs if o.get("event") == "finished"]
assert finished, "no 'finished' event"
last = finished[-1]
assert last.get("kernel") == sys.argv[2], f"finished event is for {last.get('kernel')}"
gflops = [v for k, v in last.items() if "gflops" in k and isinstance(v, (int, float))]
assert gflops and min(gflops) > 0, "no positive GFLOPS figure"
samples = sum(o.get("event") == "sample" for o in objs)
print(f"bench --json: {len(objs)} lines, {samples} samples, "
      f"best {last.get('best_gflops', gflops[0]):.2f} GFLOPS", file=sys.stderr)
PY

phase tui
if podman exec "$NAME" python -c 'import importlib.util as u, sys; sys.exit(u.find_spec("sshapp.tui") is None)'; then
    # A PTY session shows the terminal app (its kernel table) within 20 s.
    python3 - "$port" "$TMP/id" <<'PY' || die "the TUI did not show over ssh -tt"
import os, pty, re, select, signal, sys, time
port, key = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execvp("ssh", ["ssh", "-tt", "-p", port, "-i", key, "-o", "BatchMode=yes",
                      "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                      "-o", "LogLevel=ERROR", "ctest@127.0.0.1"])
out, deadline = b"", time.monotonic() + 20
while time.monotonic() < deadline and b"ref.naive.f32" not in out:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            out += os.read(fd, 65536)
        except OSError:
            break
    out = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", out)
os.kill(pid, signal.SIGTERM)
os.waitpid(pid, 0)
print(f"tui: {len(out)} bytes of screen, kernel table shown", file=sys.stderr)
sys.exit(0 if b"ref.naive.f32" in out else 1)
PY
else
    log "SKIPPED tui: sshapp.tui is not in this build"
fi

phase checks
# Every process of the container (tini, server, sessions) runs as the image's user.
podman top "$NAME" pid user args > "$TMP/top.txt"
cat "$TMP/top.txt" >&2
awk 'NR > 1 && $2 != "sshapp" && $2 != "10001" { bad = 1 } END { exit bad }' "$TMP/top.txt" \
    || die "a process in the container is not running as uid 10001"
awk 'NR > 1 && $1 == 1 && $3 ~ /tini/ { ok = 1 } END { exit !ok }' "$TMP/top.txt" \
    || die "tini is not PID 1"
keys=$(find "$TMP/hostkeys" -type f ! -name '*.pub')
[[ -n "$keys" ]] || die "no host key in the hostkeys volume"
for key in $keys; do
    mode=$(stat -c '%a %u' "$key")
    [[ $mode == "600 10001" ]] || die "host key $key has mode/owner $mode, expected 600 10001"
done
# The key in the volume is the one the server presents.
served=$(ssh-keyscan -p "$port" -t ed25519 127.0.0.1 2>/dev/null | awk '{print $3}')
found=0
for key in $keys; do
    [[ $(ssh-keygen -y -f "$key" 2>/dev/null | awk '{print $2}') == "$served" ]] && found=1
done
[[ $found == 1 ]] || die "the served host key is not the one in the volume"
log "host key: $(basename "$keys") mode 600, uid 10001, served by the server"
podman healthcheck run "$NAME" >/dev/null 2>&1 || die "podman healthcheck run failed"
log "healthcheck: $(podman inspect -f '{{.State.Health.Status}}' "$NAME" 2>/dev/null || podman inspect -f '{{.State.Healthcheck.Status}}' "$NAME")"

phase stop
# (podman's "unable to get systemd connection" about health timers is harmless here.)
podman stop -t 15 "$NAME" >/dev/null 2>"$TMP/stop.err" || { cat "$TMP/stop.err" >&2; die "podman stop"; }
code=$(podman inspect -f '{{.State.ExitCode}}' "$NAME")
podman logs "$NAME" > "$TMP/server.log" 2>&1 || true
grep -q Traceback "$TMP/server.log" && { cat "$TMP/server.log" >&2; die "traceback in the server log"; }
[[ $code == 0 ]] || die "server exited with $code after SIGTERM (143 = did not handle it)"
log "SIGTERM: exit code 0"
