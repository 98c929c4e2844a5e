"""Rows made from the models: for the model-following checks, for a
project's own tests, and for `flask seed`.

polyfactory's SQLAlchemyFactory derives a value for each column from its type
(a string's length, a decimal's precision and scale, an enum's values), so a
column or a model added to models.py gets values without a change anywhere.
`factory_for(model)` is the factory of any model. To refine one model's rows,
declare a factory for it in any module that is imported before the rows are
made; the last one declared for a model wins (`myapp` being your app's
package):

    import uuid

    from flask_db_kit.factories import ModelFactory
    from polyfactory import Use

    from myapp import models

    class UserFactory(ModelFactory[models.User]):
        email = Use(lambda: f"{uuid.uuid4().hex[:12]}@example.com")

`<package>/factories.py`, if the app has one, is such a module: `flask seed`
and the pytest plugin import it. A factory declared in the project's
tests/conftest.py serves the tests only.

References and many-to-many links are left to `RowMaker`: they need rows
that exist.

`start_again(seed, realistic=True)`, as `flask seed` starts, makes text
columns that a declared factory leaves alone readable: Faker's emails,
names, URLs, sentences, chosen by the field's name (see FAKES_BY_NAME),
cut to the column's length, unique ones told apart by a number at the end.

This module needs the `testing` extra (polyfactory): the app never imports
it, only its tests and `flask seed` do.
"""

import collections
import datetime
import re
import typing
import uuid
from decimal import Decimal
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from polyfactory.factories.sqlalchemy_factory import SQLAlchemyFactory
from sqlalchemy.orm import Session

from flask_db_kit.testing import model_facts
from flask_db_kit.testing.model_facts import Reference
from flask_db_kit.utc import AwareDateTime

__all__ = [
    "ROWS_MADE",
    "ModelFactory",
    "RowMaker",
    "capacity",
    "factory_for",
    "start_again",
]

# The most significant digits of a decimal that SQLite, which keeps decimals
# as doubles, stores exactly.
EXACT_DECIMAL_DIGITS = 15


Model = TypeVar("Model")


class ModelFactory(SQLAlchemyFactory[Model], Generic[Model]):
    """Values for every column a row is written with: not the key the database
    counts up, nor the columns it fills in, nor references (see RowMaker).
    Each row of a model gets values of its own in its unique columns."""

    __is_base_factory__ = True
    __check_model__ = False
    __set_foreign_keys__ = False
    __set_relationships__ = False
    __set_association_proxy__ = False
    # Every optional column gets a value, so round trips cover them all.
    __allow_none_optionals__ = False

    def __init_subclass__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init_subclass__(*args, **kwargs)
        model = cls.__dict__.get("__model__")
        if model is not None and not cls.__dict__.get("__is_base_factory__"):
            DECLARED[model] = cls

    @classmethod
    def should_column_be_set(cls, column: Any) -> bool:
        return super().should_column_be_set(column) and not (
            model_facts.filled_by_database(column)
        )

    @classmethod
    def get_type_from_column(cls, column: sa.Column) -> Any:
        if isinstance(column.type, sa.Enum) and column.type.enum_class is None:
            values = typing.Literal[tuple(column.type.enums)]
            return values | None if column.nullable else values
        return super().get_type_from_column(column)

    @classmethod
    def get_model_fields(cls) -> list:
        # The same for every row: read from the mapper once, not at each row.
        if "_model_fields" not in cls.__dict__:
            cls._model_fields = super().get_model_fields()
        return cls._model_fields

    @classmethod
    def process_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        values = super().process_kwargs(**kwargs)
        model = cls.__model__
        mapper = sa.inspect(model)
        for attribute, value in values.items():
            if isinstance(value, Decimal) and attribute not in kwargs:
                values[attribute] = exact_decimal(mapper.columns[attribute].type)
            length = getattr(mapper.columns[attribute].type, "length", None)
            if isinstance(value, bytes) and length and attribute not in kwargs:
                values[attribute] = value[:length]  # a binary{n} holds n bytes
            if isinstance(value, datetime.datetime) and value.tzinfo is None:
                if isinstance(mapper.columns[attribute].type, AwareDateTime):
                    values[attribute] = value.replace(tzinfo=datetime.UTC)
        if REALISTIC:
            for attribute, value in values.items():
                column = mapper.columns[attribute]
                if (
                    isinstance(value, str)
                    and isinstance(column.type, sa.String)
                    and not isinstance(column.type, sa.Enum)
                    and attribute not in kwargs
                    and not declared_field(cls, attribute)
                ):
                    values[attribute] = realistic_text(model, column, attribute)
        number = ROWS_MADE[model]
        ROWS_MADE[model] += 1
        for attributes in model_facts.unique_attributes(model):
            for attribute in distinguishing(mapper, attributes):
                if attribute in values and attribute not in kwargs:
                    column = mapper.columns[attribute]
                    values[attribute] = distinct(values[attribute], number, column)
        return values


