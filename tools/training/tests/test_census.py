"""The census benchmark's preprocessing, on a small file in the census format written here (not the dataset)."""
import gzip

import numpy as np
import pytest

from recsys_training.census import COLUMNS, NUMERIC, TASKS, census_data, encode, matched_configs, read_census, stratified_split
from recsys_training.models import SharedBottomConfig, build_ranker, count_parameters


def census_file(path, n=400, seed=0):
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        row = []
        for column in COLUMNS:
            if column in NUMERIC or column == "instance_weight":
                row.append(str(int(rng.integers(0, 90))))
            elif column == "income_50k":
                row.append("50000+." if rng.random() < 0.2 else "- 50000.")
            elif column == "marital_stat":
                row.append("Never married" if rng.random() < 0.4 else "Divorced")
            elif column == "race":
                row.append("Other" if i == n - 1 else rng.choice(["White", "Black"]))  # one rare category
            else:
                row.append(rng.choice(["a", "b", "c"]))
        lines.append(", ".join(row))
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def test_labels_are_income_over_50k_and_never_married(tmp_path):
    rows, labels = read_census(census_file(tmp_path / "c.gz"))
    income, marital = COLUMNS.index("income_50k"), COLUMNS.index("marital_stat")
    np.testing.assert_array_equal(labels[:, 0], [r[income] == "50000+." for r in rows])
    np.testing.assert_array_equal(labels[:, 1], [r[marital] == "Never married" for r in rows])
    assert [t.name for t in TASKS] == ["income", "marital"]


def test_split_is_stratified_disjoint_and_complete():
    rng = np.random.default_rng(1)
    labels = (rng.random((1000, 2)) < [0.1, 0.5]).astype(np.float32)
    train, validation, test = stratified_split(labels, seed=3)
    everything = np.concatenate([train, validation, test])
    assert sorted(everything) == list(range(1000))
    assert len(train) == pytest.approx(600, abs=4) and len(validation) == pytest.approx(200, abs=4)
    for part in (train, validation, test):
        np.testing.assert_allclose(labels[part].mean(axis=0), labels.mean(axis=0), atol=0.01)
    again = stratified_split(labels, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(again, (train, validation, test)))
    assert not np.array_equal(stratified_split(labels, seed=4)[0], train)


def test_inputs_exclude_labels_and_weight_and_standardise_only_numerics(tmp_path):
    data, mean, std = census_data(census_file(tmp_path / "c.gz"), split_seed=0)
    names = data.features
    assert names[: len(NUMERIC)] == list(NUMERIC)
    assert not any(n.split("=")[0] in ("instance_weight", "income_50k", "marital_stat") for n in names)
    assert "race=Black" in names and "race=White" in names
    # The one "Other" row (the last) makes a column only if it fell in the training split; elsewhere it is all zeros.
    _, labels = read_census(tmp_path / "c.gz")
    train_rows = stratified_split(labels, seed=0)[0]
    assert ("race=Other" in names) == (399 in train_rows)
    one_hot = data.train.x[:, len(NUMERIC):]
    assert set(np.unique(one_hot)) <= {0.0, 1.0}
    np.testing.assert_allclose(mean[: len(NUMERIC)], data.train.x[:, : len(NUMERIC)].mean(axis=0), rtol=1e-5)
    assert np.all(mean[len(NUMERIC):] == 0) and np.all(std[len(NUMERIC):] == 1)
    # Every categorical column contributes exactly one 1 per row whose category was seen in training.
    race = [j for j, n in enumerate(names) if n.startswith("race=")]
    assert np.all(data.train.x[:, race].sum(axis=1) == 1)


def test_parameter_budgets_are_comparable():
    configs = matched_configs(500, SharedBottomConfig(bottom=(128,), tower=(32,)), experts=8, levels=2, task_experts=2, shared_experts=2, tower=(32,))
    x, y = np.zeros((2, 500), dtype=np.float32), np.zeros((2, 2), dtype=np.float32)
    counts = {a: count_parameters(build_ranker(a, TASKS, x, y, c)) for a, c in configs.items()}
    assert counts["shared-bottom"] == 72450
    for architecture in ("mmoe", "ple"):
        assert abs(counts[architecture] - counts["shared-bottom"]) / counts["shared-bottom"] < 0.03, counts


def test_categories_unseen_in_training_encode_as_zeros(tmp_path):
    rows, _ = read_census(census_file(tmp_path / "c.gz"))
    x, names, _, _ = encode(rows, train_index=np.arange(399))  # the "Other" row 399 is not a training row
    race = [j for j, n in enumerate(names) if n.startswith("race=")]
    assert [names[j] for j in race] == ["race=Black", "race=White"]
    assert np.all(x[399, race] == 0) and np.all(x[:399, race].sum(axis=1) == 1)
