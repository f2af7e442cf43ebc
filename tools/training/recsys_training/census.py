"""Benchmark: Shared-Bottom, MMoE and PLE on UCI Census-Income (KDD), the two-task setup of the MMoE and PLE papers.

python -m recsys_training.census --data census-income.test.gz --seeds 5 --out report.json

Protocol (printed with every table): the 99,762-row test file (the papers train on the 199,523-row training file,
which is not used here), split 60/20/20 into train/validation/test, stratified by the pair of labels, with a fixed
split seed. Tasks: income (income_50k is "50000+.") and marital (marital_stat is "Never married"). Inputs: the other
39 columns; instance_weight is not a feature. Categorical columns are one-hot over the categories seen in the
training split; the 7 numeric columns are standardised inside the model with the training split's means and stds.
Each model is trained once per seed with the same trainer (train.py: Adam, batch 512, early stopping on the
validation mean AUC) and comparable parameter budgets: the expert widths of MMoE and PLE are chosen so that their
parameter counts come closest to Shared-Bottom's.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from . import cli
from .data import MultiTaskData, Split
from .models import MMoEConfig, PLEConfig, SharedBottomConfig, Standardize, build_ranker, count_parameters
from .tasks import Task
from .train import TrainConfig, log, seed_everything, train_multitask

COLUMNS = (
    "age class_worker det_ind_code det_occ_code education wage_per_hour hs_college marital_stat major_ind_code "
    "major_occ_code race hisp_origin sex union_member unemp_reason full_or_part_emp capital_gains capital_losses "
    "stock_dividends tax_filer_stat region_prev_res state_prev_res det_hh_fam_stat det_hh_summ instance_weight "
    "mig_chg_msa mig_chg_reg mig_move_reg mig_same mig_prev_sunbelt num_emp fam_under_18 country_father "
    "country_mother country_self citizenship own_or_self vet_question vet_benefits weeks_worked year income_50k"
).split()
NUMERIC = ("age", "wage_per_hour", "capital_gains", "capital_losses", "stock_dividends", "num_emp", "weeks_worked")
NOT_INPUTS = ("instance_weight", "income_50k", "marital_stat")
TASKS = [Task("income", "binary"), Task("marital", "binary")]
SPLIT = (0.6, 0.2, 0.2)
SOURCE = "UCI Census-Income (KDD), https://archive.ics.uci.edu/dataset/117 (census-income.test.gz)"

# Per-task test AUCs (income, marital) as quoted in shared/datasets/README.md; all trained on the full training file.
PUBLISHED = [
    ("MMoE paper, Table 1 (mean of 400 runs)", "shared-bottom", 0.9295, 0.9921),
    ("MMoE paper, Table 1 (mean of 400 runs)", "OMoE", 0.9319, 0.9923),
    ("MMoE paper, Table 1 (mean of 400 runs)", "mmoe", 0.9359, 0.9927),
    ("PLE paper, Table 5", "single-task", 0.9445, 0.9923),
    ("PLE paper, Table 5", "mmoe", 0.9393, 0.9928),
    ("PLE paper, Table 5", "ple", 0.9522, 0.9945),
    ("PaddleRec", "shared-bottom", 0.9312, 0.9926),
    ("PaddleRec", "mmoe", 0.9447, 0.9932),
    ("torch-rechub", "shared-bottom", 0.9560, 0.9948),
    ("torch-rechub", "mmoe", 0.9579, 0.9950),
    ("torch-rechub (about)", "ple", 0.959, 0.995),
]


def read_census(path: str | Path) -> tuple[list[list[str]], np.ndarray]:
    """Rows of the 42 columns (whitespace stripped) and labels [n, 2] (income, marital) as float32."""
    with gzip.open(path, "rt", newline="") as handle:
        rows = [[v.strip() for v in row] for row in csv.reader(handle) if row]
    bad = next((i for i, r in enumerate(rows) if len(r) != len(COLUMNS)), None)
    if bad is not None:
        raise ValueError(f"{path}: row {bad} has {len(rows[bad])} columns, expected {len(COLUMNS)}")
    income, marital = COLUMNS.index("income_50k"), COLUMNS.index("marital_stat")
    labels = np.array([[r[income] == "50000+.", r[marital] == "Never married"] for r in rows], dtype=np.float32)
    return rows, labels


def stratified_split(labels: np.ndarray, seed: int, shares=SPLIT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices of train / validation / test: within each combination of the labels, a seeded shuffle cut by
    `shares`, so every split keeps the label mix. Each index array is sorted."""
    rng = np.random.default_rng(seed)
    strata = labels.astype(np.int64) @ (2 ** np.arange(labels.shape[1]))
    parts: list[list[np.ndarray]] = [[], [], []]
    for stratum in np.unique(strata):
        members = rng.permutation(np.flatnonzero(strata == stratum))
        a = int(round(shares[0] * len(members)))
        b = a + int(round(shares[1] * len(members)))
        for part, chunk in zip(parts, (members[:a], members[a:b], members[b:])):
            part.append(chunk)
    return tuple(np.sort(np.concatenate(p)) for p in parts)


