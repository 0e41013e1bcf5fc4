"""How the sentiment heads are fitted: class weights and standardized features."""

from __future__ import annotations

import numpy as np

from framekit.analytics.turn_model import TurnModel, fit_head


def test_standardizing_is_folded_back_into_weights_that_take_the_raw_features() -> None:
    rng = np.random.default_rng(0)
    labels = [n % 3 for n in range(90)]
    rows = rng.normal(0, 1, (90, 4)) + np.eye(3, 4)[labels] * 2
    rows[:, 0] = rows[:, 0] * 0.01 + 5  # a small, offset column, as an embedding dimension
    scaled = (rows - rows.mean(axis=0)) / rows.std(axis=0)

    weights, bias = fit_head(rows, labels, l2=1.0, iterations=300, standardize=True)
    on_scaled = fit_head(scaled, labels, l2=1.0, iterations=300)

    raw = TurnModel(weights, bias, 0).probabilities(rows)
    reference = TurnModel(*on_scaled, 0).probabilities(scaled)
    assert np.allclose(raw, reference, atol=1e-6)


def test_class_weights_let_a_rare_class_be_predicted() -> None:
    rng = np.random.default_rng(1)
    labels = [1] * 180 + [0] * 10 + [2] * 10
    centres = {0: -0.4, 1: 0.0, 2: 0.4}
    rows = np.array([[centres[y] + rng.normal(0, 0.5)] for y in labels])

    plain = TurnModel(*fit_head(rows, labels, iterations=500), 0)
    weighted = TurnModel(*fit_head(rows, labels, iterations=500, balanced=True), 0)

    felt = rows[np.array(labels) != 1]
    assert set(plain.probabilities(felt).argmax(axis=1)) == {1}  # all called neutral
    assert {0, 2} <= set(weighted.probabilities(felt).argmax(axis=1).tolist())


def test_a_raw_tail_is_scaled_not_standardized_and_folded_back() -> None:
    rng = np.random.default_rng(2)
    labels = [n % 3 for n in range(90)]
    dense = rng.normal(0, 1, (90, 3)) + np.eye(3)[labels] * 2
    tail = (rng.random((90, 5)) < 0.05).astype(float)  # sparse counts, as hashed n-grams
    rows = np.hstack([dense, tail])
    by_hand = np.hstack([(dense - dense.mean(axis=0)) / dense.std(axis=0), 3.0 * tail])

    weights, bias = fit_head(
        rows, labels, l2=1.0, iterations=300, standardize=True, raw_tail=5, tail_scale=3.0
    )
    reference = fit_head(by_hand, labels, l2=1.0, iterations=300)

    assert np.allclose(
        TurnModel(weights, bias, 0).probabilities(rows),
        TurnModel(*reference, 0).probabilities(by_hand),
        atol=1e-6,
    )
