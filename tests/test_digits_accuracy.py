"""An MLP trained with tinymoe.train.fit on the shipped digits reaches >= 97% test accuracy
(the recipe of ``python -m tinymoe.bench train``: fixed stratified split and seed,
standardised with training statistics only)."""

from tinymoe.bench.train import train_digits


def test_digits_mlp_reaches_97_percent():
    result = train_digits(seed=0)
    history = result["history"]
    assert len(history) == 30
    assert history.train_loss[-1] < 0.1 * history.train_loss[0]
    assert result["accuracy"] >= 0.97, f"test accuracy {result['accuracy']:.4f} < 0.97"
