"""Levels as the browser draws them, from `core.levels.LEVEL_LOOK` and the theme."""

from __future__ import annotations

from ..core.levels import LEVEL_LOOK, Level

_THEME_COLOUR = {
    "error": "$text-error",
    "warning": "$text-warning",
    "success": "$text-success",
    "primary": "$text-primary",
    "muted": "$foreground-muted",
}


def level_style(level: Level) -> str:
    """A Content style for `level` (theme variables resolve when drawn)."""
    role, emphasis = LEVEL_LOOK[level]
    return f"{_THEME_COLOUR[role]} {emphasis}".strip()


def level_class(level: Level, prefix: str) -> str:
    """The component class of `level` in a widget: `<prefix>--level-error`."""
    return f"{prefix}--level-{level.name.lower()}"


def level_classes(prefix: str) -> set[str]:
    return {level_class(level, prefix) for level in Level}


def level_rules(widget: str, prefix: str) -> str:
    """CSS rules giving each level's component class its colour and emphasis."""
    rules = []
    for level in Level:
        role, emphasis = LEVEL_LOOK[level]
        style = f" text-style: {emphasis};" if emphasis else ""
        rules.append(f"{widget} > .{level_class(level, prefix)} {{ color: {_THEME_COLOUR[role]};{style} }}")
    return "\n".join(rules)
