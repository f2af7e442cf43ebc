"""The multi-task trainer: Adam on weighted per-task losses, early stopping on the validation mean AUC.

Deterministic on CPU: `seed_everything` seeds torch before the model is built, and the batches' order comes from a
numpy generator seeded by the config, so one seed gives the same weights and metrics run after run.
"""
from __future__ import annotations

import copy
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as functional

from .data import MultiTaskData, Split
from .metrics import rmse, roc_auc
from .models import MultiTaskModel
from .tasks import Task

REGRESSION_LOSSES = ("mse", "huber")


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries the commands' results."""
    print(message, file=sys.stderr, flush=True)


def seed_everything(seed: int, threads: int = 1) -> None:
    """Seeds Python, numpy and torch, makes torch choose deterministic kernels, and sets torch's intra-op threads
    (1 by default: the machine is shared, and one thread gives reproducible float sums)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


@dataclass(frozen=True)
class TrainConfig:
    """epochs: at most this many passes; patience: stop after this many epochs without a better validation score;
    loss_weights: per task name (missing tasks weigh 1); regression_loss: "mse" or "huber" (on labels scaled to unit
    std, huber_delta in those units); seed: the batches' order."""

    epochs: int = 30
    patience: int = 4
    batch_size: int = 512
    lr: float = 1e-3
    weight_decay: float = 0.0
    loss_weights: dict[str, float] = field(default_factory=dict)
    regression_loss: str = "mse"
    huber_delta: float = 1.0
    seed: int = 7

    def weight(self, task: Task) -> float:
        return float(self.loss_weights.get(task.name, 1.0))


@dataclass
class TrainResult:
    """best_epoch (1-based) is the epoch whose weights the model holds; validation / test: metrics per task at it;
    history: one entry per epoch run (train loss, validation metrics, the score early stopping compared)."""

    best_epoch: int
    epochs_run: int
    validation: dict[str, dict[str, float]]
    test: dict[str, dict[str, float]]
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def predict(model: MultiTaskModel, x: np.ndarray, batch_size: int = 8192) -> np.ndarray:
    """Outputs (probabilities or values) of x: [n, F] as [n, T] float32, in eval mode without gradients."""
    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            outputs.append(torch.stack(model(torch.from_numpy(x[start : start + batch_size])), dim=1).numpy())
    return np.concatenate(outputs) if outputs else np.zeros((0, len(model.tasks)), dtype=np.float32)


def evaluate(model: MultiTaskModel, split: Split, tasks: list[Task]) -> dict[str, dict[str, float]]:
    """Per task: {"auc": …} for binary tasks, {"rmse": …} (label unit) for regression tasks. A binary task whose
    labels in this split are all equal has no AUC and is left out."""
    out = predict(model, split.x)
    metrics: dict[str, dict[str, float]] = {}
    for j, task in enumerate(tasks):
        y = split.y[:, j]
        if task.binary:
            if 0 < y.sum() < len(y):
                metrics[task.name] = {"auc": roc_auc(y, out[:, j])}
        else:
            metrics[task.name] = {"rmse": rmse(y, out[:, j])}
    return metrics


def selection_score(metrics: dict[str, dict[str, float]], tasks: list[Task]) -> float:
    """What early stopping maximises: the mean AUC over binary tasks, or −(mean RMSE) when there are none."""
    aucs = [metrics[t.name]["auc"] for t in tasks if t.binary and t.name in metrics]
    if aucs:
        return float(np.mean(aucs))
    rmses = [metrics[t.name]["rmse"] for t in tasks if not t.binary]
    if not rmses:
        raise ValueError("the validation split has no binary task with both labels and no regression task: nothing to select on")
    return -float(np.mean(rmses))


def _loss(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor, config: TrainConfig) -> torch.Tensor:
    units = model.raw(x)
    total = torch.zeros(())
    for j, task in enumerate(model.tasks):
        if task.binary:
            loss = functional.binary_cross_entropy_with_logits(units[:, j], y[:, j])
        else:
            target = (y[:, j] - model.target_mean[j]) / model.target_std[j]
            if config.regression_loss == "huber":
                loss = functional.huber_loss(units[:, j], target, delta=config.huber_delta)
            else:
                loss = functional.mse_loss(units[:, j], target)
        total = total + config.weight(task) * loss
    return total


def train_multitask(
    model: MultiTaskModel, data: MultiTaskData, config: TrainConfig, progress: Callable[[str], None] | None = log
) -> TrainResult:
    """Trains `model` in place on data.train, keeps the weights of the epoch with the best validation score
    (`selection_score`), and measures them on data.test. Raises ValueError for unknown loss-weight names or losses."""
    if config.regression_loss not in REGRESSION_LOSSES:
        raise ValueError(f"regression_loss must be one of {', '.join(REGRESSION_LOSSES)}, got {config.regression_loss!r}")
    unknown = set(config.loss_weights) - {t.name for t in data.tasks}
    if unknown:
        raise ValueError(f"loss weights name unknown tasks: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    x_train = torch.from_numpy(np.ascontiguousarray(data.train.x, dtype=np.float32))
    y_train = torch.from_numpy(np.ascontiguousarray(data.train.y, dtype=np.float32))
    best_score, best_epoch, best_state = -np.inf, 0, None
    best_validation: dict[str, dict[str, float]] = {}
    history = []
    epoch = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.from_numpy(rng.permutation(len(x_train)))
        total, batches = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            index = order[start : start + config.batch_size]
            optimizer.zero_grad()
            loss = _loss(model, x_train[index], y_train[index], config)
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        validation = evaluate(model, data.validation, data.tasks)
        score = selection_score(validation, data.tasks)
        improved = score > best_score
        if improved:
            best_score, best_epoch, best_state = score, epoch, copy.deepcopy(model.state_dict())
            best_validation = validation
        history.append({"epoch": epoch, "train_loss": total / max(batches, 1), "validation": validation, "score": score})
        if progress:
            shown = " ".join(f"{name} {next(iter(m.items()))[0]} {next(iter(m.values())):.4f}" for name, m in validation.items())
            progress(f"  epoch {epoch:3d}  train loss {total / max(batches, 1):.5f}  validation {shown}{'  *' if improved else ''}")
        if epoch - best_epoch >= config.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(
        best_epoch=best_epoch,
        epochs_run=epoch,
        validation=best_validation,
        test=evaluate(model, data.test, data.tasks),
        history=history,
        seconds=time.perf_counter() - started,
    )


def metrics_table(metrics: dict[str, dict[str, float]], title: str = "test") -> str:
    """A plain-text table: one row per task with its metric."""
    lines = [f"{'task':<20} {'metric':<8} {title}"]
    for name, m in metrics.items():
        for key, value in m.items():
            lines.append(f"{name:<20} {key:<8} {value:.4f}")
    return "\n".join(lines)
