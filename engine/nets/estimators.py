"""The Layer Manifolds network as scikit-learn classifiers, so it joins the boundary comparison.

`NetworkClassifier` trains `engine.nets.mlp`' MLP (the same code the Layer Manifolds view uses) on
every row it is given and predicts with its softmax head. `NetworkSVM` is the hybrid: it trains
that network, then fits an SVM on the network's last hidden layer, so the network learns the
features and the SVM draws the boundary in them. Both can be members of voting and stacking.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from engine.data.datasets import Dataset


class NetworkClassifier(ClassifierMixin, BaseEstimator):
    """An MLP of `layers` hidden layers of `width` units, trained full-batch for `epochs` epochs."""

    def __init__(
        self,
        width: int = 16,
        layers: int = 2,
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.03,
        epochs: int = 300,
        l2: float = 0.0,
        random_state: int = 0,
    ) -> None:
        self.width, self.layers, self.activation, self.optimizer = width, layers, activation, optimizer
        self.lr, self.epochs, self.l2, self.random_state = lr, epochs, l2, random_state

    def fit(self, X, y):
        from engine.nets.mlp import TrainConfig, train

        X = np.asarray(X, dtype=np.float64)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        data = Dataset(X=X, y=codes.astype(np.int64), name="fit",
                       feature_names=tuple(f"x{i}" for i in range(X.shape[1])),
                       class_names=tuple(map(str, self.classes_)))  # fmt: skip
        cfg = TrainConfig(
            hidden=(int(self.width),) * int(self.layers), activation=self.activation,
            optimizer=self.optimizer, lr=float(self.lr), l2=float(self.l2), epochs=int(self.epochs),
            snapshot_every=int(self.epochs), test_fraction=0.0, grid_size=0, standardize=True,
            seed=int(self.random_state), device="cpu",
        )  # fmt: skip
        result = train(data, cfg)
        if result.stopped:
            raise ValueError(result.stopped)
        self.weights_, self.mean_, self.scale_ = result.weights, result.mean, result.scale
        return self

    def _layers(self, X) -> list[np.ndarray]:
        from engine.nets.mlp import forward

        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        return forward(self.weights_, Z, self.activation)

    def transform(self, X) -> np.ndarray:
        """The last hidden layer's activations: the features the network learned."""
        from engine.nets.analysis import last_hidden

        return last_hidden(self._layers(X))

    def predict_proba(self, X) -> np.ndarray:
        logits = self._layers(X)[-1]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class NetworkSVM(ClassifierMixin, BaseEstimator):
    """An RBF SVM (`engine.nets.analysis.feature_svm`) on the last hidden layer of a trained network."""

    def __init__(
        self,
        width: int = 16,
        layers: int = 2,
        activation: str = "tanh",
        lr: float = 0.03,
        epochs: int = 300,
        C: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.width, self.layers, self.activation, self.lr = width, layers, activation, lr
        self.epochs, self.C, self.random_state = epochs, C, random_state

    def fit(self, X, y):
        from engine.nets.analysis import feature_svm

        self.network_ = NetworkClassifier(
            self.width, self.layers, self.activation, lr=self.lr, epochs=self.epochs,
            random_state=self.random_state,
        ).fit(X, y)  # fmt: skip
        self.svm_ = feature_svm(self.C, "rbf", self.random_state).fit(self.network_.transform(X), y)
        self.classes_ = self.svm_.classes_
        return self

    def decision_function(self, X) -> np.ndarray:
        return self.svm_.decision_function(self.network_.transform(X))

    def predict(self, X) -> np.ndarray:
        return self.svm_.predict(self.network_.transform(X))
