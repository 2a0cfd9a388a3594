#!/usr/bin/env bash
# Vendor plotly.js's "cartesian" bundle (scatter, bar, heatmap, contour, …: 1.5 MB against
# the full 4.8 MB) at the version of plotly.js that the pinned plotly package ships, into
# the live chart's frontend folder. Charts whose traces it all covers load it instead of
# the full bundle (pages/_shared/plotly_js.py); tests/pages/test_plotly_js.py fails when
# the plotly package and this file disagree, so rerun this after upgrading plotly:
#   bash scripts/vendor_plotly.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
version=$("$python" -c "import plotly.offline; print(plotly.offline.get_plotlyjs_version())")
target=pages/_shared/live_chart_frontend/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-cartesian-dist-min@$version" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$target"
cp "$work/package/plotly-cartesian.min.js" "$target/plotly-cartesian.min.js"
cp "$work/package/LICENSE" "$target/LICENSE"
echo "vendored plotly.js cartesian v$version into $target"
