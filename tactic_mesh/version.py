"""The package version (a leaf module: the kernel version and provenance derive from it)."""

__version__ = "0.1.0"
