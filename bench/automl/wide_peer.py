"""The peer of bench/automl/wide.bench.ts: pandas and scikit-learn on the shape suite's wide CSV.

  wide_peer.py ready CSV TARGET RUNS   read_csv, then what autolab does before its first candidate:
                                       drop constant and duplicated columns, bin every column into at
                                       most 255 bins (uint8, row-major), take fold 0's rows; prints one
                                       JSON line per run (wall and CPU seconds)
  wide_peer.py fit CSV TARGET MODEL    HistGradientBoosting's defaults on the kept columns, pickled
  wide_peer.py predict MODEL CSV OUT   a whole scoring process: imports, read_csv, predict_proba, CSV out
"""
import json, pickle, sys, time


def prepared(path, target):
    import numpy as np, pandas as pd
    df = pd.read_csv(path)
    y = df.pop(target)
    x = df.to_numpy(dtype=np.float64)
    varies = np.nanmax(x, axis=0) != np.nanmin(x, axis=0)
    x = x[:, varies]
    # duplicated columns: one hash per column's bytes, then an exact compare within a hash
    seen, keep = {}, []
    for j in range(x.shape[1]):
        column = np.ascontiguousarray(x[:, j])
        h = hash(column.tobytes())
        if any(np.array_equal(column, x[:, k], equal_nan=True) for k in seen.get(h, [])):
            continue
        seen.setdefault(h, []).append(j)
        keep.append(j)
    x = x[:, keep]
    codes = np.empty(x.shape, dtype=np.uint8)
    for j in range(x.shape[1]):
        values = np.unique(x[:, j][~np.isnan(x[:, j])])
        edges = (values[:-1] + values[1:]) / 2 if len(values) <= 255 else np.quantile(x[:, j], np.linspace(0, 1, 256)[1:-1])
        codes[:, j] = np.searchsorted(edges, x[:, j], side="left")
    fold0 = np.arange(len(y)) % 5 != 0
    return df.columns[varies][keep], x, codes[fold0], y


def main():
    mode = sys.argv[1]
    if mode == "ready":
        path, target, runs = sys.argv[2], sys.argv[3], int(sys.argv[4])
        for _ in range(runs):
            w, c = time.perf_counter(), time.process_time()
            columns, x, codes, _ = prepared(path, target)
            print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c, "columns": len(columns), "rows": int(x.shape[0])}), flush=True)
    elif mode == "fit":
        from sklearn.ensemble import HistGradientBoostingClassifier
        path, target, out = sys.argv[2], sys.argv[3], sys.argv[4]
        columns, x, _, y = prepared(path, target)
        model = HistGradientBoostingClassifier(random_state=0).fit(x, y)
        with open(out, "wb") as f:
            pickle.dump((list(columns), model), f)
    elif mode == "predict":
        import pandas as pd
        model_path, path, out = sys.argv[2], sys.argv[3], sys.argv[4]
        with open(model_path, "rb") as f:
            columns, model = pickle.load(f)
        df = pd.read_csv(path)
        proba = model.predict_proba(df[columns].to_numpy(dtype="float64"))
        result = pd.DataFrame(proba, columns=[f"proba_{c}" for c in model.classes_])
        result.insert(0, "prediction", model.classes_[proba.argmax(axis=1)])
        result.to_csv(out, index=False)


if __name__ == "__main__":
    main()
