"""Hypothesis strategies shared by the models tests."""

from __future__ import annotations

from hypothesis import strategies as st


def decimal_defaults(precision: int, scale: int) -> st.SearchStrategy[str]:
    """Defaults of decimal{precision,scale} that SQLite, which keeps a decimal as
    a double, reads back unchanged: at most 15 digits down to the last place of
    the scale, or a binary fraction that a double holds exactly."""
    sign = st.sampled_from(["", "-"])
    whole_room = precision - scale
    fractions = [f for f in ("", "5", "25", "125", "0625") if len(f) <= scale]
    exact = st.tuples(
        sign, st.integers(0, 10 ** min(whole_room, 6) - 1), st.sampled_from(fractions)
    ).map(lambda n: f"{n[0]}{n[1]}.{n[2]}" if n[2] else f"{n[0]}{n[1]}")
    if scale >= 15:
        return exact
    whole_digits = min(whole_room, 15 - scale, 8)
    short = st.tuples(
        sign, st.integers(0, 10**whole_digits - 1), st.integers(0, 10**scale - 1)
    ).map(lambda n: f"{n[0]}{n[1]}.{n[2]:0{scale}d}" if scale else f"{n[0]}{n[1]}")
    return exact | short
