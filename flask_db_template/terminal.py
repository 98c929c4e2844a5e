"""Reading one answer at a terminal, for the prompts (see prompting.py).

cookiecutter asks through rich, which prints the question itself and then
calls `input()` with an empty prompt. Once readline is loaded (it is, for
editing a refused answer), readline believes the line starts at column 0:
its first redraw (Ctrl-U, Ctrl-A, an arrow) returns to column 0 and erases
the question's last line, and after an empty answer it prints no newline, so
the next question runs on at the end of the line. Here the question is
rendered by rich as text, every line but the last printed, and the last line
handed to `input()` (its colour codes marked as invisible with readline's
\\001 and \\002), so readline redraws exactly what is on the screen.

A paste of several lines arrives whole: readline's bracketed paste (on by
default since readline 8.1, in terminals that support it) puts the pasted
newlines in the answer, and the lines that a terminal without it sends
along with the first one (already waiting when the first line is read) are
read as part of the same answer, never left for the next questions.
"""

from __future__ import annotations

import os
import re
import select
import sys

# How long to wait for the rest of a paste once its first line has arrived.
PASTE_WAIT_SECONDS = 0.05
# Colour and cursor codes (CSI sequences) and links (OSC), invisible on the screen.
CONTROL_SEQUENCE = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
)
# A terminal's bracketed-paste markers, if one reached the answer raw.
PASTE_MARKERS = re.compile(r"\x1b\[20[01]~")


def is_interactive() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def load_readline() -> bool:
    """Line editing (and bracketed paste) for every answer, where there is
    readline (not on Windows); whether there is."""
    try:
        import readline  # noqa: F401 (loading it is what input() looks for)
    except ImportError:
        return False
    return True


def readline_prompt(text: str) -> str:
    """The text with its control sequences marked as taking no columns."""
    return CONTROL_SEQUENCE.sub(lambda m: f"\001{m.group()}\002", text)


def read_answer(console, prompt) -> str:
    """One answer typed (or pasted) after `prompt`, rendered by rich's
    `console`; the lines of a paste joined with newlines."""
    if not is_interactive():
        return console.input(prompt)
    editing = load_readline()
    with console.capture() as capture:
        console.print(prompt, end="")
    head, newline, last = capture.get().rpartition("\n")
    if newline:
        sys.stdout.write(head + newline)
        sys.stdout.flush()
    answer = input(readline_prompt(last) if editing else last)
    rest = pasted_rest()
    if rest:
        if editing:
            # A terminal without bracketed paste: readline had echo off when
            # the rest arrived, so it is shown here, as it is taken.
            sys.stdout.write(rest + "\n")
            sys.stdout.flush()
        answer = f"{answer}\n{rest}"
    return PASTE_MARKERS.sub("", answer)


def pasted_rest() -> str:
    """The lines already waiting after the first one was read (the rest of a
    paste), without the final newline; empty when there are none."""
    try:
        descriptor = sys.stdin.fileno()
        chunks = []
        while select.select([descriptor], [], [], PASTE_WAIT_SECONDS)[0]:
            chunk = os.read(descriptor, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    except (OSError, ValueError):  # no file descriptor to wait on (Windows)
        return ""
    text = b"".join(chunks).decode(sys.stdin.encoding or "utf-8", "replace")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return PASTE_MARKERS.sub("", lines)
