"""The ``tongban`` command line: thin Typer wrappers over the contexts' use cases."""
