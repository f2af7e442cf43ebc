"""Publishes model versions into a model-store directory, in the layout of the services' LocalModelStore.

Layout: `<store>/<name>/<version>/<file>` plus `.manifest.json` ({name, version, files, publishedAtMs}), which
LocalModelStore (libs/stores/src/model-store/local.model-store.ts) reads to tell a published version from a partial
one. The files and the manifest are written into a hidden temporary directory beside the versions, fsynced, and the
directory is renamed to `<version>`, so a reader sees all of a version or none of it. The name, version and file
rules and the ordering rule (a new version must sort after the latest, as the store serves the greatest) are the
store's.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".manifest.json"
NAME = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")
VERSION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


class PublishError(ValueError):
    """A version that cannot be published (bad name, a different model under the same version, an older version)."""


@dataclass(frozen=True)
class Published:
    """path: the version directory; written: False when the identical version was already there (nothing written)."""

    path: Path
    written: bool


def check_name(name: str) -> None:
    if len(name) > 200 or not NAME.fullmatch(name):
        raise PublishError(f"model name must be segments of a-z, 0-9, '_' or '-' separated by '/', got {name!r}")


def check_version(version: str) -> None:
    if len(version) > 128 or not VERSION.fullmatch(version):
        raise PublishError(
            f"version must be 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-', got {version!r}"
        )


def latest_version(store: str | Path, name: str) -> str | None:
    """The greatest published version of `name` (code-unit order, among directories holding a manifest), or None."""
    directory = Path(store, *name.split("/"))
    if not directory.is_dir():
        return None
    versions = sorted((p.name for p in directory.iterdir() if p.is_dir() and VERSION.fullmatch(p.name)), reverse=True)
    return next((v for v in versions if (directory / v / MANIFEST).is_file()), None)


def publish(store: str | Path, name: str, version: str, files: dict[str, bytes]) -> Published:
    """Writes `files` as `<store>/<name>/<version>/` atomically.

    Publishing the same bytes under an existing version is a no-op (`written=False`). Raises PublishError when the
    version exists with different files (remove it or choose another version) or sorts below the latest version
    (the store would never serve it).
    """
    check_name(name)
    check_version(version)
    if not files:
        raise PublishError("a version needs at least one file")
    for file in files:
        if len(file) > 200 or not FILE.fullmatch(file):
            raise PublishError(f"file names must be letters, digits, '.', '_' or '-', not starting with '.' or '-', got {file!r}")
    directory = Path(store, *name.split("/"))
    target = directory / version
    if (target / MANIFEST).is_file():
        existing = sorted(json.loads((target / MANIFEST).read_text())["files"])
        same = existing == sorted(files) and all((target / f).read_bytes() == files[f] for f in files)
        if same:
            return Published(target, written=False)
        raise PublishError(
            f"{target} already holds a different {name} {version}; remove it or pass another version to publish this model"
        )
    latest = latest_version(store, name)
    if latest is not None and not version > latest:
        raise PublishError(
            f"{name} version {version} sorts before the latest version {latest} in {directory}, so the services would "
            "never load it; pass a version that sorts after it"
        )
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".tmp-{version}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        for file in sorted(files):
            _write_synced(tmp / file, files[file])
        manifest = {"name": name, "version": version, "files": sorted(files), "publishedAtMs": int(time.time() * 1000)}
        _write_synced(tmp / MANIFEST, json.dumps(manifest, indent=2).encode())
        _sync_dir(tmp)
        try:
            # os.rename onto an existing non-empty directory fails, so a concurrent publish cannot be overwritten.
            os.rename(tmp, target)
        except OSError as error:
            raise PublishError(f"{target} appeared while publishing ({error.strerror}); not overwritten") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _sync_dir(directory)
    return Published(target, written=True)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
