"""Peers for bench/learn/learn.bench.ts: XGBoost (hist) and scikit-learn HistGradientBoosting on the
same files and hyperparameters. Usage: peers.py SPEC.json  — prints one JSON object per line."""
import json
import os
import resource
import sys
import time

import numpy as np


def load(path, cols):
    data = np.fromfile(path, dtype='<f8').reshape(-1, cols + 1)
    return np.ascontiguousarray(data[:, :cols]), data[:, cols]


def auc(y, s):
    order = np.argsort(s, kind='mergesort')
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks of ties
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = sums[inv] / counts[inv]
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def score(task, y, pred):
    if task == 'binary':
        return {'auc': auc(y, pred[:, 1] if pred.ndim == 2 else pred)}
    if task == 'multiclass':
        return {'accuracy': float((pred.argmax(axis=1) == y).mean())}
    return {'rmse': float(np.sqrt(((pred - y) ** 2).mean()))}


def main():
    spec = json.load(open(sys.argv[1]))
    threads = spec['threads']
    os.environ['OMP_NUM_THREADS'] = str(threads)
    import xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    for ds in spec['datasets']:
        xtr, ytr = load(ds['train'], ds['features'])
        xte, yte = load(ds['test'], ds['features'])
        task = ds['task']
        p = ds['params']
        # --- XGBoost hist, leaf-wise like ours
        xp = dict(tree_method='hist', grow_policy='lossguide', max_leaves=p['maxLeaves'], max_depth=0,
                  learning_rate=p['learningRate'], max_bin=p['maxBins'], reg_lambda=p['lambdaL2'],
                  min_child_weight=p['minHessianInLeaf'], nthread=threads, verbosity=0)
        if task == 'binary':
            xp['objective'] = 'binary:logistic'
        elif task == 'multiclass':
            xp.update(objective='multi:softprob', num_class=ds['numClasses'])
        else:
            xp['objective'] = 'reg:squarederror'
        t = time.time()
        c = cpu()
        dtrain = xgb.DMatrix(xtr, label=ytr, nthread=threads)
        booster = xgb.train(xp, dtrain, num_boost_round=p['numRounds'])
        train_s = time.time() - t
        train_cpu_s = cpu() - c
        dtest = xgb.DMatrix(xte, nthread=threads)
        t = time.time()
        pred = booster.predict(dtest)
        pred_s = time.time() - t
        if task == 'binary':
            pred = np.stack([1 - pred, pred], axis=1)
        out = {'dataset': ds['name'], 'peer': 'xgboost', 'train_s': train_s, 'train_cpu_s': train_cpu_s, 'predict_rows_per_s': len(yte) / pred_s}
        out.update(score(task, yte, pred))
        if ds.get('latency'):
            row = xte[:1]
            booster.inplace_predict(row)
            reps = 500
            t = time.time()
            for _ in range(reps):
                booster.inplace_predict(row)
            out['single_row_us'] = (time.time() - t) / reps * 1e6
        print(json.dumps(out), flush=True)
        # --- scikit-learn HistGradientBoosting
        if not spec.get('sklearn', True):
            continue
        hp = dict(max_iter=p['numRounds'], learning_rate=p['learningRate'], max_leaf_nodes=p['maxLeaves'],
                  max_bins=p['maxBins'], l2_regularization=p['lambdaL2'], min_samples_leaf=p['minDataInLeaf'],
                  early_stopping=False)
        model = HistGradientBoostingRegressor(**hp) if task == 'regression' else HistGradientBoostingClassifier(**hp)
        t = time.time()
        c = cpu()
        model.fit(xtr, ytr)
        train_s = time.time() - t
        train_cpu_s = cpu() - c
        t = time.time()
        pred = model.predict(xte) if task == 'regression' else model.predict_proba(xte)
        pred_s = time.time() - t
        out = {'dataset': ds['name'], 'peer': 'sklearn-hgb', 'train_s': train_s, 'train_cpu_s': train_cpu_s, 'predict_rows_per_s': len(yte) / pred_s}
        out.update(score(task, yte, pred))
        print(json.dumps(out), flush=True)


main()
