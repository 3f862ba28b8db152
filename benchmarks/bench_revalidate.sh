#!/bin/bash
# Re-validation of a large tree after a one-file edit, as a user runs it.
#
#   qingdan synth --items 100000 --out /tmp/b100
#   bash benchmarks/bench_revalidate.sh /tmp/b100 LABEL
#
# Fills a fresh cache (QINGDAN_CACHE_DIR=<dir>/cache-LABEL), then times three
# runs with no change and three runs each after changing one item's name in the
# first department's powers.yml (to a name never used before). Compare two versions of qingdan by running it
# once per version in the same session, with two labels: e.g. the other version's
# scripts/ folder first on PYTHONPATH (`git archive main scripts | tar -x -C /tmp/main`,
# then PYTHONPATH=/tmp/main/scripts bash benchmarks/bench_revalidate.sh DIR main).
set -euo pipefail
dir=${1:?usage: bench_revalidate.sh DIR LABEL}
label=${2:-run}
cd "$dir"
export QINGDAN_CACHE_DIR="$dir/cache-$label"
# The package's bytecode, as an installed package has it (with PYTHONDONTWRITEBYTECODE set,
# every run would otherwise compile qingdan's modules again: 0.1-0.3 s).
python -m compileall -q "$(python -c 'import os, qingdan; print(os.path.dirname(qingdan.__file__))')" >/dev/null
rm -rf "$QINGDAN_CACHE_DIR"
sleep 2.1  # the files must be older than the digest index's 2-second margin
timed() { /usr/bin/time -f "$label $1 %e s wall, %U+%S s CPU, %M KB" qingdan validate lists >/dev/null 2>"$dir/time.txt" || true; tail -1 "$dir/time.txt"; }
timed "fill the cache"
for _ in 1 2 3; do timed "no change"; done
file=$(ls lists/*/powers.yml | head -1)
for _ in 1 2 3; do
  python - "$file" <<'PY'
import re, sys, time
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
# A name never used before (a content cached by an earlier run would be no edit at all).
mark = "改" + str(time.time_ns())
text = re.sub(r"(\n    name: )([^\n]*)", lambda m: m.group(1) + re.sub("改[0-9]+$", "", m.group(2)) + mark, text, count=1)
open(path, "w", encoding="utf-8").write(text)
PY
  timed "after editing one file"
done
