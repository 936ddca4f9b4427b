#!/bin/sh
# The container image's install steps, in one place: the Dockerfile runs this script, and so
# can anyone on a plain machine to prove the same steps without a container engine:
#   sh scripts/image_install.sh /tmp/logsieve-venv        (from a checkout; default /opt/logsieve)
# A venv of its own (not the system's Python): the same steps work on python:3.11-slim and on
# a Debian base whose system Python refuses pip (PEP 668).
set -eu
venv="${1:-/opt/logsieve}"
src="${LOGSIEVE_SRC:-.}"
python3 -m venv "$venv"
"$venv/bin/pip" install --no-cache-dir --disable-pip-version-check "$src[server]"
# The fast encoder is derived from the packaged model (a few seconds, no download): done once
# here, so no container pays for it at start and the running user need not write.
"$venv/bin/python" -m logsieve.encoder_model
# Fail the build, not the first request, when a stage cannot load.
"$venv/bin/python" - <<'PY'
from logsieve.build import build_sieve

sieve = build_sieve()
problems = [p.message() for p in sieve.problems()]
assert not problems, problems
result = sieve.classify_batch([("worker 7 finished the nightly import", None)])[0]
assert result.classifier in ("bert", "none"), result.to_dict()
print("image check:", sieve.health()["status"], result.label_id, result.classifier)
PY
