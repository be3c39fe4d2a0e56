"""tactic-mesh: a typed, effectful calculus of tactic programs."""
__version__ = "0.1.0"
