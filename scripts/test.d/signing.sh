# Digital signatures: a throwaway SoftHSM token (a real PKCS#11 module) holding a demo agency's seal and a demo
# leader's own token, and poppler's pdfsig (a second validator next to pyHanko's, trusting the anchors through an
# NSS database made with certutil).
case "$PHASE" in
packages)
    command -v softhsm2-util >/dev/null || missing+=(softhsm2)
    command -v pdfsig >/dev/null || missing+=(poppler-utils)
    command -v certutil >/dev/null || missing+=(libnss3-tools)  # pdfsig's trust anchors (an NSS database)
    ;;
start)
    log "Initialising a throwaway SoftHSM token for the signing tests"
    mkdir -p "$WORK/softhsm/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/softhsm/tokens" \
        >"$WORK/softhsm/softhsm2.conf"
    export SOFTHSM2_CONF="$WORK/softhsm/softhsm2.conf"
    SIGNATURE_TEST_PKCS11_MODULE=""
    for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do
        if [[ -f "$candidate" ]]; then SIGNATURE_TEST_PKCS11_MODULE=$candidate; break; fi
    done
    [[ -n "$SIGNATURE_TEST_PKCS11_MODULE" ]] || die "libsofthsm2.so not found (apt-get install softhsm2)"
    export SIGNATURE_TEST_PKCS11_MODULE
    export SIGNATURE_TEST_PKCS11_TOKEN="dvc-seals" SIGNATURE_TEST_PKCS11_PIN="$RANDOM$RANDOM"
    export SIGNATURE_TEST_PKCS11_LEADER="lanhdao" SIGNATURE_TEST_PKCS11_LEADER_PIN="$RANDOM$RANDOM"
    export SIGNATURE_TEST_PKCS11_AGENCY="000.20.30.H56" SIGNATURE_TEST_PKCS11_PKI="$WORK/pkcs11-pki"
    softhsm2-util --init-token --free --label "$SIGNATURE_TEST_PKCS11_TOKEN" --so-pin "so-$RANDOM" \
        --pin "$SIGNATURE_TEST_PKCS11_PIN" >/dev/null
    softhsm2-util --init-token --free --label "$SIGNATURE_TEST_PKCS11_LEADER" --so-pin "so-$RANDOM" \
        --pin "$SIGNATURE_TEST_PKCS11_LEADER_PIN" >/dev/null
    python - <<'PY' || die "could not put the demo keys on the SoftHSM token"
import os
from portal.signing.pki import DemoPKI
from portal.signing.token import import_pkcs12

env = os.environ
pki = DemoPKI(env["SIGNATURE_TEST_PKCS11_PKI"]).ensure()
agency = env["SIGNATURE_TEST_PKCS11_AGENCY"]
seal = pki.seal(agency, "UBND phường Hạc Thành").read_bytes()
import_pkcs12(module=env["SIGNATURE_TEST_PKCS11_MODULE"], token=env["SIGNATURE_TEST_PKCS11_TOKEN"],
              pin=env["SIGNATURE_TEST_PKCS11_PIN"], label=f"seal-{agency}", data=seal, passphrase=None)
leader, pin = env["SIGNATURE_TEST_PKCS11_LEADER"], env["SIGNATURE_TEST_PKCS11_LEADER_PIN"]
person = pki.personal(leader, "Phạm Minh Lãnh", "Lãnh đạo", "UBND phường Hạc Thành", pin=pin.encode()).read_bytes()
import_pkcs12(module=env["SIGNATURE_TEST_PKCS11_MODULE"], token=leader, pin=pin, label=f"sign-{leader}",
              data=person, passphrase=pin.encode())
PY
    ;;
esac