def distinguishing(mapper: sa.orm.Mapper, attributes: tuple[str, ...]) -> list[str]:
    """The attributes of a unique set that get values of their own in each row.

    One alone: itself. Several: the set differs when one of them does, so the
    one of the most values (a boolean has two); none if a reference is among
    them, as each row then gets a target of its own (see RowMaker).
    """
    if len(attributes) == 1:
        return list(attributes)
    columns = [mapper.columns[attribute] for attribute in attributes]
    if any(column.foreign_keys for column in columns):
        return []

    def values_of(attribute: str) -> float:
        count = distinct_values(mapper.columns[attribute])
        return float("inf") if count is None else count

    return [max(attributes, key=values_of)]


def exact_decimal(column_type: sa.Numeric) -> Decimal:
    """A random value of Numeric(precision, scale) that every database stores
    exactly: at most 15 significant digits, as SQLite keeps a double."""
    scale = column_type.scale or 0
    digits = min(column_type.precision or 10, EXACT_DECIMAL_DIGITS)
    sign = ModelFactory.__random__.choice([1, -1])
    return Decimal(sign * ModelFactory.__random__.randrange(10**digits)).scaleb(-scale)


# Rows made of each model since `start_again`: the number of the next row,
# which keeps unique values apart.
ROWS_MADE: collections.Counter = collections.Counter()


# Whether text columns get readable values (start_again's `realistic`).
REALISTIC = False


def start_again(seed: int = 0, *, realistic: bool = False) -> None:
    """The same values again, from the first row: each test starts here.
    `realistic`: readable text (Faker's), as `flask seed` wants."""
    global REALISTIC
    REALISTIC = realistic
    ROWS_MADE.clear()
    ModelFactory.seed_random(seed)


def declared_field(factory: type, attribute: str) -> bool:
    """Whether a factory declared for the model sets `attribute` itself."""
    return any(
        attribute in vars(klass)
        for klass in factory.__mro__
        if issubclass(klass, ModelFactory) and "__model__" in vars(klass)
    )


def _sentence(faker: Any, words: int) -> str:
    return faker.sentence(nb_words=words).rstrip(".")


