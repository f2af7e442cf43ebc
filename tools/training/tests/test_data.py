import json
import shutil

import numpy as np
import pytest

import synthetic
from recsys_training.data import TrainingSetError, read_training_set, read_two_tower_set, select_features


@pytest.fixture
def copy_of(tmp_path):
    def copy(directory):
        target = tmp_path / "set"
        shutil.copytree(directory, target)
        return target

    return copy


def edit_meta(directory, change):
    meta = json.loads((directory / "meta.json").read_text())
    change(meta)
    (directory / "meta.json").write_text(json.dumps(meta))


def test_reads_the_splits_in_time_order(ranker_set):
    dataset = read_training_set(ranker_set)
    data, info = dataset.data, dataset.info
    x, y = synthetic.ranker_rows(3000)
    assert data.features == synthetic.FEATURES
    assert [(t.name, t.kind, t.unit) for t in data.tasks] == [("click", "binary", None), ("save", "binary", None), ("dwell", "regression", "s")]
    assert (len(data.train), len(data.validation), len(data.test)) == (1800, 600, 600)
    np.testing.assert_array_equal(data.train.x, x[:1800])
    np.testing.assert_array_equal(data.validation.y, y[1800:2400])
    np.testing.assert_array_equal(data.test.x, x[2400:])
    assert data.train.x.dtype == np.float32
    assert info.rows == {"train": 1800, "validation": 600, "test": 600}
    assert info.split.startswith("time: first 1800 rows train, next 600 validate, last 600 test")
    assert len(info.digest) == 64


def test_rejects_a_file_whose_size_does_not_match_meta(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    with open(directory / "features.f32", "r+b") as handle:
        handle.truncate(3000 * 6 * 4 - 4)
    with pytest.raises(TrainingSetError) as error:
        read_training_set(directory)
    message = str(error.value)
    assert "features.f32" in message and "71996 bytes" in message
    assert "3000 rows (meta.json rows) × 6 features × 4 bytes = 72000 bytes were expected" in message


def test_rejects_split_counts_that_do_not_add_up(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    edit_meta(directory, lambda m: m["split"].update(test=599))
    with pytest.raises(TrainingSetError, match=r"train \+ validation \+ test = 2999 but rows = 3000"):
        read_training_set(directory)


def test_rejects_rows_out_of_time_order(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    t = np.fromfile(directory / "time.f64", dtype="<f8")
    t[10], t[11] = t[11], t[10]
    t.tofile(directory / "time.f64")
    with pytest.raises(TrainingSetError, match="sorted by time; row 11 is earlier than row 10"):
        read_training_set(directory)


def test_rejects_cuts_that_disagree_with_the_counts(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    edit_meta(directory, lambda m: m["split"].update(cutsMs=[synthetic.START_MS, m["split"]["cutsMs"][1]]))
    with pytest.raises(TrainingSetError, match="cutsMs"):
        read_training_set(directory)


def test_rejects_binary_labels_other_than_0_and_1(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    y = np.fromfile(directory / "labels.f32", dtype="<f4").reshape(3000, 3)
    y[5, 1] = 0.5
    y.tofile(directory / "labels.f32")
    with pytest.raises(TrainingSetError, match="binary task 'save' has 1 labels other than 0/1 \\(first at row 5"):
        read_training_set(directory)


def test_rejects_non_finite_features_and_missing_files(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    x = np.fromfile(directory / "features.f32", dtype="<f4").reshape(3000, 6)
    x[7, 2] = np.nan
    x.tofile(directory / "features.f32")
    with pytest.raises(TrainingSetError, match="first at row 7, column 'age_hours'"):
        read_training_set(directory)
    (directory / "labels.f32").unlink()
    with pytest.raises(TrainingSetError, match="labels.f32: missing"):
        read_training_set(directory)


def test_rejects_another_format(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    edit_meta(directory, lambda m: m.update(format="recsys-training-set/2"))
    with pytest.raises(TrainingSetError, match="format must be 'recsys-training-set/1'"):
        read_training_set(directory)


def test_digest_changes_with_the_data(ranker_set, copy_of):
    before = read_training_set(ranker_set).info.digest
    directory = copy_of(ranker_set)
    assert read_training_set(directory).info.digest == before
    y = np.fromfile(directory / "labels.f32", dtype="<f4")
    y[0] = 1 - y[0]
    y.tofile(directory / "labels.f32")
    assert read_training_set(directory).info.digest != before


def test_reads_a_two_tower_set(two_tower_set):
    data = read_two_tower_set(two_tower_set)
    assert (len(data.train), len(data.validation), len(data.test)) == (1800, 600, 600)
    assert data.user_features == synthetic.USER_FEATURES and data.items.shape == (80, 5)
    assert data.item_ids[:2] == ["item-0", "item-1"]
    assert np.all(data.train.logq <= 0)
    # Pairs with the same item row share a key, and only those.
    item, key = data.train.item, data.train.item_key
    same_key = key[:, None] == key[None, :]
    same_row = np.all(item[:, None, :] == item[None, :, :], axis=-1)
    np.testing.assert_array_equal(same_key, same_row)
    with pytest.raises(TrainingSetError, match="two-tower set"):
        read_training_set(two_tower_set)


def test_rejects_a_catalogue_that_does_not_match_its_ids(two_tower_set, copy_of):
    directory = copy_of(two_tower_set)
    (directory / "items.json").write_text(json.dumps([f"item-{i}" for i in range(79)]))
    with pytest.raises(TrainingSetError, match=r"items.f32: 1600 bytes, but 79 rows \(items.json\) × 5 itemFeatures"):
        read_two_tower_set(directory)


def test_rejects_a_regression_task_without_a_unit(ranker_set, copy_of):
    directory = copy_of(ranker_set)
    edit_meta(directory, lambda m: m["tasks"][2].pop("unit"))
    with pytest.raises(TrainingSetError, match=r"tasks\[2\]: regression task 'dwell' needs a unit"):
        read_training_set(directory)


def test_select_features_keeps_the_named_columns_in_the_given_order(ranker_set):
    data = read_training_set(ranker_set).data
    a, b = data.features[2], data.features[0]
    picked = select_features(data, [a, b])
    assert picked.features == [a, b]
    for split, full in ((picked.train, data.train), (picked.test, data.test)):
        np.testing.assert_array_equal(split.x, full.x[:, [2, 0]])
        np.testing.assert_array_equal(split.y, full.y)
    with pytest.raises(TrainingSetError, match="does not have: nope"):
        select_features(data, [a, "nope"])
