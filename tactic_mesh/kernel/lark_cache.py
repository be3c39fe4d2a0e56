"""LALR parsers whose grammar analysis is kept in the on-disk cache (``kernel/disk_cache.py``).

Building the term parser's tables takes about 0.1 s per process; loading them takes a few
milliseconds.  An entry is keyed by the grammar text, the parser options and the lark version;
its payload is lark's own serialisation of the analysed grammar (plain dicts, lists, tuples,
strings and numbers: the unpickler resolves no global at all).  Anything unexpected — a stale or
corrupted entry, a lark whose serialisation differs — falls back to building the parser.
"""

from __future__ import annotations

from typing import Any

from tactic_mesh.kernel import disk_cache

# options that hold code (callbacks, transformers): given again when loading, never stored
_CODE_OPTIONS = ("transformer", "postlex", "lexer_callbacks", "edit_terminals", "_plugins")


def _nothing(module: str, name: str) -> bool:
    return False


def cached_lark(name: str, grammar: str, **options: Any) -> Any:
    """``Lark(grammar, parser="lalr", **options)``, its tables from the cache when possible."""
    import lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    stored = {k: v for k, v in options.items() if k not in _CODE_OPTIONS}
    key = disk_cache.cache_key((lark.__version__, grammar, repr(sorted(stored.items(), key=str))))
    code = {k: v for k, v in options.items() if k in _CODE_OPTIONS}
    payload = disk_cache.read(name, key)
    if payload is not None:
        data = disk_cache.loads(payload, _nothing)
        if isinstance(data, dict):
            try:
                return lark.Lark.__new__(lark.Lark)._load(data, **code)
            except Exception:  # lark's private loader refused it: build from the grammar
                pass
    parser = lark.Lark(grammar, parser="lalr", **options)
    try:
        data, memo = parser.memo_serialize([TerminalDef, Rule])
        data["options"] = {k: v for k, v in data["options"].items() if k not in _CODE_OPTIONS}
        payload = disk_cache.dumps({"data": data, "memo": memo})
    except Exception:  # a lark without this serialisation: no cache
        payload = None
    if payload is not None:
        disk_cache.write(name, key, payload)
    return parser
