"""Shared fixtures: one torch thread (the machine is shared), small synthetic sets written once per session."""
from __future__ import annotations

import pytest
import torch

import synthetic

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def ranker_set(tmp_path_factory):
    return synthetic.write_ranker_set(tmp_path_factory.mktemp("ranker-set"), n=3000)


@pytest.fixture(scope="session")
def two_tower_set(tmp_path_factory):
    return synthetic.write_two_tower_set(tmp_path_factory.mktemp("two-tower-set"))
