"""landscape, race_rosenbrock and race_regression: the Optimizer Paths engine against per-point and
per-optimizer loops.

landscape's peer is the loss-landscape project's way (set a torch module's weights, run its forward,
read the loss, for each grid point); `kernel_loop_s` is the same per-point loop on our own NumPy kernel,
which shows how much of the gain is batching alone. The races' peer is one torch.optim loop per
optimizer recording the same figures (position and full-data loss every step).
"""

from __future__ import annotations

import numpy as np

from benchmarks import benchmark, median_time

RACE = ("gd", "sgd", "minibatch", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def _torch_layout(flat: np.ndarray, sizes) -> np.ndarray:
    """The kernel's flat vector in torch.nn.Sequential's parameter order (weight (out, in), then bias)."""
    from engine.nets.landscape import layer_matrices

    return np.concatenate([np.r_[W[:, :-1].ravel(), W[:, -1]] for W in layer_matrices(flat, sizes)])


def _torch_loop(traj, center, d1, d2, coords, device: str) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[traj.config.activation]
    mods = []
    for i, (a, b) in enumerate(zip(traj.sizes[:-1], traj.sizes[1:], strict=True)):
        mods += [torch.nn.Linear(a, b)] + ([act()] if i < len(traj.sizes) - 2 else [])
    model = torch.nn.Sequential(*mods).to(device)
    c, u, v = (
        torch.tensor(_torch_layout(t, traj.sizes), dtype=torch.float32, device=device)
        for t in (center, d1, d2)
    )
    X, y = torch.tensor(traj.X, dtype=torch.float32, device=device), torch.tensor(traj.y, device=device)
    out, threads = np.empty(len(coords)), torch.get_num_threads()
    torch.set_num_threads(1)  # small per-point work: one thread is torch's fastest here, and steadiest
    try:
        with torch.no_grad():
            for k, (a, b) in enumerate(coords):
                torch.nn.utils.vector_to_parameters(c + float(a) * u + float(b) * v, model.parameters())
                out[k] = F.cross_entropy(model(X), y).item()
    finally:
        torch.set_num_threads(threads)
    return out


def _kernel_loop(traj, center, d1, d2, coords) -> np.ndarray:
    from engine.backend import make_backend
    from engine.nets.kernel import Network

    bk = make_backend("cpu")
    sizes = list(traj.sizes)
    net = Network(
        bk,
        sizes,
        traj.config.activation,
        [np.zeros((o, i + 1)) for i, o in zip(sizes[:-1], sizes[1:], strict=True)],
    )
    buf = net.buffers(len(traj.y))
    buf.H[0][:-1] = traj.X.T
    cols = np.arange(len(traj.y))
    out = np.empty(len(coords))
    for k, (a, b) in enumerate(coords):
        net.P[:] = center + a * d1 + b * d2
        net.forward(buf)
        out[k] = np.mean(np.log(buf.s) + buf.zmax - buf.Z[traj.y, cols])
    return out


def _slice_setup(hidden: tuple[int, ...], n: int, epochs: int, device: str):
    from engine.data.datasets import DatasetConfig, make_dataset
    from engine.nets.landscape import filter_normalised, record_trajectory
    from engine.nets.mlp import TrainConfig

    data = make_dataset(DatasetConfig("moons", n_samples=n, noise=0.2))
    cfg = TrainConfig(
        hidden=hidden, epochs=epochs, snapshot_every=10, test_fraction=0.0, grid_size=0, device=device
    )
    traj = record_trajectory(data, cfg)
    rng = np.random.default_rng(0)
    center = traj.weights[-1].astype(np.float64)
    d1, d2 = (filter_normalised(center, traj.sizes, rng) for _ in range(2))
    g = np.linspace(-1, 1, 51)
    ga, gb = np.meshgrid(g, g)
    return traj, center, d1, d2, np.c_[ga.ravel(), gb.ravel()]


@benchmark(
    "landscape",
    "51 x 51 loss slice of a 2-16-16-2 tanh MLP on 1,000 points, batched, on CPU: >= 8 x faster than the per-point loop (torch module: set weights, forward, loss); on CUDA also a 4 x 256 network on 20,000 points",
    repeat=5,
    cuda=True,
)
def landscape(repeat: int) -> dict:
    from engine.backend import make_backend
    from engine.nets.landscape import LandscapeConfig, grid_losses, loss_landscape

    traj, center, d1, d2, coords = _slice_setup((16, 16), 1000, 300, "cpu")
    args = (center, d1, d2, coords, traj.sizes, traj.config.activation, traj.X, traj.y)
    cfg = LandscapeConfig(size=51, span=1.0, device="cpu")
    loss_landscape(traj, cfg)  # first-call imports are not the workload
    peer_values = _torch_loop(traj, center, d1, d2, coords, "cpu")
    ours = median_time(lambda: loss_landscape(traj, cfg), repeat)
    peer = median_time(lambda: _torch_loop(traj, center, d1, d2, coords, "cpu"), max(1, repeat // 2))
    kernel = median_time(lambda: _kernel_loop(traj, center, d1, d2, coords), repeat)
    gap = float(np.abs(grid_losses(make_backend("cpu"), *args) - peer_values).max())
    out = {"ours_s": ours, "peer_s": peer, "meets": peer >= 8 * ours, "speedup": peer / ours,
           "kernel_loop_s": kernel, "speedup_vs_kernel_loop": kernel / ours, "max_abs_diff": f"{gap:.1e}"}  # fmt: skip
    return out | _cuda_figures(repeat)


def _cuda_figures(repeat: int) -> dict:
    import torch

    if not torch.cuda.is_available():
        return {"cuda": "no CUDA device"}
    from engine.backend import make_backend
    from engine.nets.landscape import grid_losses

    traj, center, d1, d2, coords = _slice_setup((256,) * 4, 20_000, 50, "cuda")
    bk = make_backend("cuda")
    args = (center, d1, d2, coords, traj.sizes, traj.config.activation, traj.X, traj.y)

    def ours() -> None:
        grid_losses(bk, *args)
        torch.cuda.synchronize()

    ours()
    peer = median_time(lambda: _torch_loop(traj, center, d1, d2, coords, "cuda"), max(1, repeat // 2))
    mine = median_time(ours, repeat)
    return {"cuda_ours_s": mine, "cuda_peer_s": peer, "cuda_speedup": peer / mine}


def _torch_race(loss_fn, batch_fn, names, lrs, steps: int) -> None:
    """One torch.optim loop per optimizer: step on a (mini-batch) loss, record position and full loss."""
    import torch

    for name, lr in zip(names, lrs, strict=True):
        p = torch.tensor([-1.5, 2.5], dtype=torch.float64, requires_grad=True)
        opt = {"adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}.get(
            name
        )
        opt = (
            opt([p], lr=lr)
            if opt
            else torch.optim.SGD(
                [p], lr=lr, momentum=0.9 * (name in ("momentum", "nesterov")), nesterov=name == "nesterov"
            )
        )
        params, losses = [], []
        for _ in range(steps):
            opt.zero_grad()
            batch_fn(p, name).backward()
            opt.step()
            with torch.no_grad():
                params.append(p.detach().clone())
                losses.append(float(loss_fn(p)))


def _race_bench(surface, paths, steps: int, repeat: int, loss_fn, batch_fn) -> dict:
    from engine.optim.race import RaceConfig, race

    cfg = RaceConfig(paths=paths, start=(-1.5, 2.5), steps=steps)
    race(surface, cfg)
    ours = median_time(lambda: race(surface, cfg), repeat)
    names, lrs = [p.optimizer for p in paths], [p.lr for p in paths]
    peer = median_time(lambda: _torch_race(loss_fn, batch_fn, names, lrs, steps), max(1, repeat // 2))
    return {
        "ours_s": ours,
        "peer_s": peer,
        "meets": ours < 0.3,
        "diverged": int((race(surface, cfg).diverged_at >= 0).sum()),
    }


@benchmark(
    "race_rosenbrock",
    "8 optimizers x 500 steps on Rosenbrock, every step recorded: < 0.3 s (peer: a torch.optim loop per optimizer)",
)
def race_rosenbrock(repeat: int) -> dict:
    from engine.optim.race import PathConfig
    from engine.optim.surfaces import SurfaceConfig, make_surface

    surface = make_surface(SurfaceConfig("rosenbrock"))
    paths = tuple(PathConfig(n, lr=0.05 if n in ("adagrad", "rmsprop", "adam") else 1e-3) for n in RACE)
    f = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2  # noqa: E731
    return _race_bench(surface, paths, 500, repeat, f, lambda p, name: f(p))


@benchmark(
    "race_regression",
    "8 optimizers x 500 steps of linear regression on 10,000 points, mini-batches of 32, full-data loss every step: < 0.3 s (peer: a torch.optim loop per optimizer)",
)
def race_regression(repeat: int) -> dict:
    import torch

    from engine.data.datasets import DatasetConfig, make_dataset
    from engine.optim.race import PathConfig
    from engine.optim.surfaces import SurfaceConfig, make_surface

    data = make_dataset(DatasetConfig("moons", n_samples=10_000, noise=0.2))
    surface = make_surface(SurfaceConfig("linear"), data)
    paths = tuple(PathConfig(n, lr=0.02, batch_size=0 if n in ("gd", "sgd") else 32) for n in RACE)
    x, y = torch.tensor(surface.x), torch.tensor(surface.y)
    gen = torch.Generator().manual_seed(0)

    def mse(p, rows=None):
        xb, yb = (x, y) if rows is None else (x[rows], y[rows])
        return ((p[0] + p[1] * xb - yb) ** 2).mean()

    def batch(p, name):
        size = {"gd": 0, "sgd": 1}.get(name, 32)
        return mse(p) if size == 0 else mse(p, torch.randint(0, len(x), (size,), generator=gen))

    return _race_bench(surface, paths, 500, repeat, mse, batch)
