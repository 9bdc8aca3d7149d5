"""python -m tinymoe.train_lm: a few steps of the nano configs, the checkpoint, resuming,
the plot and the sample."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.data import load_text
from tinymoe.models import MoEGPT, get_config
from tinymoe.train_lm import build_parser, lr_at, main, train

FAST = ["--batch-size", "4", "--eval-batches", "2", "--sample-chars", "30", "--no-progress"]


def _args(tmp_path, *extra):
    return build_parser().parse_args(["--config", "nano-moe", "--out", str(tmp_path),
                                      *FAST, *extra])


def test_a_short_run_writes_a_resumable_checkpoint_plot_and_sample(tmp_path, capsys):
    first = train(_args(tmp_path, "--steps", "4", "--eval-every", "2"))
    assert first["step"] == [2, 4] and len(first["val"]) == 2
    assert all(np.isfinite(first["val"])) and first["cpu_seconds"][-1] > 0
    assert (tmp_path / "nano-moe_loss.png").stat().st_size > 0
    state = tm.load(tmp_path / "nano-moe.npz")
    assert state["step"] == 4 and state["config"] == "nano-moe"
    sample = first["sample"]
    assert len(sample) == 31 and set(sample) <= set(load_text().tokenizer.chars)

    main(["--config", "nano-moe", "--out", str(tmp_path), *FAST, "--steps", "6",
          "--eval-every", "2", "--resume"])
    assert "resumed" in capsys.readouterr().out
    resumed = tm.load(tmp_path / "nano-moe.npz")
    assert resumed["step"] == 6
    np.testing.assert_array_equal(resumed["history"]["step"], [2, 4, 6])
    np.testing.assert_array_equal(resumed["history"]["val"][:2], first["val"])
    model = MoEGPT(get_config("nano-moe", vocab_size=76))
    model.load_state_dict(resumed["model"])  # the checkpoint holds the whole model


def test_training_lowers_the_validation_loss(tmp_path):
    history = train(_args(tmp_path, "--config", "nano-dense", "--steps", "30",
                          "--eval-every", "15", "--lr", "1e-2", "--warmup", "1"))
    # log(76) = 4.33 nats is the loss of a uniform guess, which the initial model makes
    assert history["val"][-1] < min(np.log(76) - 0.5, history["val"][0])


def test_resuming_another_configs_checkpoint_is_refused(tmp_path):
    train(_args(tmp_path, "--steps", "1"))
    (tmp_path / "nano-moe.npz").rename(tmp_path / "nano-dense.npz")
    with pytest.raises(ValueError, match="holds config 'nano-moe', not 'nano-dense'"):
        train(_args(tmp_path, "--config", "nano-dense", "--steps", "1", "--resume"))


def test_learning_rate_warms_up_linearly_then_stays():
    assert [lr_at(s, 1.0, 4) for s in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
