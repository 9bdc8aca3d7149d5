"""Checkpoints: bit-exact round trips, clear errors, no pickle."""

import io
import json
import math
import struct
import zipfile

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.serialization import CheckpointError, check_state_shapes, load, save


def _state(rng):
    return {
        "model": {
            "fc1.weight": rng.standard_normal((4, 3)).astype(np.float32),
            "fc1.bias": rng.standard_normal(4),  # float64
            "half": rng.standard_normal(5).astype(np.float16),
            "ints": np.array([-(2**62), 0, 2**62], dtype=np.int64),
            "u8": np.arange(7, dtype=np.uint8),
            "mask": np.array([True, False]),
            "complex": np.array([1 + 2j], dtype=np.complex64),
            "empty": np.zeros((0, 3), dtype=np.float32),
            "strided": rng.standard_normal((6, 6))[::2, 1::2].T,  # non-contiguous
            "zero_d": np.array(3.5),
        },
        "optimizer": {
            "state": {0: {"step": 12, "exp_avg": np.full(3, 0.25)}, 1: {"step": 12}},
            "param_groups": [
                {
                    "lr": 1e-3,
                    "betas": (0.9, 0.999),
                    "params": [0, 1],
                    "amsgrad": False,
                    "name": "décodeur",
                    "clip": None,
                }
            ],
        },
        "epoch": 7,
        "tiny": 5e-324,
        "neg_zero": -0.0,
        "inf": float("inf"),
        "big": 2**80,
        "np_scalar": np.float32(0.1),
    }


def _assert_same(a, b, where="root"):
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}/{i}")
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), where
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), where
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), where
    else:
        assert a == b, where


def test_round_trip_is_bit_exact_with_types(tmp_path, rng):
    state = _state(rng)
    path = tmp_path / "ck.npz"
    save(state, path)
    _assert_same(load(path), state)
    assert not list(tmp_path.glob("*.partial"))


def test_nan_and_tensors(tmp_path):
    path = tmp_path / "t.npz"
    w = tm.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    save({"w": w, "nan": math.nan}, path)
    out = load(path)
    assert isinstance(out["w"], np.ndarray) and out["w"].dtype == w.dtype
    np.testing.assert_array_equal(out["w"], w.numpy())
    assert math.isnan(out["nan"])


def test_file_is_a_plain_npz_with_readable_names(tmp_path):
    path = tmp_path / "ck.npz"
    save({"model": {"fc1.weight": np.ones((2, 2))}, "step": 3}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert "model/fc1.weight" in archive.files
        manifest = json.loads(archive["__tinymoe_manifest__"].tobytes())
    assert manifest["format"] == "tinymoe-checkpoint"


def test_colliding_key_paths_stay_distinct(tmp_path):
    path = tmp_path / "c.npz"
    state = {"a/b": np.zeros(1), "a": {"b": np.ones(1)}, 0: np.full(1, 2.0), "0": np.full(1, 3.0)}
    save(state, path)
    _assert_same(load(path), state)


def test_truncated_file_names_the_path(tmp_path, rng):
    path = tmp_path / "trunc.npz"
    save(_state(rng), path)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(CheckpointError, match="trunc.npz.*truncated, corrupt"):
        load(path)


def test_corrupt_array_bytes_name_the_key(tmp_path):
    path = tmp_path / "bad.npz"
    weight = np.arange(64, dtype=np.float64)
    save({"layer": {"weight": weight}}, path)
    blob = bytearray(path.read_bytes())
    at = bytes(blob).index(weight.tobytes())
    blob[at + 100] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match=r"bad.npz.*key 'layer/weight'"):
        load(path)


def _rewrite(path, drop=None, add=None):
    """Copy the zip at ``path`` without entry ``drop`` and with extra ``add`` entries."""
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist() if n != drop}
    members.update(add or {})
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)


