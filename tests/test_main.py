"""The main job, ``python -m skxent``."""

import subprocess
import sys

import numpy as np

from skxent.__main__ import run


def test_run_selects_same_C_and_offsets_scores_by_target_entropy():
    lines = []
    search = run(C_values=(0.01, 1.0), cv=3, out=lines.append)
    results = search.cv_results_
    objectives = [p["softmaxclassifier__objective"] for p in results["params"]]
    assert sorted(set(objectives)) == ["cross_entropy", "kl_divergence"]
    gaps = results["mean_test_kl_divergence"] - results["mean_test_cross_entropy"]
    # The gap is the held-out target entropy: positive and the same for every fit.
    assert np.all(gaps > 0.01)
    np.testing.assert_allclose(gaps, gaps[0], rtol=1e-9)
    # CE and KL students are the same model: identical accuracy for equal C.
    accuracy = results["mean_test_accuracy"].reshape(-1, 2)
    np.testing.assert_allclose(accuracy[:, 0], accuracy[:, 1])
    report = "\n".join(lines)
    assert "(the same model)" in report
    assert "CE - KL" in report


def test_help_explains_options():
    completed = subprocess.run(
        [sys.executable, "-m", "skxent", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in ("--C", "--cv", "--n-jobs", "--seed"):
        assert option in completed.stdout
