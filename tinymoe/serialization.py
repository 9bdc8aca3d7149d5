"""Checkpoints: ``save``/``load`` nested state dicts as one ``.npz``, never with pickle.

Format: every array (ndarray, NumPy scalar or Tensor, whose ``.data`` is stored) is an entry
of the archive named by its key path joined with ``/`` (``model/fc1.weight``); the structure
(dicts with str or int keys, lists, tuples) and the small Python values (int, float, bool,
None, str) live in a JSON manifest stored as a uint8 array under ``__tinymoe_manifest__``.
Loading uses ``allow_pickle=False`` and JSON only, so a checkpoint cannot run code. Arrays come
back bit-exact with their dtype; Tensors come back as ndarrays (load them with
``load_state_dict``); tuples stay tuples; floats round-trip exactly (JSON keeps ``repr``
precision, and ``NaN``/``Infinity``).

Hostile or damaged files fail with ``CheckpointError`` (naming the file and the key) before
anything large is allocated: entries must be stored uncompressed (``save`` never compresses,
so a deflate bomb is refused) and each array's declared size must equal its stored size, so
loading never allocates more than the file holds. ``save`` writes a unique temporary file in
the target's folder, fsyncs it, and renames it over the target: a crash or a concurrent
writer never leaves a half-written checkpoint under the target's name.
"""

import json
import math
import os
import tempfile
import zipfile

import numpy as np

from tinymoe.tensor import Tensor

MANIFEST = "__tinymoe_manifest__"
FORMAT = "tinymoe-checkpoint"
VERSION = 1
MAX_DEPTH = 200  # nesting levels of dicts/lists/tuples, checked on save and on load


class CheckpointError(ValueError):
    """A checkpoint cannot be written or read; the message names the file and the key."""


def _encode(obj, path: str, arrays: dict, parents: tuple = ()):
    """The manifest node for ``obj``; arrays are added to ``arrays`` under unique names.
    ``parents`` holds the ids of the containers above ``obj`` (to refuse cycles)."""
    where = path or "<root>"
    if isinstance(obj, dict | list | tuple):
        if id(obj) in parents:
            raise CheckpointError(f"save: {where}: the structure contains itself (a cycle)")
        if len(parents) >= MAX_DEPTH:
            raise CheckpointError(f"save: {where}: nested deeper than {MAX_DEPTH} levels")
        parents = (*parents, id(obj))
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
            if isinstance(key, str) and "\x00" in key:
                raise CheckpointError(f"save: {where}: dict key {key!r} contains a NUL byte")
            child = f"{path}/{key}" if path else str(key)
            items.append([key, _encode(value, child, arrays, parents)])
        return {"type": "dict", "items": items}
    if isinstance(obj, list | tuple):
        return {
            "type": type(obj).__name__,
            "items": [
                _encode(v, f"{path}/{i}" if path else str(i), arrays, parents)
                for i, v in enumerate(obj)
            ],
        }
    raise CheckpointError(
        f"save: {where}: cannot store a {type(obj).__name__}; use arrays, "
        f"Tensors, numbers, str, None, and dicts/lists/tuples of them"
    )


