"""Reads training-set directories (docs/model-card.md) into time-ordered train/validation/test splits.

A multi-task set holds meta.json, features.f32 (N × F), labels.f32 (N × T) and time.f64 (N); a two-tower set
(`meta.kind == "two-tower"`) holds its positive pairs as user.f32 (N × Fu), item.f32 (N × Fi) and item_logq.f32
(N) beside time.f64, and the catalogue as items.f32 (M × Fi) and items.json (M ids). Rows are sorted by time; the
first `split.train` rows train, the next `split.validation` validate, the last `split.test` test. Every size is
checked against meta.json and every problem raises TrainingSetError naming the file and what was expected.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .tasks import BINARY, KINDS, Task

FORMAT = "recsys-training-set/1"
TWO_TOWER = "two-tower"


class TrainingSetError(ValueError):
    """A training-set directory that does not match docs/model-card.md; the message says what and where."""


@dataclass(frozen=True)
class Split:
    """One split of a multi-task set. x: [n, F] float32 raw features; y: [n, T] float32 labels."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class MultiTaskData:
    """What the multi-task trainer needs: named feature columns, tasks, and the three splits."""

    features: list[str]
    tasks: list[Task]
    train: Split
    validation: Split
    test: Split


def select_features(data: MultiTaskData, names: list[str]) -> MultiTaskData:
    """The same set restricted to the input columns `names`, in that order; a name the set lacks is an error."""
    missing = [n for n in names if n not in data.features]
    if missing:
        raise TrainingSetError(f"--features names columns the set does not have: {', '.join(missing)} (it has {', '.join(data.features)})")
    idx = [data.features.index(n) for n in names]
    pick = lambda split: Split(x=np.ascontiguousarray(split.x[:, idx]), y=split.y)  # noqa: E731
    return MultiTaskData(features=list(names), tasks=data.tasks, train=pick(data.train), validation=pick(data.validation), test=pick(data.test))


@dataclass(frozen=True)
class SetInfo:
    """Where a set came from, for the model card and the version name.

    digest: sha256 (hex) over meta.json and every data file read; end_ms: the last row's time (ms since the epoch);
    split: a sentence describing the split; rows: rows per split.
    """

    directory: str
    meta: dict
    digest: str
    end_ms: float
    split: str
    rows: dict[str, int]


@dataclass(frozen=True)
class TrainingSet:
    """A multi-task training set read from a directory."""

    data: MultiTaskData
    info: SetInfo


@dataclass(frozen=True)
class PairSplit:
    """Positive (user, item) pairs. user: [n, Fu]; item: [n, Fi]; logq: [n] ln of the item's sampling probability;
    item_key: [n] int64, equal for pairs whose item feature rows are identical (the same item in a batch is not a
    negative of itself)."""

    user: np.ndarray
    item: np.ndarray
    logq: np.ndarray
    item_key: np.ndarray

    def __len__(self) -> int:
        return int(self.user.shape[0])


@dataclass(frozen=True)
class TwoTowerSet:
    """A two-tower training set: pair splits plus the catalogue. items: [M, Fi]; item_ids: M ids."""

    user_features: list[str]
    item_features: list[str]
    train: PairSplit
    validation: PairSplit
    test: PairSplit
    items: np.ndarray
    item_ids: list[str]
    info: SetInfo


def read_training_set(directory: str | Path) -> TrainingSet:
    """Reads a multi-task training set (meta.json, features.f32, labels.f32, time.f64)."""
    reader = _Reader(directory)
    meta = reader.meta
    if meta.get("kind", "multi-task") == TWO_TOWER:
        raise TrainingSetError(f"{reader.dir}: is a two-tower set (meta.kind); use train_two_tower")
    rows = reader.rows
    features = reader.names("features")
    tasks = _tasks(meta, reader.dir)
    x = reader.matrix("features.f32", "<f4", rows, len(features), "features")
    y = reader.matrix("labels.f32", "<f4", rows, len(tasks), "tasks")
    _check_finite(x, "features.f32", features, reader.dir)
    _check_finite(y, "labels.f32", [t.name for t in tasks], reader.dir)
    for j, task in enumerate(tasks):
        if task.kind == BINARY:
            bad = np.flatnonzero((y[:, j] != 0) & (y[:, j] != 1))
            if bad.size:
                raise TrainingSetError(
                    f"{reader.dir / 'labels.f32'}: binary task {task.name!r} has {bad.size} labels other than 0/1 "
                    f"(first at row {bad[0]}: {y[bad[0], j]})"
                )
    time = reader.time()
    cut = reader.cuts(time)
    data = MultiTaskData(
        features=features,
        tasks=tasks,
        train=Split(x[cut[0] : cut[1]], y[cut[0] : cut[1]]),
        validation=Split(x[cut[1] : cut[2]], y[cut[1] : cut[2]]),
        test=Split(x[cut[2] : cut[3]], y[cut[2] : cut[3]]),
    )
    return TrainingSet(data=data, info=reader.info(time))


