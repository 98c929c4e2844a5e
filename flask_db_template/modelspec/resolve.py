"""The checks that need the whole answer, resolving declarations into a Schema."""

from __future__ import annotations

from .composites import _check_composites_distinct, _resolve_composite
from .declarations import _FieldDeclaration, _ModelDeclaration
from .errors import SpecError, _show
from .limits import _check_row_sizes
from .links import _check_keys, _close_reference_loops, _links_of
from .names import (
    MAX_NAME_LENGTH,
    TIMESTAMP_COLUMNS,
    _check_attribute_name,
    _check_generated_name,
    _check_hidden_modules,
    _check_table_name,
)
from .schema import Field, ManyToMany, Model, Reference, Schema
from .words import _pluralize, _snake


class _Resolver:
    """The checks that need the whole answer: targets, names, tables, cycles."""

    def __init__(self, declarations: list[_ModelDeclaration], timestamps: bool) -> None:
        self.declarations = declarations
        self.timestamps = timestamps
        self.by_name: dict[str, _ModelDeclaration] = {}
        for declaration in declarations:
            if declaration.name in self.by_name:
                raise SpecError(
                    f"model {declaration.name!r} is declared twice",
                    token=declaration.name,
                )
            self.by_name[declaration.name] = declaration
        self.tables = {d.name: self._table_of(d) for d in declarations}

    def schema(self) -> Schema:
        self._check_tables()
        links = {
            d.name: _links_of(d, self.by_name, self.timestamps)
            for d in self.declarations
        }
        models = []
        for declaration in self.declarations:
            members: list[Field | Reference | ManyToMany] = []
            for field in declaration.fields:
                where = f"{declaration.name}.{field.name}"
                if not (field.name == "id" and field.primary):
                    # `id:string{36}!:primary` takes the generated key's place.
                    _check_attribute_name(
                        field.name,
                        "field name",
                        where=declaration.name,
                        timestamps=self.timestamps,
                    )
                if field.kind in ("references", "many"):
                    members.append(links[declaration.name][field.name])
                else:
                    members.append(self._scalar(declaration, field, where))
            composites = tuple(
                _resolve_composite(declaration.name, composite, members)
                for composite in declaration.composites
            )
            _check_composites_distinct(declaration.name, composites)
            models.append(
                Model(
                    declaration.name,
                    self.tables[declaration.name],
                    tuple(members),
                    composites,
                )
            )
        schema = Schema(tuple(models), self.timestamps)
        _check_keys(schema)
        self._check_database_names(schema)
        self._check_attributes(schema)
        self._check_columns(schema)
        _check_row_sizes(schema)
        schema = _close_reference_loops(schema)
        _check_hidden_modules(schema)
        return schema

    def _table_of(self, declaration: _ModelDeclaration) -> str:
        if declaration.table is not None:
            return declaration.table
        table = _pluralize(_snake(declaration.name))
        if len(table) > MAX_NAME_LENGTH:
            raise SpecError(
                f"{declaration.name}: its table name {_show(table)} would be over "
                f"{MAX_NAME_LENGTH} characters; give one: "
                f"{declaration.name}(short_name)",
                token=declaration.name,
            )
        return table

    def _check_tables(self) -> None:
        owners: dict[str, str] = {}
        for declaration in self.declarations:
            table = self.tables[declaration.name]
            if declaration.table is None:
                how = f"give it another table: {declaration.name}(other_name)"
            else:
                how = "choose another table name"
            _check_table_name(table, owner=declaration.name, how=how)
            if table in owners:
                raise SpecError(
                    f"models {owners[table]!r} and {declaration.name!r} both use the "
                    f"table {table!r}; give one another table: "
                    f"{declaration.name}(other_name)",
                    token=table,
                )
            owners[table] = declaration.name

    def _scalar(
        self, declaration: _ModelDeclaration, field: _FieldDeclaration, where: str
    ) -> Field:
        enum_name = None
        if field.kind == "password":
            _check_generated_name(
                f"{field.name}_hash", "password hash column", where=where
            )
        if field.kind == "enum" and field.enum_type is not None:
            enum_name = field.enum_type
        elif field.kind == "enum":
            enum_name = f"{self.tables[declaration.name]}_{field.name}"
            _check_generated_name(enum_name, "enum type name", where=where)
        return Field(
            model=declaration.name,
            name=field.name,
            kind=field.kind,
            nullable=field.mark != "!",
            unique=field.unique,
            index=field.index,
            length=field.length,
            precision=field.precision,
            scale=field.scale,
            enum_values=field.enum_values,
            enum_name=enum_name,
            default=field.default,
            secret=field.secret or field.kind == "password",
            primary=field.primary,
            column_name=field.column,
            timezone=field.timezone,
        )

    def _check_database_names(self, schema: Schema) -> None:
        """Tables, association tables and PostgreSQL enum types share one namespace."""
        owners = {model.table: f"the table of {model.name}" for model in schema.models}
        # Enum types by name: fields of the same `:type=` and values share one.
        enums: dict[str, Field] = {}
        for model in schema.models:
            for member in model.members:
                where = f"{model.name}.{member.name}"
                if isinstance(member, ManyToMany):
                    name, what = member.table, "association table"
                elif isinstance(member, Field) and member.enum_name:
                    name, what = member.enum_name, "enum type"
                    shared = enums.get(name)
                    if shared is not None:
                        if shared.enum_values != member.enum_values:
                            raise SpecError(
                                f"{where}: its enum type {name!r} is also the type "
                                f"of {shared.model}.{shared.name}, with other "
                                f"values ({','.join(shared.enum_values)}); one "
                                "type has one list of values: name another type",
                                token=name,
                            )
                        continue
                    enums[name] = member
                else:
                    continue
                _check_table_name(
                    name, owner=where, how="rename the field or its model", what=what
                )
                if name in owners:
                    raise SpecError(
                        f"{where}: its {what} {name!r} clashes with {owners[name]}",
                        token=name,
                    )
                owners[name] = f"the {what} of {where}"

    def _check_columns(self, schema: Schema) -> None:
        """The columns of one table need distinct names, whatever their case
        (MariaDB and SQLite compare column names without it)."""
        for model in schema.models:
            owners: dict[str, str] = {}
            if not model.key:
                owners["id"] = "the generated key 'id'"
            if self.timestamps:
                for name in TIMESTAMP_COLUMNS:
                    owners[name] = f"the timestamp {name!r}"
            for member in model.members:
                if isinstance(member, ManyToMany):
                    continue
                column = member.column
                origin = f"the column of {model.name}.{member.name}"
                if column.lower() in owners:
                    raise SpecError(
                        f"{model.name}: the column {column!r} of {member.name!r} "
                        f"would share its name with {owners[column.lower()]}; give "
                        "one another ':column='",
                        token=column,
                    )
                owners[column.lower()] = origin
        for model in schema.models:
            for link in model.many:
                if link.column.lower() == link.target_column.lower():
                    raise SpecError(
                        f"{model.name}.{link.name}: its association table "
                        f"{link.table!r} would have two columns named "
                        f"{link.column!r}; name them: ':table={link.table}(a_id,b_id)'",
                        token=link.column,
                    )

    def _check_attributes(self, schema: Schema) -> None:
        """Every name in a model class, generated ones included, must be distinct."""
        for model in schema.models:
            owners: dict[str, str] = {}

            def claim(
                name: str, origin: str, hint: str, owners: dict = owners, model=model
            ) -> None:
                if name in owners:
                    raise SpecError(
                        f"{model.name}: {name!r} would be both {owners[name]} and "
                        f"{origin}{hint}",
                        token=name,
                    )
                owners[name] = origin

            for member in model.members:
                if member.name in owners and owners[member.name].startswith(
                    "the field"
                ):
                    raise SpecError(
                        f"{model.name}: field {member.name!r} is declared twice",
                        token=member.name,
                    )
                claim(member.name, f"the field {model.name}.{member.name}", "")
                if isinstance(member, Field) and member.kind == "password":
                    origin = f"generated for the password {model.name}.{member.name}"
                    for name in (member.column, *member.password_methods):
                        claim(name, f"the name {origin}", "")
                if isinstance(member, Reference):
                    claim(
                        member.attribute,
                        f"the foreign key attribute of {model.name}.{member.name}",
                        "",
                    )
            for link in (
                *schema.references_to(model.name),
                *schema.many_to(model.name),
            ):
                kind = "references" if isinstance(link, Reference) else "many"
                try:
                    _check_attribute_name(
                        link.inverse,
                        "inverse name",
                        where=f"{link.model}.{link.name}",
                        timestamps=self.timestamps,
                    )
                except SpecError as error:
                    raise SpecError(
                        f"{error}; name the inverse: "
                        f"'{link.name}:{kind}{{{model.name}.other_name}}'",
                        token=error.token,
                    ) from None
                if (
                    isinstance(link, ManyToMany)
                    and link.inverse in owners
                    and any(
                        isinstance(m, ManyToMany)
                        and m.name == link.inverse
                        and m.target == link.model
                        for m in model.many
                    )
                ):
                    hint = "; declare a many link on one side only"
                else:
                    hint = (
                        f"; name the inverse: '{link.name}:{kind}"
                        f"{{{model.name}.other_name}}'"
                    )
                claim(link.inverse, f"the inverse of {link.model}.{link.name}", hint)