# A fake value by the words of a field's name (`contact_email`, `avatarUrl`),
# the first entry that names one of them winning; a name or a field of a
# person (PEOPLE) is a person's name. Other text gets words or a sentence.
FAKES_BY_NAME: list[tuple[frozenset[str], typing.Callable[[Any], str]]] = [
    (frozenset({"email", "mail"}), lambda f: f.email()),
    (
        frozenset({"avatar", "image", "photo", "picture", "thumbnail", "logo"}),
        lambda f: f.image_url(),
    ),
    (
        frozenset({"url", "uri", "website", "homepage", "link", "href"}),
        lambda f: f.url(),
    ),
    (frozenset({"ip"}), lambda f: f.ipv4()),
    (frozenset({"first", "firstname", "forename"}), lambda f: f.first_name()),
    (frozenset({"last", "lastname", "surname"}), lambda f: f.last_name()),
    (
        frozenset({"username", "login", "handle", "nickname", "nick"}),
        lambda f: f.user_name(),
    ),
    (frozenset({"phone", "mobile", "telephone", "fax"}), lambda f: f.phone_number()),
    (frozenset({"street", "address"}), lambda f: f.street_address()),
    (frozenset({"city", "town"}), lambda f: f.city()),
    (frozenset({"country"}), lambda f: f.country()),
    (frozenset({"zip", "zipcode", "postcode", "postal"}), lambda f: f.postcode()),
    (frozenset({"company", "organization", "organisation"}), lambda f: f.company()),
    (frozenset({"job", "occupation", "profession"}), lambda f: f.job()),
    (frozenset({"slug"}), lambda f: f.slug()),
    (frozenset({"color", "colour"}), lambda f: f.color_name()),
    (frozenset({"domain", "hostname"}), lambda f: f.domain_name()),
    (frozenset({"filename", "file", "path"}), lambda f: f.file_name()),
    (frozenset({"currency"}), lambda f: f.currency_code()),
    (frozenset({"language", "lang", "locale"}), lambda f: f.language_code()),
    (frozenset({"timezone"}), lambda f: f.timezone()),
    (frozenset({"isbn"}), lambda f: f.isbn13()),
    (frozenset({"sku", "code"}), lambda f: f.bothify("??-#####").upper()),
    (
        frozenset({"password", "secret", "token", "key", "hash", "digest", "salt"}),
        lambda f: f.sha256(),
    ),
    (
        frozenset({"title", "subject", "headline", "heading", "caption", "label"}),
        lambda f: _sentence(f, 4),
    ),
    (
        frozenset(
            """body content text description summary bio about comment message
            note notes details abstract excerpt review answer question""".split()
        ),
        lambda f: f.paragraph(nb_sentences=3),
    ),
]
PEOPLE = frozenset(
    """user users person people author authors customer customers member
    members employee employees owner owners contact contacts profile profiles
    account accounts student students teacher teachers patient patients client
    clients staff player players writer writers editor editors""".split()
)


def name_words(name: str) -> set[str]:
    """The words of `contact_email` or `avatarUrl`, lower-cased, and the
    whole name without its separators (`user_name` -> `username`)."""
    words = [
        word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)
    ]
    return {*words, "".join(words)}


def realistic_text(model: type, column: sa.Column, attribute: str) -> str:
    """A readable value for a text column, by its name, cut to its length."""
    faker = ModelFactory.__faker__
    words = name_words(attribute)
    length = getattr(column.type, "length", None)
    fake = next((make for names, make in FAKES_BY_NAME if names & words), None)
    if fake is not None:
        value = fake(faker)
    elif (
        words & {"name", "author", "owner", "fullname"}
        and (words & PEOPLE or name_words(model.__name__) & PEOPLE)
        or words & PEOPLE
    ):
        value = faker.name()
    elif words & {"name"}:
        value = " ".join(faker.words(2)).capitalize()
    elif length is not None and length <= 40:
        value = faker.word()
    else:
        value = _sentence(faker, 8)
    return value[:length].rstrip() if length else value


# The factory of each model: the last declared for it, or one derived from it.
DECLARED: dict[type, type[ModelFactory]] = {}


def factory_for(model: type) -> type[ModelFactory]:
    """The factory last declared for `model`, or one derived from the model
    (made once, then kept)."""
    if model not in DECLARED:
        # Registers itself in DECLARED (ModelFactory.__init_subclass__).
        type(f"{model.__name__}Factory", (ModelFactory,), {"__model__": model})
    return DECLARED[model]


