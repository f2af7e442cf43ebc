"""Helpers shared by the commands: option parsers and the canonical command line recorded in model cards."""
from __future__ import annotations

import argparse
import shlex
from typing import Iterable


def sizes(text: str) -> tuple[int, ...]:
    """"128,64" → (128, 64): hidden layer sizes, each ≥ 1."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"sizes must be ≥ 1, got {text!r}")
    return values


def names(text: str) -> list[str]:
    """A comma-separated list of names, e.g. "item_quality,user_topic_affinity" (no empty or repeated name)."""
    out = [n.strip() for n in text.split(",")]
    if any(not n for n in out) or len(set(out)) != len(out):
        raise argparse.ArgumentTypeError(f"expected distinct comma-separated names, got {text!r}")
    return out


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def loss_weights(text: str) -> dict[str, float]:
    """"click=1,save=2" → {"click": 1.0, "save": 2.0}."""
    weights: dict[str, float] = {}
    for part in filter(None, text.split(",")):
        name, _, value = part.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected task=weight pairs, got {part!r}") from None
    return weights


def command(module: str, options: Iterable[tuple[str, object]]) -> str:
    """The command line that reproduces a run: every option explicit, in a fixed order, so equivalent invocations
    record the same text (and a re-run publishes identical bytes)."""
    words = ["python", "-m", module]
    for flag, value in options:
        if value is None:
            continue
        if isinstance(value, tuple):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ",".join(f"{k}={v:g}" for k, v in sorted(value.items()))
        words += [flag, str(value)]
    return shlex.join(words)
