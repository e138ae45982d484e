"""The installed version of render_sdk."""

__version__ = "0.1.0"
