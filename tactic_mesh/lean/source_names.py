"""Lean 4 identifiers for the source export (``tactic_mesh.lean.source``).

A Lean name is written component by component, separated by dots.  A component that is a valid
identifier in Lean's lexer (``isIdFirst`` then ``isIdRest`` characters, ``Lean.Parser.Basic``) and
not a keyword is written as it is; any other is quoted ``«like this»``.  A component that cannot
be quoted (it contains ``»`` or a line break, or is empty) has no Lean form: ``LeanNameError``.

Binder names are never quoted: a binder whose name is not a plain identifier, is a keyword, or
could be mistaken for a global name (the first component of a constant) is renamed — binder
names do not matter to the kernel.
"""

from __future__ import annotations

from tactic_mesh.kernel.errors import TacticMeshError

# Identifier-like tokens of Lean 4's builtin parsers and of Init's notation (a superset, to be
# safe: quoting an identifier that is not a keyword is harmless, ``«foo»`` is ``foo``).
KEYWORDS = frozenset(
    """
    abbrev at attribute axiom builtin_initialize by calc catch class continue break decreasing_by
    def deriving do elab elab_rules else end example exists export extends finally for forall from fun
    have hiding if import in include inductive infix infixl infixr initialize instance let local
    macro macro_rules match mutual namespace nofun nomatch noncomputable nonrec notation omit opaque
    open partial postfix prefix prelude private protected renaming return scoped section set_option
    show suffices syntax termination_by then theorem this try unless universe unsafe using variable
    where with Prop Sort Type sorry module public meta structure mut let_fun let_delayed let_tmp
    no_index dbg_trace declare_syntax_cat unif_hint partial_fixpoint coinductive
    """.split()
)

MAX_BINDER_SUFFIX = 1 << 20


class LeanNameError(TacticMeshError):
    """A name that has no Lean 4 form."""


def _is_letter_like(c: str) -> bool:
    o = ord(c)
    return (
        (0x3B1 <= o <= 0x3C9 and o != 0x3BB)  # lower greek, but lambda
        or (0x391 <= o <= 0x3A9 and o not in (0x3A0, 0x3A3))  # upper greek, but Pi and Sigma
        or 0x3CA <= o <= 0x3FB  # coptic
        or 0x1F00 <= o <= 0x1FFE  # polytonic greek
        or 0x2100 <= o <= 0x214F  # letter-like symbols
        or 0x1D49C <= o <= 0x1D59F  # script, double-struck, fraktur latin letters
    )


def _is_subscript_alnum(c: str) -> bool:
    o = ord(c)
    return 0x2080 <= o <= 0x2089 or 0x2090 <= o <= 0x209C or 0x1D62 <= o <= 0x1D6A


def is_id_first(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or c == "_" or _is_letter_like(c)


def is_id_rest(c: str) -> bool:
    return is_id_first(c) or ("0" <= c <= "9") or c in "'!?" or _is_subscript_alnum(c)


def is_plain_ident(text: str) -> bool:
    """Is ``text`` one identifier component Lean reads without quotes (and not a keyword)?"""
    if not text or text in KEYWORDS or text == "_" or not is_id_first(text[0]):
        return False
    return all(is_id_rest(c) for c in text[1:])


def escape_component(component: str) -> str:
    if is_plain_ident(component):
        return component
    if not component or "»" in component or "«" in component or "\n" in component or "\r" in component:
        raise LeanNameError(f"the name component {component!r} cannot be written in Lean 4")
    return f"«{component}»"


def lean_ident(name: str) -> str:
    """The Lean 4 spelling of the (dotted) constant name ``name``."""
    if not name:
        raise LeanNameError("an empty name cannot be written in Lean 4")
    parts = name.split(".")
    if parts[0] == "_root_":
        raise LeanNameError(f"the name {name!r} starts with `_root_`, which Lean reserves for the root namespace")
    return ".".join(escape_component(p) for p in parts)


def declaration_ident(name: str) -> str:
    """The name as written after ``def``/``theorem``/…: a dotted name gets ``_root_.`` so that Lean
    does not open its prefix as a namespace while elaborating the declaration (see the module
    docstring of ``tactic_mesh.lean.source``)."""
    ident = lean_ident(name)
    return f"_root_.{ident}" if "." in name else ident


def short_component(name: str, prefix: str) -> str | None:
    """``name`` without ``prefix.`` (a constructor's name inside its inductive), or None."""
    if not name.startswith(prefix + ".") or len(name) == len(prefix) + 1:
        return None
    return name[len(prefix) + 1 :]


def level_ident(name: str) -> str:
    """A universe parameter: one component."""
    if "." in name:
        raise LeanNameError(f"the universe parameter {name!r} is not an atomic name")
    return escape_component(name)


def binder_base(name: str) -> str:
    """A binder name Lean reads as a plain identifier (``x`` when ``name`` is not one)."""
    return name if is_plain_ident(name) and name != "_root_" else "x"


def unescape_ident(text: str) -> str:
    """The name a (possibly quoted, possibly ``_root_.``-prefixed) Lean identifier denotes."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "«":
            j = text.index("»", i)
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < len(text) and text[j] != ".":
                j += 1
            parts.append(text[i:j])
            i = j
        if i < len(text):
            if text[i] != ".":
                raise LeanNameError(f"malformed identifier {text!r}")
            i += 1
    if parts and parts[0] == "_root_":
        parts = parts[1:]
    return ".".join(parts)
