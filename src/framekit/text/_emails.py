"""Email addresses read out: "john dot smith at gmail dot com" is john.smith@gmail.com.

Why only this shape: "at" and "dot" are ordinary words, so an address is written
only when "at" is followed by a domain of at least two parts joined by "dot" (or a
written ".") whose last part is a well-known top-level domain ("com", "org", "co
uk", ...). The part before "at" is the word just before it and the words joined to
it by "dot", "underscore", "dash" or "hyphen": "my email is john smith at ..." gives
smith@..., because nothing marks where a spaced name would start.
"""

from __future__ import annotations

from collections.abc import Sequence

from framekit.text._tokens import Edit, Token, joined

__all__ = ["email_edits"]

TOP_LEVEL_DOMAINS = frozenset({
    "com", "org", "net", "edu", "gov", "io", "co", "uk", "us", "ca", "au", "nz", "ie", "de",
    "fr", "es", "it", "nl", "eu", "in", "ai", "app", "dev", "info", "biz", "me", "tv",
})  # fmt: skip
_JOINERS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
_WRITTEN_JOINERS = {".": ".", "_": "_", "-": "-"}
_DOMAIN_JOINERS = {"dot": ".", "dash": "-", "hyphen": "-"}
_NOT_NAMES = frozenset({
    "me", "us", "you", "him", "her", "them", "it", "is", "was", "are", "am", "be", "email",
    "mail", "address", "online", "here", "there", "home", "work", "site", "website", "web",
    "page", "look", "find", "reach", "contact", "visit", "available", "or", "and", "the", "a",
    "an", "my", "your", "our", "to", "from", "by",
})  # fmt: skip
"""Words before "at" that are not a mailbox: "visit us at example dot com" is a website."""


def email_edits(toks: Sequence[Token], claimed: Sequence[bool]) -> list[Edit]:
    """An edit for every spoken email address among ``toks`` (none of them claimed)."""
    edits: list[Edit] = []
    for i, token in enumerate(toks):
        if token.lower != "at" or not joined(toks, i) or claimed[i]:
            continue
        domain = _domain(toks, i + 1)
        local = _local(toks, i - 1)
        if domain is None or local is None:
            continue
        first, address = local
        stop, host = domain
        if not any(claimed[first:stop]):
            edits.append(Edit(first, stop, f"{address}@{host}".lower()))
    return edits


def _part(token: Token) -> bool:
    return token.kind in ("word", "digits") and token.lower not in _JOINERS


def _joiner(toks: Sequence[Token], i: int, table: dict[str, str]) -> tuple[str, int] | None:
    """The joiner in front of token ``i`` (a word before it, or a written mark): (mark, width)."""
    if i < len(toks) and toks[i].before in _WRITTEN_JOINERS:
        return _WRITTEN_JOINERS[toks[i].before], 0
    if i < len(toks) and toks[i].lower in table and joined(toks, i) and joined(toks, i + 1):
        return table[toks[i].lower], 1
    return None


def _domain(toks: Sequence[Token], i: int) -> tuple[int, str] | None:
    """The domain starting at token ``i``: (stop, "gmail.com"), ending at a top-level domain."""
    if i >= len(toks) or toks[i].kind != "word" or not _part(toks[i]) or not joined(toks, i):
        return None
    parts = [toks[i].text]
    best: tuple[int, str] | None = None
    j = i + 1
    while j < len(toks):
        joint = _joiner(toks, j, _DOMAIN_JOINERS)
        if joint is None:
            break
        mark, width = joint
        if j + width >= len(toks) or not _part(toks[j + width]):
            break
        parts += [mark, toks[j + width].text]
        j += width + 1
        if mark == "." and toks[j - 1].lower in TOP_LEVEL_DOMAINS:
            best = (j, "".join(parts))
    return best


def _local(toks: Sequence[Token], i: int) -> tuple[int, str] | None:
    """The name before "at" that ends at token ``i``: (first token, "john.smith")."""
    if (
        i < 0
        or toks[i].kind != "word"
        or _JOINERS.get(toks[i].lower)
        or toks[i].lower in _NOT_NAMES
    ):
        return None
    parts = [toks[i].text]
    first = i
    while first > 0:
        joint = _joiner(toks, first, _JOINERS)
        if joint is not None and joint[1] == 0 and first - 1 >= 0 and _part(toks[first - 1]):
            parts.insert(0, joint[0])
            parts.insert(0, toks[first - 1].text)
            first -= 1
            continue
        spoken = first - 1
        joint = _joiner(toks, spoken, _JOINERS) if spoken > 0 else None
        if joint is not None and joint[1] == 1 and _part(toks[spoken - 1]):
            parts.insert(0, joint[0])
            parts.insert(0, toks[spoken - 1].text)
            first = spoken - 1
            continue
        break
    return first, "".join(parts)
