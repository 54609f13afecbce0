#!/usr/bin/env bash
# Regenerates the documented default config file and the README's settings table from the
# settings catalog, and the input/output sections of docs/policies.md from the policy contracts
# declared in Sources/Policies (tests fail when any of them drift).
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
python3 - "$("$bin" policy contract)" <<'PY'
import re, sys
generated = sys.argv[1] + "\n"
docs = open("docs/policies.md").read()
for name in re.findall(r"<!-- (\w+)\.lua contract, ", generated):
    section = rf"<!-- {name}\.lua contract, .*?<!-- end of {name}\.lua contract -->\n"
    block = re.search(section, generated, re.S).group(0)
    docs, count = re.subn(section, lambda _: block, docs, flags=re.S)
    if count != 1:
        sys.exit(f"docs/policies.md: expected one {name}.lua contract section, found {count}")
open("docs/policies.md", "w").write(docs)
PY
echo "regenerated config/oracle-chat.env, the README settings table and the contracts in docs/policies.md"
