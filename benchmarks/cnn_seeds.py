"""Does the reference `train_cnn` pass its threshold with a margin, whatever the seed?

Trains ``solutions/training.py``'s ``train_cnn`` on the course loader's digits
(``imagecourse.mnist.load()``, course/imagecourse/mnist.py: the file named by
``PIXELGRADE_MNIST``, else Keras' MNIST, else scikit-learn's 8×8 digits) once per seed, each in a fresh process
limited to the grader's threads (as a grading worker is), and prints the held-out
accuracy and the time of every run next to the grader's threshold and budget.
With ``--baseline`` it also fits ``solutions/baseline.py``'s ``fit_logistic`` once.

    PIXELGRADE_MNIST=../shared/data/mnist-10k.npz python3 benchmarks/cnn_seeds.py
    python3 benchmarks/cnn_seeds.py --seeds 0 1 2 --baseline

It needs TensorFlow (``[course.optional]`` of course/course.toml; ``nox -s bench -- --ml`` installs it).
A benchmark, not a test: it asserts nothing, it reports.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The engine and the course's own modules (course/imagecourse/), in this process and in the fresh ones.
sys.path[:0] = [str(ROOT), str(ROOT / "course")]
os.environ.setdefault("PIXELGRADE_COURSE", str(ROOT / "course"))
THREADS = "2"  # as grader/core/catalog.py gives the machine-learning workers


def load(module):
    """Import ``solutions/<module>.py`` by path (solutions/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"reference_{module}", ROOT / "solutions" / f"{module}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def one_run(seed: int) -> dict:
    """Train once (in this process) and measure; the result as a dict."""
    import numpy as np
    from imagecourse import mlcheck

    started = time.perf_counter()
    import keras  # noqa: F401 - timed on its own: every grading worker pays it once

    imported = time.perf_counter() - started
    digits = mlcheck.digits()
    training = load("training")
    started = time.perf_counter()
    model = training.train_cnn(digits.x_train, digits.y_train, seed=seed)
    seconds = time.perf_counter() - started
    p = model.predict(mlcheck.channel_inputs(digits.x_test), batch_size=500, verbose=0)
    return {"seed": seed, "accuracy": mlcheck.accuracy(np.argmax(p, axis=1), digits.y_test), "seconds": seconds,
            "import_seconds": imported, "source": digits.source, "description": digits.description}


def baseline_run() -> dict:
    from imagecourse import mlcheck

    digits = mlcheck.digits()
    X = mlcheck.flat_inputs(digits.x_train[:mlcheck.BASELINE_MAX_TRAIN])
    started = time.perf_counter()
    model = load("baseline").fit_logistic(X, digits.y_train[:mlcheck.BASELINE_MAX_TRAIN])
    seconds = time.perf_counter() - started
    accuracy = mlcheck.accuracy(model.predict(mlcheck.flat_inputs(digits.x_test)), digits.y_test)
    return {"accuracy": accuracy, "seconds": seconds}


def in_fresh_process(argument: list[str]) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=THREADS, OPENBLAS_NUM_THREADS=THREADS, MKL_NUM_THREADS=THREADS,
               TF_NUM_INTRAOP_THREADS=THREADS, TF_NUM_INTEROP_THREADS=THREADS, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, __file__, *argument], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(argument)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--baseline", action="store_true", help="also fit the baseline (logistic regression)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one-baseline", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one is not None:
        print(json.dumps(one_run(options.one)))
        return
    if options.one_baseline:
        print(json.dumps(baseline_run()))
        return

    from imagecourse import mlcheck

    runs = []
    for seed in options.seeds:
        run = in_fresh_process(["--one", str(seed)])
        runs.append(run)
        if len(runs) == 1:
            print(f"digits: {run['description']}")
            print(f"threshold {mlcheck.THRESHOLDS[run['source']].training:.2f}, "
                  f"budget {mlcheck.TRAINING_BUDGET_S:.0f} s per call, {THREADS} threads\n")
            print("seed  accuracy  train s  import keras s")
        print(f"{run['seed']:>4}  {run['accuracy']:8.4f}  {run['seconds']:7.1f}  {run['import_seconds']:14.1f}",
              flush=True)
    accuracies = [r["accuracy"] for r in runs]
    seconds = [r["seconds"] + r["import_seconds"] for r in runs]
    threshold = mlcheck.THRESHOLDS[runs[0]["source"]].training
    print(f"\naccuracy {min(accuracies):.4f} .. {max(accuracies):.4f} (mean {sum(accuracies) / len(runs):.4f}); "
          f"lowest margin over the threshold {min(accuracies) - threshold:+.4f}")
    print(f"time with the import {min(seconds):.1f} .. {max(seconds):.1f} s; "
          f"budget {mlcheck.TRAINING_BUDGET_S:.0f} s ({mlcheck.TRAINING_BUDGET_S / max(seconds):.1f}x the slowest)")
    if options.baseline:
        run = in_fresh_process(["--one-baseline"])
        print(f"\nbaseline fit_logistic: accuracy {run['accuracy']:.4f} "
              f"(threshold {mlcheck.THRESHOLDS[runs[0]['source']].baseline:.2f}), {run['seconds']:.1f} s "
              f"(budget {mlcheck.BASELINE_BUDGET_S:.0f} s)")


if __name__ == "__main__":
    main()