def encode(rows: list[list[str]], train_index: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Inputs [n, F] float32: the numeric columns raw, then each categorical column one-hot over the categories seen
    in the training rows (others all zero). Also the feature names and the standardisation (mean, std): the
    training split's for numeric columns, (0, 1) for one-hot columns."""
    inputs = [c for c in COLUMNS if c not in NOT_INPUTS]
    numeric = [COLUMNS.index(c) for c in inputs if c in NUMERIC]
    categorical = [COLUMNS.index(c) for c in inputs if c not in NUMERIC]
    blocks = [np.array([[float(r[j]) for j in numeric] for r in rows], dtype=np.float32)]
    names = [COLUMNS[j] for j in numeric]
    for j in categorical:
        values = np.array([r[j] for r in rows])
        vocabulary = sorted(set(values[train_index]))
        blocks.append((values[:, None] == np.array(vocabulary)[None, :]).astype(np.float32))
        names += [f"{COLUMNS[j]}={v}" for v in vocabulary]
    x = np.concatenate(blocks, axis=1)
    mean = np.zeros(x.shape[1])
    std = np.ones(x.shape[1])
    train_numeric = x[train_index, : len(numeric)].astype(np.float64)
    mean[: len(numeric)] = train_numeric.mean(axis=0)
    std[: len(numeric)] = train_numeric.std(axis=0)
    return x, names, mean, std


def census_data(path: str | Path, split_seed: int) -> tuple[MultiTaskData, np.ndarray, np.ndarray]:
    """The census MultiTaskData plus the standardisation (mean, std) of its inputs (see `encode`)."""
    rows, labels = read_census(path)
    train, validation, test = stratified_split(labels, split_seed)
    x, names, mean, std = encode(rows, train)
    data = MultiTaskData(
        names, TASKS, Split(x[train], labels[train]), Split(x[validation], labels[validation]), Split(x[test], labels[test])
    )
    return data, mean, std


def matched_configs(n_features: int, sb: SharedBottomConfig, experts: int, levels: int, task_experts: int, shared_experts: int, tower: tuple[int, ...]):
    """Configs of the three models with comparable parameter counts: Shared-Bottom as given; MMoE with `experts`
    experts and PLE with the given experts per level, each with the one-layer expert width whose model's parameter
    count is closest to Shared-Bottom's."""
    x = np.zeros((2, n_features), dtype=np.float32)
    y = np.zeros((2, len(TASKS)), dtype=np.float32)

    def params(architecture: str, config) -> int:
        return count_parameters(build_ranker(architecture, TASKS, x, y, config))

    target = params("shared-bottom", sb)

    def closest(architecture: str, make) -> object:
        best, best_gap = None, None
        for width in range(1, 1025):
            config = make(width)
            count = params(architecture, config)
            gap = abs(count - target)
            if best_gap is None or gap < best_gap:
                best, best_gap = config, gap
            if count > target:
                break
        return best

    return {
        "shared-bottom": sb,
        "mmoe": closest("mmoe", lambda w: MMoEConfig(experts=experts, expert=(w,), tower=tower)),
        "ple": closest("ple", lambda w: PLEConfig(levels=levels, task_experts=task_experts, shared_experts=shared_experts, expert=(w,), tower=tower)),
    }


def summary(values: list[float]) -> dict[str, float]:
    """mean, std (n − 1; 0 for one value), min, max."""
    a = np.asarray(values, dtype=np.float64)
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0, "min": float(a.min()), "max": float(a.max())}