def save(obj, path) -> None:
    """Write ``obj`` (e.g. ``{"model": model.state_dict(), "optim": opt.state_dict(),
    "epoch": 3}``) to ``path`` (used as given; ``.npz`` is the usual suffix), uncompressed.

    Atomic: the archive goes to a unique temporary file beside ``path``, is fsynced and
    renamed over ``path``; on any error the temporary file is removed and ``path`` is intact.
    """
    arrays: dict = {}
    manifest = {"format": FORMAT, "version": VERSION, "root": _encode(obj, "", arrays)}
    text = json.dumps(manifest).encode("utf-8")
    arrays[MANIFEST] = np.frombuffer(text, dtype=np.uint8)
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    fd, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as archive:
                for key, array in arrays.items():
                    with archive.open(key + ".npy", "w", force_zip64=True) as f:
                        np.lib.format.write_array(f, array, allow_pickle=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_entry(archive: zipfile.ZipFile, entry: str, where: str) -> np.ndarray:
    """The array stored as ``entry + ".npy"``, after checking it is stored uncompressed and
    that its header declares exactly the bytes it stores (so nothing big is allocated)."""
    info = archive.getinfo(entry + ".npy")
    if info.compress_type != zipfile.ZIP_STORED:
        raise CheckpointError(f"{where}: entry is compressed; tinymoe checkpoints store "
                              f"entries uncompressed, so this file was not written by tinymoe")
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        if dtype.hasobject:
            raise CheckpointError(f"{where}: object arrays need pickle, and loading uses "
                                  f"allow_pickle=False")
        declared = math.prod(shape) * dtype.itemsize
        stored = info.file_size - f.tell()
        if declared != stored:
            raise CheckpointError(f"{where}: header declares {declared} bytes of data "
                                  f"{dtype}{tuple(shape)} but the entry stores {stored}")
    with archive.open(info) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _decode(node, path: str, archive: zipfile.ZipFile, source: str, depth: int = 0):
    """The object that manifest ``node`` (at key ``path``) describes."""
    key = path.lstrip("/") or "<root>"
    if depth > MAX_DEPTH:
        raise CheckpointError(f"load: {source}: key {key!r}: nested deeper than {MAX_DEPTH}")
    kind = node.get("type") if isinstance(node, dict) else None
    if kind == "value":
        return node["value"]
    if kind == "dict":
        keys = [k for k, _ in node["items"]]
        if len(set(keys)) != len(keys):
            raise CheckpointError(f"load: {source}: key {key!r}: duplicate keys in the manifest")
        return {
            k: _decode(child, f"{path}/{k}", archive, source, depth + 1)
            for k, child in node["items"]
        }
    if kind in ("list", "tuple"):
        items = [
            _decode(child, f"{path}/{i}", archive, source, depth + 1)
            for i, child in enumerate(node["items"])
        ]
        return items if kind == "list" else tuple(items)
    if kind in ("array", "scalar"):
        entry = node["entry"]
        if not isinstance(entry, str) or entry + ".npy" not in archive.namelist():
            raise CheckpointError(
                f"load: {source}: key {key!r}: array {entry!r} missing from the archive"
            )
        where = f"load: {source}: key {key!r}: array {entry!r}"
        try:
            array = _read_entry(archive, entry, where)
        except CheckpointError:
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise CheckpointError(f"{where}: cannot read it: {err}") from err
        return array[()] if kind == "scalar" else array
    raise CheckpointError(f"load: {source}: key {key!r}: bad manifest node {node!r}")


def load(path):
    """Read a checkpoint written by ``save``. Raises ``FileNotFoundError`` for a missing file and
    ``CheckpointError`` (naming the file, and the key when one is at fault) for anything that
    is not an intact tinymoe checkpoint."""
    source = os.fspath(path)
    if not os.path.exists(source):
        raise FileNotFoundError(f"load: no such checkpoint {source!r}")
    with open(source, "rb") as f:
        if f.read(6) == b"\x93NUMPY":
            raise CheckpointError(f"load: {source!r} is a .npy array, not a .npz checkpoint")
    try:
        archive = zipfile.ZipFile(source)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(
            f"load: {source!r} is not a readable .npz checkpoint "
            f"(truncated, corrupt or another format): {err}"
        ) from err
    with archive:
        names = archive.namelist()
        if len(set(names)) != len(names):
            raise CheckpointError(f"load: {source!r}: the archive holds duplicate entries")
        if MANIFEST + ".npy" not in names:
            raise CheckpointError(
                f"load: {source!r} has no {MANIFEST!r}: not written by tinymoe.save"
            )
        try:
            text = _read_entry(archive, MANIFEST, f"load: {source!r}: manifest")
            manifest = json.loads(text.tobytes().decode("utf-8"))
        except CheckpointError:
            raise
        except (ValueError, OSError, EOFError, RecursionError, zipfile.BadZipFile) as err:
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
        except (KeyError, TypeError, ValueError, AttributeError) as err:
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
