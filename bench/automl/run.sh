#!/bin/sh
# Runs the shared tabular benchmark on autolab's command line and prints the comparison with the peers.
# Usage: bench/automl/run.sh [--budget 30] [--only credit_data,spam] [--folds 0,1,2,3,4]
# Needs the compiled CLI (dist/) and Debian's python3 with pandas and scikit-learn; reads ../shared/bench.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bench=${AUTOLAB_BENCH:-$here/../shared/bench}
cd "$here"
npx tsc -p tsconfig.build.json
/usr/bin/python3 "$bench/autolab.py" --project "$here" "$@"
/usr/bin/python3 "$bench/compare.py"
