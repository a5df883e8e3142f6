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
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
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
ldconfig -p | grep -q 'libpango-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
if [[ -z "${DATABASE_URL:-}" ]] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
fi
if [[ -z "${REDIS_URL:-}" ]] && ! command -v redis-server >/dev/null; then missing+=(redis-server); fi
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

export DJANGO_SETTINGS_MODULE=portal.settings.test
export VAR_DIR="$WORK/var"
export BROWSER_EXECUTABLE="${BROWSER_EXECUTABLE:-/usr/bin/chromium}"

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
