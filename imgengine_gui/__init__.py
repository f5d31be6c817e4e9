"""Image Engine: a private, fast desktop photo organizer."""

__version__ = "0.1.0"
