"""Curated starting points: one click loads a page with its whole state in the link."""

from __future__ import annotations

from typing import NamedTuple


class Scenario(NamedTuple):
    title: str
    page: str  # a key of explorer.nav.PAGES
    query: dict[str, str]  # the page's URL state
    notice: str  # what to notice, in a sentence or two


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("Depth untangles spirals", "layers",
             {"data": "spirals", "classes": "2", "hidden": "16,16,16", "act": "relu", "epochs": "1000"},
             "Press Train and watch each layer fold the plane again; the probe accuracy rises layer by layer."),
    Scenario("Circles: 2 units are not enough", "layers",
             {"data": "circles", "classes": "2", "hidden": "2", "epochs": "600"},
             "A 2-unit layer cannot pull the inner ring out; change the width to 3 and it lifts it into 3-D."),
    Scenario("Linked rings and 2-wide layers", "layers",
             {"data": "linked_rings", "hidden": "2,2,2", "epochs": "600"},
             "No continuous map into two dimensions pulls linked rings apart; give a layer 3 units and it can."),
    Scenario("Does voting beat its members?", "boundaries",
             {"data": "moons", "n": "1500", "noise": "0.35", "models": "knn,tree,gnb", "vmembers": "knn,tree,gnb",
              "stacking": "0", "knn_n_neighbors": "1"},
             "Three different, imperfect models: a jumpy 1-nearest-neighbour, a boxy tree and naive Bayes's "
             "smooth curve. Their soft vote keeps what they agree on and, with this seed, beats each of them "
             "on the test points; the overruled map shows where it sides against the majority. Change the "
             "seed to see how often voting wins."),
    Scenario("A linear boundary fails on circles", "boundaries",
             {"data": "circles", "classes": "2", "models": "logreg,linear_svm,rbf_svm,network", "voting": "0",
              "stacking": "0"},
             "Logistic regression and the linear SVM can only draw a straight line through the rings; "
             "an RBF kernel and a small network bend it into a circle."),
    Scenario("Rare class: weights move the boundary", "boundaries",
             {"data": "blobs", "classes": "2", "noise": "1", "models": "logreg,rbf_svm,tree", "minor": "class 1",
              "keep": "0.1", "voting": "0", "stacking": "0"},
             "With a tenth of class 1 left, the RBF SVM hands it almost none of the plane: accuracy stays "
             "high, macro F1 drops. Turn on class weights or oversampling under Split, grid and class "
             "balance: the boundaries move back, F1 rises and accuracy falls."),
    Scenario("Momentum on an ill-conditioned bowl", "optimizers",
             {"surface": "quadratic", "cond": "50", "racers": "2", "opt1": "gd", "lr1": "0.01", "opt2": "momentum",
              "lr2": "0.01", "steps": "100"},
             "At the same learning rate, gradient descent crawls along the bowl's long, shallow axis; momentum "
             "builds up speed along it, and after 100 steps its loss is more than 100 times lower."),
    Scenario("SGD's noise and speed per example", "optimizers",
             {"surface": "linear", "data": "breast_cancer", "fx": "0", "fy": "2", "racers": "3", "opt1": "gd",
              "lr1": "0.1", "opt2": "sgd", "lr2": "0.05", "opt3": "minibatch", "lr3": "0.1", "batch3": "32",
              "steps": "200"},
             "Per step, gradient descent and mini-batches of 32 fall alike, but GD reads all 569 rows a step: "
             "against examples processed, SGD is near the minimum before GD has finished its first step. Near "
             "the minimum SGD keeps jittering and ends above GD; the gradient cloud shows how much rows disagree."),
    Scenario("How large may a learning rate be?", "optimizers",
             {"surface": "quadratic", "cond": "10", "racers": "3", "opt1": "gd", "lr1": "0.05", "opt2": "gd",
              "lr2": "0.19", "opt3": "gd", "lr3": "0.21", "steps": "100"},
             "The bowl's steep direction has curvature 10, so gradient descent is stable only below a learning "
             "rate of 2 / 10 = 0.2: at 0.05 it slides straight down, at 0.19 every step overshoots the valley "
             "floor by a little less (a zig-zag), at 0.21 by a little more, until it diverges and is crossed out."),
    Scenario("A network's landscape is a slice", "optimizers", {"surface": "network", "data": "moons", "dirs": "pca"},
             "Four optimizers train the same network from the same start. On the plane of Adam's path, Adam "
             "runs into the trained weights; the others barely cross the slice, yet their real loss (solid) "
             "falls far below the slice's loss under them (dashed): they descend where the plane cannot see."),
    Scenario("Stay on the sphere", "optimizers", {"surface": "sphere", "smu": "2", "ssteps": "300"},
             "Minimise xᵀAx on the unit sphere. Riemannian descent steps along the tangent plane and retracts, so "
             "every step stays within 1e-9 of the sphere, and it ends at the smallest eigenvector ±v₁, where "
             "xᵀAx = λ₁ = 1. The penalty method (μ = 2) finds the same direction from inside: it ends about 0.13 "
             "off the sphere (1 − √(1 − λ₁/2μ)), where xᵀAx dips to 0.75. Raise μ and the gap shrinks."),
    Scenario("Layers untangle digits", "cnn", {"data": "mnist", "epochs": "3"},
             "Press Train: the probe accuracy rises from the raw pixels through each block, and the digits "
             "gather into their own clouds in the last layers. Epoch 0 is the untrained network: random "
             "filters already lift the probe a little above the pixels."),
    Scenario("A tiny push flips the class", "cnn", {"data": "mnist", "epochs": "3", "attack": "pgd_l2", "aeps": "1.5"},
             "Train, pick a digit the network gets right and scrub the attack's steps: a perturbation far smaller "
             "than the distance to any other training digit flips the class, while noise of the same size "
             "leaves it alone. Measure it over 50 digits with the button under the table."),
    Scenario("A linear autoencoder is PCA", "latent", {"data": "digits", "epochs": "150", "pca": "1", "lr": "0.01"},
             "Press Train: the linear autoencoder's plane lands on PCA's (the principal angles fall to a few degrees) "
             "and its error matches PCA's; the non-linear one beside it keeps more neighbours together."),
    Scenario("A VAE's map of the digits", "latent", {"data": "digits", "model": "vae"},
             "Press Train: the encoded digits spread over the plane while the grid beside it decodes each point; "
             "walk across the grid and one digit turns into its neighbour. Click the plane to decode any point."),
    Scenario("β too large: the posterior collapses", "latent", {"data": "digits", "model": "vae", "beta": "20"},
             "With the KL weighted 20 times, every digit is encoded as the prior: the KL falls to almost 0 nats, "
             "no latent unit stays active and the grid decodes one blur everywhere. Set β back to 1 and train again."),
    Scenario("The generator folds the noise plane onto the data", "latent",
             {"data": "blobs", "classes": "8", "noise": "0", "n": "2000", "model": "gan"},
             "Press Train and play: the generator's grid, a flat sheet at step 0, is stretched and folded until it "
             "lies along the eight blobs, while the discriminator's map beneath fades to 0.5 (it can no longer "
             "tell). Then step the two networks one update at a time."),
    Scenario("Mode collapse", "latent",
             {"data": "blobs", "classes": "8", "noise": "0", "n": "2000", "model": "gan", "glr": "0.003", "dlr": "0.0003"},
             "The generator learns ten times faster than the discriminator: its samples pile onto one or two of the "
             "eight blobs, and the page counts the modes covered. Set both learning rates to 0.001 and train again."),
    Scenario("A GAN draws digits", "latent",
             {"data": "digits", "model": "gan", "ghidden": "128,128", "dlr": "0.0003", "gsteps": "3000"},
             "Wider networks and a slower discriminator: after 3,000 steps the generator draws most of the ten "
             "digits across its noise plane. With the default settings the discriminator wins and the page says so."),
    Scenario("Without labels, classes still gather", "latent", {"data": "digits", "model": "simclr"},
             "Press Train: the encoder never sees a label, only two shifted, noisy views of each digit to place "
             "together on the sphere; yet the colours gather, and the 5-NN accuracy climbs far above the random "
             "encoder's. Raw 8 x 8 pixels still score higher: the page says so. Turn augmentation off and compare."),
    Scenario("The ensemble's explanation is its members' average", "explain",
             {"data": "moons", "models": "logreg,knn,tree", "vmembers": "logreg,knn,tree", "w_logreg": "2",
              "stacking": "0", "focus": "voting"},
             "A soft vote with weights 2, 1, 1: its SHAP values at the point are exactly the weighted mean of its "
             "three members' (the gap is a rounding error, about 1e-16), because Shapley values are linear in the "
             "function they explain. Click the plane to explain another point: the gap stays at rounding error."),
    Scenario("LIME changes its mind", "explain",
             {"data": "breast_cancer", "models": "logreg", "voting": "0", "stacking": "0", "method": "lime",
              "stab": "1", "focus": "logreg"},
             "The same logistic regression, the same point, five seeds: LIME's five most important features overlap "
             "by a Jaccard of about 0.3 from run to run, sampled SHAP's by about 0.65. One LIME explanation of 30 "
             "features is one draw, not the answer."),
    Scenario("A tree reads one feature, a forest reads several", "explain",
             {"data": "breast_cancer", "models": "tree,forest", "tree_max_depth": "1", "voting": "0", "stacking": "0",
              "part": "global", "absshap": "1"},
             "A one-split tree puts all its importance on one feature (effective features 1.0); a forest of 100 "
             "deeper trees spreads it over a dozen (its top feature holds about an eighth)."),
    Scenario("Unroll the Swiss roll", "inspector",
             {"data": "swiss_roll", "n": "1500", "methods": "pca,isomap,lle"},
             "PCA squashes the roll flat and mixes its ends; Isomap follows distances along the sheet and "
             "unrolls it, so the colours run in order."),
    Scenario("Digits in two dimensions", "inspector", {"data": "digits", "methods": "pca,tsne"},
             "PCA's two axes explain little of 64 pixels' variance and the digits overlap; t-SNE keeps "
             "neighbours together and the ten digits fall into islands. Compare k-NN accuracy."),
    Scenario("Concentric circles", "inspector",
             {"data": "circles", "classes": "3", "methods": "pca,kernel_pca", "gamma": "2"},
             "A linear projection cannot pull nested rings apart; an RBF kernel can."),
    Scenario("A messy real CSV", "inspector", {"data": "sample:breast_cancer_clinic", "methods": "pca,umap"},
             "An ID column, text labels and missing values: read the notes above the plots to see what was "
             "dropped or imputed."),
    Scenario("Geodesic, not straight", "geometry", {"data": "swiss_roll", "n": "1000", "noise": "0", "k": "10"},
             "Colour is distance from one point: along the graph (left) it grows steadily along the sheet, in a straight "
             "line (right) it jumps across the gap between turns. Some point is over 4 times farther along the roll "
             "than through the air, and Isomap, which measures along the graph, unrolls it in order."),
    Scenario("One bridge breaks it", "geometry", {"data": "swiss_roll", "n": "1000", "noise": "0.3", "k": "15"},
             "With 15 neighbours on a slightly noisy roll, a single edge (red) jumps between two turns of the sheet. "
             "Every geodesic through it is too short, and Isomap folds the sheet there: the order along the roll "
             "falls from |ρ| = 1.00 at k = 12 to about 0.76. Set k back to 12 and it unrolls again."),
    Scenario("Two labels are enough on the moons", "geometry",
             {"data": "moons", "n": "1000", "noise": "0.05", "part": "labels", "per": "2"},
             "Two labelled points per moon: the SVM, which sees only those four, cuts the moons with a smooth curve "
             "and gets about 0.87; label spreading and the Laplacian network follow the graph and label every "
             "point right. Raise the noise until edges join the moons (red) and spreading leaks across them."),
    Scenario("The GCN propagates labels along the graph", "geometry", {"part": "gcn", "graph": "karate"},
             "Zachary's karate club split in two; only its two leaders are labelled, and the members carry no features "
             "at all. Press Train: two graph convolutions spread the leaders' classes along the friendships, and the "
             "GCN puts 31 of the other 32 members in the faction they joined; the one it misses sits between the two."),
)  # fmt: skip


def for_page(page: str) -> list[Scenario]:
    return [s for s in SCENARIOS if s.page == page]