def distinct(value: Any, number: int, column: sa.Column) -> Any:
    """A value for row `number` of a unique column, unlike every other row's;
    None past the last value of a nullable column (NULLs never clash)."""
    limit = distinct_values(column)
    if limit is not None and number >= limit:
        return None
    column_type = column.type
    if isinstance(column_type, sa.Enum):
        return column_type.enums[number]
    if isinstance(value, bool):
        return [True, False][number]
    if isinstance(value, str):
        length = getattr(column_type, "length", None)
        if length is not None and length <= SHORT_STRING:
            return f"{number:0{length}d}"
        if REALISTIC and value:
            return numbered(value, number, length)
        return f"{number}-{value}"[:length]
    if isinstance(value, Decimal):
        return Decimal(number).scaleb(-(column_type.scale or 0))
    if isinstance(value, datetime.datetime):
        moment = FIRST_MOMENT + datetime.timedelta(minutes=number)
        return moment.replace(tzinfo=value.tzinfo)
    if isinstance(value, datetime.date):
        return FIRST_MOMENT.date() + datetime.timedelta(days=number)
    if isinstance(value, datetime.time):
        return datetime.time(number // 60, number % 60, 0, FIRST_MOMENT.microsecond)
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=value.int >> 32 << 32 | number)
    if isinstance(value, float):
        return number + 0.5
    if isinstance(value, int):
        return number
    return value


def numbered(value: str, number: int, length: int | None) -> str:
    """A readable value with the row's number in it, which tells it apart:
    `ann.lee+3@example.org`, `Blue river 3`; cut to `length` before the number."""
    local, at, domain = value.partition("@")
    if at and "+" not in local:
        suffix = f"+{number}@{domain}"
        if length is None or len(suffix) < length:
            return local[: None if length is None else length - len(suffix)] + suffix
    suffix = f" {number}" if " " in value else f"-{number}"
    room = None if length is None else length - len(suffix)
    if room is not None and room < 1:
        return f"{number}-{value}"[:length]
    return value[:room].rstrip() + suffix


# Strings this short take zero-padded numbers; longer ones "<number>-<value>".
SHORT_STRING = 6
FIRST_MOMENT = datetime.datetime(2000, 1, 1, 0, 0, 0, 123456)


def distinct_values(column: sa.Column) -> int | None:
    """How many different values `distinct` has for `column`; None: plenty."""
    column_type = column.type
    if isinstance(column_type, sa.Enum):
        return len(column_type.enums)
    if isinstance(column_type, sa.Boolean):
        return 2
    if isinstance(column_type, sa.String) and column_type.length:
        return 10**column_type.length if column_type.length <= SHORT_STRING else None
    if isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float):
        digits = min(column_type.precision or 10, EXACT_DECIMAL_DIGITS)
        return 10 ** min(digits, SHORT_STRING)
    if isinstance(column_type, sa.Time):
        return 24 * 60
    return None


def in_unique_set(reference: Reference) -> bool:
    """Whether the reference is part of a unique constraint over several fields."""
    return any(
        reference.key in attributes and len(attributes) > 1
        for attributes in model_facts.unique_attributes(reference.model)
    )


def capacity(model: type, wanted: int, _seen: frozenset = frozenset()) -> int:
    """How many rows of `model`, up to `wanted`, can exist at once: a unique
    column of few values (an enum's, a boolean's, a short string's) that is
    NOT NULL or has a default holds no more; nor does a reference that needs
    a target of its own for each row (a one-to-one reference, or one unique
    together with other fields) hold more than its target's capacity."""
    limits = [wanted]
    for reference in model_facts.references(model):
        own_target = reference.unique or in_unique_set(reference)
        if own_target and reference.target not in _seen | {model}:
            limits.append(capacity(reference.target, wanted, _seen | {model}))
    mapper = sa.inspect(model)
    for attributes in model_facts.unique_attributes(model):
        chosen = distinguishing(mapper, attributes)
        if len(chosen) != 1:
            continue
        column = mapper.columns[chosen[0]]
        limit = distinct_values(column)
        # NULLs never clash, but a column with a default stores that for None.
        takes_null = column.nullable and not (column.default or column.server_default)
        if limit is not None and not takes_null and not column.foreign_keys:
            limits.append(limit)
    return min(limits)


