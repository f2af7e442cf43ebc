"""Command: trains a multi-task ranker (Shared-Bottom, MMoE or PLE) on a training-set directory and publishes it.

python -m recsys_training.train_ranker --data DIR --model sb|mmoe|ple --out STORE [options]; --help lists them.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from . import cli
from .data import TrainingSetError, read_training_set
from .export import default_version, export_ranker
from .data import select_features
from .models import LogisticConfig, MMoEConfig, PLEConfig, SharedBottomConfig, build_ranker, count_parameters
from .store import PublishError
from .train import REGRESSION_LOSSES, TrainConfig, log, metrics_table, seed_everything, train_multitask

MODULE = "recsys_training.train_ranker"
ARCHITECTURES = {"logistic": "logistic", "sb": "shared-bottom", "mmoe": "mmoe", "ple": "ple"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"python -m {MODULE}",
        description=(
            "Trains a multi-task ranker on a training-set directory (docs/model-card.md), early-stopping on the "
            "validation mean AUC, and publishes model.onnx + card.json as <out>/<name>/<version>/. Prints the per-task "
            "test metrics and the version; progress goes to stderr."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", required=True, help="training-set directory (meta.json, features.f32, labels.f32, time.f64)")
    p.add_argument("--model", required=True, choices=sorted(ARCHITECTURES), help="logistic = one logistic regression per task (the baseline), sb = Shared-Bottom, mmoe = MMoE, ple = PLE")
    p.add_argument("--out", required=True, help="model-store directory")
    p.add_argument("--features", type=cli.names, help="train on these input columns only, comma-separated (default: every column of the set)")
    p.add_argument("--name", help="model name in the store (default: ranking/<shared-bottom|mmoe|ple>)")
    p.add_argument("--version", help="version name (default: v1-<time of the data's last row>-seed<seed>-<hash of data and options>)")
    p.add_argument("--seed", type=int, default=7, help="seeds initialisation and batch order")
    p.add_argument("--epochs", type=cli.positive_int, default=30, help="at most this many epochs")
    p.add_argument("--patience", type=cli.positive_int, default=4, help="stop after this many epochs without a better validation mean AUC")
    p.add_argument("--batch-size", type=cli.positive_int, default=512)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--weight-decay", type=float, default=0.0, help="Adam weight decay")
    p.add_argument("--loss-weights", type=cli.loss_weights, default={}, help="per-task loss weights, e.g. click=1,save=2 (unnamed tasks weigh 1)")
    p.add_argument("--regression-loss", choices=REGRESSION_LOSSES, default="mse", help="loss of regression tasks (on labels scaled to unit std)")
    p.add_argument("--huber-delta", type=float, default=1.0, help="Huber threshold, in label stds")
    p.add_argument("--tower", type=cli.sizes, default=(32,), help="hidden sizes of each task tower")
    p.add_argument("--bottom", type=cli.sizes, default=(128,), help="sb: hidden sizes of the shared bottom")
    p.add_argument("--experts", type=cli.positive_int, default=8, help="mmoe: number of experts")
    p.add_argument("--expert", type=cli.sizes, default=(16,), help="mmoe, ple: hidden sizes of each expert")
    p.add_argument("--levels", type=cli.positive_int, default=2, help="ple: CGC levels (≥ 2)")
    p.add_argument("--task-experts", type=cli.positive_int, default=2, help="ple: experts per task per level")
    p.add_argument("--shared-experts", type=cli.positive_int, default=2, help="ple: shared experts per level")
    p.add_argument("--threads", type=cli.positive_int, default=1, help="torch intra-op threads")
    return p


def model_config(args: argparse.Namespace):
    """The architecture's config from the options, and those options (flag, value) for the recorded command."""
    architecture = ARCHITECTURES[args.model]
    if architecture == "logistic":
        return LogisticConfig(), []
    if architecture == "shared-bottom":
        options = [("--bottom", args.bottom), ("--tower", args.tower)]
        return SharedBottomConfig(bottom=args.bottom, tower=args.tower), options
    if architecture == "mmoe":
        options = [("--experts", args.experts), ("--expert", args.expert), ("--tower", args.tower)]
        return MMoEConfig(experts=args.experts, expert=args.expert, tower=args.tower), options
    options = [
        ("--levels", args.levels), ("--task-experts", args.task_experts), ("--shared-experts", args.shared_experts),
        ("--expert", args.expert), ("--tower", args.tower),
    ]
    config = PLEConfig(
        levels=args.levels, task_experts=args.task_experts, shared_experts=args.shared_experts, expert=args.expert, tower=args.tower
    )
    return config, options


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    architecture = ARCHITECTURES[args.model]
    name = args.name or f"ranking/{architecture}"
    try:
        dataset = read_training_set(args.data)
    except TrainingSetError as error:
        print(f"train_ranker: {error}", file=sys.stderr)
        return 2
    data, info = dataset.data, dataset.info
    if args.features:
        try:
            data = select_features(data, args.features)
        except TrainingSetError as error:
            print(f"train_ranker: {error}", file=sys.stderr)
            return 2
    config, model_options = model_config(args)
    train_config = TrainConfig(
        epochs=args.epochs, patience=args.patience, batch_size=args.batch_size, lr=args.lr,
        weight_decay=args.weight_decay, loss_weights=args.loss_weights, regression_loss=args.regression_loss,
        huber_delta=args.huber_delta, seed=args.seed,
    )
    options = {"architecture": architecture, "features": data.features, "model": asdict(config), "train": asdict(train_config), "threads": args.threads}
    version = args.version or default_version(info, args.seed, options)
    command = cli.command(MODULE, [
        ("--data", args.data), ("--model", args.model), ("--out", args.out), ("--features", ",".join(args.features) if args.features else None), ("--name", name), ("--version", args.version),
        ("--seed", args.seed), ("--epochs", args.epochs), ("--patience", args.patience), ("--batch-size", args.batch_size),
        ("--lr", args.lr), ("--weight-decay", args.weight_decay), ("--loss-weights", args.loss_weights or None),
        ("--regression-loss", args.regression_loss), ("--huber-delta", args.huber_delta), *model_options,
        ("--threads", args.threads),
    ])

    seed_everything(args.seed, args.threads)
    try:
        model = build_ranker(architecture, data.tasks, data.train.x, data.train.y, config)
        log(f"{architecture}: {count_parameters(model)} parameters; {len(data.train)} training, "
            f"{len(data.validation)} validation, {len(data.test)} test rows; {len(data.features)} features, "
            f"tasks {', '.join(t.name for t in data.tasks)}")
        result = train_multitask(model, data, train_config)
    except ValueError as error:
        print(f"train_ranker: {error}", file=sys.stderr)
        return 2
    training = {
        "data": info.directory,
        "dataSha256": info.digest,
        "source": info.meta.get("source"),
        "split": info.split,
        "rows": info.rows,
        "seed": args.seed,
        "epochs": result.epochs_run,
        "bestEpoch": result.best_epoch,
        "hyperparameters": options,
        "command": command,
    }
    try:
        published = export_ranker(
            args.out, name, version, model=model, data=data, config=train_config, training=training, metrics=result.test
        )
    except PublishError as error:
        print(f"train_ranker: {error}", file=sys.stderr)
        return 1
    print(metrics_table(result.test))
    print(f"best epoch {result.best_epoch} of {result.epochs_run}; {result.seconds:.1f} s training")
    state = "published" if published.written else "already published (identical files; nothing written)"
    print(f"{name} {version} {state}: {published.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
