"""Every gallery example runs to completion and draws at least one figure.

The examples assert the facts they illustrate (for example that cross-entropy
and KL training give identical coefficients), so running them tests skxent,
not only the scripts. Each runs in its own interpreter, as a user would run
it, with the non-interactive Agg backend; a ``UserWarning`` (which includes
scikit-learn's ``ConvergenceWarning``) or a NumPy ``RuntimeWarning`` fails it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))

# Runs an example as __main__ and prints how many figures it left open.
_RUNNER = """
import runpy, sys
import matplotlib.pyplot as plt
runpy.run_path(sys.argv[1], run_name="__main__")
print(f"figures: {len(plt.get_fignums())}")
"""


def test_gallery_has_examples():
    assert EXAMPLES, f"no plot_*.py found in {EXAMPLES_DIR}"
    assert (EXAMPLES_DIR / "README.txt").is_file()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(example, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::UserWarning",
            "-W",
            "error::RuntimeWarning",
            "-c",
            _RUNNER,
            str(example),
        ],
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        # Under load an example that fits gradient boosting and compiles its
        # kernels cold took over 10 minutes; the limit only catches a hang.
        timeout=1500,
    )
    assert result.returncode == 0, (
        f"{example.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )
    n_figures = int(result.stdout.rsplit("figures: ", 1)[1])
    assert n_figures >= 1, f"{example.name} draws no figure"
