#!/usr/bin/env bash
# The Python that runs scripts/smtp_sink.py (a real SMTP server for the mail tests, issue 20):
# a virtualenv with aiosmtpd from PyPI, made once per machine outside the clone. Prints the
# interpreter's path. PACER_SMTP_VENV overrides the directory.
set -euo pipefail
VENV=${PACER_SMTP_VENV:-/var/cache/pacer/smtp-venv}
mkdir -p "$(dirname "$VENV")" 2>/dev/null && [ -w "$(dirname "$VENV")" ] \
  || VENV=${XDG_CACHE_HOME:-$HOME/.cache}/pacer/smtp-venv
PYTHON=${PYTHON:-python3}
if ! "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv --clear "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input aiosmtpd==1.4.6 >&2
fi
echo "$VENV/bin/python"
