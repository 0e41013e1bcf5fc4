"""Signed cookies: what a forged, altered, expired or borrowed value gets (nothing)."""

from __future__ import annotations

import pytest

from framekit.servers.dashboard import SignedCookies

SECRET = "dashboard-test-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_reads_back_until_it_expires() -> None:
    clock = Clock()
    cookies = SignedCookies(SECRET, "session", max_age=60, clock=clock)
    issued = cookies.issue()
    assert cookies.read(issued.value) == issued
    clock.now += 59
    assert cookies.read(issued.value) == issued
    clock.now += 1
    assert cookies.read(issued.value) is None


def test_each_sign_in_gets_its_own_csrf_token() -> None:
    cookies = SignedCookies(SECRET, "session", max_age=60)
    first, second = cookies.issue(), cookies.issue()
    assert first.csrf != second.csrf
    assert first.value != second.value


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v[:-2] + ("AA" if not v.endswith("AA") else "BB"),  # the signature
        lambda v: "9" + v,  # a later expiry
        lambda v: v.replace(".", ".x", 1),  # another nonce
        lambda v: "",
        lambda v: "x" * 300,
        lambda v: v.rpartition(".")[0],  # no signature
    ],
)
def test_an_altered_value_is_refused(change: object) -> None:
    cookies = SignedCookies(SECRET, "session", max_age=60)
    assert cookies.read(change(cookies.issue().value)) is None  # type: ignore[operator]


def test_a_cookie_of_another_kind_or_token_is_refused() -> None:
    login = SignedCookies(SECRET, "login", max_age=60).issue()
    assert SignedCookies(SECRET, "session", max_age=60).read(login.value) is None
    session = SignedCookies(SECRET, "session", max_age=60).issue()
    assert SignedCookies(SECRET + "x", "session", max_age=60).read(session.value) is None


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        SignedCookies("", "session", max_age=60)
    with pytest.raises(ValueError, match="max_age"):
        SignedCookies(SECRET, "session", max_age=0)
