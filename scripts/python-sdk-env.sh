#!/usr/bin/env bash
# Makes the virtualenv the SDK tests run their Python in: .build-py-sdk/ (git-ignored), from the
# pinned scripts/sdk-test-requirements.txt, when it is missing or that file changed. Prints the
# interpreter's path. `make test` runs it first; the tests run it themselves when the
# environment is missing, so `swift test` alone never skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.build-py-sdk
REQUIREMENTS=scripts/sdk-test-requirements.txt
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQUIREMENTS" "$VENV/requirements.installed"; then
  echo "python-sdk-env: installing $(grep -c '==' "$REQUIREMENTS") pinned Python packages into $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV" || { echo "python-sdk-env: python3 cannot make a virtualenv: apt-get install python3-venv" >&2; exit 1; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
  cp "$REQUIREMENTS" "$VENV/requirements.installed"
fi
echo "$PWD/$VENV/bin/python"
