"""The click API as Typer ships it: Typer >= 0.29 vendors click as `typer._click`.

Only this module knows where it lives; the rest of the CLI imports `click` from here.
"""

try:
    from typer import _click as click  # Typer >= 0.29
except ImportError:  # pragma: no cover - older Typer depends on click itself
    import click  # type: ignore[no-redef]

__all__ = ["click"]
