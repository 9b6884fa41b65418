"""Page state as a typed parameter table that round-trips through the URL query string.

Pure functions, no Streamlit: `parse` turns a query mapping into values (bad values fall back to
defaults with a note, unknown keys are ignored), `serialize` writes only what differs from the
defaults, so a link stays short and readable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    key: str  # URL key and widget-key suffix, e.g. "n" -> widget "mi_n"
    default: Any  # its type (bool, int, float, str, tuple of str) is the parameter's type
    choices: tuple[str, ...] | None = None  # allowed values for str and tuple parameters
    bounds: tuple[float, float] | None = None  # inclusive range for numbers


def _one(raw: str | Sequence[str]) -> str:
    return raw if isinstance(raw, str) else (raw[-1] if raw else "")


def parse_value(p: Param, raw: str | Sequence[str]) -> Any:
    """One parameter from its URL text; raises ValueError with a readable reason."""
    text = _one(raw).strip()
    if isinstance(p.default, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{p.key}={text!r} is not true or false")
    if isinstance(p.default, int | float):
        kind = int if isinstance(p.default, int) else float
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"{p.key}={text!r} is not a number") from None
        if kind is float and value != value:  # NaN
            raise ValueError(f"{p.key}={text!r} is not a number")
        if p.bounds and not p.bounds[0] <= value <= p.bounds[1]:
            raise ValueError(f"{p.key}={text} is outside {p.bounds[0]:g}..{p.bounds[1]:g}")
        return value
    if isinstance(p.default, tuple):
        items = tuple(s for s in text.split(",") if s)
        bad = [s for s in items if p.choices and s not in p.choices]
        if bad or not items:
            raise ValueError(f"{p.key}={text!r} has unknown entries {bad}" if bad else f"{p.key} is empty")
        return tuple(dict.fromkeys(items))
    if p.choices and text not in p.choices:
        raise ValueError(f"{p.key}={text!r} is not one of the choices")
    return text


def parse(query: Mapping[str, str | Sequence[str]], table: Sequence[Param]) -> tuple[dict, list[str]]:
    """Values for every parameter of `table`, and notes for those that fell back to defaults."""
    values, notes = {}, []
    for p in table:
        values[p.key] = p.default
        if p.key not in query:
            continue
        try:
            values[p.key] = parse_value(p, query[p.key])
        except ValueError as exc:
            notes.append(f"{exc}; using the default ({format_value(p.default)}).")
    return values, notes


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def serialize(values: Mapping[str, Any], table: Sequence[Param]) -> dict[str, str]:
    """Query parameters for the values that differ from their defaults."""
    out = {}
    for p in table:
        if p.key in values and values[p.key] != p.default:
            out[p.key] = format_value(values[p.key])
    return out
