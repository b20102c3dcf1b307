"""The main job, ``python -m skxent``.

Most tests call :func:`skxent.__main__.main` in this process with
``--quick``; the ones about imports and compilation run a fresh interpreter,
where nothing is imported or compiled yet.
"""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.utils._param_validation import StrOptions

from skxent import SoftmaxClassifier, _main_job
from skxent.__main__ import QUICK_C, QUICK_CV, main
from skxent._objectives import OBJECTIVES, CrossEntropy, KLDivergence

ROOT = Path(__file__).resolve().parents[1]


def _python(*args, **kwargs):
    """Run this worktree's skxent in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        **kwargs,
    )


def _strict(constant):
    raise ValueError(f"{constant} is not JSON; strict parsers refuse it")


def _run_json(argv):
    """``main(argv + ["--json"])``: the parsed stdout (strict JSON: no NaN or
    Infinity) and the stderr lines."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        main([*argv, "--json"])
    results = json.loads(stdout.getvalue(), parse_constant=_strict)
    return results, stderr.getvalue().splitlines()


@pytest.fixture(scope="module")
def digits():
    """One quick run on digits, the default dataset."""
    return _run_json(["--quick"])


def test_json_has_a_row_for_every_registered_objective(digits):
    results, _ = digits
    assert list(results["objectives"]) == list(OBJECTIVES)
    assert results["dataset"] == {
        "name": "digits",
        "n_train": 1347,
        "n_test": 450,
        "n_features": 64,
        "classes": list(range(10)),
    }
    assert results["settings"]["C"] == list(QUICK_C)
    assert results["grid"]["n_folds"] == QUICK_CV
    for row in results["objectives"].values():
        assert row["fitted"], row["note"]
        # Selected by the smallest held-out KL of the objective's own row.
        kl = row["cv"]["kl_to_teacher"]
        assert row["C"] == row["cv"]["C"][int(np.argmin(kl))]
        assert 0 < row["test"]["accuracy"] <= 1
        assert row["n_iter"] == len(row["loss_curve"])
        assert row["loss_curve"][-1] == pytest.approx(row["train_loss"])


def test_progress_goes_to_stderr_one_line_per_step(digits):
    _, progress = digits
    n_objectives = len(OBJECTIVES)
    steps = [line for line in progress if line.startswith("[")]
    assert [step[:5] for step in steps] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert steps[2].startswith(
        f"[3/4] grid: {n_objectives * 3} candidates ({n_objectives} objectives x "
        f"3 values of C) x {QUICK_CV} folds = {n_objectives * 3 * QUICK_CV} fits"
    )
    kernels = progress[progress.index(steps[0]) + 1]
    assert re.fullmatch(
        r" +(kernels from cache|compiling kernels \(first use\)): \d+\.\d s", kernels
    )


def test_cross_entropy_and_kl_students_are_the_same_model(digits):
    results, _ = digits
    rows = results["objectives"]
    ce, kl = rows["cross_entropy"], rows["kl_divergence"]
    assert ce["C"] == kl["C"] == ce["C_by_cross_entropy"]
    for column in ("agreement_with_teacher", "accuracy", "log_loss", "kl_to_teacher"):
        assert kl["test"][column] == pytest.approx(ce["test"][column], abs=1e-12)
    assert kl["max_abs_coef_difference"] < 1e-8 * kl["max_abs_coef"]
    assert ce["max_abs_coef_difference"] == 0  # the reference itself
    # Reverse KL is another divergence: another model.
    reverse = rows["reverse_kl_divergence"]
    assert reverse["max_abs_coef_difference"] > 1e-2 * reverse["max_abs_coef"]


def test_kl_is_cross_entropy_minus_the_target_entropy(digits):
    results, _ = digits
    teacher, rows = results["teacher"], results["objectives"]
    ce, kl = rows["cross_entropy"], rows["kl_divergence"]
    for row in rows.values():
        test = row["test"]
        assert test["kl_to_teacher"] == pytest.approx(
            test["cross_entropy_to_teacher"] - teacher["test_target_entropy"],
            abs=1e-8,
        )
        held_out = np.subtract(
            row["cv"]["cross_entropy_to_teacher"], row["cv"]["kl_to_teacher"]
        )
        np.testing.assert_allclose(
            held_out, results["grid"]["held_out_target_entropy"], rtol=0, atol=1e-8
        )
    # The training objectives: same penalty, losses offset by the entropy.
    assert kl["train_loss"] == pytest.approx(
        ce["train_loss"] - teacher["train_target_entropy"], abs=1e-8
    )
    assert teacher["train_target_entropy"] > 0.05  # a real offset, not zero


