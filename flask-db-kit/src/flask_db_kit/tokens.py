"""The REST API's authentication: a bearer token on every /api/ request.

    tokens = ApiTokens(db)           # the api_tokens model, on db.Model
    tokens.init_app(app, api)        # after Api(app), before its blueprints

    flask tokens create NAME [--read-only] [--expires 30d]
                                             a new token, shown once
    flask tokens list                        the tokens there are
    flask tokens revoke NAME|ID              the token stops working at once

Only the OpenAPI document (/api/openapi.json) and the docs page (/api/) are
open. A request without a valid token gets a 401 (saying so when the token
has expired), a read-only token writing gets a 403, both as JSON like every
other error, and before the request's body is read; the OpenAPI document
declares the scheme, so the docs page has its "Authorize" button.

A token made with `--expires` stops working at that time (`expires_at`, in
UTC; a column that kit 0.1 lacked: see the README's changes).

A token is 256 random bits, and the database keeps only its SHA-256: a
stolen copy of the table lets nobody in. A slow password hash (bcrypt,
Argon2) exists to make guessing a human's password expensive; nothing can
guess 256 random bits, so it would only cost every request tens of
milliseconds, and its random salt would rule out finding a token by its hash.
"""

import datetime
import hashlib
import re
import secrets

import click
from apispec import BasePlugin
from flask import Flask, current_app, g, request
from flask.cli import AppGroup
from flask_httpauth import HTTPTokenAuth
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column, undefer
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.routing import RequestRedirect

from .api.extension import EXTENSION, Api, api_of
from .database import connection_failure
from .utc import UtcNow

# The name of the scheme in the OpenAPI document.
SECURITY_SCHEME = "bearerAuth"
# The blueprints anyone may read: flask-smorest's (the OpenAPI document) and
# the docs page's.
OPEN_BLUEPRINTS = frozenset({"api-docs", "docs"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_ROLE = "write"
MAX_NAME_LENGTH = 100
MAX_ID = 2**31 - 1
TABLE = "api_tokens"
# --expires: a whole number and its unit.
EXPIRY_UNITS = {
    "m": datetime.timedelta(minutes=1),
    "h": datetime.timedelta(hours=1),
    "d": datetime.timedelta(days=1),
    "w": datetime.timedelta(weeks=1),
    "y": datetime.timedelta(days=365),
}
MAX_EXPIRY = datetime.timedelta(days=100 * 365)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_model(db: SQLAlchemy) -> type:
    """The `ApiToken` model on `db.Model`: never served by the API itself."""

    class ApiToken(db.Model):
        """A bearer token of the REST API; the token itself is never stored."""

        __tablename__ = TABLE
        __table_args__ = {"info": {"served": False}}

        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH), unique=True)
        token_hash: Mapped[str] = mapped_column(String(64), unique=True)
        read_only: Mapped[bool] = mapped_column(default=False)
        # In UTC, as every time the database fills in (see utc.py).
        created_at: Mapped[datetime.datetime] = mapped_column(
            DateTime, server_default=UtcNow()
        )
        # In UTC; a token without it never expires. Deferred: the tokens of a
        # project updated from 0.1.0 keep working until it has migrated the
        # column in (verify_token).
        expires_at: Mapped[datetime.datetime | None] = mapped_column(
            DateTime, deferred=True
        )

    ApiToken.__module__ = __name__
    ApiToken.__qualname__ = "ApiToken"
    return ApiToken


