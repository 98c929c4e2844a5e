"""Limits on what a client may send, so that no request body makes a 500.

- A body over MAX_CONTENT_LENGTH (the app's config) is answered 413:
  before it is read when its Content-Length says so; a body sent without
  one (chunked) is read up to the limit and refused once one byte more
  comes (Werkzeug alone would stop reading at the limit and hand the view
  the body cut short).
- A JSON body is checked before any view reads it: nested deeper than
  MAX_JSON_DEPTH, it is answered 400 (Python's JSON reader would run out of
  stack at about a thousand levels, and MariaDB refuses a JSON value deeper
  than 32); an integer of more than MAX_INTEGER_DIGITS digits is answered
  422 (Python refuses to read one of more than 4,300, and no column holds
  one of more than 19).
- The lists of ids of a many-to-many link are capped in schemas.py (RowIds),
  so that no statement needs more parameters than a driver allows (65,535
  for psycopg and PyMySQL).

These run before any view, after the API's token check when the app has
one (tokens.py puts it first): an anonymous request gets its 401 before its
body is read. The OpenAPI document declares the 413 of every operation that
takes a body.
"""

import http
import json
from typing import Any

from apispec import BasePlugin
from flask import Flask, request
from flask_smorest import abort

MAX_JSON_DEPTH = 32
MAX_INTEGER_DIGITS = 100
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
TOO_LARGE = http.HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class IntegerTooLong(ValueError):
    """An integer in a JSON body with more digits than MAX_INTEGER_DIGITS."""


def register_request_limits(app: Flask) -> None:
    app.before_request(check_body_size)
    app.before_request(check_json_body)


def check_body_size() -> None:
    """Refuse a body over MAX_CONTENT_LENGTH, with or without Content-Length.

    Werkzeug reads a body without Content-Length (one sent chunked, which
    gunicorn and Werkzeug's own server end for it) up to the limit and
    stops there without a word. It is read here, and kept for the view
    (`get_data` caches it); one more byte from the server means it was longer.
    """
    limit = request.max_content_length
    if limit is None or request.method not in METHODS_WITH_BODY:
        return
    if request.content_length is not None:
        if request.content_length > limit:
            abort(TOO_LARGE, message=too_large(limit))
        return
    if not request.environ.get("wsgi.input_terminated"):
        return  # Werkzeug reads no body then: nothing can be too long
    request.get_data(cache=True)
    if request.environ["wsgi.input"].read(1):
        abort(TOO_LARGE, message=too_large(limit))


def too_large(limit: int) -> str:
    return f"The request body is larger than {limit} bytes (MAX_CONTENT_LENGTH)."


def check_json_body() -> None:
    """Refuse a JSON body nested too deep or holding too long an integer.

    check_body_size has applied MAX_CONTENT_LENGTH. A body that is not JSON
    at all is left to the view, which answers it with its 400.
    """
    if request.method not in METHODS_WITH_BODY or not request.is_json:
        return
    try:
        text = request.get_data(cache=True).decode("utf-8")
        document = json.loads(text, parse_int=bounded_int)
    except IntegerTooLong as error:
        abort(422, message=str(error))
    except RecursionError:
        abort(400, message=too_deep())
    except ValueError:  # not UTF-8, or not JSON: the view's 400
        return
    if depth_over(document, MAX_JSON_DEPTH):
        abort(400, message=too_deep())


def bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise IntegerTooLong(
            f"The body holds an integer of {len(digits.lstrip('-'))} digits; "
            f"at most {MAX_INTEGER_DIGITS} are read."
        )
    return int(digits)


def too_deep() -> str:
    return f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."


def depth_over(document: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` deep (without recursion)."""
    level = [document]
    for _ in range(limit):
        level = [
            child
            for value in level
            if isinstance(value, (list, dict))
            for child in (value.values() if isinstance(value, dict) else value)
        ]
        if not any(isinstance(value, (list, dict)) for value in level):
            return False
    return True


class RequestLimitsPlugin(BasePlugin):
    """Declares the 413 in the OpenAPI document of every operation with a body."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            if "requestBody" in operation:
                responses = operation.setdefault("responses", {})
                responses.setdefault(str(TOO_LARGE.value), TOO_LARGE.name)
