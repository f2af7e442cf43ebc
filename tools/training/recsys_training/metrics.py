"""Evaluation metrics: ROC AUC (ties count one half) and RMSE, in float64 over numpy arrays."""
from __future__ import annotations

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a random positive > score of a random negative), ties counting 1/2.

    labels: [n] of 0/1; scores: [n] finite. Computed from the Mann-Whitney U statistic with average ranks for
    tied scores, O(n log n). Raises ValueError when the labels are not 0/1 or lack a positive or a negative.
    """
    y = np.asarray(labels, dtype=np.float64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"roc_auc: {y.size} labels but {s.size} scores")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("roc_auc: labels must be 0 or 1")
    if not np.all(np.isfinite(s)):
        raise ValueError("roc_auc: scores must be finite")
    positives = float(y.sum())
    negatives = float(y.size - positives)
    if positives == 0 or negatives == 0:
        raise ValueError(f"roc_auc: needs positives and negatives, got {positives:.0f} and {negatives:.0f}")
    order = np.argsort(s, kind="mergesort")
    sorted_scores = s[order]
    # Each run of equal scores [start, end) gets the average of the 1-based ranks start+1 … end.
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], s.size]
    average_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(s.size, dtype=np.float64)
    ranks[order] = np.repeat(average_rank, ends - starts)
    u = ranks[y == 1].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def rmse(labels: np.ndarray, predictions: np.ndarray) -> float:
    """Root mean squared error, in the labels' unit. labels, predictions: [n]."""
    y = np.asarray(labels, dtype=np.float64).ravel()
    p = np.asarray(predictions, dtype=np.float64).ravel()
    if y.shape != p.shape or y.size == 0:
        raise ValueError(f"rmse: needs equally many labels and predictions (≥ 1), got {y.size} and {p.size}")
    return float(np.sqrt(np.mean((y - p) ** 2)))
