"""Command groups of the ``crmscore`` CLI that live outside ``crmscore.cli`` (wired in there)."""

__all__: list[str] = []
