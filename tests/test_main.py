"""The main job, ``python -m skxent``."""

import subprocess
import sys

import numpy as np
import pytest

from skxent import __main__ as main_job
from skxent.__main__ import main, run


def test_run_selects_same_C_and_offsets_scores_by_target_entropy(monkeypatch):
    # As on a cold kernel cache: the job says first that it compiles.
    monkeypatch.setattr(main_job, "has_cached_kernels", lambda: False)
    lines = []
    search = run(C_values=(0.01, 1.0), cv=3, out=lines.append)
    assert lines[0].startswith("First use of this skxent installation")
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


@pytest.fixture
def run_calls(monkeypatch):
    """Replace the comparison by a recorder: a test sees whether main reached
    it, and with which arguments, without doing any of its work."""
    calls = []
    monkeypatch.setattr(main_job, "run", lambda **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--cv", "1"], "--cv"),
        (["--cv", "0"], "--cv"),
        (["--cv", "2.5"], "--cv"),
        # KFold's upper limit: the 1,347 training rows of digits.
        (["--cv", "1348"], "--cv"),
        (["--C", "-1"], "--C"),
        (["--C", "0.1", "0"], "--C"),
        (["--C", "nan"], "--C"),
        (["--C", "1e-400"], "--C"),  # underflows to 0
        (["--C", "big"], "--C"),
        (["--n-jobs", "0"], "--n-jobs"),
        (["--n-jobs", "two"], "--n-jobs"),
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**32)], "--seed"),
    ],
)
def test_argument_errors_exit_2_with_one_line_before_any_work(
    argv, option, run_calls, capsys
):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert run_calls == []
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"python -m skxent: error: argument {option}")
    assert argv[-1] in error  # the offending value


def test_arguments_at_their_limits_reach_the_comparison(run_calls):
    seed = 2**32 - 1
    main(["--C", "1e-3", "inf", "--cv", "2", "--n-jobs", "-1", "--seed", str(seed)])
    assert run_calls == [
        {"C_values": [1e-3, np.inf], "cv": 2, "n_jobs": -1, "seed": seed}
    ]
