"""Codecs: the JSON envelope and its kinds, the tactic DSL and its printer.

Importing the package registers every kind with the envelope (``json_assembly`` registers
``assembly`` on top of ``json_envelope``, which does not import it back)."""

from tactic_mesh.codecs import json_assembly as _json_assembly  # noqa: F401  (registers the 'assembly' kind)