class ApiTokens:
    """The API's bearer tokens, kept in `db`: the `ApiToken` model (table
    `api_tokens`) is defined when this is made, so that the migrations see
    it; `init_app` protects an app's API with them."""

    def __init__(self, db: SQLAlchemy) -> None:
        self.db = db
        self.model = token_model(db)
        self.auth = HTTPTokenAuth(scheme="Bearer")
        self.auth.verify_token(self.verify_token)
        self.auth.get_user_roles(self.roles)
        self.auth.error_handler(refuse)
        self.allow_reading = self.auth.login_required(lambda: None)
        self.allow_writing = self.auth.login_required(role=WRITE_ROLE)(lambda: None)
        self.cli = tokens_cli(self)

    def create_token(
        self,
        name: str,
        *,
        read_only: bool = False,
        expires_in: datetime.timedelta | None = None,
    ) -> str:
        """A new token named `name`, saved as its hash (and committed), that
        stops working `expires_in` from now (never without it); the token is
        returned once and can never be read again."""
        token = secrets.token_urlsafe(32)
        expires_at = None if expires_in is None else UtcNow.value() + expires_in
        session = self.db.session
        session.add(
            self.model(
                name=name,
                token_hash=token_hash(token),
                read_only=read_only,
                expires_at=expires_at,
            )
        )
        session.commit()
        return token

    def verify_token(self, token: str):
        # For refuse(): set when the token has expired, for this request only.
        g.api_token_expired_at = None
        if not token:
            return None
        model = self.model
        query = select(model).where(model.token_hash == token_hash(token))
        try:
            found = self.db.session.scalar(query.options(undefer(model.expires_at)))
            expires_at = None if found is None else found.expires_at
        except SQLAlchemyError:
            # A project updated from 0.1.0 that has not yet migrated the
            # column in: its tokens keep working, without expiry, meanwhile.
            self.db.session.rollback()
            current_app.logger.warning(
                "api_tokens has no expires_at column yet: tokens do not expire "
                'until you run flask db migrate -m "API token expiry" and '
                "flask db upgrade"
            )
            found, expires_at = self.db.session.scalar(query), None
        if expires_at is not None and expires_at <= UtcNow.value():
            g.api_token_expired_at = expires_at
            return None
        return found

    @staticmethod
    def roles(token) -> list[str]:
        return [] if token.read_only else [WRITE_ROLE]

    def init_app(self, app: Flask, api: Api) -> None:
        """Protect every /api/ request of `app` but the docs, document it in
        `api`'s OpenAPI document, and add `flask tokens`. Call it after
        `Api(app)` and before the API's blueprints are made (they are made
        at first use): it documents each operation as it comes."""
        api.add_spec_plugin(BearerTokenDocs())
        app.extensions.setdefault(EXTENSION, {})["tokens"] = self
        # First of all the app's checks: before the API's request limits
        # (request_limits.py) read the body, an anonymous request is refused.
        app.before_request_funcs.setdefault(None, []).insert(0, self.require_token)
        app.cli.add_command(self.cli)

    def require_token(self):
        """Before every request: any path under the API's prefix needs a
        token, but the open blueprints; a write needs a token that may write."""
        prefix = current_app.config["OPENAPI_URL_PREFIX"].rstrip("/")
        if request.path != prefix and not request.path.startswith(f"{prefix}/"):
            return None
        # /api redirects to the docs page at /api/.
        if request.blueprint in OPEN_BLUEPRINTS or isinstance(
            request.routing_exception, RequestRedirect
        ):
            return None
        if request.method in READ_METHODS:
            return self.allow_reading()
        return self.allow_writing()


def refuse(status: int):
    """The same JSON body as every other error; Flask-HTTPAuth adds the
    `WWW-Authenticate: Bearer` header to a 401."""
    if status == 403:
        error = Forbidden()
        message = "This token is read-only."
    elif expired_at := g.get("api_token_expired_at"):
        error = Unauthorized()
        message = (
            f"This API token expired on {expired_at:%Y-%m-%d %H:%M} UTC: "
            "make a new one with `flask tokens create`."
        )
    else:
        error = Unauthorized()
        message = (
            "A valid API token is required: send `Authorization: Bearer <token>` "
            "(tokens come from `flask tokens create`)."
        )
    # Where flask-smorest's abort(status, message=...) puts the message.
    error.data = {"message": message}
    return api_of(current_app).handle_http_exception(error)


class BearerTokenDocs(BasePlugin):
    """The scheme in the OpenAPI document, required by every operation, and
    the 401 (and the 403 of a write) in each operation's responses."""

    def init_spec(self, spec) -> None:
        spec.components.security_scheme(
            SECURITY_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `flask tokens create NAME`.",
            },
        )
        spec.options["security"] = [{SECURITY_SCHEME: []}]

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            # flask-smorest's response components for these statuses.
            document(responses, 401, "UNAUTHORIZED")
            if method.upper() not in READ_METHODS:
                document(responses, 403, "FORBIDDEN")


def document(responses: dict, status: int, component: str) -> None:
    """The status among the responses, unless the operation has it already."""
    if status not in responses and str(status) not in responses:
        responses[str(status)] = component


def database_error(error: SQLAlchemyError) -> click.ClickException:
    url = current_app.extensions["sqlalchemy"].engine.url
    if failure := connection_failure(error, url):  # not a migration's matter
        return click.ClickException(failure)
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return click.ClickException(
        f"the database refused ({reason}); is it migrated? Run `flask db upgrade`"
    )


