"""tinymoe.data: loaders, splitting, scaling fitted on train only, generators, digits."""

from importlib import resources

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import data as D

# ------------------------------------------------------------------ digits


def test_load_digits_counts_dtypes_and_range():
    X, y = D.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))
    # per-digit counts of the UCI test split (DIGITS_LICENSE.md)
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    images, y2 = D.load_digits(return_images=True)
    assert images.shape == (1797, 8, 8)
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    np.testing.assert_array_equal(y, y2)


def test_digits_file_is_small_pickle_free_and_licensed():
    folder = resources.files("tinymoe.data")
    blob = folder.joinpath("digits.npz")
    assert len(blob.read_bytes()) < 300_000
    with blob.open("rb") as f, np.load(f, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["images", "target"]
        assert archive["images"].dtype == np.uint8
    licence = folder.joinpath("DIGITS_LICENSE.md").read_text()
    assert "CC BY 4.0" in licence and "10.24432/C50P49" in licence


# ------------------------------------------------------------------ datasets and loaders


def test_tensor_dataset_items_and_errors():
    ds = D.TensorDataset(np.arange(6).reshape(3, 2), tm.tensor([1.0, 2.0, 3.0]))
    assert len(ds) == 3
    row, target = ds[1]
    assert row.tolist() == [2, 3] and target == 2.0
    with pytest.raises(ValueError, match=r"share their first dimension.*\(3, 2\), \(4,\)"):
        D.TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        D.TensorDataset()


def _batches(loader):
    return [tuple(t.numpy().copy() for t in batch) for batch in loader]


def test_loader_in_order_with_partial_last_batch_and_dtypes():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10, dtype=np.int64)
    loader = D.DataLoader(D.TensorDataset(X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert all(isinstance(t, tm.Tensor) for batch in batches for t in batch)
    assert [b[1].shape for b in batches] == [(4,), (4,), (2,)]
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)
    dropped = D.DataLoader(D.TensorDataset(X, y), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [b[1].shape for b in dropped] == [(4,), (4,)]


def test_loader_batches_do_not_alias_the_dataset():
    X = np.zeros((4, 2))
    (xb,) = next(iter(D.DataLoader(D.TensorDataset(X), batch_size=4)))
    xb.data += 1
    assert X.sum() == 0


def test_shuffle_is_a_permutation_per_epoch_and_reproducible_with_seed():
    y = np.arange(50)
    loader = D.DataLoader(D.TensorDataset(y), batch_size=8, shuffle=True, seed=3)
    epoch1, epoch2 = [np.concatenate([b[0] for b in _batches(loader)]) for _ in range(2)]
    assert sorted(epoch1.tolist()) == sorted(epoch2.tolist()) == y.tolist()
    assert not np.array_equal(epoch1, epoch2)  # a new order each epoch
    again = D.DataLoader(D.TensorDataset(y), batch_size=8, shuffle=True, seed=3)
    assert np.array_equal(np.concatenate([b[0] for b in _batches(again)]), epoch1)


def test_shuffle_without_seed_follows_manual_seed():
    loader = D.DataLoader(D.TensorDataset(np.arange(30)), batch_size=30, shuffle=True)
    tm.manual_seed(7)
    first = _batches(loader)[0][0]
    tm.manual_seed(7)
    assert np.array_equal(_batches(loader)[0][0], first)
    assert not np.array_equal(first, np.arange(30))


class _ListDataset(D.Dataset):
    """A generic data set (no get_batch): item = (features, label, weight)."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.X[i], int(self.y[i]), 0.5


def test_generic_dataset_collates_like_the_fast_path():
    X = np.random.default_rng(0).standard_normal((11, 3)).astype(np.float32)
    y = np.arange(11)
    slow = _batches(D.DataLoader(_ListDataset(X, y), batch_size=4, shuffle=True, seed=1))
    fast = _batches(D.DataLoader(D.TensorDataset(X, y), batch_size=4, shuffle=True, seed=1))
    for (xs, ys, ws), (xf, yf) in zip(slow, fast, strict=True):
        np.testing.assert_array_equal(xs, xf)
        np.testing.assert_array_equal(ys, yf)
        assert ys.dtype == np.int64 and ws.tolist() == [0.5] * len(ys)


def test_tensor_dataset_fast_path_never_fetches_items_one_by_one():
    class NoItems(D.TensorDataset):
        def __getitem__(self, index):
            raise AssertionError("per-item fetch on the fast path")

    loader = D.DataLoader(NoItems(np.arange(10), np.arange(10)), batch_size=3, shuffle=True)
    assert sum(len(b[0]) for b in loader) == 10


def test_single_array_items_give_single_tensors():
    class Squares(D.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i])

    batch = next(iter(D.DataLoader(Squares(), batch_size=5)))
    assert isinstance(batch, tm.Tensor) and batch.numpy()[:, 1].tolist() == [0, 1, 4, 9, 16]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_loader_rejects_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        D.DataLoader(D.TensorDataset(np.arange(3)), batch_size=bad)


# ------------------------------------------------------------------ train_test_split


def test_split_sizes_alignment_and_determinism():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = D.train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_te) == 5 and len(X_tr) == 15
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)  # rows stay aligned across arrays
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == y.tolist()
    again = D.train_test_split(X, y, test_size=0.25, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_tr, X_te, y_tr, y_te)))
    assert len(D.train_test_split(y, test_size=0.33, seed=0)[1]) == 7  # ceil(0.33 * 20)
    assert len(D.train_test_split(y, test_size=3, seed=0)[1]) == 3


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 80 + [1] * 20)
    X = np.arange(100)
    _, X_te, y_tr, y_te = D.train_test_split(X, y, test_size=0.25, seed=1, stratify=y)
    assert np.bincount(y_te).tolist() == [20, 5] and np.bincount(y_tr).tolist() == [60, 15]
    np.testing.assert_array_equal(y[X_te], y_te)
    # uneven quotas still add up to the requested size
    y3 = np.array([0] * 7 + [1] * 7 + [2] * 7)
    y3_te = D.train_test_split(y3, test_size=0.5, seed=0, stratify=y3)[1]
    assert len(y3_te) == 11 and sorted(np.bincount(y3_te).tolist()) == [3, 4, 4]


def test_split_errors():
    with pytest.raises(ValueError, match=r"different lengths \[3, 4\]"):
        D.train_test_split(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="test_size"):
        D.train_test_split(np.zeros(3), test_size=1.5)
    with pytest.raises(ValueError, match="both parts must be non-empty"):
        D.train_test_split(np.zeros(3), test_size=3)
    with pytest.raises(ValueError, match=r"stratify must have shape \(3,\)"):
        D.train_test_split(np.zeros(3), stratify=np.zeros(2))


# ------------------------------------------------------------------ scaling


def test_standardizer_fits_on_train_and_applies_to_test():
    train = np.array([[0.0, 10.0], [2.0, 10.0]])  # mean (1, 10), std (1, 0 -> 1)
    test = np.array([[4.0, 13.0]])
    z_train, z_test = D.standardize(train, test)
    np.testing.assert_allclose(z_train, [[-1, 0], [1, 0]])
    np.testing.assert_allclose(z_test, [[3, 3]])  # the train statistics, not the test's own
    scaler = D.Standardizer().fit(train)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test)
    with pytest.raises(ValueError, match=r"fitted on rows of shape \(2,\)"):
        scaler.transform(np.zeros((1, 3)))
    with pytest.raises(RuntimeError, match="call fit"):
        D.Standardizer().transform(test)


def test_standardize_large_sample_has_zero_mean_unit_std_and_keeps_float32(rng):
    x = (rng.standard_normal((500, 3)) * [1, 5, 0.1] + [3, -2, 7]).astype(np.float32)
    z = D.standardize(x)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-5)


def test_normalize_minmax_and_seed_001_max():
    scaled, test = D.normalize(np.array([0.0, 5.0, 10.0]), np.array([20.0]))
    np.testing.assert_allclose(scaled, [0, 0.5, 1])
    np.testing.assert_allclose(test, [2])  # outside [0, 1]: the test set is not refitted
    # seed article 001: x = [1, 2, 3] -> x / max(x)
    np.testing.assert_allclose(
        D.normalize(np.array([1.0, 2.0, 3.0]), method="max"), [1 / 3, 2 / 3, 1]
    )
    pixels = np.array([[0, 8], [16, 4]], dtype=np.uint8)
    out = D.normalize(pixels, method="max", axis=None)
    assert out.dtype == np.float32 and out.tolist() == [[0, 0.5], [1, 0.25]]
    with pytest.raises(ValueError, match="method must be one of"):
        D.normalize(pixels, method="zscore")


# ------------------------------------------------------------------ generators

GENERATORS = [D.make_moons, D.make_circles, D.make_spirals, D.make_xor, D.make_blobs]


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_shapes_dtypes_and_seeding(make):
    X, y = make(101, noise=0.1, seed=5)
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.dtype == np.int64
    counts = np.bincount(y)
    X2, y2 = make(101, noise=0.1, seed=5)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, make(101, noise=0.1, seed=6)[0])
    if make is not D.make_xor:  # balanced classes, differing by at most one
        assert counts.max() - counts.min() <= 1
    tm.manual_seed(11)
    a = make(20, noise=0.1)[0]
    tm.manual_seed(11)
    assert np.array_equal(a, make(20, noise=0.1)[0])


def test_moons_and_circles_lie_on_their_curves_without_noise():
    X, y = D.make_moons(200, seed=0)
    outer, inner = X[y == 0].astype(float), X[y == 1].astype(float)
    np.testing.assert_allclose(np.hypot(*outer.T), 1, atol=1e-6)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1, atol=1e-6)
    assert outer[:, 1].min() >= -1e-6 and inner[:, 1].max() <= 0.5 + 1e-6
    X, y = D.make_circles(200, factor=0.3, seed=0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1, atol=1e-6)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3, atol=1e-6)


def test_xor_spirals_blobs_geometry():
    X, y = D.make_xor(300, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))
    X, y = D.make_spirals(300, n_classes=3, seed=0)
    r = np.hypot(*X.T)
    assert set(y.tolist()) == {0, 1, 2} and r.max() <= 1 + 1e-6 and r.min() > 0
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    X, y = D.make_blobs(100, noise=0.1, centers=centers, seed=0)
    assert X.shape == (100, 3)
    assert np.abs(X - centers[y]).max() < 1.0


def test_piecewise_regression_has_a_different_law_per_region():
    X, y, region = D.make_piecewise_regression(2000, noise=0.0, seed=0, return_regions=True)
    assert X.shape == (2000, 1) and y.shape == (2000, 1) and X.dtype == y.dtype == np.float32
    np.testing.assert_array_equal(region, np.digitize(X[:, 0], [-1.5, 0.0, 1.5]))
    x, t = X[:, 0].astype(float), y[:, 0].astype(float)

    def poly_residual(deg, k):
        xs, ts = x[region == k], t[region == k]
        return np.abs(np.polyval(np.polyfit(xs, ts, deg), xs) - ts).max()

    assert poly_residual(1, 0) < 1e-4 and poly_residual(1, 1) > 0.1  # linear piece
    assert poly_residual(2, 1) < 1e-4  # quadratic piece
    assert poly_residual(2, 2) > 0.1  # sine piece: no low-degree polynomial fits
    assert np.ptp(t[region == 3]) < 1e-6  # constant piece
    X3, y3 = D.make_piecewise_regression(50, n_features=3, seed=0)
    assert X3.shape == (50, 3) and y3.shape == (50, 1)


@pytest.mark.parametrize("encoding", ["onehot", "int"])
def test_multitask_ids_and_conflicting_labels(encoding):
    X, y, task = D.make_multitask(900, n_tasks=3, task_encoding=encoding, seed=0)
    if encoding == "onehot":
        assert X.shape == (900, 5)
        np.testing.assert_array_equal(X[:, 2:].argmax(1), task)
        assert np.all(X[:, 2:].sum(1) == 1)
    else:
        assert X.shape == (900, 3)
        np.testing.assert_array_equal(X[:, 2], task)
    assert np.bincount(task).tolist() == [300, 300, 300]
    # task 0 (no rotation) is the half-plane x0 > 0; task 1 is not
    np.testing.assert_array_equal(y[task == 0], X[task == 0, 0] > 0)
    assert np.mean(y[task == 1] == (X[task == 1, 0] > 0)) < 0.9
    with pytest.raises(ValueError, match="task_encoding"):
        D.make_multitask(10, task_encoding="bits")


def test_generator_errors():
    with pytest.raises(ValueError, match=r"make_moons: n_samples must be an int >= 2"):
        D.make_moons(1)
    with pytest.raises(ValueError, match="factor must be in"):
        D.make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match=r"centers must be an int or a \(k, d\) array"):
        D.make_blobs(10, centers=np.zeros(3))
