"""ONNX export and model cards (docs/model-card.md): a trained model becomes a model-store version.

A ranker version holds model.onnx (input `features` [batch, F] of raw values, one output [batch] per task named by
the task) and card.json. A two-tower version holds user_tower.onnx and item_tower.onnx (inputs `user` / `item`,
output `embedding` [batch, D]), item_embeddings.f32 (the catalogue's embeddings, M × D little-endian float32),
item_ids.json and card.json. Every graph has opset 17 and a dynamic `batch` axis on every input and output.

The graphs come from torch's TorchScript exporter (`dynamo=False`): it emits opset 17 directly, while the newer
torch.export-based exporter builds opset 18 and converts it down (it warns that the conversion may fail), needs
onnxscript, and takes seconds per graph. torch 2.15 flags the TorchScript exporter as deprecated; requirements.txt
pins torch, so this keeps working until the pin is moved.
"""
from __future__ import annotations

import hashlib
import io
import json
import warnings
from datetime import datetime, timezone
from typing import Sequence

import numpy as np
import onnx
import torch
from torch import nn

from .data import MultiTaskData, SetInfo, TwoTowerSet
from .models import MultiTaskModel, Standardize, TwoTower, embed
from .store import Published, publish
from .train import TrainConfig, predict

OPSET = 17
CARD_FORMAT = "recsys-model-card/1"
PARITY_ROWS = 8
BATCH = "batch"


def onnx_bytes(module: nn.Module, n_inputs: int, input_name: str, output_names: Sequence[str]) -> bytes:
    """The ONNX graph (opset 17) of module in eval mode: one float32 input [batch, n_inputs] → the named outputs,
    every axis 0 named `batch`. Checked with onnx.checker before it is returned."""
    module.eval()
    example = torch.zeros(2, n_inputs)  # batch 2, so tracing cannot specialise a batch of one
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", message=".*will be removed.*")
        torch.onnx.export(
            module,
            (example,),
            buffer,
            input_names=[input_name],
            output_names=list(output_names),
            opset_version=OPSET,
            dynamo=False,
            dynamic_axes={name: {0: BATCH} for name in [input_name, *output_names]},
            do_constant_folding=True,
        )
    data = buffer.getvalue()
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model)
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets.get("", opsets.get("ai.onnx")) != OPSET:
        raise RuntimeError(f"the exporter wrote opset {opsets}, not {OPSET}")
    return data


def f32(values) -> list:
    """Nested lists of float32 values as the shortest decimals that read back as the same float32."""
    a = np.asarray(values, dtype=np.float32)
    if a.ndim == 0:
        return float(str(a[()]))
    return [f32(v) for v in a]


def columns(normalizer: Standardize, names: Sequence[str]) -> list[dict]:
    """The card's `columns`: each input column's feature name and the mean/std the graph standardises it with."""
    mean, std = normalizer.mean.numpy(), normalizer.std.numpy()
    if len(names) != len(mean):
        raise ValueError(f"{len(names)} feature names for a model of {len(mean)} inputs")
    return [{"feature": n, "mean": f32(m), "std": f32(s)} for n, m, s in zip(names, mean, std)]


