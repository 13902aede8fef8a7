"""The values of the project's literal dbt macros, computed in Python.

The enumerations (macros/enumerations.sql: lifecycle stages, channels, tiers ...) are dbt macros
that return a list built from literals and other such macros, and the yml tests take their values
from them (`values: "{{ lifecycle_stages() }}"`). dbt writes each macro's source to manifest.json
and leaves a test argument as the Jinja text it was given, so lifecycle.manifest evaluates that
text here, with the macros' sources from the manifest, to learn the values dbt tests against.

Only literal macros evaluate: the context has no `var`, `ref`, `adapter` or database, and a name
it does not know raises `MacroValueError` (a macro that needs dbt cannot be read without it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2.nativetypes import NativeEnvironment


class MacroValueError(ValueError):
    """The expression calls a macro that is unknown or that needs more than literals."""


class _Return(Exception):  # noqa: N818 - dbt's `return()` is control flow, not an error
    """dbt's `{{ return(value) }}`: ends the macro with `value`."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _return(value: Any) -> None:
    raise _Return(value)


def evaluate(expression: str, macros: Mapping[str, str]) -> Any:
    """The native value of the Jinja `expression` (e.g. "{{ lifecycle_stages() }}"), where `macros`
    maps a macro's name to its source (`{% macro name() %}...{% endmacro %}`)."""
    env = NativeEnvironment(undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"])
    env.globals["return"] = _return
    compiled: dict[str, Any] = {}

    def macro(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if name not in compiled:
                try:
                    compiled[name] = getattr(env.from_string(macros[name]).module, name)
                except (jinja2.TemplateError, AttributeError) as err:
                    raise MacroValueError(f"macro {name} cannot be evaluated outside dbt: {err}") from err
            try:
                return compiled[name](*args, **kwargs)
            except _Return as returned:
                return returned.value

        return call

    env.globals.update({name: macro(name) for name in macros})
    try:
        return env.from_string(expression).render()
    except jinja2.UndefinedError as err:
        raise MacroValueError(f"{expression!r}: {err} (only the project's literal macros evaluate)") from err
    except jinja2.TemplateError as err:
        raise MacroValueError(f"{expression!r}: {err}") from err


def is_jinja(value: Any) -> bool:
    """A test argument dbt renders (a `{{ ... }}` text) rather than a literal value."""
    return isinstance(value, str) and "{{" in value and "}}" in value
