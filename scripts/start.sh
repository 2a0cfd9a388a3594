#!/usr/bin/env bash
# The README's first command: install the app into .venv and start the dashboard.
#   bash scripts/start.sh                 # http://localhost:8501
#   PORT=8502 ADDRESS=0.0.0.0 bash scripts/start.sh
# Runs use the embedded storage in sweetspot-data/ unless TUNING_STORAGE names another
# (docs/scaling.md: PostgreSQL, for workers on several machines).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/venv.sh requirements.txt
port=${PORT:-8501}
echo "Sweetspot on http://localhost:$port (Ctrl-C stops the dashboard; running workers go on)"
STREAMLIT_BROWSER_GATHER_USAGE_STATS=false exec .venv/bin/streamlit run app.py \
  --server.headless true --server.port "$port" --server.address "${ADDRESS:-127.0.0.1}" \
  --server.fileWatcherType none
