#!/usr/bin/env bash
# Fail when the working tree is not clean: CI runs this after the tests, which must leave
# every tracked file as they found it and create nothing that .gitignore does not cover.
#   bash scripts/check_clean.sh
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
changed=$(git status --porcelain --untracked-files=all)
if [ -n "$changed" ]; then
  echo "error: the working tree is not clean after the tests; they changed or created these files:" >&2
  echo "$changed" >&2
  echo "write test output under a temporary folder or test-artifacts/ (ignored), never into tracked files" >&2
  exit 1
fi
echo "working tree clean"
