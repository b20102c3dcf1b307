"""scikit-learn's estimator checks on SoftmaxClassifier, for every registered
objective (label-smoothed, so that objectives needing positive targets take
the checks' hard labels) and the solver and penalty options."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skxent import SoftmaxClassifier
from skxent._objectives import OBJECTIVES


@parametrize_with_checks(
    [
        SoftmaxClassifier(),
        SoftmaxClassifier(solver="newton-cg"),
        SoftmaxClassifier(entropy_penalty=0.1),
        *(
            SoftmaxClassifier(objective=name, label_smoothing=0.1)
            for name in OBJECTIVES
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
