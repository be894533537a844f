"""Tongban (通办): the data-sharing backbone of one-stop government services."""

__version__ = "0.1.0"
