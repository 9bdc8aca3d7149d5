"""Checkpoints: ``save``/``load`` nested state dicts as one ``.npz``, never with pickle.

Format: every array (ndarray, NumPy scalar or Tensor, whose ``.data`` is stored) is an entry
of the archive named by its key path joined with ``/`` (``model/fc1.weight``); the structure
(dicts with str or int keys, lists, tuples) and the small Python values (int, float, bool,
None, str) live in a JSON manifest stored as a uint8 array under ``__tinymoe_manifest__``.
Loading uses ``allow_pickle=False`` and JSON only, so a checkpoint cannot run code. Arrays come
back bit-exact with their dtype; Tensors come back as ndarrays (load them with
``load_state_dict``); tuples stay tuples; floats round-trip exactly (JSON keeps ``repr``
precision, and ``NaN``/``Infinity``).
"""

import json
import os
import zipfile

import numpy as np

from tinymoe.tensor import Tensor

MANIFEST = "__tinymoe_manifest__"
FORMAT = "tinymoe-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint cannot be written or read; the message names the file and the key."""


def _encode(obj, path: str, arrays: dict):
    """The manifest node for ``obj``; arrays are added to ``arrays`` under unique names."""
    where = path or "<root>"
    if isinstance(obj, Tensor | np.ndarray | np.generic):
        array = obj.data if isinstance(obj, Tensor) else np.asarray(obj)
        if array.dtype.hasobject:
            raise CheckpointError(f"save: {where}: object arrays need pickle and are refused")
        name, k = path or "<root>", 1
        while name in arrays or name == MANIFEST:
            name, k = f"{path}#{k}", k + 1
        arrays[name] = array
        kind = "scalar" if isinstance(obj, np.generic) else "array"
        return {"type": kind, "entry": name}
    if obj is None or isinstance(obj, bool | int | float | str):
        return {"type": "value", "value": obj}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise CheckpointError(
                    f"save: {where}: dict keys must be str or int, got {type(key).__name__} {key!r}"
                )
            child = f"{path}/{key}" if path else str(key)
            items.append([key, _encode(value, child, arrays)])
        return {"type": "dict", "items": items}
    if isinstance(obj, list | tuple):
        return {
            "type": type(obj).__name__,
            "items": [
                _encode(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(obj)
            ],
        }
    raise CheckpointError(
        f"save: {where}: cannot store a {type(obj).__name__}; use arrays, "
        f"Tensors, numbers, str, None, and dicts/lists/tuples of them"
    )


def save(obj, path) -> None:
    """Write ``obj`` (e.g. ``{"model": model.state_dict(), "optim": opt.state_dict(),
    "epoch": 3}``) to ``path`` (used as given; ``.npz`` is the usual suffix), uncompressed."""
    arrays: dict = {}
    manifest = {"format": FORMAT, "version": VERSION, "root": _encode(obj, "", arrays)}
    text = json.dumps(manifest).encode("utf-8")
    arrays[MANIFEST] = np.frombuffer(text, dtype=np.uint8)
    target = os.fspath(path)
    partial = target + ".partial"  # written fully, then renamed: a crash keeps the old file
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, array, allow_pickle=False)
    os.replace(partial, target)


def _decode(node, path: str, archive, source) -> object:
    kind = node.get("type") if isinstance(node, dict) else None
    if kind == "value":
        return node["value"]
    if kind == "dict":
        return {
            key: _decode(child, f"{path}/{key}", archive, source) for key, child in node["items"]
        }
    if kind in ("list", "tuple"):
        items = [
            _decode(child, f"{path}/{i}", archive, source) for i, child in enumerate(node["items"])
        ]
        return items if kind == "list" else tuple(items)
    if kind in ("array", "scalar"):
        entry = node["entry"]
        if entry not in archive.files:
            raise CheckpointError(
                f"load: {source}: key {path.lstrip('/')!r}: array {entry!r} "
                f"missing from the archive"
            )
        try:
            array = archive[entry]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise CheckpointError(
                f"load: {source}: key {path.lstrip('/')!r}: cannot read array {entry!r}: {err}"
            ) from err
        return array[()] if kind == "scalar" else array
    raise CheckpointError(
        f"load: {source}: key {path.lstrip('/') or '<root>'!r}: bad manifest node {node!r}"
    )


def load(path):
    """Read a checkpoint written by ``save``. Raises ``FileNotFoundError`` for a missing file and
    ``CheckpointError`` (naming the file, and the key when one is at fault) for anything that
    is not an intact tinymoe checkpoint."""
    source = os.fspath(path)
    if not os.path.exists(source):
        raise FileNotFoundError(f"load: no such checkpoint {source!r}")
    try:
        archive = np.load(source, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(
            f"load: {source!r} is not a readable .npz checkpoint "
            f"(truncated, corrupt or another format): {err}"
        ) from err
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"load: {source!r} is a .npy array, not a .npz checkpoint")
    with archive:
        if MANIFEST not in archive.files:
            raise CheckpointError(
                f"load: {source!r} has no {MANIFEST!r}: not written by tinymoe.save"
            )
        try:
            manifest = json.loads(archive[MANIFEST].tobytes().decode("utf-8"))
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise CheckpointError(f"load: {source!r}: unreadable manifest: {err}") from err
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise CheckpointError(f"load: {source!r}: manifest is not a {FORMAT} manifest")
        if manifest.get("version") != VERSION:
            raise CheckpointError(
                f"load: {source!r}: format version {manifest.get('version')!r}"
                f", this tinymoe reads version {VERSION}"
            )
        try:
            return _decode(manifest.get("root"), "", archive, repr(source))
        except CheckpointError:
            raise
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"load: {source!r}: malformed manifest: {err!r}") from err


def check_state_shapes(expected: dict, loaded: dict, strict: bool = True) -> None:
    """Compare a flat state dict from a checkpoint with the one a model expects.

    Values are anything with ``.shape`` (arrays, Tensors, Parameters). Raises
    ``CheckpointError`` listing every missing key, every unexpected key (when ``strict``) and
    every shape mismatch as ``key: checkpoint (a, b) vs model (c, d)``.
    """
    problems = []
    missing = [k for k in expected if k not in loaded]
    unexpected = [k for k in loaded if k not in expected]
    if missing:
        problems.append(f"missing keys {missing}")
    if unexpected and strict:
        problems.append(f"unexpected keys {unexpected}")
    for key in expected:
        if key in loaded and tuple(loaded[key].shape) != tuple(expected[key].shape):
            problems.append(
                f"{key}: checkpoint shape {tuple(loaded[key].shape)} vs model "
                f"shape {tuple(expected[key].shape)}"
            )
    if problems:
        raise CheckpointError("load_state_dict: " + "; ".join(problems))
