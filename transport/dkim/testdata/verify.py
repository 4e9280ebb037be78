# Verifies every DKIM-Signature of the message on stdin with Debian's
# python3-dkim (dkimpy), an implementation independent of go-msgauth. The
# public keys come from a DNS stub: argv[1] is a JSON object mapping
# "selector._domainkey.domain" to its TXT record. Prints one line per
# signature, "ok" or "fail", and exits 0 when at least one signature was
# found and all verified, 1 otherwise.
import json
import sys

import dkim

records = json.loads(sys.argv[1])


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    rec = records.get(name.rstrip("."))
    return rec.encode() if rec is not None else None


msg = sys.stdin.buffer.read()
d = dkim.DKIM(msg)
n = sum(1 for k, _ in d.headers if k.lower() == b"dkim-signature")
good = n > 0
for i in range(n):
    try:
        ok = d.verify(idx=i, dnsfunc=dnsfunc)
    except dkim.DKIMException as e:
        print("error", e, file=sys.stderr)
        ok = False
    print("ok" if ok else "fail")
    good = good and ok
sys.exit(0 if good else 1)
