#!/usr/bin/env bash
# Regenerates the documented default config file and the README's settings table from the
# settings catalog (a test fails when they drift).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product oracle-chat >/dev/null
bin="$(swift build --show-bin-path)/oracle-chat"
"$bin" config defaults > config/oracle-chat.env
python3 - "$("$bin" config defaults --markdown)" <<'PY'
import re, sys
table = sys.argv[1].strip() + "\n"
readme = open("README.md").read()
start = readme.index("| Variable | Default | Rule | Meaning |")
end = readme.index("\n\n", start) + 1
open("README.md", "w").write(readme[:start] + table + readme[end:])
PY
echo "regenerated config/oracle-chat.env and the README settings table"
