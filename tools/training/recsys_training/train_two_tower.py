"""Command: trains the two-tower retrieval model on a two-tower training set and publishes its towers.

python -m recsys_training.train_two_tower --data DIR --out STORE [options]; --help lists them.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from . import cli
from .data import TrainingSetError, read_two_tower_set
from .export import default_version, export_two_tower
from .models import TwoTower, TwoTowerConfig, count_parameters
from .store import PublishError
from .train import log, seed_everything
from .two_tower import TwoTowerTrainConfig, train_two_tower

MODULE = "recsys_training.train_two_tower"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"python -m {MODULE}",
        description=(
            "Trains a two-tower model (in-batch softmax with logQ correction) on a two-tower training set "
            "(docs/model-card.md), early-stopping on the validation block AUC, and publishes user_tower.onnx, "
            "item_tower.onnx, item_embeddings.f32, item_ids.json and card.json as <out>/<name>/<version>/. Prints "
            "the test retrieval metrics and the version; progress goes to stderr."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", required=True, help="two-tower training-set directory")
    p.add_argument("--out", required=True, help="model-store directory")
    p.add_argument("--name", default="recall/two-tower", help="model name in the store")
    p.add_argument("--version", help="version name (default: v1-<time of the data's last row>-seed<seed>-<hash of data and options>)")
    p.add_argument("--seed", type=int, default=7, help="seeds initialisation and batch order")
    p.add_argument("--epochs", type=cli.positive_int, default=20, help="at most this many epochs")
    p.add_argument("--patience", type=cli.positive_int, default=3, help="stop after this many epochs without a better validation AUC")
    p.add_argument("--batch-size", type=cli.positive_int, default=256, help="pairs per in-batch softmax")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--weight-decay", type=float, default=0.0, help="Adam weight decay")
    p.add_argument("--hidden", type=cli.sizes, default=(64,), help="hidden sizes of each tower")
    p.add_argument("--dim", type=cli.positive_int, default=32, help="embedding size")
    p.add_argument("--temperature", type=float, default=0.05, help="softmax temperature")
    p.add_argument("--block", type=cli.positive_int, default=1024, help="evaluation: pairs per block of candidates")
    p.add_argument("--k", type=cli.positive_int, default=10, help="evaluation: recall@k")
    p.add_argument("--threads", type=cli.positive_int, default=1, help="torch intra-op threads")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        data = read_two_tower_set(args.data)
    except TrainingSetError as error:
        print(f"train_two_tower: {error}", file=sys.stderr)
        return 2
    config = TwoTowerConfig(hidden=args.hidden, dim=args.dim, temperature=args.temperature)
    train_config = TwoTowerTrainConfig(
        epochs=args.epochs, patience=args.patience, batch_size=args.batch_size, lr=args.lr,
        weight_decay=args.weight_decay, seed=args.seed, block=args.block, k=args.k,
    )
    options = {"architecture": "two-tower", "model": asdict(config), "train": asdict(train_config), "threads": args.threads}
    version = args.version or default_version(data.info, args.seed, options)
    command = cli.command(MODULE, [
        ("--data", args.data), ("--out", args.out), ("--name", args.name), ("--version", args.version),
        ("--seed", args.seed), ("--epochs", args.epochs), ("--patience", args.patience), ("--batch-size", args.batch_size),
        ("--lr", args.lr), ("--weight-decay", args.weight_decay), ("--hidden", args.hidden), ("--dim", args.dim),
        ("--temperature", args.temperature), ("--block", args.block), ("--k", args.k), ("--threads", args.threads),
    ])

    seed_everything(args.seed, args.threads)
    try:
        model = TwoTower.build(data.train.user, data.train.item, config)
        log(f"two-tower: {count_parameters(model)} parameters; {len(data.train)} training, {len(data.validation)} "
            f"validation, {len(data.test)} test pairs; {len(data.item_ids)} catalogue items")
        result = train_two_tower(model, data, train_config)
    except ValueError as error:
        print(f"train_two_tower: {error}", file=sys.stderr)
        return 2
    training = {
        "data": data.info.directory,
        "dataSha256": data.info.digest,
        "source": data.info.meta.get("source"),
        "split": data.info.split,
        "rows": data.info.rows,
        "seed": args.seed,
        "epochs": result.epochs_run,
        "bestEpoch": result.best_epoch,
        "hyperparameters": options,
        "evaluation": f"blocks of {args.block} consecutive pairs; each user's item against the block's other distinct items",
        "command": command,
    }
    try:
        published = export_two_tower(
            args.out, args.name, version, model=model, data=data, training=training, metrics={"retrieval": result.test}
        )
    except PublishError as error:
        print(f"train_two_tower: {error}", file=sys.stderr)
        return 1
    print(f"{'metric':<14} test")
    for key, value in result.test.items():
        print(f"{key:<14} {value:.4f}")
    print(f"best epoch {result.best_epoch} of {result.epochs_run}; {result.seconds:.1f} s training")
    state = "published" if published.written else "already published (identical files; nothing written)"
    print(f"{args.name} {version} {state}: {published.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
