# The identity provider: a real OpenID Connect provider (the certified npm package oidc-provider) with test
# citizens, from tests/peers/identity_provider/. Needs Debian's nodejs and npm; the npm packages are installed once
# into var/identity-provider/ (reinstalled when package-lock.json changes, so later runs work offline).
# Sourced by scripts/test.sh (see scripts/test.d/README).
case "$PHASE" in
packages)
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    ;;
start)
    IDP_SOURCE="$PWD/tests/peers/identity_provider"
    IDP_DIR="${IDENTITY_PROVIDER_CACHE:-$PWD/var/identity-provider}"
    mkdir -p "$IDP_DIR"
    if ! cmp -s "$IDP_SOURCE/package-lock.json" "$IDP_DIR/package-lock.json" || [[ ! -d "$IDP_DIR/node_modules/oidc-provider" ]]; then
        log "Installing the identity provider's npm packages into $IDP_DIR"
        cp "$IDP_SOURCE/package.json" "$IDP_SOURCE/package-lock.json" "$IDP_DIR/"
        (cd "$IDP_DIR" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null) \
            || die "npm could not install the identity provider's packages"
    fi
    cp "$IDP_SOURCE/provider.js" "$IDP_DIR/provider.js"
    IDP_PORT=$(free_port)
    log "Starting the identity provider (oidc-provider) on port $IDP_PORT"
    (cd "$IDP_DIR" && PORT="$IDP_PORT" exec node provider.js) >"$WORK/identity-provider.log" 2>&1 &
    PIDS+=($!)
    export IDENTITY_PROVIDER_URL="http://127.0.0.1:$IDP_PORT"
    python - <<'PY' || { cat "$WORK/identity-provider.log"; die "the identity provider did not start"; }
import os, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(os.environ["IDENTITY_PROVIDER_URL"] + "/.well-known/openid-configuration", timeout=2)
        break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit("no answer from the identity provider")
PY
    ;;
esac
