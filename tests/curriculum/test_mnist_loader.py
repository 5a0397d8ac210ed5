"""The course's MNIST loader (imagecourse.mnist): the PIXELGRADE_MNIST file, clear errors, the 8×8 fallback."""

import numpy as np
import pytest
from imagecourse import mnist


def _write(path, **arrays):
    np.savez(path, **arrays)
    return path


def _valid(n_train=6, n_test=4, side=28):
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def test_file_is_loaded_and_named(tmp_path):
    path = _write(tmp_path / "digits.npz", **_valid())
    digits = mnist.load_file(path)
    assert digits.source == "file" and str(path) in digits.description
    assert digits.x_train.shape == (6, 28, 28) and digits.y_test.shape == (4,)


def test_environment_variable_chooses_the_file(tmp_path, monkeypatch):
    path = _write(tmp_path / "digits.npz", **_valid())
    monkeypatch.setenv(mnist.ENVIRONMENT_VARIABLE, str(path))
    mnist.load.cache_clear()
    try:
        assert mnist.load().source == "file"
    finally:
        mnist.load.cache_clear()


@pytest.mark.parametrize("change, words", [
    (lambda a: a.pop("y_test"), "lacks the arrays y_test"),
    (lambda a: a.update(x_train=a["x_train"].astype(np.float32)), "x_train in digits.npz must be uint8"),
    (lambda a: a.update(y_train=a["y_train"][:3]), "y_train in digits.npz must be 6 integer labels"),
], ids=["missing key", "float images", "short labels"])
def test_malformed_file_is_a_clear_error(tmp_path, change, words):
    arrays = _valid()
    change(arrays)
    with pytest.raises(mnist.MnistError, match=words):
        mnist.load_file(_write(tmp_path / "digits.npz", **arrays))


def test_bad_path_and_garbage_are_clear_errors(tmp_path):
    with pytest.raises(mnist.MnistError, match="not a file"):
        mnist.load_file(tmp_path / "nowhere.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"definitely not a zip file")
    with pytest.raises(mnist.MnistError, match="not a readable .npz"):
        mnist.load_file(garbage)


def test_pickled_objects_are_refused(tmp_path):
    arrays = _valid()
    arrays["x_test"] = np.array([object()] * 4)
    with pytest.raises(mnist.MnistError):
        mnist.load_file(_write(tmp_path / "digits.npz", **arrays))


def test_sklearn_fallback_is_scaled_and_split():
    digits = mnist.load_sklearn()
    assert digits.source == "sklearn" and digits.image_shape == (8, 8)
    assert digits.x_train.dtype == np.uint8 and digits.x_train.max() == 255
    assert len(digits.x_train) + len(digits.x_test) == 1797 and len(digits.x_test) == 360
    assert set(np.unique(digits.y_train)) == set(range(10))


def test_shared_mnist_file_when_present():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist-10k.npz"
    if not shared.exists():
        pytest.skip("the course's shared MNIST file is not beside this checkout")
    digits = mnist.load_file(shared)
    assert digits.x_train.shape == (8000, 28, 28) and digits.x_test.shape == (2000, 28, 28)
