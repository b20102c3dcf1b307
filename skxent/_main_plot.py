"""``python -m skxent --plot FILE``: the students' training curves and the
gap between the cross-entropy and KL curves, on linear axes (a constant shift
looks like one).

matplotlib is imported when a figure is drawn, so that this module imports
(for pytest's doctest collection, say) where matplotlib is not installed.
"""

CE, KL = "cross_entropy", "kl_divergence"


def plot(results, path):
    """Draw the training curves of ``results`` (from
    :func:`skxent._main_job.run`) and save them to ``path``."""
    from matplotlib.figure import Figure

    fitted = {
        objective: row
        for objective, row in results["objectives"].items()
        if row["fitted"]
    }
    figure = Figure(figsize=(11, 4.2), layout="constrained")
    curves, gap = figure.subplots(1, 2)
    for objective, row in fitted.items():
        curve = row["loss_curve"]
        curves.plot(
            range(1, len(curve) + 1), curve, label=f"{objective} (C={row['C']:g})"
        )
    curves.set(
        xlabel="solver iteration",
        ylabel="training objective (nats, penalty included)",
        title="Training curves (loss_curve_)",
    )
    curves.legend()
    if CE in fitted and KL in fitted:
        _draw_gap(gap, fitted, results["teacher"]["train_target_entropy"])
    else:
        gap.text(
            0.5,
            0.5,
            "needs the cross_entropy and kl_divergence students",
            ha="center",
            transform=gap.transAxes,
        )
    gap.set(
        xlabel="solver iteration",
        ylabel="difference of the objectives (nats)",
        title="CE - KL: a constant, the targets' entropy",
    )
    figure.suptitle(
        f"{results['dataset']['name']}: students of a teacher's soft targets"
    )
    figure.savefig(path)


def _draw_gap(axes, fitted, target_entropy):
    """CE minus KL at each iteration both solvers ran, and the target entropy;
    the y-axis starts at 0 so that a constant reads as a flat line, not as
    magnified rounding noise."""
    ce, kl = fitted[CE]["loss_curve"], fitted[KL]["loss_curve"]
    gaps = [c - k for c, k in zip(ce, kl, strict=False)]
    axes.plot(
        range(1, len(gaps) + 1), gaps, marker=".", label="cross_entropy - kl_divergence"
    )
    axes.axhline(
        target_entropy,
        color="black",
        linestyle="--",
        linewidth=1,
        label="mean entropy of the training targets",
    )
    axes.set_ylim(0, 1.25 * max(target_entropy, *gaps))
    axes.legend(loc="lower right")