def read_two_tower_set(directory: str | Path) -> TwoTowerSet:
    """Reads a two-tower training set (meta.json with kind "two-tower", user.f32, item.f32, item_logq.f32, time.f64,
    items.f32, items.json)."""
    reader = _Reader(directory)
    meta = reader.meta
    if meta.get("kind") != TWO_TOWER:
        raise TrainingSetError(f"{reader.dir / 'meta.json'}: kind must be {TWO_TOWER!r}, got {meta.get('kind')!r}")
    rows = reader.rows
    user_features = reader.names("userFeatures")
    item_features = reader.names("itemFeatures")
    user = reader.matrix("user.f32", "<f4", rows, len(user_features), "userFeatures")
    item = reader.matrix("item.f32", "<f4", rows, len(item_features), "itemFeatures")
    logq = reader.matrix("item_logq.f32", "<f4", rows, 1, None)[:, 0]
    _check_finite(user, "user.f32", user_features, reader.dir)
    _check_finite(item, "item.f32", item_features, reader.dir)
    _check_finite(logq[:, None], "item_logq.f32", ["ln q"], reader.dir)
    if np.any(logq > 1e-6):
        raise TrainingSetError(f"{reader.dir / 'item_logq.f32'}: holds ln of probabilities, so values must be ≤ 0")
    item_ids = reader.json_file("items.json")
    if not isinstance(item_ids, list) or not all(isinstance(i, str) for i in item_ids):
        raise TrainingSetError(f"{reader.dir / 'items.json'}: must be a JSON array of item id strings")
    if len(set(item_ids)) != len(item_ids):
        raise TrainingSetError(f"{reader.dir / 'items.json'}: item ids must be unique")
    items = reader.matrix("items.f32", "<f4", len(item_ids), len(item_features), "itemFeatures", rows_from="items.json")
    _check_finite(items, "items.f32", item_features, reader.dir)
    # Identical item rows are the same item: a key per distinct row lets the in-batch loss skip such "negatives".
    _, item_key = np.unique(item, axis=0, return_inverse=True)
    item_key = item_key.reshape(-1).astype(np.int64)
    time = reader.time()
    cut = reader.cuts(time)

    def pairs(a: int, b: int) -> PairSplit:
        return PairSplit(user[a:b], item[a:b], logq[a:b], item_key[a:b])

    return TwoTowerSet(
        user_features=user_features,
        item_features=item_features,
        train=pairs(cut[0], cut[1]),
        validation=pairs(cut[1], cut[2]),
        test=pairs(cut[2], cut[3]),
        items=items,
        item_ids=item_ids,
        info=reader.info(time),
    )


def _tasks(meta: dict, directory: Path) -> list[Task]:
    raw = meta.get("tasks")
    if not isinstance(raw, list) or not raw:
        raise TrainingSetError(f"{directory / 'meta.json'}: tasks must be a non-empty list")
    tasks = []
    for i, t in enumerate(raw):
        if not isinstance(t, dict) or t.get("kind") not in KINDS or not isinstance(t.get("name"), str):
            raise TrainingSetError(
                f"{directory / 'meta.json'}: tasks[{i}] must be {{name, kind: {' | '.join(KINDS)}}}, got {t!r}"
            )
        try:
            tasks.append(Task(t["name"], t["kind"], t.get("unit")))
        except ValueError as error:
            raise TrainingSetError(f"{directory / 'meta.json'}: tasks[{i}]: {error}") from None
    if len({t.name for t in tasks}) != len(tasks):
        raise TrainingSetError(f"{directory / 'meta.json'}: task names must be unique")
    return tasks


def _check_finite(a: np.ndarray, file: str, columns: list[str], directory: Path) -> None:
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        row, col = bad[0]
        raise TrainingSetError(
            f"{directory / file}: {len(bad)} values are NaN or infinite (first at row {row}, column {columns[col]!r})"
        )


