"""Trains the two-tower model on positive pairs and measures retrieval within blocks of held-out pairs.

Training: Adam on the in-batch softmax with logQ correction (models.TwoTower.in_batch_loss), early stopping on the
validation block AUC. Evaluation protocol (`retrieval_metrics`): the split's pairs in order are cut into blocks of
`block` pairs; within a block each user's own item competes with the block's other distinct items (negatives drawn
by the data's own popularity), scored by the embeddings' dot product as the services do. Reported: the mean AUC
(share of negatives scored below the positive, ties one half), recall@k (the positive among the top k), and the
corrected in-batch loss.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .data import PairSplit, TwoTowerSet
from .models import TwoTower, embed
from .train import log


@dataclass(frozen=True)
class TwoTowerTrainConfig:
    """epochs / patience as in TrainConfig; batch_size: pairs per in-batch softmax; block, k: evaluation protocol."""

    epochs: int = 20
    patience: int = 3
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 7
    block: int = 1024
    k: int = 10


@dataclass
class TwoTowerResult:
    best_epoch: int
    epochs_run: int
    validation: dict[str, float]
    test: dict[str, float]
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def retrieval_metrics(model: TwoTower, pairs: PairSplit, block: int = 1024, k: int = 10) -> dict[str, float]:
    """{"auc", "recall_at_<k>", "loss"} over blocks of `block` consecutive pairs (see the module's protocol). Blocks
    of fewer than 2 distinct items are skipped; raises ValueError when no block is left."""
    model.eval()
    users, items = embed(model.user, pairs.user), embed(model.item, pairs.item)
    aucs, hits, losses, weights = [], [], [], []
    for start in range(0, len(pairs), block):
        end = min(start + block, len(pairs))
        key = pairs.item_key[start:end]
        if len(np.unique(key)) < 2:
            continue
        scores = users[start:end].astype(np.float64) @ items[start:end].T.astype(np.float64)
        positive = np.diag(scores)[:, None]
        negative = key[None, :] != key[:, None]
        above = ((scores > positive) & negative).sum(axis=1) + 0.5 * ((scores == positive) & negative).sum(axis=1)
        n_negative = negative.sum(axis=1)
        aucs.append(1.0 - above / n_negative)
        hits.append(above < k)
        with torch.no_grad():
            loss = model.in_batch_loss(
                torch.from_numpy(pairs.user[start:end]),
                torch.from_numpy(pairs.item[start:end]),
                torch.from_numpy(pairs.logq[start:end]),
                torch.from_numpy(key),
            )
        losses.append(float(loss))
        weights.append(end - start)
    if not aucs:
        raise ValueError("no block of the split holds two distinct items; nothing to measure")
    return {
        "auc": float(np.mean(np.concatenate(aucs))),
        f"recall_at_{k}": float(np.mean(np.concatenate(hits))),
        "loss": float(np.average(losses, weights=weights)),
    }


def train_two_tower(
    model: TwoTower, data: TwoTowerSet, config: TwoTowerTrainConfig, progress: Callable[[str], None] | None = log
) -> TwoTowerResult:
    """Trains `model` in place, keeps the epoch with the best validation AUC, and measures it on the test pairs."""
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    train = data.train
    user, item = torch.from_numpy(train.user), torch.from_numpy(train.item)
    logq, key = torch.from_numpy(train.logq), torch.from_numpy(train.item_key)
    best_auc, best_epoch, best_state, best_validation = -np.inf, 0, None, {}
    history = []
    epoch = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.from_numpy(rng.permutation(len(train)))
        total, batches = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            index = order[start : start + config.batch_size]
            if len(index) < 2:
                continue  # a softmax over one item teaches nothing
            optimizer.zero_grad()
            loss = model.in_batch_loss(user[index], item[index], logq[index], key[index])
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        validation = retrieval_metrics(model, data.validation, config.block, config.k)
        improved = validation["auc"] > best_auc
        if improved:
            best_auc, best_epoch, best_state, best_validation = validation["auc"], epoch, copy.deepcopy(model.state_dict()), validation
        history.append({"epoch": epoch, "train_loss": total / max(batches, 1), "validation": validation})
        if progress:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in validation.items())
            progress(f"  epoch {epoch:3d}  train loss {total / max(batches, 1):.5f}  validation {shown}{'  *' if improved else ''}")
        if epoch - best_epoch >= config.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TwoTowerResult(
        best_epoch=best_epoch,
        epochs_run=epoch,
        validation=best_validation,
        test=retrieval_metrics(model, data.test, config.block, config.k),
        history=history,
        seconds=time.perf_counter() - started,
    )
