"""The tasks a multi-task model predicts: a name and a kind (binary → probability, regression → value)."""
from __future__ import annotations

from dataclasses import dataclass

BINARY = "binary"
REGRESSION = "regression"
KINDS = (BINARY, REGRESSION)


@dataclass(frozen=True)
class Task:
    """One prediction target.

    `name` names the model's output and the card's metrics; `kind` is "binary" (labels 0/1, the model outputs a
    sigmoid probability) or "regression" (the model outputs a value in `unit`, which a regression task must have).
    """

    name: str
    kind: str
    unit: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"task name must be a non-empty string, got {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"task {self.name!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == REGRESSION and not (isinstance(self.unit, str) and self.unit):
            raise ValueError(f"regression task {self.name!r} needs a unit (the card states the unit of its output)")

    @property
    def binary(self) -> bool:
        return self.kind == BINARY
