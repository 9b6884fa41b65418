"""The Manifold geometry view's workloads against their peers.

gcn_train: the graph network on a 2,000-node 10-NN graph of moons with two labels per class, 200 epochs
with both layers of every node recorded every 10, against a plain PyTorch loop on a sparse COO adjacency
(and the same loop on a dense one, the figure behind choosing a sparse adjacency).
"""

from __future__ import annotations

import numpy as np

from benchmarks import benchmark, median_time

N_NODES = 2_000
K = 10


def _moons_graph():
    """Seeded moons (2,000 points, noise 0.1), their symmetrised 10-NN 0/1 adjacency, and two
    labelled points per class."""
    from sklearn.neighbors import kneighbors_graph

    from engine.data.datasets import DatasetConfig, make_dataset

    data = make_dataset(DatasetConfig("moons", N_NODES, noise=0.1, seed=0))
    A = kneighbors_graph(data.X, K, include_self=False)
    A = A.maximum(A.T).tocsr()
    rng = np.random.default_rng(0)
    mask = np.zeros(N_NODES, bool)
    for c in (0, 1):
        mask[rng.choice(np.flatnonzero(data.y == c), 2, replace=False)] = True
    return data.X, data.y, A, mask


def _peer_gcn(a_hat, X, y, mask, cfg) -> float:
    """The peer: Kipf & Welling's two-layer GCN as two nn.Linear and torch.sparse.mm(a_hat, .) (a sparse
    COO a_hat) or a_hat @ . (a dense one), F.dropout on the hidden layer, Adam(lr, weight_decay), cross-entropy on the labelled
    nodes for cfg.epochs full-batch steps, torch's default threads; no snapshots, no accuracy."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(0)
    lin1, lin2 = nn.Linear(X.shape[1], cfg.hidden), nn.Linear(cfg.hidden, 2)
    opt = torch.optim.Adam([*lin1.parameters(), *lin2.parameters()], lr=cfg.lr, weight_decay=cfg.weight_decay)
    rows = torch.from_numpy(np.flatnonzero(mask))
    mm = torch.sparse.mm if a_hat.is_sparse else torch.mm
    for _ in range(cfg.epochs):
        h = F.dropout(torch.relu(mm(a_hat, lin1(X))), cfg.dropout, training=True)
        loss = F.cross_entropy(mm(a_hat, lin2(h))[rows], y[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss.detach())


@benchmark(
    "gcn_train",
    "train_gcn on a 2,000-node symmetrised 10-NN graph of moons (2 labels per class), 200 epochs, both "
    "layers of every node and the accuracy recorded every 10: <= 2 s; the ratio is against a plain "
    "PyTorch 2-layer GCN loop (torch.sparse.mm on the same normalised adjacency, Adam, no snapshots)",
    repeat=5,
)
def gcn_train(repeat: int) -> dict:
    """Ours: engine.geometry.gcn.train_gcn(A, X, y, mask, GCNConfig(device="cpu")). The peer:
    `_peer_gcn` with the same adjacency and standardised features, sparse and dense. One untimed
    call of each first (imports, first kernels)."""
    import torch

    from engine.geometry.gcn import GCNConfig, normalized_adjacency, torch_adjacency, train_gcn
    from engine.geometry.gcn_inputs import standardised

    X, y, A, mask = _moons_graph()
    cfg = GCNConfig(epochs=200, snapshot_every=10, device="cpu")
    a_csr = torch_adjacency(normalized_adjacency(A))  # what train_gcn multiplies by
    a_sparse, a_dense = a_csr.to_sparse_coo().coalesce(), a_csr.to_dense()
    Xt, yt = torch.from_numpy(standardised(X)), torch.from_numpy(y)
    first = train_gcn(A, X, y, mask, cfg)
    _peer_gcn(a_sparse, Xt, yt, mask, cfg)
    _peer_gcn(a_dense, Xt, yt, mask, cfg)
    ours = median_time(lambda: train_gcn(A, X, y, mask, cfg), repeat)
    peer = median_time(lambda: _peer_gcn(a_sparse, Xt, yt, mask, cfg), repeat)
    dense = median_time(lambda: _peer_gcn(a_dense, Xt, yt, mask, cfg), repeat)
    return {"ours_s": ours, "peer_s": peer, "meets": ours <= 2.0, "dense_peer_s": dense,
            "edges": int(A.nnz // 2), "snapshots": len(first.epochs), "accuracy": float(first.accuracy[-1]),
            "threads": first.threads, "peer_threads": torch.get_num_threads()}  # fmt: skip
