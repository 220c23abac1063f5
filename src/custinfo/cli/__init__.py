"""The terminal layer: thin Typer commands over the core library."""
