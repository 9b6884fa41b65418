"""The Optimizer paths controls take their numbers from the engine's limits."""

from engine.data.datasets import LIMITS as DATA_LIMITS
from engine.nets.landscape import LIMITS as SLICE_LIMITS
from engine.optim.race import MAX_LR, MAX_PATHS, MAX_STEPS
from engine.optim.sphere import LIMITS as SPHERE_LIMITS
from engine.optim.sphere import SphereConfig
from explorer.layers.controls import EPOCHS
from explorer.optimizers import controls


def test_url_bounds_are_the_engine_limits():
    table = {p.key: p for p in controls.params()}
    assert table["lsize"].bounds == SLICE_LIMITS["size"] and table["span"].bounds == SLICE_LIMITS["span"]
    assert table["epochs"].bounds == EPOCHS
    assert table["steps"].bounds == (1, MAX_STEPS) and table["racers"].bounds == (1, MAX_PATHS)
    for i in range(1, len(controls.RACERS) + 1):
        assert table[f"lr{i}"].bounds == (0.0, MAX_LR)
        assert table[f"batch{i}"].bounds == (0, DATA_LIMITS["n_samples"][1])
        assert table[f"mom{i}"].bounds[1] < 1


def test_sphere_url_bounds_and_defaults_are_the_engines():
    table = {p.key: p for p in controls.params()}
    default = SphereConfig()
    for i in (1, 2, 3):
        assert table[f"sl{i}"].bounds == SPHERE_LIMITS["eigenvalue"]
        assert table[f"sl{i}"].default == default.eigenvalues[i - 1]
    assert table["slr"].bounds == (0.0, SPHERE_LIMITS["lr"][1]) and table["slr"].default == default.lr
    assert table["smu"].bounds == SPHERE_LIMITS["mu"] and table["smu"].default == default.mu
    assert table["ssteps"].bounds == SPHERE_LIMITS["steps"] and table["ssteps"].default == default.steps
    assert "sphere" in table["surface"].choices
