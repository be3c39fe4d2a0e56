"""The package version (a leaf module: the kernel version and provenance derive from it)."""

__version__ = "0.1.0"

# what a proof artifact's provenance and an on-disk environment cache are keyed by
KERNEL_VERSION = f"tactic-mesh-kernel/{__version__}"
