"""scikit-learn's estimator checks on SoftmaxClassifier."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skxent import SoftmaxClassifier


@parametrize_with_checks(
    [
        SoftmaxClassifier(),
        SoftmaxClassifier(objective="kl_divergence"),
        SoftmaxClassifier(solver="newton-cg"),
        SoftmaxClassifier(objective="reverse_kl_divergence", label_smoothing=0.1),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
