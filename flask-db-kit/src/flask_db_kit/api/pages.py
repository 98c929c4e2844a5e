"""Listing rows a page at a time, through flask-smorest's own pagination.

`@blueprint.paginate(...)` (see resources.py) parses the page, counts on the
view to set the number of rows, and writes flask-smorest's `X-Pagination`
header (total, total_pages, first_page, last_page, page, previous_page,
next_page), declared in the OpenAPI document. What this module adds:

- `per_page`: flask-smorest names the page size `page_size`; the API has
  always taken `per_page` (as Flask-SQLAlchemy's paginate does). The
  pagination's parser (`Blueprint.PAGINATION_ARGUMENTS_PARSER`, a webargs
  parser) reads `per_page` into `page_size` and names `per_page` in its
  errors, and `PerPageDocs` names it in the document.
- a `Link` header (RFC 8288) made from `X-Pagination`: the URLs of the
  first, previous, next and last pages, for clients that follow links.
"""

import json
from typing import Any

from apispec import BasePlugin
from flask import Response, request, url_for
from flask_smorest import Blueprint
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# flask-smorest's name for it, and the API's.
PAGE_SIZE, PER_PAGE = "page_size", "per_page"

# flask-smorest declares X-Pagination as an object, but a header holds text:
# its JSON, which a client (or a fuzzer checking the headers against the
# document) reads as a string.
PAGINATION_HEADER = {
    "description": "flask-smorest's page metadata, as JSON: total, "
    "total_pages, first_page, last_page, page, previous_page, next_page.",
    "schema": {"type": "string"},
}
LINK_HEADER = {
    "Link": {
        "description": "The URLs of the first, previous, next and last pages "
        '(RFC 8288: <url>; rel="next").',
        "schema": {"type": "string"},
    }
}
PAGE_DESCRIPTIONS = {
    "page": "The page, from 1.",
    PER_PAGE: f"Rows a page, at most {MAX_PER_PAGE}.",
}
RELATIONS = {
    "first": "first_page",
    "prev": "previous_page",
    "next": "next_page",
    "last": "last_page",
}


class PerPageParser(FlaskParser):
    """flask-smorest's pagination parser, reading `per_page` as `page_size`."""

    def pre_load(self, location_data, *, schema, req, location):
        if location != "query":
            return location_data
        refused = {
            key: ["Unknown parameter: page and per_page are known."]
            for key in req.args
            if key not in ("page", PER_PAGE)
        }
        refused |= {
            key: ["Given more than once: give it once."]
            for key in ("page", PER_PAGE)
            if len(req.args.getlist(key)) > 1
        }
        if refused:
            raise ValidationError(refused)
        return {
            (PAGE_SIZE if key == PER_PAGE else key): location_data[key]
            for key in ("page", PER_PAGE)
            if key in location_data
        }

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        error.messages = {
            location: {
                (PER_PAGE if key == PAGE_SIZE else key): value
                for key, value in messages.items()
            }
            if isinstance(messages, dict)
            else messages
            for location, messages in error.messages.items()
        }
        super().handle_error(
            error,
            req,
            schema,
            error_status_code=error_status_code,
            error_headers=error_headers,
        )


class PagedBlueprint(Blueprint):
    """flask-smorest's Blueprint, its pagination reading `per_page`."""

    PAGINATION_ARGUMENTS_PARSER = PerPageParser()


def add_page_links(response: Response) -> Response:
    """The `Link` header of a page, from its `X-Pagination` header (an
    after_request function of each model's blueprint)."""
    metadata = response.headers.get(PagedBlueprint.PAGINATION_HEADER_NAME)
    if not metadata or request.endpoint is None:
        return response
    pages = json.loads(metadata)
    per_page = request.args.get(PER_PAGE, DEFAULT_PER_PAGE, type=int)
    links = [
        f'<{url_for(request.endpoint, page=pages[key], per_page=per_page)}>; rel="{relation}"'
        for relation, key in RELATIONS.items()
        if key in pages
    ]
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


class PerPageDocs(BasePlugin):
    """The page size as `per_page` in the document, as requests give it, both
    page parameters described, and X-Pagination declared as the JSON text it
    is (PAGINATION_HEADER)."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            for parameter in operation.get("parameters", []):
                rename_page_size(parameter)
            for response in operation.get("responses", {}).values():
                headers = (
                    response.get("headers") if isinstance(response, dict) else None
                )
                if headers and PagedBlueprint.PAGINATION_HEADER_NAME in headers:
                    headers[PagedBlueprint.PAGINATION_HEADER_NAME] = PAGINATION_HEADER


def rename_page_size(parameter: Any) -> None:
    if not isinstance(parameter, dict) or parameter.get("in") != "query":
        return
    if parameter.get("name") == PAGE_SIZE:
        parameter["name"] = PER_PAGE
    description = PAGE_DESCRIPTIONS.get(parameter.get("name"))
    if description:
        parameter.setdefault("description", description)
