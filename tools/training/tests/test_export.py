import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import synthetic
from recsys_training import train_ranker, train_two_tower
from recsys_training.data import read_training_set, read_two_tower_set
from recsys_training.export import export_ranker, export_two_tower, ranker_files
from recsys_training.models import TwoTower, TwoTowerConfig, build_ranker, embed
from recsys_training.store import PublishError, publish
from recsys_training.train import TrainConfig, predict, seed_everything, train_multitask
from recsys_training.two_tower import TwoTowerTrainConfig, train_two_tower as fit_two_tower

CONFIG = TrainConfig(epochs=2, patience=2, batch_size=256, lr=3e-3)
TRAINING = {"data": "synthetic", "split": "time", "rows": {"train": 1800, "validation": 600, "test": 600}, "seed": 7, "epochs": 2, "command": "pytest"}
# The fields docs/model-card.md lists for a ranker's card.
CARD_FIELDS = {"format", "name", "version", "architecture", "onnx", "inputs", "outputs", "lossWeights", "training", "metrics", "parity"}


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def dataset(ranker_set):
    return read_training_set(ranker_set).data


def trained(architecture, data):
    seed_everything(7)
    model = build_ranker(architecture, data.tasks, data.train.x, data.train.y)
    result = train_multitask(model, data, CONFIG, progress=None)
    return model, result


