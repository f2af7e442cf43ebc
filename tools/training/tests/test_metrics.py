import numpy as np
import pytest

from recsys_training.metrics import rmse, roc_auc


def brute_force_auc(labels, scores):
    positives = scores[labels == 1]
    negatives = scores[labels == 0]
    wins = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return wins / (len(positives) * len(negatives))


@pytest.mark.parametrize("seed", range(6))
def test_auc_matches_the_pairwise_count_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    labels = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(np.float32)
    labels[0], labels[1] = 0, 1
    scores = rng.integers(0, 5, n).astype(np.float64)  # five distinct values: ties everywhere
    assert roc_auc(labels, scores) == pytest.approx(brute_force_auc(labels, scores), abs=1e-12)


def test_auc_matches_the_pairwise_count_on_continuous_scores():
    rng = np.random.default_rng(42)
    labels = (rng.random(1000) < 0.1).astype(np.float32)
    scores = rng.normal(size=1000) + labels
    assert roc_auc(labels, scores) == pytest.approx(brute_force_auc(labels, scores), abs=1e-12)


def test_auc_hand_computed_values():
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered right.
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert roc_auc(np.array([0, 1]), np.array([0.2, 0.9])) == 1.0
    assert roc_auc(np.array([1, 0]), np.array([0.2, 0.9])) == 0.0
    assert roc_auc(np.array([0, 1, 0, 1]), np.full(4, 0.3)) == 0.5


def test_auc_rejects_one_class_and_non_binary_labels():
    with pytest.raises(ValueError, match="positives and negatives"):
        roc_auc(np.ones(3), np.arange(3.0))
    with pytest.raises(ValueError, match="0 or 1"):
        roc_auc(np.array([0, 0.5, 1]), np.arange(3.0))


def test_rmse():
    assert rmse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 7.0])) == pytest.approx(np.sqrt(16 / 3))
    with pytest.raises(ValueError):
        rmse(np.array([1.0]), np.array([1.0, 2.0]))