def test_missing_array_names_the_key(tmp_path):
    path = tmp_path / "m.npz"
    save({"model": {"w": np.ones(2), "b": np.zeros(2)}}, path)
    _rewrite(path, drop="model/b.npy")
    with pytest.raises(CheckpointError, match=r"key 'model/b'.*missing"):
        load(path)


def test_non_checkpoints_are_refused(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("not a zip at all")
    with pytest.raises(CheckpointError, match="notes.npz"):
        load(text)
    npy = tmp_path / "arr.npz"
    with open(npy, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(CheckpointError, match=r"\.npy array, not a \.npz"):
        load(npy)
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(3))
    with pytest.raises(CheckpointError, match="not written by tinymoe.save"):
        load(plain)
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load(tmp_path / "nowhere.npz")


def test_bad_manifest_is_refused(tmp_path):
    path = tmp_path / "man.npz"
    save({"w": np.ones(2)}, path)
    for manifest in (
        b"{not json",
        json.dumps({"format": "other"}).encode(),
        json.dumps(
            {
                "format": "tinymoe-checkpoint",
                "version": 1,
                "root": {"type": "dict", "items": [["w", {"type": "eval"}]]},
            }
        ).encode(),
    ):
        buf = _npy_bytes(np.frombuffer(manifest, dtype=np.uint8))
        _rewrite(path, drop="__tinymoe_manifest__.npy", add={"__tinymoe_manifest__.npy": buf})
        with pytest.raises(CheckpointError, match="man.npz"):
            load(path)


def _npy_bytes(array, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


class _Payload:
    """Unpickling this object would create a file: proof that code ran."""

    def __init__(self, flag):
        self.flag = str(flag)

    def __reduce__(self):
        return open, (self.flag, "w")


def test_a_pickle_inside_the_archive_is_never_executed(tmp_path):
    flag = tmp_path / "code_ran"
    path = tmp_path / "evil.npz"
    save({"w": np.ones(2)}, path)
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload(flag)
    _rewrite(path, drop="w.npy", add={"w.npy": _npy_bytes(evil, allow_pickle=True)})
    with pytest.raises(CheckpointError, match=r"key 'w'.*allow_pickle=False"):
        load(path)
    assert not flag.exists()


def test_save_refuses_what_it_cannot_store_without_pickle(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(CheckpointError, match=r"model/extra: cannot store a set"):
        save({"model": {"extra": {1, 2}}}, path)
    with pytest.raises(CheckpointError, match="object arrays need pickle"):
        save({"w": np.array([None, 1], dtype=object)}, path)
    with pytest.raises(CheckpointError, match="dict keys must be str or int"):
        save({(1, 2): 3}, path)
    assert not path.exists()


def test_check_state_shapes_names_keys_and_both_shapes():
    model = {"fc.weight": tm.zeros(4, 3), "fc.bias": np.zeros(4)}
    check_state_shapes(model, {"fc.weight": np.ones((4, 3)), "fc.bias": np.ones(4)})
    with pytest.raises(
        CheckpointError, match=r"fc.weight: checkpoint shape \(3, 4\) vs model shape \(4, 3\)"
    ):
        check_state_shapes(model, {"fc.weight": np.ones((3, 4)), "fc.bias": np.ones(4)})
    with pytest.raises(CheckpointError, match=r"missing keys \['fc.bias'\]"):
        check_state_shapes(model, {"fc.weight": np.ones((4, 3))})
    extra = {"fc.weight": np.ones((4, 3)), "fc.bias": np.ones(4), "head.w": np.ones(1)}
    with pytest.raises(CheckpointError, match=r"unexpected keys \['head.w'\]"):
        check_state_shapes(model, extra)
    check_state_shapes(model, extra, strict=False)


# --- hostile and interrupted files: each is built here, by the test ------------------------


def test_a_declared_huge_array_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npz"
    save({"w": np.ones(2)}, path)
    buf = io.BytesIO()
    np.lib.format.write_array_header_2_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)}
    )
    fake = buf.getvalue() + np.ones(2).tobytes()  # the header includes the magic
    _rewrite(path, drop="w.npy", add={"w.npy": fake})
    declared = r"declares 8796093022208 bytes"
    with pytest.raises(CheckpointError, match=rf"huge.npz.*key 'w'.*{declared}"):
        load(path)


