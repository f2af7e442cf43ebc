import numpy as np
import pytest
import torch

import synthetic
from recsys_training.models import (
    MMoE,
    MMoEConfig,
    PLE,
    PLEConfig,
    SharedBottom,
    Standardize,
    TwoTower,
    TwoTowerConfig,
    build_ranker,
)
from recsys_training.tasks import Task

ARCHITECTURES = ["logistic", "shared-bottom", "mmoe", "ple"]


def build(architecture, x, y, seed=0, config=None):
    torch.manual_seed(seed)
    return build_ranker(architecture, synthetic.TASKS, x, y, config)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_rankers_give_one_output_per_task(architecture):
    x, y = synthetic.ranker_rows(64)
    model = build(architecture, x, y).eval()
    with torch.no_grad():
        outputs = model(torch.from_numpy(x[:5]))
        raw = model.raw(torch.from_numpy(x[:5]))
    assert len(outputs) == len(synthetic.TASKS) and all(o.shape == (5,) for o in outputs)
    assert raw.shape == (5, len(synthetic.TASKS))
    click, save, dwell = outputs
    for probability, logit in ((click, raw[:, 0]), (save, raw[:, 1])):
        assert torch.all((probability > 0) & (probability < 1))
        torch.testing.assert_close(probability, torch.sigmoid(logit))
    # Regression: the head's unit times the training labels' std plus their mean.
    torch.testing.assert_close(dwell, raw[:, 2] * float(y[:, 2].std()) + float(y[:, 2].mean()))


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_rankers_take_raw_features(architecture):
    """The standardisation is part of the model: rescaling a feature in the training data and in the inputs alike
    leaves the outputs unchanged."""
    x, y = synthetic.ranker_rows(200)
    scaled = x * np.array([1000, 1, 0.001, 1, 7, 1], dtype=np.float32) + 5
    a, b = build(architecture, x, y).eval(), build(architecture, scaled, y).eval()
    with torch.no_grad():
        for p, q in zip(a(torch.from_numpy(x)), b(torch.from_numpy(scaled))):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_standardize_uses_training_means_and_stds_and_leaves_constant_columns_unscaled():
    x = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    layer = Standardize.fit(x)
    z = layer(torch.tensor(x, dtype=torch.float32)).numpy()
    assert z[:, 0].mean() == pytest.approx(0, abs=1e-6) and z[:, 0].std() == pytest.approx(1, abs=1e-6)
    assert layer.std[1] == 1.0 and np.all(z[:, 1] == 0)


def test_mmoe_has_one_softmax_gate_per_task():
    x, y = synthetic.ranker_rows(32)
    model = build("mmoe", x, y, config=MMoEConfig(experts=5, expert=(8,)))
    assert isinstance(model, MMoE) and len(model.gates) == 3 and len(model.experts) == 5
    weights = model.gate_weights(torch.from_numpy(x))
    assert weights.shape == (32, 3, 5)
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(32, 3))
    assert torch.all(weights > 0)


@pytest.mark.parametrize("levels", [2, 3])
def test_ple_stacks_cgc_levels_with_task_and_shared_gates(levels):
    x, y = synthetic.ranker_rows(16)
    config = PLEConfig(levels=levels, task_experts=2, shared_experts=3, expert=(8,))
    model = build("ple", x, y, config=config)
    assert isinstance(model, PLE) and len(model.levels) == levels >= 2
    gates = model.gate_weights(torch.from_numpy(x))
    assert len(gates) == levels
    for i, (task_weights, shared_weights) in enumerate(gates):
        assert len(task_weights) == 3
        for w in task_weights:
            assert w.shape == (16, 2 + 3)
            torch.testing.assert_close(w.sum(dim=-1), torch.ones(16))
        if i == levels - 1:
            assert shared_weights is None  # the last level feeds the towers only
        else:
            assert shared_weights.shape == (16, 3 * 2 + 3)
            torch.testing.assert_close(shared_weights.sum(dim=-1), torch.ones(16))


def test_ple_refuses_a_single_level():
    x, y = synthetic.ranker_rows(8)
    with pytest.raises(ValueError, match="at least 2 CGC levels"):
        build("ple", x, y, config=PLEConfig(levels=1))


def test_shared_bottom_feeds_every_tower_the_same_representation():
    x, y = synthetic.ranker_rows(8)
    model = build("shared-bottom", x, y)
    assert isinstance(model, SharedBottom)
    inputs = model.task_inputs(model.normalize(torch.from_numpy(x)))
    assert all(h is inputs[0] for h in inputs)


def test_unknown_task_kind_and_architecture_are_rejected():
    with pytest.raises(ValueError, match="kind"):
        Task("click", "ordinal")
    with pytest.raises(ValueError, match="needs a unit"):
        Task("dwell", "regression")
    x, y = synthetic.ranker_rows(8)
    with pytest.raises(ValueError, match="unknown architecture"):
        build_ranker("wide-deep", synthetic.TASKS, x, y)


def two_tower(seed=0):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    return TwoTower.build(rng.normal(size=(50, 5)), rng.normal(size=(50, 4)), TwoTowerConfig(hidden=(16,), dim=8, temperature=0.1))


def test_two_tower_embeddings_are_unit_length():
    model = two_tower()
    u = model.user(torch.randn(7, 5))
    v = model.item(torch.randn(7, 4))
    assert u.shape == (7, 8) and v.shape == (7, 8)
    torch.testing.assert_close(u.norm(dim=-1), torch.ones(7))
    torch.testing.assert_close(v.norm(dim=-1), torch.ones(7))


def test_in_batch_loss_is_softmax_cross_entropy_with_logq_correction():
    model = two_tower()
    user, item, logq = torch.randn(4, 5), torch.randn(4, 4), torch.log(torch.tensor([0.5, 0.1, 0.3, 0.1]))
    with torch.no_grad():
        s = model.user(user) @ model.item(item).T / 0.1 - logq[None, :]
        expected = -torch.mean(torch.stack([s[i, i] - torch.logsumexp(s[i], dim=0) for i in range(4)]))
        torch.testing.assert_close(model.in_batch_loss(user, item, logq), expected)
        # Rows 1 and 3 hold the same item: neither is the other's negative.
        key = torch.tensor([0, 1, 2, 1])
        rows = [s[0], s[1][[0, 1, 2]], s[2], s[3][[0, 2, 3]]]
        targets = [0, 1, 2, 2]
        masked = -torch.mean(torch.stack([r[t] - torch.logsumexp(r, dim=0) for r, t in zip(rows, targets)]))
        torch.testing.assert_close(model.in_batch_loss(user, item, logq, key), masked)