class _Reader:
    """Reads and checks one directory's files, hashing every byte it reads (the digest of SetInfo)."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        if not self.dir.is_dir():
            raise TrainingSetError(f"{self.dir}: not a directory")
        self.hash = hashlib.sha256()
        self.meta = self.json_file("meta.json")
        if not isinstance(self.meta, dict):
            raise TrainingSetError(f"{self.dir / 'meta.json'}: must be a JSON object")
        if self.meta.get("format") != FORMAT:
            raise TrainingSetError(f"{self.dir / 'meta.json'}: format must be {FORMAT!r}, got {self.meta.get('format')!r}")
        rows = self.meta.get("rows")
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise TrainingSetError(f"{self.dir / 'meta.json'}: rows must be a non-negative integer, got {rows!r}")
        self.rows = rows
        split = self.meta.get("split")
        counts = [split.get(k) if isinstance(split, dict) else None for k in ("train", "validation", "test")]
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
            raise TrainingSetError(f"{self.dir / 'meta.json'}: split must hold integer train, validation and test counts")
        if sum(counts) != rows:
            raise TrainingSetError(
                f"{self.dir / 'meta.json'}: split train + validation + test = {sum(counts)} but rows = {rows}"
            )
        if split.get("by") != "time":
            raise TrainingSetError(f"{self.dir / 'meta.json'}: split.by must be 'time', got {split.get('by')!r}")
        for name, count in zip(("train", "validation", "test"), counts):
            if count == 0:
                raise TrainingSetError(f"{self.dir / 'meta.json'}: the {name} split is empty; training needs all three")
        self.counts = counts

    def json_file(self, name: str):
        path = self.dir / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise TrainingSetError(f"{path}: missing") from None
        self.hash.update(name.encode() + b"\0" + raw)
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise TrainingSetError(f"{path}: not valid JSON ({error})") from None

    def names(self, key: str) -> list[str]:
        names = self.meta.get(key)
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise TrainingSetError(f"{self.dir / 'meta.json'}: {key} must be a non-empty list of names")
        if len(set(names)) != len(names):
            raise TrainingSetError(f"{self.dir / 'meta.json'}: {key} must not repeat a name")
        return names

    def matrix(self, name: str, dtype: str, rows: int, cols: int, what: str | None, rows_from: str = "meta.json rows") -> np.ndarray:
        path = self.dir / name
        if not path.is_file():
            raise TrainingSetError(f"{path}: missing")
        itemsize = np.dtype(dtype).itemsize
        expected = rows * cols * itemsize
        actual = path.stat().st_size
        if actual != expected:
            shape = f"{rows} rows ({rows_from})" + (f" × {cols} {what}" if what else "")
            raise TrainingSetError(
                f"{path}: {actual} bytes, but {shape} × {itemsize} bytes = {expected} bytes were expected"
            )
        a = np.fromfile(path, dtype=dtype)
        self.hash.update(name.encode() + b"\0")
        self.hash.update(a.data)
        return a.astype(dtype[1:], copy=False).reshape(rows, cols)

    def time(self) -> np.ndarray:
        t = self.matrix("time.f64", "<f8", self.rows, 1, None)[:, 0]
        if not np.all(np.isfinite(t)):
            raise TrainingSetError(f"{self.dir / 'time.f64'}: times must be finite")
        back = np.flatnonzero(t[1:] < t[:-1])
        if back.size:
            raise TrainingSetError(f"{self.dir / 'time.f64'}: rows must be sorted by time; row {back[0] + 1} is earlier than row {back[0]}")
        return t

    def cuts(self, time: np.ndarray) -> list[int]:
        n_train, n_validation, _ = self.counts
        cut = [0, n_train, n_train + n_validation, self.rows]
        cuts_ms = self.meta["split"].get("cutsMs")
        if cuts_ms is not None:
            if not (isinstance(cuts_ms, list) and len(cuts_ms) == 2 and all(isinstance(c, (int, float)) for c in cuts_ms)):
                raise TrainingSetError(f"{self.dir / 'meta.json'}: split.cutsMs must be two numbers, got {cuts_ms!r}")
            # The counts are authoritative; the cuts must fall between the last row before and the first row after
            # (either side may hold a row at exactly the cut, whichever convention the writer used).
            for c, at in zip(cuts_ms, cut[1:3]):
                if not time[at - 1] <= c <= time[at]:
                    raise TrainingSetError(
                        f"{self.dir / 'meta.json'}: split.cutsMs {c} does not fall between rows {at - 1} and {at} "
                        f"(times {time[at - 1]} and {time[at]}); the split counts and the cuts disagree"
                    )
        return cut

    def info(self, time: np.ndarray) -> SetInfo:
        n_train, n_validation, n_test = self.counts
        cuts_ms = self.meta["split"].get("cutsMs")
        split = (
            f"time: first {n_train} rows train, next {n_validation} validate, last {n_test} test"
            + (f" (cutsMs {cuts_ms[0]}, {cuts_ms[1]})" if cuts_ms else "")
        )
        return SetInfo(
            directory=str(self.dir),
            meta=self.meta,
            digest=self.hash.hexdigest(),
            end_ms=float(time[-1]),
            split=split,
            rows={"train": n_train, "validation": n_validation, "test": n_test},
        )