def test_compressed_entries_are_refused(tmp_path):
    """A deflate bomb: a few KiB on disk that would inflate to 64 MiB of zeros."""
    path = tmp_path / "bomb.npz"
    save({"w": np.ones(2)}, path)
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist()}
    members["w.npy"] = _npy_bytes(np.zeros(8 << 20))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(CheckpointError, match=r"bomb.npz.*compressed"):
        load(path)


def _write_manifest(path, root=None, text=None):
    """Replace the manifest of the checkpoint at ``path`` (built from ``root``, or raw JSON)."""
    manifest = {"format": "tinymoe-checkpoint", "version": 1, "root": root}
    raw = text.encode() if text is not None else json.dumps(manifest).encode()
    buf = _npy_bytes(np.frombuffer(raw, dtype=np.uint8))
    _rewrite(path, drop="__tinymoe_manifest__.npy", add={"__tinymoe_manifest__.npy": buf})


@pytest.mark.parametrize("depth", [300, 900, 5000])
def test_a_deeply_nested_manifest_is_a_checkpoint_error(tmp_path, depth):
    path = tmp_path / "deep.npz"
    save({"w": np.ones(2)}, path)
    nested = '{"type": "list", "items": [' * depth + '{"type": "value", "value": 1}'
    nested += "]}" * depth
    _write_manifest(path, text='{"format": "tinymoe-checkpoint", "version": 1, "root": '
                    + nested + "}")
    with pytest.raises(CheckpointError, match=r"deep.npz.*(nested deeper than|unreadable)"):
        load(path)


def test_duplicate_manifest_keys_and_entries_are_refused(tmp_path):
    path = tmp_path / "dup.npz"
    save({"w": np.ones(2)}, path)
    value = {"type": "value", "value": 1}
    _write_manifest(path, {"type": "dict", "items": [["a", value], ["a", value]]})
    with pytest.raises(CheckpointError, match=r"dup.npz.*duplicate keys"):
        load(path)
    save({"w": np.ones(2)}, path)
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("w.npy", _npy_bytes(np.zeros(2)))
    with pytest.raises(CheckpointError, match=r"dup.npz.*duplicate entries"):
        load(path)


def test_save_refuses_cycles_nul_keys_and_absurd_depth(tmp_path):
    path = tmp_path / "x.npz"
    loop: dict = {"w": np.ones(1)}
    loop["self"] = loop
    with pytest.raises(CheckpointError, match=r"self: the structure contains itself"):
        save(loop, path)
    with pytest.raises(CheckpointError, match=r"contains a NUL byte"):
        save({"a\x00b": np.ones(1)}, path)
    deep: list = []
    node = deep
    for _ in range(300):
        node.append([])
        node = node[0]
    with pytest.raises(CheckpointError, match="nested deeper than"):
        save(deep, path)
    shared = [np.ones(1)]
    save({"a": shared, "b": shared}, path)  # the same list twice is not a cycle
    assert list(load(path)) == ["a", "b"]


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.ones(3)}, path)
    calls = {"n": 0}
    write = np.lib.format.write_array

    def dies_midway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed mid-save")
        return write(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        save({"w": np.zeros(3), "b": np.zeros(100_000)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path)["w"], np.ones(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]


def test_concurrent_saves_to_one_path_never_collide(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "shared.npz"

    def writer(i):
        for _ in range(5):
            save({"who": np.full(50_000, float(i))}, path)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(writer, range(4)))
    who = load(path)["who"]
    assert who.shape == (50_000,) and np.all(who == who[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.npz"]
