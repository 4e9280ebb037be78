# Prints the relaxed body hashes (RFC 6376 §3.4.4, SHA-256, base64) that
# Debian's python3-dkim (dkimpy) computes, for comparison with the Go
# canonicalization. stdin: a JSON list of base64-encoded messages; stdout:
# a JSON list of their body hashes, in order. The message is split into
# header and body by dkimpy's own parser, as its verifier does.
import base64
import hashlib
import json
import sys

import dkim
from dkim.canonicalization import Relaxed

out = []
for m in json.load(sys.stdin):
    _, body = dkim.rfc822_parse(base64.b64decode(m))
    h = hashlib.sha256(Relaxed.canonicalize_body(body)).digest()
    out.append(base64.b64encode(h).decode())
json.dump(out, sys.stdout)
