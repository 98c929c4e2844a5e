"""The template's own logic: answer validation, the models language, code decisions.

Imported by the hooks (under cookiecutter's interpreter, stdlib only) and by
the Jinja extension that the templates use, so the templates only lay out what
was decided here.
"""
