"""Small synthetic training sets with a planted signal, written in the directory format of docs/model-card.md."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from recsys_training.data import MultiTaskData, Split
from recsys_training.tasks import Task

FEATURES = ["item_ctr", "affinity", "age_hours", "quality", "noise_a", "noise_b"]
TASKS = [Task("click", "binary"), Task("save", "binary"), Task("dwell", "regression", "s")]
START_MS = 1_700_000_000_000.0


def ranker_rows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x: [n, 6] raw features on very different scales; y: [n, 3] (click, save from logistic models of the features;
    dwell = 40 + 15·affinity + noise seconds)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, len(FEATURES)))
    x = np.column_stack([0.05 + 0.01 * z[:, 0], z[:, 1], 500 + 300 * z[:, 2], 3 + z[:, 3], z[:, 4], 1000 * z[:, 5]])
    click = rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 2.0 * z[:, 0] + 1.5 * z[:, 1] - 1.0 * z[:, 2])))
    save = rng.random(n) < 1 / (1 + np.exp(-(-2.0 + 1.5 * z[:, 1] + 2.0 * z[:, 3])))
    dwell = 40 + 15 * z[:, 1] + 5 * rng.normal(size=n)
    return x.astype(np.float32), np.column_stack([click, save, dwell]).astype(np.float32)


def ranker_data(n: int = 3000, seed: int = 0) -> MultiTaskData:
    """In-memory 60/20/20 splits of `ranker_rows`."""
    x, y = ranker_rows(n, seed)
    a, b = int(0.6 * n), int(0.8 * n)
    return MultiTaskData(FEATURES, TASKS, Split(x[:a], y[:a]), Split(x[a:b], y[a:b]), Split(x[b:], y[b:]))


def _times(n: int, seed: int) -> np.ndarray:
    return START_MS + np.sort(np.random.default_rng(seed + 1).uniform(0, 86_400_000, size=n))


def _meta(n: int, times: np.ndarray, **extra) -> dict:
    a, b = int(0.6 * n), int(0.8 * n)
    cuts = [float((times[a - 1] + times[a]) / 2), float((times[b - 1] + times[b]) / 2)]
    return {
        "format": "recsys-training-set/1",
        "rows": n,
        **extra,
        "split": {"train": a, "validation": b - a, "test": n - b, "by": "time", "cutsMs": cuts},
        "source": {"generator": "tests/synthetic.py", "seed": 0},
    }


def write_ranker_set(directory: Path, n: int = 3000, seed: int = 0) -> Path:
    """Writes meta.json, features.f32, labels.f32 and time.f64 of `ranker_rows(n, seed)`."""
    directory.mkdir(parents=True, exist_ok=True)
    x, y = ranker_rows(n, seed)
    times = _times(n, seed)
    meta = _meta(n, times, features=FEATURES, tasks=[{"name": t.name, "kind": t.kind, **({"unit": t.unit} if t.unit else {})} for t in TASKS])
    (directory / "meta.json").write_text(json.dumps(meta, indent=2))
    x.astype("<f4").tofile(directory / "features.f32")
    y.astype("<f4").tofile(directory / "labels.f32")
    times.astype("<f8").tofile(directory / "time.f64")
    return directory


USER_FEATURES = ["u0", "u1", "u2", "u3", "u_age_days"]
ITEM_FEATURES = ["i0", "i1", "i2", "i3", "i_log_impressions"]


def write_two_tower_set(directory: Path, pairs: int = 3000, users: int = 150, items: int = 80, seed: int = 0) -> Path:
    """Users and items with 4-d latent tastes shown (noisily) in their features; each pair's item is drawn with
    probability ∝ popularity · exp(3 · taste match). item_logq is the log of each item's share of the pairs."""
    rng = np.random.default_rng(seed)
    user_latent = rng.normal(size=(users, 4))
    item_latent = rng.normal(size=(items, 4))
    user_x = np.column_stack([user_latent + 0.3 * rng.normal(size=(users, 4)), rng.uniform(0, 900, users)])
    item_x = np.column_stack([item_latent + 0.3 * rng.normal(size=(items, 4)), rng.uniform(0, 12, items)])
    popularity = np.log(rng.pareto(1.5, items) + 1.0)
    who = rng.integers(0, users, pairs)
    logits = 1.5 * user_latent[who] @ item_latent.T + popularity[None, :]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    what = (p.cumsum(axis=1) > rng.random((pairs, 1))).argmax(axis=1)
    share = np.bincount(what, minlength=items) / pairs
    times = _times(pairs, seed)
    meta = _meta(pairs, times, kind="two-tower", userFeatures=USER_FEATURES, itemFeatures=ITEM_FEATURES)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "meta.json").write_text(json.dumps(meta, indent=2))
    user_x[who].astype("<f4").tofile(directory / "user.f32")
    item_x[what].astype("<f4").tofile(directory / "item.f32")
    np.log(share[what]).astype("<f4").tofile(directory / "item_logq.f32")
    times.astype("<f8").tofile(directory / "time.f64")
    item_x.astype("<f4").tofile(directory / "items.f32")
    (directory / "items.json").write_text(json.dumps([f"item-{i}" for i in range(items)]))
    return directory
