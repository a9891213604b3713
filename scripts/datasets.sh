#!/usr/bin/env bash
# Public datasets the backtests read (issue 19), fetched once per machine from PyPI (a package
# registry, reachable here) and kept outside the clone:
#   CDNOW_master.txt — 69 659 purchases of 23 570 CDNOW customers, Jan 1997 – Jun 1998, as
#   shipped in the `lifetimes` package (lifetimes/datasets/). Only the wheel is downloaded (no
#   install, no dependencies) and its SHA-256 checked.
# Prints the path of the file. PACER_DATASETS overrides the directory.
set -euo pipefail
DIR=${PACER_DATASETS:-/var/cache/pacer/datasets}
# Beside the build cache when that is writable, else in the user's own cache.
mkdir -p "$DIR" 2>/dev/null && [ -w "$DIR" ] || DIR=${XDG_CACHE_HOME:-$HOME/.cache}/pacer/datasets
FILE="$DIR/CDNOW_master.txt"
WHEEL=Lifetimes-0.11.3-py3-none-any.whl
WHEEL_SHA256=261e3dc89977c2b60767ca6728aaa29d429de0c814635070a749c36555895da8
PYTHON=${PYTHON:-python3}
if [ ! -s "$FILE" ]; then
  mkdir -p "$DIR"
  # pip from a virtualenv of our own: Debian's python3 may come without pip.
  [ -x "$DIR/venv/bin/pip" ] || "$PYTHON" -m venv --clear "$DIR/venv" >&2
  "$DIR/venv/bin/pip" download --quiet --disable-pip-version-check --no-input --no-deps \
    --only-binary :all: lifetimes==0.11.3 -d "$DIR/wheel" >&2
  echo "$WHEEL_SHA256  $DIR/wheel/$WHEEL" | sha256sum --check --quiet >&2
  "$DIR/venv/bin/python" -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("lifetimes/datasets/CDNOW_master.txt"))
' "$DIR/wheel/$WHEEL" "$FILE.part"
  mv "$FILE.part" "$FILE"
fi
echo "$FILE"
