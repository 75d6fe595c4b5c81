"""ostui: a terminal log browser for OpenStack operators."""

__version__ = "0.1.0"
