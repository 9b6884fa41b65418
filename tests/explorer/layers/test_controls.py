"""The network controls offer what the engine accepts: their URL bounds and choices come from its limits."""

import pytest

from engine.nets.mlp import LIMITS, TrainConfig, check_config
from explorer.layers import controls


def _within(value, bounds):
    return bounds[0] <= value <= bounds[1]


def test_url_bounds_lie_inside_the_engine_limits():
    table = {p.key: p for p in controls.params()}
    for key, limit in (
        ("lr", "lr"),
        ("batch", "batch_size"),
        ("l2", "l2"),
        ("epochs", "epochs"),
        ("every", "snapshot_every"),
    ):
        lo, hi = table[key].bounds
        assert _within(lo, LIMITS[limit]) and _within(hi, LIMITS[limit]), key
    assert table["lr"].bounds == (controls.LEARNING_RATES[0], controls.LEARNING_RATES[-1])
    assert table["l2"].bounds == LIMITS["l2"]
    assert table["batch"].bounds == LIMITS["batch_size"]
    assert table["epochs"].bounds == (controls.EPOCH_STEP, LIMITS["epochs"][1])


def test_every_offered_value_trains():
    for lr in controls.LEARNING_RATES:
        check_config(TrainConfig(lr=lr))
    for l2 in controls.L2_VALUES:
        check_config(TrainConfig(l2=l2))
    assert min(controls.LEARNING_RATES) == LIMITS["lr"][0]
    assert (min(controls.L2_VALUES), max(controls.L2_VALUES)) == LIMITS["l2"]
    check_config(TrainConfig(epochs=controls.EPOCHS[1], snapshot_every=controls.EVERY[1]))


def test_parse_hidden_takes_the_engine_limits():
    lo, hi = LIMITS["layers"]
    wlo, whi = LIMITS["width"]
    assert controls.parse_hidden(", ".join([str(whi)] * hi)) == (whi,) * hi
    assert controls.parse_hidden(str(wlo)) == (wlo,)
    for bad in (",".join(["8"] * (hi + 1)), str(whi + 1), str(wlo - 1)):
        with pytest.raises(ValueError, match=f"{lo} to {hi} hidden layers, each {wlo} to {whi} units wide"):
            controls.parse_hidden(bad)
