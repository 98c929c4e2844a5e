"""SpecError, the one-line refusal of a models answer, and how a message quotes the answer."""

from __future__ import annotations


class SpecError(ValueError):
    """A models answer that cannot become models; str() is one line naming the token.

    `token` is the offending piece of the answer and `suggestion` the closest valid
    name when the token looks like a typo.
    """

    def __init__(self, message: str, *, token: str = "", suggestion: str = "") -> None:
        if suggestion:
            message = f"{message} (did you mean {suggestion!r}?)"
        # One line, whatever the answer held: the message is shown in a prompt.
        message = " ".join(message.split())
        super().__init__(message)
        self.token = token
        self.suggestion = suggestion


def _show(text: str, limit: int = 60) -> str:
    """Quote a piece of the answer for a message: one line, escaped, shortened."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    escaped = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
    return f"'{escaped}'"
