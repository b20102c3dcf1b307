"""What ``python -m skxent`` prints: its results as tables and the
conclusions they support, or as JSON.

Every sentence of the conclusions is computed from the results, so that it
stays true for any dataset: nothing here asserts what was not measured.
"""

import json
import math
import textwrap

TITLE = "python -m skxent: cross-entropy or KL divergence, and does it matter?"
CE, KL = "cross_entropy", "kl_divergence"
# Coefficients closer than this (relative to the largest coefficient) are the
# same model: the solver's tolerance is 1e-4, and identical gradients give
# identical iterates up to rounding.
SAME_MODEL = 1e-6
NAME_WIDTH = 22
WIDTH = 88


def intro(data):
    """Lines that say what the job compares, before it starts."""
    return [
        TITLE,
        "",
        *_paragraph(
            f"Data: {data.name}, {len(data.y_train)} training and "
            f"{len(data.y_test)} test rows, {data.X_train.shape[1]} features, "
            f"{data.classes.size} classes. Students: softmax regression "
            "(skxent.SoftmaxClassifier on standardized features) trained on a "
            "teacher's soft targets, one per training objective.",
            indent="",
        ),
        "",
    ]


def to_json(results):
    """``results`` as a JSON document; non-finite numbers become strings
    (``"inf"`` for ``C=inf``), which strict JSON has no literal for."""

    def finite(value):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if isinstance(value, dict):
            return {key: finite(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [finite(item) for item in value]
        return value

    return json.dumps(finite(results), indent=2, allow_nan=False)


def report(results):
    """The tables and conclusions, as lines."""
    fitted = {
        objective: row
        for objective, row in results["objectives"].items()
        if row["fitted"]
    }
    return [
        "",
        *_cv_table(results, fitted),
        "",
        *_test_table(results),
        "",
        *_coefficients(results, fitted),
        "",
        *_conclusions(results, fitted),
    ]


def _cv_table(results, fitted):
    grid = results["grid"]
    C_values = results["settings"]["C"]
    lines = [
        "Cross-validation: held-out KL divergence to the teacher (nats, mean of "
        f"{grid['n_folds']} folds;",
        "* marks the C each objective selects):",
        f"{'objective':<{NAME_WIDTH}}{'C =':>4}"
        + "".join(f"{C:>10g}" for C in C_values),
    ]
    for objective, row in fitted.items():
        cells = [
            f"{kl:>9.4f}" + ("*" if row["C"] == C else " ")
            for C, kl in zip(C_values, row["cv"]["kl_to_teacher"], strict=True)
        ]
        lines.append(f"{objective:<{NAME_WIDTH}}{'':>4}" + "".join(cells))
    gaps = [
        ce - kl
        for row in fitted.values()
        for ce, kl in zip(
            row["cv"]["cross_entropy_to_teacher"],
            row["cv"]["kl_to_teacher"],
            strict=True,
        )
    ]
    other_C = [
        f"{objective} (C = {row['C_by_cross_entropy']:g})"
        for objective, row in fitted.items()
        if row["C_by_cross_entropy"] != row["C"]
    ]
    return lines + _paragraph(
        f"Held-out cross-entropy = held-out KL + {min(gaps):.4f} nats for all "
        f"{len(gaps)} candidates (spread {max(gaps) - min(gaps):.1e}): the mean "
        f"entropy of the held-out targets ({grid['held_out_target_entropy']:.4f}), "
        "whatever the model. Ranked by held-out cross-entropy instead, "
        + (
            f"another C is selected for {', '.join(other_C)}."
            if other_C
            else "every objective selects the same C."
        ),
        indent="",
    )


def _test_table(results):
    teacher = results["teacher"]
    name = NAME_WIDTH
    lines = [
        f"Test rows ({results['dataset']['n_test']}), each student refitted at its "
        "C on all training rows:",
        f"{'':<{name + 6}}{'vs the teacher':>19}{'vs true labels':>20}",
        f"{'objective':<{name}}{'C':>6}{'agreement':>11}{'KL':>8}{'accuracy':>10}"
        f"{'log-loss':>10}{'fit (s)':>9}{'iterations':>11}",
        f"{'teacher':<{name}}{'-':>6}{1:>11.3f}{0:>8.4f}"
        f"{teacher['test_accuracy']:>10.3f}{teacher['test_log_loss']:>10.4f}",
    ]
    notes = []
    for objective, row in results["objectives"].items():
        if row["note"]:
            notes.append(f"  {objective}: {row['note']}")
        if not row["fitted"]:
            lines.append(f"{objective:<{name}}{'(skipped, see the notes)':>30}")
            continue
        test = row["test"]
        lines.append(
            f"{objective:<{name}}{row['C']:>6g}"
            f"{test['agreement_with_teacher']:>11.3f}{test['kl_to_teacher']:>8.4f}"
            f"{test['accuracy']:>10.3f}{test['log_loss']:>10.4f}"
            f"{row['fit_seconds']:>9.3f}{row['n_iter']:>11d}"
        )
    lines += _paragraph(
        "agreement: share of rows where the student predicts the teacher's most "
        "probable class; KL: KL(teacher || student), nats; accuracy: share of "
        "true labels predicted; log-loss: cross-entropy on the true labels, nats. "
        "Fit times exclude kernel compilation.",
        indent="",
    )
    return lines + (["Notes:", *notes] if notes else [])


def _same_model(row):
    return row["max_abs_coef_difference"] <= SAME_MODEL * max(1.0, row["max_abs_coef"])


def _coefficients(results, fitted):
    reference = results["reference"]
    if reference is None or len(fitted) < 2:
        return []
    lines = [
        f"Coefficients and intercepts against the {reference} student "
        f"(largest |coefficient| {fitted[reference]['max_abs_coef']:.3g}):"
    ]
    for objective, row in fitted.items():
        if objective != reference:
            verdict = "the same model" if _same_model(row) else "a different model"
            lines.append(
                f"  {objective:<{NAME_WIDTH + 1}}max |difference| "
                f"{row['max_abs_coef_difference']:<9.2g}{verdict}"
            )
    return lines


def _conclusions(results, fitted):
    lines = ["What it shows:"]
    if CE in fitted and KL in fitted:
        lines += _ce_and_kl(results, fitted[CE], fitted[KL])
    others = [
        objective
        for objective, row in fitted.items()
        if objective not in (CE, KL) and CE in fitted and not _same_model(row)
    ]
    for objective in others:
        lines += _another_divergence(objective, fitted[objective], fitted[CE])
    lines += _paragraph(
        "- The choice of score matters once candidates are scored against "
        "different targets (a temperature, label smoothing): cross-entropy then "
        "adds each target set's entropy, so compare them on KL divergence or on "
        "the true labels. KL reads 0 for a student that matches the teacher; "
        "cross-entropy never falls below the targets' entropy "
        f"({results['teacher']['test_target_entropy']:.4f} nats on the test rows)."
    )
    return lines


def _ce_and_kl(results, ce, kl):
    difference = kl["max_abs_coef_difference"]
    model = (
        "their students are the same model (largest coefficient difference "
        f"{difference:.1g})"
        if _same_model(kl)
        else f"yet their students differ (coefficients by up to {difference:.2g})"
    )
    selected = (
        f"both select C = {ce['C']:g}"
        if ce["C"] == kl["C"]
        else f"they select C = {ce['C']:g} and {kl['C']:g}"
    )
    scores = max(abs(ce["test"][key] - kl["test"][key]) for key in ce["test"])
    return _paragraph(
        "- On fixed targets, cross-entropy and KL divergence differ by the "
        f"targets' entropy, a constant without gradient: {model}; {selected}; "
        "their test scores (agreement, KL, accuracy, log-loss) differ by at most "
        f"{scores:.1g}; their training losses differ by "
        f"{ce['train_loss'] - kl['train_loss']:.4f} nats, the mean entropy of the "
        f"training targets ({results['teacher']['train_target_entropy']:.4f})."
    )


def _another_divergence(objective, row, ce):
    test, reference = row["test"], ce["test"]
    return _paragraph(
        f"- {objective} is another divergence and trains another model "
        f"(coefficients differ by up to {row['max_abs_coef_difference']:.2g}); on "
        f"the test rows, against cross-entropy's student: agreement with the "
        f"teacher {test['agreement_with_teacher']:.3f} vs "
        f"{reference['agreement_with_teacher']:.3f}, KL to the teacher "
        f"{test['kl_to_teacher']:.4f} vs {reference['kl_to_teacher']:.4f}, "
        f"accuracy {test['accuracy']:.3f} vs {reference['accuracy']:.3f}, "
        f"log-loss {test['log_loss']:.4f} vs {reference['log_loss']:.4f}."
    )


def _paragraph(text, indent="  "):
    """``text`` wrapped to :data:`WIDTH`, continuation lines indented."""
    return textwrap.wrap(
        text, width=WIDTH, subsequent_indent=indent, break_on_hyphens=False
    )
