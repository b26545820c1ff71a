#!/bin/sh
# Runs a tabular suite on autolab's command line (the shared harness, ../shared/bench) and prints the
# comparison with the peers run on the same folds: against the best peer and against HistGradientBoosting.
# Usage: bench/automl/run.sh [--suite dev|shapes] [--budget 30] [--only a,b] [--folds 0,1,2,3,4] [--peers]
#   --suite dev     ../shared/bench/suite.json (the eight dev datasets)
#   --suite shapes  bench/automl/shapes/suite.json (run shapes/make_shapes.py first)
#   --peers         also re-run the peers (peers.py) on the same folds and budget, before autolab
# Results: bench/automl/results/<suite>/autolab-<budget>s.json and peers.json (dev: the shared
# harness's peers.json is copied there until --peers re-runs them). Needs the compiled CLI (built
# here) and Debian's python3 with pandas, scikit-learn, xgboost and optuna.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bench=${AUTOLAB_BENCH:-$here/../shared/bench}
suite=dev budget=30 only="" folds="0,1,2,3,4" peers=no
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) suite=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --folds) folds=$2; shift 2 ;;
    --peers) peers=yes; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$suite" in
  dev) file=$bench/suite.json ;;
  shapes) file=$here/bench/automl/shapes/suite.json ;;
  *) echo "--suite is dev or shapes" >&2; exit 2 ;;
esac
results=$here/bench/automl/results/$suite
mkdir -p "$results"
[ -f "$results/peers.json" ] || [ "$suite" != dev ] || cp "$bench/results/peers.json" "$results/peers.json"
cd "$here"
npx tsc -p tsconfig.build.json
select=""; [ -n "$only" ] && select="--only $only"
if [ "$peers" = yes ]; then
  # shellcheck disable=SC2086
  /usr/bin/python3 "$bench/peers.py" --suite "$file" --budget "$budget" --out "$results/peers.json" $select
fi
# shellcheck disable=SC2086
/usr/bin/python3 "$bench/autolab.py" --project "$here" --suite "$file" --budget "$budget" --folds "$folds" --label "autolab-${budget}s" --out "$results/autolab-${budget}s.json" $select
/usr/bin/python3 "$here/bench/automl/table.py" --suite "$file" --autolab "$results/autolab-${budget}s.json" --peers "$results/peers.json"
