"""Tables and figures of the saved benchmark results.

The benchmark scripts save their results in ``benchmarks/results/*.json``
(``benchmarks/_results.py`` describes the format); the performance page shows
them through

- ``.. benchmark-table:: bench_fit``: a table of one results file. For
  ``bench_fit``, the fit-time ratios, one row per problem and one column per
  thread environment; for the others, one row per comparison and setting,
  with the range of the ratios over the functions compared;
- :func:`plot_fit_ratios`, called from a ``.. plot::`` directive: a bar
  chart of the fit-time ratios;
- :func:`plot_dask_scaling`, likewise: fit time against rows, in memory and
  on a Dask cluster.

Each table says where its numbers come from (measured, or transcribed) and
when. Results of a smoke run are refused: their numbers mean nothing.
"""

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError

RESULTS_DIR = Path(__file__).parents[2] / "benchmarks" / "results"


def load_results(name):
    """The results file ``benchmarks/results/<name>.json``, checked."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file():
        raise ExtensionError(
            f"{path} not found: run python benchmarks/{name}.py to write it"
        )
    results = json.loads(path.read_text())
    if results.get("smoke"):
        raise ExtensionError(
            f"{path} holds the results of a --smoke run, which mean nothing: run "
            f"python benchmarks/{name}.py without --smoke"
        )
    return results


def _format_ratio(value):
    if value is None:
        return "-"
    if isinstance(value, dict) and value["min"] == value["max"]:
        return f"{value['min']:g}"
    if isinstance(value, dict):
        return f"{value['min']:g} to {value['max']:g}"
    return f"{value:.2f}"


def fit_table(results):
    """``(header, rows)``: problems by environment."""
    environments = results["environments"]
    header = ["problem", *environments.values()]
    rows = [
        [
            description,
            *(
                _format_ratio(results["fit_ratios"][environment].get(problem))
                for environment in environments
            ),
        ]
        for problem, description in results["problems"].items()
    ]
    return header, rows


def ratio_table(results):
    """``(header, rows)``: one row per comparison and setting."""
    rows = [
        [entry["comparison"], entry["setting"], _format_ratio(entry)]
        for entry in results["ratios"]
    ]
    return ["comparison", "setting", "ratio"], rows


def provenance(results):
    """Where the numbers of ``results`` come from, in one sentence."""
    when = f" on {results['date']}" if results.get("date") else ""
    if results["source"] == "measured":
        return f"Measured by ``benchmarks/{results['benchmark']}.py``{when}."
    return f"From a run of ``benchmarks/{results['benchmark']}.py``{when}, " + (
        results["source"] + "."
    )


def list_table(caption, header, rows):
    """reStructuredText lines of a list-table."""
    lines = [f".. list-table:: {caption}", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return lines


class BenchmarkTable(Directive):
    """``.. benchmark-table:: NAME``: the table of one results file."""

    required_arguments = 1
    has_content = False

    def run(self):
        name = self.arguments[0]
        env = self.state.document.settings.env
        env.note_dependency(str(RESULTS_DIR / f"{name}.json"))
        results = load_results(name)
        header, rows = (
            fit_table(results) if name == "bench_fit" else ratio_table(results)
        )
        caption = f"Ratio: {results['ratio']}"
        lines = [*list_table(caption, header, rows), "", provenance(results)]
        holder = nodes.container()
        self.state.nested_parse(
            StringList(lines, source=f"benchmarks/results/{name}.json"),
            self.content_offset,
            holder,
        )
        return holder.children


def plot_fit_ratios():
    """Horizontal bars of the fit-time ratios of ``bench_fit.json``, one group
    per problem, one bar per thread environment."""
    import matplotlib.pyplot as plt
    import numpy as np

    results = load_results("bench_fit")
    problems = list(results["problems"])
    environments = results["environments"]
    positions = np.arange(len(problems))[::-1]
    height = 0.8 / len(environments)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(problems) + 1.4))
    for i, (environment, label) in enumerate(environments.items()):
        ratios = [results["fit_ratios"][environment].get(p) for p in problems]
        values = [np.nan if r is None else r for r in ratios]
        bars = ax.barh(positions - (i - 0.5) * height, values, height, label=label)
        ax.bar_label(bars, fmt="%.1f", padding=2, fontsize=8)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_yticks(positions, [results["problems"][p] for p in problems], fontsize=8)
    ax.set_xlabel("scikit-learn time / skxent time (above 1: skxent is faster)")
    ax.set_xlim(0, 1.15 * ax.get_xlim()[1])
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_dask_scaling():
    """Fit time against the number of rows (log-log) of ``bench_dask.json``,
    in memory and on the cluster."""
    import matplotlib.pyplot as plt

    scaling = load_results("bench_dask")["scaling"]
    rows = [point["n_samples"] for point in scaling]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for key, label in (
        ("memory_seconds", "in memory, n_jobs=2"),
        ("dask_seconds", "Dask, 2 workers x 1 thread"),
    ):
        ax.loglog(rows, [point[key] for point in scaling], "o-", label=label)
    ax.set_xlabel("rows (20 features, 5 classes)")
    ax.set_ylabel("fit time (s)")
    ax.grid(True, which="both", lw=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
