{%- set plan = cookiecutter.__models | models_plan(cookiecutter.timestamps) -%}
"""The database models, one class per table."""

{{ plan.imports }}
{%- if plan.column_types %}

{{ plan.column_types }}
{%- endif %}
{%- if plan.timestamp_lines %}


class TimestampMixin:
    """When each row was created and last changed; the database fills both in."""
{% for line in plan.timestamp_lines %}
    {{ line }}
{%- endfor %}
{%- endif %}
{%- for model in plan.models %}


class {{ model.class_name }}({{ model.bases }}):
    __tablename__ = "{{ model.table_name }}"
{%- if model.table_args %}
    {{ model.table_args }}
{%- endif %}
{% for line in model.column_lines %}
    {{ line }}
{%- endfor %}
{%- if model.relationship_lines %}
{% for line in model.relationship_lines %}
    {{ line }}
{%- endfor %}
{%- endif %}
{%- for method in model.method_lines %}

    {{ method }}
{%- endfor %}
{%- endfor %}
{%- for table in plan.association_tables %}


{{ table }}
{%- endfor %}
