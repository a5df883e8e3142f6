# The national public service portal's adapter, faked by a separate HTTP process (tests/peers/national_portal.py)
# that speaks its shapes; the interconnection tests read its address from NATIONAL_PORTAL_FAKE_URL.
if [[ "$PHASE" == "start" ]]; then
    NATIONAL_PORTAL_PORT=$(free_port)
    log "Starting the fake national portal on port $NATIONAL_PORTAL_PORT"
    python tests/peers/national_portal.py --port "$NATIONAL_PORTAL_PORT" >"$WORK/national_portal.log" 2>&1 &
    PIDS+=($!)
    export NATIONAL_PORTAL_FAKE_URL="http://127.0.0.1:$NATIONAL_PORTAL_PORT"
    python - <<'PY' || { cat "$WORK/national_portal.log"; die "the fake national portal did not start"; }
import os, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(os.environ["NATIONAL_PORTAL_FAKE_URL"] + "/_control/state", timeout=1)
        break
    except OSError:
        time.sleep(0.05)
else:
    raise SystemExit(1)
PY
fi