def default_version(info: SetInfo, seed: int, options: dict) -> str:
    """A version name that is a function of the data and the options: `v1-<time of the last row, UTC>-seed<seed>-
    <10 hex of sha256(data digest, options)>`. Newer data sorts later; the same data and options give the same
    version (and, with deterministic training, the same bytes, so publishing again is a no-op)."""
    end = datetime.fromtimestamp(info.end_ms / 1000, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256((info.digest + json.dumps(options, sort_keys=True)).encode()).hexdigest()[:10]
    return f"v1-{end}-seed{seed}-{digest}"


def card_bytes(card: dict) -> bytes:
    return (json.dumps(card, indent=2, ensure_ascii=False) + "\n").encode()


def ranker_files(
    model: MultiTaskModel,
    data: MultiTaskData,
    name: str,
    version: str,
    config: TrainConfig,
    training: dict,
    metrics: dict[str, dict[str, float]],
) -> dict[str, bytes]:
    """model.onnx and card.json of a trained ranker. Parity: the first 8 test rows and the PyTorch outputs on them.
    training: the card's `training` object (data, split, rows, seed, epochs, command, …)."""
    tasks = [t.name for t in model.tasks]
    rows = data.test.x[:PARITY_ROWS]
    outputs = predict(model, rows)
    card = {
        "format": CARD_FORMAT,
        "name": name,
        "version": version,
        "architecture": model.architecture,
        "onnx": {"file": "model.onnx", "opset": OPSET},
        "inputs": [
            {
                "name": "features",
                "type": "float32",
                "shape": [BATCH, model.n_features],
                "columns": columns(model.normalize, data.features),
            }
        ],
        "outputs": [
            {"name": t.name, "task": t.name, "kind": "probability"}
            if t.binary
            else {"name": t.name, "task": t.name, "kind": "regression", **({"unit": t.unit} if t.unit else {})}
            for t in model.tasks
        ],
        "lossWeights": {t.name: config.weight(t) for t in model.tasks},
        "training": training,
        "metrics": {"test": metrics},
        "parity": {"rows": f32(rows), "outputs": {t: f32(outputs[:, j]) for j, t in enumerate(tasks)}},
    }
    return {"model.onnx": onnx_bytes(model, model.n_features, "features", tasks), "card.json": card_bytes(card)}


def export_ranker(store: str, name: str, version: str, **kwargs) -> Published:
    """Publishes `ranker_files(...)` as `<store>/<name>/<version>/` (see store.publish for the overwrite rules)."""
    return publish(store, name, version, ranker_files(name=name, version=version, **kwargs))


def two_tower_files(
    model: TwoTower, data: TwoTowerSet, name: str, version: str, training: dict, metrics: dict
) -> dict[str, bytes]:
    """user_tower.onnx, item_tower.onnx, item_embeddings.f32, item_ids.json and card.json of a trained two-tower
    model. Parity per tower: the first 8 test pairs' user (item) rows and the PyTorch embeddings of them."""
    dim = int(model.user.out.out_features)
    item_embeddings = embed(model.item, data.items)

    def tower(kind: str, t, feature_names: list[str], rows: np.ndarray) -> tuple[dict, dict]:
        spec = {
            "onnx": {"file": f"{kind}_tower.onnx", "opset": OPSET},
            "input": {"name": kind, "type": "float32", "shape": [BATCH, len(feature_names)], "columns": columns(t.normalize, feature_names)},
            "output": {"name": "embedding", "type": "float32", "shape": [BATCH, dim]},
        }
        return spec, {"rows": f32(rows), "outputs": {"embedding": f32(embed(t, rows))}}

    user_spec, user_parity = tower("user", model.user, data.user_features, data.test.user[:PARITY_ROWS])
    item_spec, item_parity = tower("item", model.item, data.item_features, data.test.item[:PARITY_ROWS])
    card = {
        "format": CARD_FORMAT,
        "name": name,
        "version": version,
        "architecture": "two-tower",
        "towers": {"user": user_spec, "item": item_spec},
        "score": "dot product of the user and item embeddings (both unit length); training divided it by temperature",
        "temperature": model.temperature,
        "itemEmbeddings": {"file": "item_embeddings.f32", "ids": "item_ids.json", "rows": len(data.item_ids), "dim": dim},
        "training": training,
        "metrics": {"test": metrics},
        "parity": {"user": user_parity, "item": item_parity},
    }
    return {
        "user_tower.onnx": onnx_bytes(model.user, len(data.user_features), "user", ["embedding"]),
        "item_tower.onnx": onnx_bytes(model.item, len(data.item_features), "item", ["embedding"]),
        "item_embeddings.f32": item_embeddings.astype("<f4").tobytes(),
        "item_ids.json": (json.dumps(data.item_ids) + "\n").encode(),
        "card.json": card_bytes(card),
    }


def export_two_tower(store: str, name: str, version: str, **kwargs) -> Published:
    """Publishes `two_tower_files(...)` as `<store>/<name>/<version>/`."""
    return publish(store, name, version, two_tower_files(name=name, version=version, **kwargs))