def test_table_names_what_each_column_measures(monkeypatch, capsys):
    # As on a cold kernel cache: the job says first that it compiles, then
    # how many kernel variants it compiled.
    monkeypatch.setattr(_main_job, "has_cached_kernels", lambda: False)
    counts = iter([3, 15])
    monkeypatch.setattr(_main_job, "compiled_variants", lambda: next(counts))
    main(["--quick", "--dataset", "iris"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("python -m skxent: cross-entropy or KL divergence")
    steps = [line for line in lines if line.startswith("[")]
    assert steps[0].startswith("[1/4] kernels: first use of this skxent installation")
    assert steps[1].startswith("[2/4] teacher:")
    next_line = lines[lines.index(steps[0]) + 1]
    assert next_line.strip().startswith("compiled 12 kernel variants: ")
    assert next_line.endswith(" s")
    header = next(
        line for line in lines if line.startswith("objective") and "KL" in line
    )
    assert header.split() == [
        "objective",
        "C",
        "agreement",
        "KL",
        "accuracy",
        "log-loss",
        "fit",
        "(s)",
        "iterations",
    ]
    assert "vs the teacher" in out
    assert "vs true labels" in out
    for objective in OBJECTIVES:
        assert any(line.startswith(objective) for line in lines)
    assert re.search(r"kl_divergence +max \|difference\| \S+ +the same model", out)
    assert re.search(r"reverse_kl_divergence +max \|difference\| .+a different", out)
    assert "What it shows:" in out


def test_warm_up_leaves_no_kernel_to_compile_during_the_fits():
    # A fresh interpreter: kernels load (or compile) on first call. Every
    # kernel signature the job uses must exist once warm_kernels returns, so
    # that no fit time includes compilation.
    script = """
import importlib, pkgutil
from numba.core.dispatcher import Dispatcher
import skxent._kernels
from skxent import _main_data, _main_job

def signatures():
    found = set()
    for info in pkgutil.iter_modules(skxent._kernels.__path__):
        module = importlib.import_module(f"skxent._kernels.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Dispatcher):
                found.update((name, str(s)) for s in value.signatures)
    return found

warmed = []
warm_kernels = _main_job.warm_kernels
def recording(*args):
    seconds = warm_kernels(*args)
    warmed.append(signatures())
    return seconds
_main_job.warm_kernels = recording
X, y = _main_data.load_bundled("iris")
data = _main_data.split("iris", X, y, 0)
_main_job.run(data, C_values=[0.1, 1.0], cv=3, progress=lambda line: None)
print(sorted(signatures() - warmed[0]))
print(len(warmed[0]))
"""
    completed = _python("-c", script)
    assert completed.returncode == 0, completed.stderr
    missing, n_warmed = completed.stdout.splitlines()[-2:]
    assert missing == "[]"
    assert int(n_warmed) > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        # Found only once the data is loaded, still before the kernels.
        (["--cv", "1348"], "argument --cv: must be between"),
    ],
)
def test_argument_errors_fail_before_importing_numba(argv, message):
    completed = _python("-X", "importtime", "-m", "skxent", *argv)
    assert completed.returncode == 2
    assert message in completed.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in completed.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "skxent" in imported  # -X importtime did report
    assert not {"numba", "skxent._main_job", "skxent._kernels"} & imported


def test_help_explains_options():
    completed = _python("-m", "skxent", "--help")
    assert completed.returncode == 0
    for option in (
        "--dataset",
        "--csv",
        "--target",
        "--C",
        "--cv",
        "--n-jobs",
        "--seed",
        "--quick",
        "--json",
        "--plot",
    ):
        assert option in completed.stdout


class Reached(Exception):
    """Raised by the stand-in for the comparison: main got that far."""


@pytest.fixture
def run_calls(monkeypatch):
    """Replace the comparison by a recorder: a test sees whether main reached
    it, and with which arguments, without doing any of its work."""
    calls = []

    def record(data, **kwargs):
        calls.append({"dataset": data.name, **kwargs})
        raise Reached

    monkeypatch.setattr(_main_job, "run", record)
    return calls


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--cv", "1"], "--cv"),
        (["--cv", "0"], "--cv"),
        (["--cv", "2.5"], "--cv"),
        # Stratified folds: at most the 131 training rows of digits' rarest class.
        (["--cv", "1348"], "--cv"),
        (["--cv", "132"], "--cv"),
        (["--C", "-1"], "--C"),
        (["--C", "0.1", "0"], "--C"),
        (["--C", "nan"], "--C"),
        (["--C", "1e-400"], "--C"),  # underflows to 0
        (["--C", "big"], "--C"),
        (["--n-jobs", "0"], "--n-jobs"),
        (["--n-jobs", "two"], "--n-jobs"),
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**32)], "--seed"),
        (["--dataset", "mnist"], "--dataset"),
        (["--target", "species"], "--target"),
        (["--csv", "data.csv"], "--csv"),
        (["--csv", "data.csv", "--dataset", "iris"], "--dataset"),
        (["--csv", "missing.csv", "--target", "y"], "--csv"),
        (["--plot", "no-such-folder/curves.png"], "--plot"),
    ],
)
def test_argument_errors_exit_2_with_one_line_before_any_work(
    argv, option, run_calls, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert run_calls == []
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"python -m skxent: error: argument {option}")


