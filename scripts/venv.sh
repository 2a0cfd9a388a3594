#!/usr/bin/env bash
# Create .venv if it is missing and install a requirements file into it (idempotent).
#   bash scripts/venv.sh requirements.txt
# The requirements pin torch: an unpinned torch would download a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=${1:?usage: scripts/venv.sh REQUIREMENTS_FILE}
if [ ! -x .venv/bin/python ]; then
  python3 -c 'import ensurepip' 2>/dev/null || {
    echo "python3 cannot create a virtual environment: install python3-venv (apt-get install -y python3-venv)" >&2
    exit 1
  }
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
