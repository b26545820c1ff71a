"""Builds the shape suite's data in data/: public tables from Debian's r-cran-mlbench (exported with
Rscript) and generated tables of shapes the dev suite lacks (wide sparse indicators, a million rows).
Needs: apt-get install r-cran-mlbench python3-pandas. Usage: /usr/bin/python3 make_shapes.py"""
import os, subprocess
import numpy as np, pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
MLBENCH = ["DNA", "LetterRecognition", "Satellite", "Shuttle", "Sonar", "Glass", "BostonHousing", "Servo", "Soybean", "Vowel"]

def mlbench():
    todo = [n for n in MLBENCH if not os.path.exists(os.path.join(DATA, n + ".csv"))]
    if not todo: return
    names = ",".join(f'"{n}"' for n in todo)
    script = f'library(mlbench); for (n in c({names})) {{ data(list=n); write.csv(get(n), file.path("{DATA}", paste0(n, ".csv")), row.names=FALSE) }}'
    subprocess.check_call(["Rscript", "-e", script])

def wide(path, rows=6552, seed=1):
    """~1,700 columns, mostly sparse 0/1 indicators (some constant, some duplicated), a binary target
    driven by a few dozen indicators, their interactions and a handful of numeric columns."""
    if os.path.exists(path): return
    rng = np.random.default_rng(seed)
    density = rng.uniform(0.005, 0.15, 1500)
    ind = (rng.random((rows, 1500)) < density).astype(np.int8)
    num = rng.normal(size=(rows, 100)).round(4)
    logit = ind[:, :40] @ rng.normal(0, 1.5, 40) + 2.0 * ind[:, 40] * ind[:, 41] - 1.5 * ind[:, 42] * (num[:, 0] > 0) \
        + num[:, :5] @ rng.normal(0, 0.6, 5) + 0.8 * np.sin(2 * num[:, 5]) - 0.5
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    cols = {f"f{i}": ind[:, i] for i in range(1500)}
    cols.update({f"x{i}": num[:, i] for i in range(100)})
    cols.update({f"const{i}": np.zeros(rows, np.int8) for i in range(50)})
    cols.update({f"dup{i}": ind[:, i] for i in range(50)})
    df = pd.DataFrame(cols); df.insert(0, "label", np.where(y == 1, "active", "inactive"))
    df.to_csv(path, index=False)

def tall(path, rows=1_000_000, seed=2):
    """A million rows, 24 numeric and 4 categorical columns, a nonlinear binary target (Higgs-like)."""
    if os.path.exists(path): return
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 24)).astype(np.float32)
    cat = rng.integers(0, [5, 12, 30, 3], size=(rows, 4))
    effect = rng.normal(0, 0.7, 30)
    logit = x[:, 0] * x[:, 1] + np.abs(x[:, 2]) - 0.8 + 0.5 * x[:, 3] + np.sin(2 * x[:, 4]) + 0.3 * x[:, 5:10].sum(1) \
        + effect[cat[:, 2]] + 0.4 * (cat[:, 0] == 2) - 0.3 * np.maximum(x[:, 10], 0) * (cat[:, 3] == 1)
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    df = pd.DataFrame(x.round(5), columns=[f"x{i}" for i in range(24)])
    for j, name in enumerate(["region", "channel", "product", "tier"]):
        df[name] = [f"{name[0]}{v}" for v in cat[:, j]]
    df["outcome"] = np.where(y == 1, "yes", "no")
    df.to_csv(path, index=False)

def classes100(path, rows=20_000, seed=3):
    """100 classes over 20 numeric columns: each class a few Gaussian clusters, some classes 20x rarer."""
    if os.path.exists(path): return
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(100, 3, 20))
    weight = np.where(np.arange(100) % 10 == 0, 0.05, 1.0); weight /= weight.sum()
    y = rng.choice(100, size=rows, p=weight)
    x = centres[y, rng.integers(0, 3, rows)] + rng.normal(0, 0.45, size=(rows, 20))
    df = pd.DataFrame(x.round(4), columns=[f"v{i}" for i in range(20)])
    df["kind"] = [f"k{c:03d}" for c in y]
    df.to_csv(path, index=False)

if __name__ == "__main__":
    os.makedirs(DATA, exist_ok=True)
    mlbench()
    wide(os.path.join(DATA, "wide.csv"))
    tall(os.path.join(DATA, "tall.csv"))
    classes100(os.path.join(DATA, "classes100.csv"))
    for f in sorted(os.listdir(DATA)):
        df = pd.read_csv(os.path.join(DATA, f), nrows=3)
        print(f"{f:24s} {os.path.getsize(os.path.join(DATA, f)) / 1e6:8.1f} MB  {df.shape[1]} columns")
