"""The hashed n-grams a sentiment head reads beside the embedding."""

from __future__ import annotations

import numpy as np

from framekit.analytics.ngrams import SparseRows, hashed_ngrams, tokens


def test_a_negation_marks_the_words_after_it_until_punctuation() -> None:
    assert tokens("That's NOT helpful, thanks") == ["thats", "not", "not_helpful", "thanks"]
    assert tokens("it doesn't really help at all") == [
        "it",
        "doesnt",
        "not_really",
        "not_help",
        "not_at",
        "all",
    ]
    assert tokens("nothing but trouble") == ["nothing", "but", "trouble"]


def test_written_and_recognizer_style_turns_hash_alike() -> None:
    written, spoken = hashed_ngrams(["Oh great, lost again!", "oh great lost again !"], 512)
    assert np.allclose(written, spoken)


def test_columns_are_stable_and_each_part_has_unit_length() -> None:
    rows = hashed_ngrams(["still waiting", "thanks a lot"], 4096)
    again = hashed_ngrams(["still waiting", "thanks a lot"], 4096)
    assert np.array_equal(rows, again)
    assert rows.shape == (2, 4096)
    # words and letters each scaled to unit length: about sqrt(2) together (collisions aside)
    assert np.allclose(np.linalg.norm(rows, axis=1), np.sqrt(2), atol=0.2)
    assert not np.allclose(rows[0], rows[1])


def test_an_empty_turn_is_a_row_of_zeros() -> None:
    assert not hashed_ngrams(["", "..."], 64).any()


def test_sparse_rows_multiply_as_the_dense_rows_do() -> None:
    rows = hashed_ngrams(["oh great, lost again", "thanks a lot", ""], 64)
    sparse = SparseRows(rows)
    weights = np.random.default_rng(4).normal(size=(64, 3))
    errors = np.random.default_rng(5).normal(size=(3, 2))

    assert np.allclose(sparse.dot(weights), rows @ weights)
    assert np.allclose(sparse.tdot(errors), rows.T @ errors)