def test_arguments_at_their_limits_reach_the_comparison(run_calls):
    seed = 2**32 - 1
    with pytest.raises(Reached):
        main(["--C", "1e-3", "inf", "--cv", "2", "--n-jobs", "-1", "--seed", str(seed)])
    with pytest.raises(Reached):
        main(["--cv", "131", "--dataset", "digits"])
    limits, most_folds = run_calls
    assert limits["dataset"] == "digits"
    assert limits["C_values"] == [1e-3, np.inf]
    assert (limits["cv"], limits["n_jobs"], limits["seed"]) == (2, -1, seed)
    assert most_folds["cv"] == 131


def test_quick_shrinks_the_grid_unless_told_otherwise(run_calls):
    with pytest.raises(Reached):
        main(["--quick"])
    with pytest.raises(Reached):
        main(["--quick", "--C", "0.5", "--cv", "4"])
    with pytest.raises(Reached):
        main([])
    quick, told, default = run_calls
    assert (quick["C_values"], quick["cv"]) == (list(QUICK_C), QUICK_CV)
    assert (told["C_values"], told["cv"]) == ([0.5], 4)
    assert default["cv"] == 5
    assert len(default["C_values"]) > len(QUICK_C)


def _iris_csv(path):
    """Iris as a CSV file whose labels are names, in the middle column."""
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    lines = ["sepal length,sepal width,species,petal length,petal width"]
    lines += [
        f"{a},{b},{label},{c},{d}" for (a, b, c, d), label in zip(X, names, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_file_with_text_labels(tmp_path):
    path = _iris_csv(tmp_path / "iris.csv")
    results, _ = _run_json(
        ["--csv", str(path), "--target", "species", "--quick", "--C", "1", "inf"]
    )
    # Strict JSON has no infinity: C = inf is written as a string.
    assert results["settings"]["C"] == [1.0, "inf"]
    assert results["dataset"]["name"] == str(path)
    assert results["dataset"]["n_features"] == 4
    assert results["dataset"]["classes"] == ["setosa", "versicolor", "virginica"]
    assert results["dataset"]["n_train"] + results["dataset"]["n_test"] == 150
    ce = results["objectives"]["cross_entropy"]
    assert ce["test"]["accuracy"] > 0.8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("a,b\n1,2\n", "the target column 'y' is not among the columns"),
        ("a,y,y\n1,2,3\n", "the target column 'y' is twice among the columns"),
        ("y\n1\n2\n", "has no feature column besides 'y'"),
        ("a,y\n", "has a header but no data rows"),
        ("a,y\n1,0\n2\n", "line 3 of"),
        ("a,color,y\n1,red,0\n", "feature column 'color'"),
        ("a,y\n1,0\n,1\n", "feature column 'a'"),
        ("a,y\n1,0\nnan,1\n", "line 3 holds 'nan'"),
        ("a,y\n1,0\n2,\n", "the target column 'y' is empty on line 3"),
        ("a,y\n1,0\n2,0\n3,0\n", "a single class"),
        ("a,y\n1,0\n2,0\n3,0\n4,1\n", "class 1 has a single row"),
        # 5 rows of class 'b', 4 of them training rows: the teacher's calibration
        # needs 3 in each training fold, which only --cv 4 leaves.
        ("a,y\n" + "1,a\n" * 40 + "2,b\n" * 5, "argument --cv: must be 4 for this"),
        ("a,y\n" + "1,a\n" * 40 + "2,b\n" * 4, "class 'b' has 3 training rows"),
    ],
)
def test_csv_errors_name_the_problem_before_any_work(
    content, message, tmp_path, run_calls, capsys
):
    path = tmp_path / "data.csv"
    path.write_text(content)
    with pytest.raises(SystemExit) as exit_info:
        main(["--csv", str(path), "--target", "y"])
    assert exit_info.value.code == 2
    assert run_calls == []
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("python -m skxent: error: argument --")
    assert message in error


