"""The deep models: multi-task rankers (Shared-Bottom, MMoE, PLE) and the two-tower retrieval model.

Every model takes raw features: its first layer standardises them with the training split's means and stds, so the
exported ONNX graph needs no preprocessing. Shapes use B for the batch, F for features, T for tasks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as functional
from torch import nn

from .tasks import Task

# Stds below this (constant columns) are replaced by 1 so a constant feature maps to 0 instead of dividing by ~0.
MIN_STD = 1e-6


class Standardize(nn.Module):
    """(x − mean) / std per column with frozen buffers. x: [B, F] → [B, F]."""

    def __init__(self, mean: Sequence[float] | np.ndarray, std: Sequence[float] | np.ndarray) -> None:
        super().__init__()
        mean = np.asarray(mean, dtype=np.float64)
        std = np.asarray(std, dtype=np.float64)
        if mean.shape != std.shape or mean.ndim != 1:
            raise ValueError(f"Standardize: mean and std must be equal-length vectors, got {mean.shape} and {std.shape}")
        std = np.where(np.isfinite(std) & (std > MIN_STD), std, 1.0)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    @classmethod
    def fit(cls, x: np.ndarray) -> "Standardize":
        """Means and (population) stds of the columns of x: [n, F], computed in float64."""
        x = np.asarray(x, dtype=np.float64)
        return cls(x.mean(axis=0), x.std(axis=0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear + ReLU layers through sizes[0] → sizes[1] → … → sizes[-1] (a ReLU after every layer)."""
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (buffers such as the standardisation's means are not counted)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MultiTaskModel(nn.Module):
    """Base of the rankers: raw features [B, F] → one output per task.

    A subclass builds one representation per task from the standardised features (`task_inputs`); this base owns
    the per-task towers (MLP then a linear head to one unit). `raw(x)` gives the head units [B, T] (logits for
    binary tasks, standardised values for regression tasks): the trainer's losses use it. `forward(x)` gives a tuple
    of T tensors [B]: a sigmoid probability for a binary task, the value in the label's unit for a regression task
    (the head's unit times the training labels' std plus their mean, so regression trains on a unit scale).
    """

    architecture: str = ""

    def __init__(
        self,
        tasks: Sequence[Task],
        normalizer: Standardize,
        task_input_size: int,
        tower: Sequence[int],
        target_mean: Sequence[float] | None = None,
        target_std: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        if not tasks:
            raise ValueError("a multi-task model needs at least one task")
        self.tasks = list(tasks)
        self.normalize = normalizer
        self.n_features = int(normalizer.mean.numel())
        tower_sizes = [task_input_size, *tower]
        self.towers = nn.ModuleList(nn.Sequential(mlp(tower_sizes), nn.Linear(tower_sizes[-1], 1)) for _ in self.tasks)
        t = len(self.tasks)
        mean = np.zeros(t) if target_mean is None else np.asarray(target_mean, dtype=np.float64)
        std = np.ones(t) if target_std is None else np.asarray(target_std, dtype=np.float64)
        std = np.where(np.isfinite(std) & (std > MIN_STD), std, 1.0)
        self.register_buffer("target_mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("target_std", torch.tensor(std, dtype=torch.float32))

    def task_inputs(self, z: torch.Tensor) -> list[torch.Tensor]:
        """Standardised features z: [B, F] → T tensors [B, task_input_size], one per task tower."""
        raise NotImplementedError

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, F] raw features → [B, T] head units (logits or standardised regression values)."""
        inputs = self.task_inputs(self.normalize(x))
        return torch.cat([tower(h) for tower, h in zip(self.towers, inputs)], dim=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """x: [B, F] raw features → T tensors [B] in task order (probabilities or values)."""
        units = self.raw(x)
        outputs = []
        for j, task in enumerate(self.tasks):
            u = units[:, j]
            outputs.append(torch.sigmoid(u) if task.binary else u * self.target_std[j] + self.target_mean[j])
        return tuple(outputs)


@dataclass(frozen=True)
class LogisticConfig:
    """No options: one linear head per task on the standardised features."""


class Logistic(MultiTaskModel):
    """The baseline: one logistic (or, for a regression task, linear) regression per task, no hidden layer, no
    sharing — what the ranking service ran before the deep models, trained here by the same trainer."""

    architecture = "logistic"

    def __init__(self, tasks: Sequence[Task], normalizer: Standardize, config: LogisticConfig = LogisticConfig(), **target) -> None:
        super().__init__(tasks, normalizer, int(normalizer.mean.numel()), (), **target)
        self.config = config

    def task_inputs(self, z: torch.Tensor) -> list[torch.Tensor]:
        return [z] * len(self.tasks)


@dataclass(frozen=True)
class SharedBottomConfig:
    """bottom: hidden sizes of the shared MLP; tower: hidden sizes of each task tower."""

    bottom: tuple[int, ...] = (128,)
    tower: tuple[int, ...] = (32,)


class SharedBottom(MultiTaskModel):
    """Caruana's shared-bottom network: one MLP F → bottom[-1] shared by every task tower."""

    architecture = "shared-bottom"

    def __init__(self, tasks: Sequence[Task], normalizer: Standardize, config: SharedBottomConfig = SharedBottomConfig(), **target) -> None:
        super().__init__(tasks, normalizer, config.bottom[-1], config.tower, **target)
        self.config = config
        self.bottom = mlp([self.n_features, *config.bottom])

    def task_inputs(self, z: torch.Tensor) -> list[torch.Tensor]:
        h = self.bottom(z)
        return [h] * len(self.tasks)


@dataclass(frozen=True)
class MMoEConfig:
    """experts: number of shared experts; expert: hidden sizes of each expert MLP; tower: each task tower's."""

    experts: int = 8
    expert: tuple[int, ...] = (16,)
    tower: tuple[int, ...] = (32,)


class MMoE(MultiTaskModel):
    """Multi-gate mixture of experts (Ma et al., KDD 2018).

    E expert MLPs F → D read the standardised features; each task t has a gate softmax(W_t z) ∈ [B, E] and its tower
    reads Σ_e gate_te · expert_e ∈ [B, D].
    """

    architecture = "mmoe"

    def __init__(self, tasks: Sequence[Task], normalizer: Standardize, config: MMoEConfig = MMoEConfig(), **target) -> None:
        super().__init__(tasks, normalizer, config.expert[-1], config.tower, **target)
        if config.experts < 1:
            raise ValueError("MMoE needs at least one expert")
        self.config = config
        self.experts = nn.ModuleList(mlp([self.n_features, *config.expert]) for _ in range(config.experts))
        self.gates = nn.ModuleList(nn.Linear(self.n_features, config.experts) for _ in self.tasks)

    def gate_weights(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, F] raw features → [B, T, E] gate weights (each [B, t, :] sums to 1)."""
        z = self.normalize(x)
        return torch.stack([torch.softmax(g(z), dim=-1) for g in self.gates], dim=1)

    def task_inputs(self, z: torch.Tensor) -> list[torch.Tensor]:
        experts = torch.stack([e(z) for e in self.experts], dim=1)  # [B, E, D]
        return [(torch.softmax(g(z), dim=-1).unsqueeze(-1) * experts).sum(dim=1) for g in self.gates]


@dataclass(frozen=True)
class PLEConfig:
    """levels: CGC levels (≥ 2); task_experts / shared_experts: experts per task and shared experts per level;
    expert: hidden sizes of each expert MLP; tower: each task tower's."""

    levels: int = 2
    task_experts: int = 2
    shared_experts: int = 2
    expert: tuple[int, ...] = (16,)
    tower: tuple[int, ...] = (32,)


class _CGCLevel(nn.Module):
    """One customized-gate-control level.

    Inputs: T task representations and one shared representation, each [B, I]. Task t mixes its own experts and the
    shared experts with gate softmax over (task_experts + shared_experts) read from its own representation; unless
    this is the last level, a shared gate over all T·task_experts + shared_experts experts, read from the shared
    representation, makes the next shared representation. Outputs are [B, D] with D = expert[-1].
    """

    def __init__(self, n_tasks: int, input_size: int, config: PLEConfig, last: bool) -> None:
        super().__init__()
        sizes = [input_size, *config.expert]
        self.task_experts = nn.ModuleList(
            nn.ModuleList(mlp(sizes) for _ in range(config.task_experts)) for _ in range(n_tasks)
        )
        self.shared_experts = nn.ModuleList(mlp(sizes) for _ in range(config.shared_experts))
        self.task_gates = nn.ModuleList(
            nn.Linear(input_size, config.task_experts + config.shared_experts) for _ in range(n_tasks)
        )
        self.shared_gate = (
            None if last else nn.Linear(input_size, n_tasks * config.task_experts + config.shared_experts)
        )

    def forward(
        self, task_in: list[torch.Tensor], shared_in: torch.Tensor
    ) -> tuple[list[torch.Tensor], torch.Tensor | None, list[torch.Tensor], torch.Tensor | None]:
        """Returns (task outputs, shared output or None, task gate weights [B, m_t + m_s] each, shared gate weights)."""
        shared = [e(shared_in) for e in self.shared_experts]
        own = [[e(h) for e in experts] for experts, h in zip(self.task_experts, task_in)]
        task_out, task_weights = [], []
        for gate, h, experts in zip(self.task_gates, task_in, own):
            w = torch.softmax(gate(h), dim=-1)
            task_out.append((w.unsqueeze(-1) * torch.stack(experts + shared, dim=1)).sum(dim=1))
            task_weights.append(w)
        if self.shared_gate is None:
            return task_out, None, task_weights, None
        w = torch.softmax(self.shared_gate(shared_in), dim=-1)
        everything = [e for experts in own for e in experts] + shared
        return task_out, (w.unsqueeze(-1) * torch.stack(everything, dim=1)).sum(dim=1), task_weights, w


class PLE(MultiTaskModel):
    """Progressive layered extraction (Tang et al., RecSys 2020): `levels` stacked CGC levels with task-specific and
    shared experts; the first level reads the standardised features [B, F], level l + 1 reads level l's outputs
    [B, D], and the last level's task outputs feed the task towers."""

    architecture = "ple"

    def __init__(self, tasks: Sequence[Task], normalizer: Standardize, config: PLEConfig = PLEConfig(), **target) -> None:
        super().__init__(tasks, normalizer, config.expert[-1], config.tower, **target)
        if config.levels < 2:
            raise ValueError(f"PLE needs at least 2 CGC levels (one level is CGC), got {config.levels}")
        if config.task_experts < 1 or config.shared_experts < 1:
            raise ValueError("PLE needs at least one task-specific and one shared expert per level")
        self.config = config
        self.levels = nn.ModuleList(
            _CGCLevel(len(self.tasks), self.n_features if i == 0 else config.expert[-1], config, last=i == config.levels - 1)
            for i in range(config.levels)
        )

    def _run(self, z: torch.Tensor):
        task_in, shared_in = [z] * len(self.tasks), z
        gates = []
        for level in self.levels:
            task_in, shared_in, task_w, shared_w = level(task_in, shared_in)
            gates.append((task_w, shared_w))
        return task_in, gates

    def gate_weights(self, x: torch.Tensor) -> list[tuple[list[torch.Tensor], torch.Tensor | None]]:
        """x: [B, F] → per level (T task gate weights [B, m_t + m_s], shared gate weights [B, T·m_t + m_s] or None
        at the last level); every row sums to 1."""
        return self._run(self.normalize(x))[1]

    def task_inputs(self, z: torch.Tensor) -> list[torch.Tensor]:
        return self._run(z)[0]


RANKERS: dict[str, tuple[type[MultiTaskModel], type]] = {
    Logistic.architecture: (Logistic, LogisticConfig),
    SharedBottom.architecture: (SharedBottom, SharedBottomConfig),
    MMoE.architecture: (MMoE, MMoEConfig),
    PLE.architecture: (PLE, PLEConfig),
}


def build_ranker(
    architecture: str,
    tasks: Sequence[Task],
    train_x: np.ndarray,
    train_y: np.ndarray,
    config=None,
    normalizer: Standardize | None = None,
) -> MultiTaskModel:
    """A ranker of `architecture` ("shared-bottom", "mmoe" or "ple") whose standardisation comes from the training
    features train_x [n, F] (unless `normalizer` is given) and whose regression outputs are scaled by the training
    labels train_y [n, T]."""
    if architecture not in RANKERS:
        raise ValueError(f"unknown architecture {architecture!r}; one of {', '.join(RANKERS)}")
    cls, config_cls = RANKERS[architecture]
    y = np.asarray(train_y, dtype=np.float64)
    regression = np.array([not t.binary for t in tasks])
    target_mean = np.where(regression, y.mean(axis=0), 0.0)
    target_std = np.where(regression, y.std(axis=0), 1.0)
    normalizer = normalizer if normalizer is not None else Standardize.fit(train_x)
    return cls(tasks, normalizer, config or config_cls(), target_mean=target_mean, target_std=target_std)


def embed(tower: nn.Module, x: np.ndarray, batch_size: int = 8192) -> np.ndarray:
    """Embeddings [n, D] float32 of raw feature rows x: [n, F]."""
    tower.eval()
    with torch.no_grad():
        parts = [tower(torch.from_numpy(np.ascontiguousarray(x[s : s + batch_size]))).numpy() for s in range(0, len(x), batch_size)]
    return np.concatenate(parts).astype(np.float32)


@dataclass(frozen=True)
class TwoTowerConfig:
    """hidden: hidden sizes of each tower's MLP; dim: embedding size D; temperature τ of the in-batch softmax."""

    hidden: tuple[int, ...] = (64,)
    dim: int = 32
    temperature: float = 0.05


class Tower(nn.Module):
    """Raw features [B, F] → standardise → MLP → linear to D → L2-normalised embedding [B, D]."""

    def __init__(self, normalizer: Standardize, hidden: Sequence[int], dim: int) -> None:
        super().__init__()
        self.normalize = normalizer
        sizes = [int(normalizer.mean.numel()), *hidden]
        self.body = mlp(sizes)
        self.out = nn.Linear(sizes[-1], dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.normalize(self.out(self.body(self.normalize(x))), dim=-1)


class TwoTower(nn.Module):
    """User tower and item tower with unit-norm embeddings; a pair's score is their dot product (cosine).

    Trained with the in-batch sampled softmax with logQ correction (Yi et al., RecSys 2019): for a batch of B
    positive pairs, logits[i, j] = <u_i, v_j> / τ − ln q_j, and each user's target is its own item.
    """

    def __init__(self, user: Tower, item: Tower, temperature: float) -> None:
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.user = user
        self.item = item
        self.temperature = float(temperature)

    @classmethod
    def build(cls, user_x: np.ndarray, item_x: np.ndarray, config: TwoTowerConfig = TwoTowerConfig()) -> "TwoTower":
        """Towers standardised by the training users' [n, Fu] and items' [n, Fi] feature rows."""
        return cls(
            Tower(Standardize.fit(user_x), config.hidden, config.dim),
            Tower(Standardize.fit(item_x), config.hidden, config.dim),
            config.temperature,
        )

    def logits(self, user_x: torch.Tensor, item_x: torch.Tensor, logq: torch.Tensor) -> torch.Tensor:
        """user_x: [B, Fu], item_x: [B, Fi], logq: [B] → [B, B] corrected in-batch logits."""
        return self.user(user_x) @ self.item(item_x).T / self.temperature - logq.unsqueeze(0)

    def in_batch_loss(
        self, user_x: torch.Tensor, item_x: torch.Tensor, logq: torch.Tensor, item_key: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Mean cross-entropy of each user's own item among the batch's items (scalar). item_key: [B] ints; another
        row with the same key is the same item and is left out of that user's negatives."""
        logits = self.logits(user_x, item_x, logq)
        if item_key is not None:
            same = (item_key.unsqueeze(0) == item_key.unsqueeze(1)) & ~torch.eye(len(item_key), dtype=torch.bool)
            logits = logits.masked_fill(same, float("-inf"))
        return functional.cross_entropy(logits, torch.arange(logits.shape[0]))
