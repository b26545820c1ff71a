"""The side-by-side table of an autolab results file against the peers' on the same folds, with the two
verdicts issue 11 asks for: against the best peer and against HistGradientBoosting's defaults (hgb).
A tie is within 0.5 % relative. Also seconds per fold of `train` against the budget, peak RSS, failed folds.
Usage: /usr/bin/python3 bench/automl/table.py --suite SUITE.json --autolab RESULTS.json --peers PEERS.json"""
import argparse, json, os, sys

HIGHER = {"binary": True, "multiclass": False, "regression": False}
METRIC = {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}
PEERS = ["lr", "rf", "hgb", "xgb", "xgb_optuna"]

def verdict(mine, ref, higher, tol):
    if mine is None or ref is None: return "—", None
    rel = (mine - ref) / abs(ref) * (1 if higher else -1)
    return ("win" if rel > tol else "tie" if rel >= -tol else "loss") + f" {rel:+.1%}", rel

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", required=True); ap.add_argument("--autolab", required=True); ap.add_argument("--peers", required=True)
    ap.add_argument("--tol", type=float, default=0.005)
    a = ap.parse_args()
    suite = json.load(open(a.suite))["datasets"]
    mine, peers = json.load(open(a.autolab)), json.load(open(a.peers))
    print("| dataset | metric | " + " | ".join(PEERS) + " | autolab | vs best peer | vs hgb | train s/fold (budget) | peak RSS | failed folds |")
    print("|---|---|" + "---|" * (len(PEERS) + 6))
    tally = {"best": [0, 0, 0], "hgb": [0, 0, 0]}
    for d in suite:
        name, task = d["name"], d["task"]; higher = HIGHER[task]
        p = peers.get(name, {}); m = mine.get(name)
        vals = [p.get(k, {}).get("mean") for k in PEERS]
        present = [v for v in vals if v is not None]
        best = (max(present) if higher else min(present)) if present else None
        mean = m.get("mean") if m and not m.get("failed_folds") and len(m.get("scores", [])) == 5 else None
        vb, _ = verdict(mean, best, higher, a.tol); vh, _ = verdict(mean, p.get("hgb", {}).get("mean"), higher, a.tol)
        if m and mean is None: vb = vh = "failed folds" if m.get("failed_folds") else f"partial ({len(m.get('scores', []))} folds)"
        for key, v in (("best", vb), ("hgb", vh)):
            if m: tally[key][0 if v.startswith("win") else 1 if v.startswith("tie") else 2] += 1
        f = lambda v: "—" if v is None else f"{v:.4f}"
        secs = f"{m['seconds']:.1f} ({m['budget']:.0f})" if m and m.get("seconds") else "—"
        rss = f"{m['peak_rss_mb']:.0f} MB" if m and m.get("peak_rss_mb") else "—"
        print(f"| {name} | {METRIC[task]} | " + " | ".join(f(v) for v in vals) + f" | {f(m.get('mean') if m else None)} | {vb} | {vh} | {secs} | {rss} | {m.get('failed_folds', '—') if m else '—'} |")
    for key, label in (("best", "the best peer"), ("hgb", "HistGradientBoosting's defaults")):
        w, t, l = tally[key]
        print(f"\nagainst {label}: wins {w} ties {t} losses {l} of {w + t + l}")

if __name__ == "__main__":
    main()