@pytest.mark.parametrize("architecture", ["shared-bottom", "mmoe", "ple"])
def test_ranker_export_agrees_with_pytorch_and_its_card(architecture, dataset, tmp_path):
    model, result = trained(architecture, dataset)
    name = f"ranking/{architecture}"
    published = export_ranker(
        str(tmp_path), name, "v1-test", model=model, data=dataset, config=CONFIG, training=TRAINING, metrics=result.test
    )
    directory = tmp_path / "ranking" / architecture / "v1-test"
    assert published.written and published.path == directory
    assert sorted(p.name for p in directory.iterdir()) == [".manifest.json", "card.json", "model.onnx"]
    card = json.loads((directory / "card.json").read_text())

    graph = onnx.load(directory / "model.onnx")
    assert {o.domain: o.version for o in graph.opset_import}[""] == 17
    for value in [*graph.graph.input, *graph.graph.output]:
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch", value.name
    assert [i.name for i in graph.graph.input] == ["features"]
    assert [o.name for o in graph.graph.output] == ["click", "save", "dwell"]

    runtime = session(directory / "model.onnx")
    # Parity rows: the card's PyTorch outputs, onnxruntime and PyTorch now agree within 1e-5.
    rows = np.array(card["parity"]["rows"], dtype=np.float32)
    np.testing.assert_array_equal(rows, dataset.test.x[:8])
    onnx_out = runtime.run(None, {"features": rows})
    torch_out = predict(model, rows)
    for j, task in enumerate(["click", "save", "dwell"]):
        np.testing.assert_allclose(onnx_out[j], np.array(card["parity"]["outputs"][task], dtype=np.float32), rtol=0, atol=1e-5 * max(1.0, abs(torch_out[:, j]).max()))
        np.testing.assert_allclose(onnx_out[j], torch_out[:, j], rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(np.array(card["parity"]["outputs"][task], dtype=np.float32), torch_out[:, j])
    # Another batch size through the dynamic axis: all 600 test rows.
    onnx_all = runtime.run(None, {"features": dataset.test.x})
    np.testing.assert_allclose(np.column_stack(onnx_all), predict(model, dataset.test.x), rtol=1e-5, atol=1e-5)

    assert set(card) == CARD_FIELDS
    assert card["format"] == "recsys-model-card/1" and card["name"] == name and card["version"] == "v1-test"
    assert card["architecture"] == architecture and card["onnx"] == {"file": "model.onnx", "opset": 17}
    [features] = card["inputs"]
    assert features["name"] == "features" and features["type"] == "float32" and features["shape"] == ["batch", 6]
    assert [c["feature"] for c in features["columns"]] == synthetic.FEATURES
    np.testing.assert_allclose([c["mean"] for c in features["columns"]], dataset.train.x.mean(axis=0), rtol=1e-4)
    assert card["outputs"] == [
        {"name": "click", "task": "click", "kind": "probability"},
        {"name": "save", "task": "save", "kind": "probability"},
        {"name": "dwell", "task": "dwell", "kind": "regression", "unit": "s"},
    ]
    assert card["lossWeights"] == {"click": 1.0, "save": 1.0, "dwell": 1.0}
    assert card["training"] == TRAINING
    assert set(card["metrics"]["test"]) == {"click", "save", "dwell"}
    assert card["metrics"]["test"]["click"]["auc"] == result.test["click"]["auc"]
    assert card["metrics"]["test"]["dwell"]["rmse"] == result.test["dwell"]["rmse"]
    manifest = json.loads((directory / ".manifest.json").read_text())
    assert manifest["name"] == name and manifest["version"] == "v1-test" and manifest["files"] == ["card.json", "model.onnx"]


def test_publishing_is_idempotent_and_refuses_to_overwrite(dataset, tmp_path):
    model, result = trained("shared-bottom", dataset)
    files = ranker_files(model=model, data=dataset, name="ranking/sb", version="v2", config=CONFIG, training=TRAINING, metrics=result.test)
    assert publish(tmp_path, "ranking/sb", "v2", files).written
    before = (tmp_path / "ranking/sb/v2/.manifest.json").read_bytes()
    # The same files again: nothing is written.
    assert not publish(tmp_path, "ranking/sb", "v2", dict(files)).written
    assert (tmp_path / "ranking/sb/v2/.manifest.json").read_bytes() == before
    with pytest.raises(PublishError, match="already holds a different ranking/sb v2"):
        publish(tmp_path, "ranking/sb", "v2", {**files, "card.json": files["card.json"] + b" "})
    with pytest.raises(PublishError, match="sorts before the latest version v2"):
        publish(tmp_path, "ranking/sb", "v1", files)
    with pytest.raises(PublishError, match="model name"):
        publish(tmp_path, "Ranking/SB", "v3", files)
    assert publish(tmp_path, "ranking/sb", "v3", files).written
    assert sorted(p.name for p in (tmp_path / "ranking/sb").iterdir()) == ["v2", "v3"]  # no temporary left


def test_two_tower_export_agrees_with_pytorch(two_tower_set, tmp_path):
    data = read_two_tower_set(two_tower_set)
    seed_everything(7)
    model = TwoTower.build(data.train.user, data.train.item, TwoTowerConfig(hidden=(16,), dim=8))
    result = fit_two_tower(model, data, TwoTowerTrainConfig(epochs=2), progress=None)
    export_two_tower(str(tmp_path), "recall/two-tower", "v1-test", model=model, data=data, training=TRAINING, metrics={"retrieval": result.test})
    directory = tmp_path / "recall" / "two-tower" / "v1-test"
    card = json.loads((directory / "card.json").read_text())
    assert card["format"] == "recsys-model-card/1" and card["architecture"] == "two-tower"

    for kind, tower, features, all_rows in (
        ("user", model.user, synthetic.USER_FEATURES, data.test.user),
        ("item", model.item, synthetic.ITEM_FEATURES, data.test.item),
    ):
        spec = card["towers"][kind]
        assert spec["onnx"] == {"file": f"{kind}_tower.onnx", "opset": 17}
        assert spec["input"]["name"] == kind and spec["input"]["shape"] == ["batch", len(features)]
        assert [c["feature"] for c in spec["input"]["columns"]] == features
        assert spec["output"] == {"name": "embedding", "type": "float32", "shape": ["batch", 8]}
        graph = onnx.load(directory / spec["onnx"]["file"])
        assert {o.domain: o.version for o in graph.opset_import}[""] == 17
        assert graph.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
        runtime = session(directory / spec["onnx"]["file"])
        rows = np.array(card["parity"][kind]["rows"], dtype=np.float32)
        [onnx_out] = runtime.run(None, {kind: rows})
        np.testing.assert_allclose(onnx_out, np.array(card["parity"][kind]["outputs"]["embedding"], dtype=np.float32), rtol=0, atol=1e-5)
        np.testing.assert_allclose(onnx_out, embed(tower, rows), rtol=0, atol=1e-5)
        [onnx_all] = runtime.run(None, {kind: all_rows})
        np.testing.assert_allclose(onnx_all, embed(tower, all_rows), rtol=0, atol=1e-5)

    assert card["itemEmbeddings"] == {"file": "item_embeddings.f32", "ids": "item_ids.json", "rows": 80, "dim": 8}
    embeddings = np.fromfile(directory / "item_embeddings.f32", dtype="<f4").reshape(80, 8)
    [onnx_items] = session(directory / "item_tower.onnx").run(None, {"item": data.items})
    np.testing.assert_allclose(embeddings, onnx_items, rtol=0, atol=1e-5)
    assert json.loads((directory / "item_ids.json").read_text()) == data.item_ids
    assert card["metrics"]["test"]["retrieval"] == result.test


def test_train_ranker_command_prints_metrics_and_republishes_nothing(ranker_set, tmp_path, capsys):
    argv = ["--data", str(ranker_set), "--model", "mmoe", "--out", str(tmp_path), "--epochs", "2", "--experts", "3", "--expert", "8"]
    assert train_ranker.main(argv) == 0
    first = capsys.readouterr().out
    assert "click                auc" in first and "dwell                rmse" in first
    [version] = [p.name for p in (tmp_path / "ranking" / "mmoe").iterdir()]
    assert f"ranking/mmoe {version} published" in first
    card = json.loads((tmp_path / "ranking" / "mmoe" / version / "card.json").read_text())
    assert card["training"]["command"].startswith(f"python -m recsys_training.train_ranker --data {ranker_set} --model mmoe")
    assert card["training"]["rows"] == {"train": 1800, "validation": 600, "test": 600}
    # Same data, same options: same version, same bytes, nothing written.
    assert train_ranker.main(argv) == 0
    assert f"ranking/mmoe {version} already published" in capsys.readouterr().out


def test_train_ranker_command_reports_a_bad_training_set(tmp_path, capsys):
    assert train_ranker.main(["--data", str(tmp_path / "nothing"), "--model", "sb", "--out", str(tmp_path)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_train_two_tower_command_publishes_the_towers(two_tower_set, tmp_path, capsys):
    argv = ["--data", str(two_tower_set), "--out", str(tmp_path), "--epochs", "2", "--hidden", "16", "--dim", "8"]
    assert train_two_tower.main(argv) == 0
    out = capsys.readouterr().out
    assert "recall_at_10" in out and "recall/two-tower v1-" in out
    [version] = [p.name for p in (tmp_path / "recall" / "two-tower").iterdir()]
    assert sorted(p.name for p in (tmp_path / "recall" / "two-tower" / version).iterdir()) == [
        ".manifest.json", "card.json", "item_embeddings.f32", "item_ids.json", "item_tower.onnx", "user_tower.onnx"]