def parse_expiry(text: str) -> datetime.timedelta:
    """`90m`, `12h`, `30d`, `8w` or `1y` (365 days), as a time span."""
    match = re.fullmatch(r"\s*([0-9]{1,6})\s*([a-zA-Z])\s*", text)
    unit = match and EXPIRY_UNITS.get(match[2].lower())
    if not unit or int(match[1]) == 0:
        raise click.BadParameter(
            f"{text!r} is not a time span: give a whole number and its unit, "
            "m (minutes), h (hours), d (days), w (weeks) or y (years), "
            "such as 30d",
            param_hint="'--expires'",
        )
    span = int(match[1]) * unit
    if span > MAX_EXPIRY:
        raise click.BadParameter(
            f"{text!r} is over 100 years: leave --expires out for a token "
            "that never expires",
            param_hint="'--expires'",
        )
    return span


def tokens_cli(tokens: ApiTokens) -> AppGroup:
    """`flask tokens create|list|revoke`, on the tokens of `tokens`."""
    group = AppGroup("tokens", help="The REST API's bearer tokens.")
    db, model = tokens.db, tokens.model

    def find_token(name_or_id: str):
        """By id when all digits: a name never is (`create` sees to it)."""
        if name_or_id.isdigit():
            token_id = int(name_or_id)
            # An id beyond the INTEGER column's range names no token.
            token = db.session.get(model, token_id) if token_id <= MAX_ID else None
        else:
            query = select(model).where(model.name == name_or_id)
            token = db.session.scalar(query)
        if token is None:
            raise click.ClickException(
                f"no token is named or numbered {name_or_id!r} (see `flask tokens list`)"
            )
        return token

    @group.command("create")
    @click.argument("name")
    @click.option("--read-only", is_flag=True, help="The token may only read (GET).")
    @click.option(
        "--expires",
        metavar="SPAN",
        help="The token stops working after SPAN: 90m, 12h, 30d, 8w or 1y "
        "(minutes, hours, days, weeks, years). Without it, it never expires.",
    )
    def create_command(name: str, read_only: bool, expires: str | None) -> None:
        """Make a token named NAME and print it: the only time it is shown."""
        expires_in = parse_expiry(expires) if expires is not None else None
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
            raise click.BadParameter(
                f"give a name of 1 to {MAX_NAME_LENGTH} printable characters",
                param_hint="NAME",
            )
        if name.isdigit():
            # `flask tokens revoke 7` means the token numbered 7.
            raise click.BadParameter("a name needs a letter or sign", param_hint="NAME")
        try:
            if db.session.scalar(select(model.id).where(model.name == name)):
                raise click.ClickException(
                    f"a token named {name!r} exists already: revoke it first "
                    f"(`flask tokens revoke {name}`) or choose another name"
                )
            token = tokens.create_token(
                name, read_only=read_only, expires_in=expires_in
            )
        except SQLAlchemyError as error:
            raise database_error(error) from None
        access = "read-only" if read_only else "read and write"
        if expires_in is not None:
            made = db.session.scalar(select(model).where(model.name == name))
            access += f", expires {made.expires_at:%Y-%m-%d %H:%M} UTC"
        click.echo(
            f"Token {name!r} created ({access}). Store it now: it is not shown again.\n"
            "Send it as the header  Authorization: Bearer <token>",
            err=True,
        )
        click.echo(token)

    @group.command("list")
    def list_command() -> None:
        """The tokens there are (never the tokens themselves)."""
        try:
            query = select(model).options(undefer(model.expires_at))
            found = db.session.scalars(query.order_by(model.id)).all()
        except SQLAlchemyError as error:
            raise database_error(error) from None
        if not found:
            click.echo(
                "No tokens (none made, or all revoked): "
                "make one with `flask tokens create NAME`."
            )
            return
        now = UtcNow.value()
        for token in found:
            access = "read-only" if token.read_only else "read-write"
            created = (
                f"{token.created_at:%Y-%m-%d %H:%M} UTC" if token.created_at else ""
            )
            expiry = "never expires"
            if token.expires_at is not None:
                verb = "expired" if token.expires_at <= now else "expires"
                expiry = f"{verb} {token.expires_at:%Y-%m-%d %H:%M} UTC"
            click.echo(
                f"{token.id:>4}  {access:<10}  {created}  {expiry:<28}  {token.name}"
            )

    @group.command("revoke")
    @click.argument("name_or_id")
    def revoke_command(name_or_id: str) -> None:
        """Delete the token NAME_OR_ID: requests with it fail from now on."""
        try:
            token = find_token(name_or_id.strip())
            name = token.name
            db.session.delete(token)
            db.session.commit()
        except SQLAlchemyError as error:
            raise database_error(error) from None
        click.echo(f"Token {name!r} revoked.")

    return group