class RowMaker:
    """Makes valid rows in one session, as few as it can.

    A required reference that is not unique, and a many-to-many link, point at
    one row of their target, made once and shared. A unique reference (one to
    one) needs a target no other row points at: a row of the target made
    earlier if one is free, else a new one.

    With `spread`, as `flask seed` wants, references and links point at a row
    chosen at random among those made so far, rather than at one shared row.
    """

    def __init__(self, session: Session, *, spread: bool = False) -> None:
        self.session = session
        self.spread = spread
        self.rows_of: dict[type, list] = collections.defaultdict(list)
        self.shared_rows: dict[type, Any] = {}
        self.taken: dict[Reference, set] = collections.defaultdict(set)

    # `model` is positional-only, so that a field may be called "model".
    def values(self, model: type, /, **overrides: Any) -> dict[str, Any]:
        """Values for a new row of `model`, its required references set."""
        values = factory_for(model).process_kwargs()
        for reference in model_facts.references(model):
            if reference.attribute in overrides:
                chosen = overrides[reference.attribute]
                if reference.unique and chosen is not None:
                    self.taken[reference].add(chosen)
            elif reference.required:
                values[reference.attribute] = self.target_of(reference)
        values.update(overrides)
        return values

    def complete_values(self, model: type, /) -> dict[str, Any]:
        """Values for a new row with every field set, links included."""
        values = self.values(model)
        for reference in model_facts.references(model):
            if not reference.required:
                values[reference.attribute] = self.target_of(reference)
        for link in model_facts.links(model):
            values[link.attribute] = [self.shared_row(link.target)]
        return values

    def column_values(self, model: type, /) -> dict[str, Any]:
        """Values for a new row as its table sees them: keys, not rows."""
        values = self.values(model)
        for reference in model_facts.references(model):
            if reference.attribute in values:
                target = values.pop(reference.attribute)
                values[reference.key] = referred_value(reference, target)
        mapper = sa.inspect(model)
        return {mapper.columns[name].name: value for name, value in values.items()}

    def target_of(self, reference: Reference) -> Any:
        if in_unique_set(reference):
            # Unique together with other fields: each row gets a target of
            # its own, so that no two rows share the set.
            return self.make(reference.target)
        if not reference.unique:
            return self.shared_row(reference.target)
        taken = self.taken[reference]
        free = (
            row
            for row in self.rows_of[reference.target]
            if row not in taken and not self.referred_to(reference, row)
        )
        target = next(free, None) or self.make(reference.target)
        taken.add(target)
        return target

    def referred_to(self, reference: Reference, row: Any) -> bool:
        """Whether a row in the database already points at `row` through this
        one-to-one reference: one made here, by a request or by the test."""
        column = getattr(reference.model, reference.key)
        key = referred_value(reference, row)
        return bool(self.session.scalar(sa.select(sa.exists().where(column == key))))

    def shared_row(self, model: type, /) -> Any:
        if self.spread and self.rows_of[model]:
            # From the factories' seeded generator: `flask seed --seed`.
            return ModelFactory.__random__.choice(self.rows_of[model])
        if model not in self.shared_rows:
            self.shared_rows[model] = self.make(model)
        return self.shared_rows[model]

    def make(self, model: type, /, **overrides: Any) -> Any:
        """Add and flush a new row of `model`."""
        return self.add(model(**self.values(model, **overrides)))

    def add(self, row: Any, /) -> Any:
        self.session.add(row)
        self.session.flush()
        self.rows_of[type(row)].append(row)
        return row


def referred_value(reference: Reference, target: Any) -> Any:
    """What the reference's foreign key holds to point at `target`: its key,
    or the field it points at instead (`:to=`)."""
    if reference.referred is not None:
        return getattr(target, reference.referred)
    [key] = sa.inspect(target).identity
    return key