def table(report: dict) -> str:
    """The benchmark table followed by the published numbers."""
    protocol = report["protocol"]
    rows = protocol["rows"]
    lines = [
        f"census-income: {protocol['data']}",
        f"split: {protocol['split']}; {rows['train']} / {rows['validation']} / {rows['test']} rows; {protocol['features']} inputs",
        f"per-task test AUC over {len(protocol['seeds'])} seeds {protocol['seeds']}: mean ± std (n−1) [min, max]",
        "",
        f"{'model':<14} {'params':>7}  {'income AUC':<34} {'marital AUC':<34} {'best ep':>7} {'s/run':>6}",
    ]
    for name, m in report["models"].items():
        cells = []
        for task in ("income", "marital"):
            s = m["summary"][task]
            cells.append(f"{s['mean']:.4f} ± {s['std']:.4f} [{s['min']:.4f}, {s['max']:.4f}]")
        epochs = np.mean([r["bestEpoch"] for r in m["runs"]])
        seconds = np.mean([r["seconds"] for r in m["runs"]])
        lines.append(f"{name:<14} {m['parameters']:>7}  {cells[0]:<34} {cells[1]:<34} {epochs:>7.1f} {seconds:>6.1f}")
    lines += ["", "published (trained on the 199,523-row training file; income / marital):"]
    for source, model, income, marital in PUBLISHED:
        lines.append(f"  {source:<40} {model:<14} {income:.4f} / {marital:.4f}")
    lines.append(f"wall time {report['wallSeconds']:.0f} s ({protocol['threads']} torch thread(s))")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    default_data = os.environ.get("RECSYS_DATASETS_DIR")
    p = argparse.ArgumentParser(
        prog="python -m recsys_training.census",
        description=(
            "Trains Shared-Bottom, MMoE and PLE on Census-Income (KDD) (tasks: income > 50k, never married) for several "
            "seeds and prints per-task test AUC mean ± std beside the published numbers; writes the full report as JSON. "
            "Get census-income.test.gz from " + SOURCE.split(", ")[1] + "."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--data",
        default=str(Path(default_data, "census-income", "census-income.test.gz")) if default_data else None,
        required=default_data is None,
        help="census-income.test.gz (default: $RECSYS_DATASETS_DIR/census-income/census-income.test.gz)",
    )
    p.add_argument("--out", help="write the report here as JSON")
    p.add_argument("--seeds", type=cli.positive_int, default=5, help="training runs per model (seeds seed, seed+1, …)")
    p.add_argument("--seed", type=int, default=1, help="first training seed")
    p.add_argument("--split-seed", type=int, default=2018, help="seed of the stratified 60/20/20 split")
    p.add_argument("--models", default="sb,mmoe,ple", help="comma-separated subset of sb, mmoe, ple")
    p.add_argument("--epochs", type=cli.positive_int, default=30, help="at most this many epochs per run")
    p.add_argument("--patience", type=cli.positive_int, default=4)
    p.add_argument("--batch-size", type=cli.positive_int, default=512)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--bottom", type=cli.sizes, default=(128,), help="Shared-Bottom hidden sizes (sets the parameter budget)")
    p.add_argument("--tower", type=cli.sizes, default=(32,), help="task tower hidden sizes (all models)")
    p.add_argument("--experts", type=cli.positive_int, default=8, help="MMoE experts")
    p.add_argument("--levels", type=cli.positive_int, default=2, help="PLE levels")
    p.add_argument("--task-experts", type=cli.positive_int, default=2, help="PLE experts per task per level")
    p.add_argument("--shared-experts", type=cli.positive_int, default=2, help="PLE shared experts per level")
    p.add_argument("--threads", type=cli.positive_int, default=1, help="torch intra-op threads")
    return p


ALIASES = {"sb": "shared-bottom", "mmoe": "mmoe", "ple": "ple"}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    if not names or any(m not in ALIASES for m in names):
        print(f"census: --models must name some of sb, mmoe, ple, got {args.models!r}", file=sys.stderr)
        return 2
    models = [ALIASES[m] for m in names]
    if not Path(args.data).is_file():
        print(f"census: {args.data} not found; get census-income.test.gz from {SOURCE.split(', ')[1]}", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    data, mean, std = census_data(args.data, args.split_seed)
    configs = matched_configs(
        len(data.features), SharedBottomConfig(bottom=args.bottom, tower=args.tower), args.experts, args.levels,
        args.task_experts, args.shared_experts, args.tower,
    )
    seeds = list(range(args.seed, args.seed + args.seeds))
    train_config = TrainConfig(epochs=args.epochs, patience=args.patience, batch_size=args.batch_size, lr=args.lr)
    log(f"census: {len(data.train)} / {len(data.validation)} / {len(data.test)} rows, {len(data.features)} inputs; "
        f"positive rates (train) income {data.train.y[:, 0].mean():.4f}, marital {data.train.y[:, 1].mean():.4f}")
    report = {
        "protocol": {
            "data": f"{SOURCE}: {len(data.train) + len(data.validation) + len(data.test)} rows (the papers use the 199,523-row training file)",
            "split": f"stratified by (income, marital) 60/20/20 train/validation/test, split seed {args.split_seed}",
            "rows": {"train": len(data.train), "validation": len(data.validation), "test": len(data.test)},
            "features": len(data.features),
            "inputs": "7 numeric columns standardised with training means/stds; 32 categorical columns one-hot over training categories; instance_weight, income_50k and marital_stat are not inputs",
            "tasks": {"income": 'income_50k is "50000+."', "marital": 'marital_stat is "Never married"'},
            "trainer": {**asdict(train_config), "selection": "validation mean AUC; the best epoch's weights are tested"},
            "seeds": seeds,
            "threads": args.threads,
        },
        "models": {},
        "published": [{"source": s, "model": m, "income": i, "marital": r} for s, m, i, r in PUBLISHED],
        "command": shlex.join(["python", "-m", "recsys_training.census", *(sys.argv[1:] if argv is None else argv)]),
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__, "machine": platform.machine(), "cpus": os.cpu_count()},
    }
    for architecture in models:
        config = configs[architecture]
        runs = []
        for seed in seeds:
            seed_everything(seed, args.threads)
            model = build_ranker(architecture, TASKS, data.train.x, data.train.y, config, normalizer=Standardize(mean, std))
            log(f"{architecture} seed {seed}: {count_parameters(model)} parameters")
            result = train_multitask(model, data, replace(train_config, seed=seed))
            runs.append({
                "seed": seed,
                "test": {t: m["auc"] for t, m in result.test.items()},
                "validation": {t: m["auc"] for t, m in result.validation.items()},
                "bestEpoch": result.best_epoch,
                "epochsRun": result.epochs_run,
                "seconds": result.seconds,
            })
            log(f"{architecture} seed {seed}: test income {runs[-1]['test']['income']:.4f} marital {runs[-1]['test']['marital']:.4f} "
                f"(best epoch {result.best_epoch}, {result.seconds:.1f} s)")
        report["models"][architecture] = {
            "parameters": count_parameters(model),
            "config": asdict(config),
            "runs": runs,
            "summary": {t.name: summary([r["test"][t.name] for r in runs]) for t in TASKS},
        }
    report["wallSeconds"] = time.perf_counter() - started
    print(table(report))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"report written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