def test_csv_of_small_classes_takes_the_folds_they_allow(tmp_path, run_calls, capsys):
    path = tmp_path / "data.csv"
    path.write_text("a,y\n" + "1,a\n" * 40 + "2,b\n" * 7)  # 5 training rows
    for cv in (3, 5):
        with pytest.raises(Reached):
            main(["--csv", str(path), "--target", "y", "--cv", str(cv)])
    for cv in (2, 6):
        with pytest.raises(SystemExit):
            main(["--csv", str(path), "--target", "y", "--cv", str(cv)])
        assert "argument --cv: must be between 3 and 5" in capsys.readouterr().err
    assert [call["cv"] for call in run_calls] == [3, 5]


def test_plot_writes_the_training_curves(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    main(["--quick", "--dataset", "iris", "--plot", str(path)])
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"wrote the training curves to {path}" in capsys.readouterr().out


def test_plot_without_matplotlib_is_an_argument_error(
    tmp_path, monkeypatch, run_calls, capsys
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    with pytest.raises(SystemExit) as exit_info:
        main(["--plot", str(tmp_path / "curves.png")])
    assert exit_info.value.code == 2
    assert run_calls == []
    assert "--plot: needs matplotlib" in capsys.readouterr().err


class KLCopy(KLDivergence):
    """A new objective, registered as another engineer would."""

    name = "kl_copy"


class Rejecting(CrossEntropy):
    """An objective no target satisfies."""

    name = "rejecting"

    def check_targets(self, targets, classes):
        raise ValueError("objective='rejecting' fits no targets. Use another one.")


class NeedsMass(CrossEntropy):
    """An objective that needs every probability at least 0.003, as reverse
    KL needs it positive: label smoothing by 0.01 of 3 classes provides it."""

    name = "needs_mass"

    def check_targets(self, targets, classes):
        if targets.ndim == 1 or targets.min() < 3e-3:
            raise ValueError(
                "objective='needs_mass' needs probabilities of 0.003 at least. "
                "Set label_smoothing."
            )


def test_rows_follow_the_objective_registry(monkeypatch):
    for objective in (KLCopy, Rejecting, NeedsMass):
        monkeypatch.setitem(OBJECTIVES, objective.name, objective)
    monkeypatch.setitem(
        SoftmaxClassifier._parameter_constraints,
        "objective",
        [StrOptions(set(OBJECTIVES))],
    )
    results, progress = _run_json(["--quick", "--dataset", "iris"])
    rows = results["objectives"]
    assert list(rows) == list(OBJECTIVES)

    copy, kl = rows["kl_copy"], rows["kl_divergence"]
    assert copy["fitted"]
    assert copy["test"] == pytest.approx(kl["test"], abs=1e-12)

    assert not rows["rejecting"]["fitted"]
    assert rows["rejecting"]["note"] == (
        "skipped: objective='rejecting' fits no targets."
    )
    assert "cv" not in rows["rejecting"]
    n_trained = len(OBJECTIVES) - 1
    assert f"({n_trained} objectives x 3 values of C)" in "\n".join(progress)

    smoothed = rows["needs_mass"]
    assert smoothed["fitted"]
    assert smoothed["label_smoothing"] == _main_job.SMOOTHING
    assert smoothed["note"] == (
        f"trained with label_smoothing={_main_job.SMOOTHING}: "
        "objective='needs_mass' needs probabilities of 0.003 at least."
    )
    # The smoothed targets are not the teacher's: another model.
    assert smoothed["max_abs_coef_difference"] > 0


def test_zero_targets_get_label_smoothing_for_reverse_kl(monkeypatch):
    # A teacher whose probabilities have zeros (a nearest-neighbour vote).
    from sklearn.neighbors import KNeighborsClassifier

    monkeypatch.setattr(
        _main_job, "make_teacher", lambda: KNeighborsClassifier(n_neighbors=5)
    )
    results, _ = _run_json(["--quick", "--dataset", "iris"])
    reverse = results["objectives"]["reverse_kl_divergence"]
    assert reverse["fitted"]
    assert reverse["label_smoothing"] == _main_job.SMOOTHING
    assert reverse["note"].startswith(
        "trained with label_smoothing=0.01: objective='reverse_kl_divergence' "
        "evaluates log p, so every target probability must be positive"
    )
    assert results["objectives"]["cross_entropy"]["label_smoothing"] == 0


def test_first_sentence():
    assert _main_job.first_sentence("C was 0.5. Use C=1, e.g. like this.") == (
        "C was 0.5."
    )
    assert _main_job.first_sentence("one sentence only") == "one sentence only"
