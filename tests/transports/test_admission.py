"""AdmissionControl: the capacity counts running calls and admissions not started yet."""

from __future__ import annotations

import pytest

from framekit.servers.twilio.admission import AdmissionControl, busy_twiml


def test_running_and_pending_calls_count_and_a_pending_admission_expires() -> None:
    now = [0.0]
    admission = AdmissionControl(2, pending_ttl=30.0, clock=lambda: now[0])
    assert admission.try_admit("CA1")
    assert admission.try_admit("CA1")  # the same call again (a retried webhook)
    admission.started("CA1")
    assert admission.try_admit("CA2")  # pending: its stream has not started
    assert not admission.try_admit("CA3")
    assert (admission.admitted, admission.refused) == (2, 1)
    now[0] = 31.0  # CA2's stream never came
    assert admission.try_admit("CA3")
    admission.ended("CA1")
    admission.started("CA4")  # a stream without an admission still counts
    assert admission.admitted == 2
    assert not admission.try_admit("CA5")


def test_no_capacity_admits_everyone_and_a_bad_one_is_refused() -> None:
    admission = AdmissionControl(None)
    assert all(admission.try_admit(f"CA{n}") for n in range(1000))
    with pytest.raises(ValueError, match="capacity"):
        AdmissionControl(0)
    assert busy_twiml().endswith('<Response><Reject reason="busy"/></Response>')
