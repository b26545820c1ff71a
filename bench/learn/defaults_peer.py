"""Peer of bench/learn/defaults.bench.ts: XGBoost's XGBClassifier with its defaults, and with
autolab's stopping rule (up to 2,000 rounds, stopped after 50 without improvement on the fold's
validation rows, best round kept), on a CSV and its fold file (one fold number per row).
Classes are coded in sorted order; log loss as learn's logLoss (clip to [1e-15, 1 - 1e-15], rows
renormalised). Usage: defaults_peer.py DATA.csv TARGET FOLDS.txt 0,1,2,3,4 — one JSON list per fold."""
import json, resource, sys
import numpy as np, pandas as pd
import xgboost as xgb


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def log_loss(y, p, eps=1e-15):
    clipped = np.clip(p, eps, 1 - eps)
    return float(-np.mean(np.log(clipped[np.arange(len(y)), y] / clipped.sum(axis=1))))


def main():
    path, target, folds_path, chosen = sys.argv[1], sys.argv[2], sys.argv[3], [int(f) for f in sys.argv[4].split(",")]
    df = pd.read_csv(path, dtype={target: str})
    classes = sorted(df[target].unique())
    y = df[target].map({c: i for i, c in enumerate(classes)}).to_numpy()
    x = df.drop(columns=[target]).to_numpy(dtype=np.float64)
    fold = np.loadtxt(folds_path, dtype=int)
    for f in chosen:
        tr, va = fold != f, fold == f
        out = []
        for learner, params, fit in (
            ("xgboost XGBClassifier()", {}, {}),
            ("xgboost, autolab's stopping rule", {"n_estimators": 2000, "early_stopping_rounds": 50}, {"eval_set": [(x[va], y[va])]}),
        ):
            c = cpu()
            model = xgb.XGBClassifier(n_jobs=1, **params)
            model.fit(x[tr], y[tr], verbose=False, **fit)
            spent = cpu() - c
            rounds = model.best_iteration + 1 if "early_stopping_rounds" in params else model.n_estimators
            proba = model.predict_proba(x[va])
            errors = int((proba[np.arange(va.sum()), y[va]] < 0.5).sum())
            out.append({"learner": learner, "logLoss": log_loss(y[va], proba), "errors": errors, "rounds": int(rounds), "cpuSeconds": spent})
        print(json.dumps(out), flush=True)


main()
