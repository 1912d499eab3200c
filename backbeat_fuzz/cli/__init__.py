"""CLI entry points."""

__all__: list[str] = []
