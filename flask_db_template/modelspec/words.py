"""English and case: snake_case, CamelCase, plurals, and the closest spelling."""

from __future__ import annotations

import difflib
import re


def _snake(name: str) -> str:
    """`BlogPost` -> `blog_post`, `HTTPRequest` -> `http_request`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return spaced.lower()


def _camel(name: str) -> str:
    """`blog_post` -> `BlogPost`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


_IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "tooth": "teeth",
    "foot": "feet",
    "ox": "oxen",
    "datum": "data",
    "medium": "media",
    "criterion": "criteria",
    "phenomenon": "phenomena",
    "index": "indexes",
    "matrix": "matrices",
    "vertex": "vertices",
    "leaf": "leaves",
    "loaf": "loaves",
    "thief": "thieves",
    "wolf": "wolves",
    "calf": "calves",
    "half": "halves",
    "elf": "elves",
    "shelf": "shelves",
    "knife": "knives",
    "wife": "wives",
    "life": "lives",
    "hero": "heroes",
    "potato": "potatoes",
    "tomato": "tomatoes",
    "echo": "echoes",
    "veto": "vetoes",
    "quiz": "quizzes",
}
_UNCOUNTABLE = frozenset(
    """
    data equipment feedback fish furniture information luggage metadata money news
    rice series sheep software hardware species staff
    """.split()
)


def _pluralize(snake: str) -> str:
    """Plural of a snake_case name: `blog_post` -> `blog_posts`."""
    head, _, word = snake.rpartition("_")
    prefix = head + "_" if head else ""
    if word in _UNCOUNTABLE:
        return snake
    if word in _IRREGULAR_PLURALS:
        return prefix + _IRREGULAR_PLURALS[word]
    if re.search(r"(s|x|z|ch|sh)\Z", word):
        if word.endswith("is"):
            return prefix + word[:-2] + "es"  # analysis -> analyses
        return prefix + word + "es"
    if re.search(r"[^aeiou]y\Z", word):
        return prefix + word[:-1] + "ies"
    return prefix + word + "s"


def _singularize(snake: str) -> str:
    """Singular of a snake_case plural, for naming columns: `friends` -> `friend`."""
    head, _, word = snake.rpartition("_")
    prefix = head + "_" if head else ""
    for singular, plural in _IRREGULAR_PLURALS.items():
        if word == plural:
            return prefix + singular
    if word in _UNCOUNTABLE:
        return snake
    if word.endswith("ies") and len(word) > 3:
        return prefix + word[:-3] + "y"
    if re.search(r"(ses|xes|zes|ches|shes)\Z", word):
        return prefix + word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return prefix + word[:-1]
    return snake


def _closest(word: str, candidates: tuple[str, ...] | list[str]) -> str:
    for candidate in candidates:
        if candidate.lower() == word.lower():
            return candidate
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    if not matches:
        lowered = {c.lower(): c for c in candidates}
        matches = [
            lowered[m]
            for m in difflib.get_close_matches(
                word.lower(), list(lowered), n=1, cutoff=0.5
            )
        ]
    return matches[0] if matches else ""
