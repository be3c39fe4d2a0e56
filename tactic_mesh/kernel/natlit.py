"""``Nat`` literal arithmetic: the kernel's one computational shortcut, and when it is allowed.

``Nat.add a b`` with literal arguments reduces to the literal ``a + b`` computed on Python ints
(likewise ``sub mul div mod pow beq ble``).  The shortcut is a conservative extension only if
the environment's definitions compute the same function, so it is enabled for an operation only
when its declaration — together with everything it depends on — has the fingerprint of the
prelude's definition recorded below.  ``tests/kernel`` checks that the prelude matches these
fingerprints and that the shortcut agrees with unfolding the definitions.
"""

from __future__ import annotations

from tactic_mesh.kernel.environment import ConstantInfo, DefinitionInfo, Environment, InductiveInfo
from tactic_mesh.kernel.errors import KernelLimitError
from tactic_mesh.kernel.fingerprint import fingerprint

TRUSTED_NAT_OPS: dict[str, str] = {
    "Nat.add": "0071ff20827cc1f079acd30b8f5904cceb0bfb649669c2a200339722fe1d891d",
    "Nat.sub": "1f71e4b314d260c0be3be4097356cf8340ebf5c3c482f0b9ab51602812947c52",
    "Nat.mul": "76088c8d18d400f892b863f47a4be5426f5d8bd611e87351cb595283079d87f5",
    "Nat.div": "61bc93891fcc472518776533c6e5210389aafc52ba516665caaabb2de15e3ad3",
    "Nat.mod": "f6fd5d1e743e42fde9c5fd9a7c64786aa257950421d74540ce56df24f0d99aad",
    "Nat.pow": "b4b8b6c19a45005301ce63f0e316220388dac9569d30bea834458f521a521d5a",
    "Nat.beq": "17543d8d9da78ae9221fd4fc887acba28a81307b852af247c83582054f4f59c2",
    "Nat.ble": "7c777d4ed790584e0580f2b9829cce5d1c64992527fc9aa4b4a804ff96e7592d",
}
# the type itself: literals are `Nat` terms and `n+1` converts to `Nat.succ n` only for this `Nat`
TRUSTED_NAT_TYPE = "171b75c7fd7d1fd9184e5ef4600356b25db7510791912782cbc13020a491bc8f"
NAT_BINOPS = frozenset(TRUSTED_NAT_OPS)
MAX_POW_EXPONENT = 1 << 24  # as Lean's kernel; beyond it the shortcut refuses instead of unfolding
MAX_RESULT_BITS = 1 << 27  # 16 MiB per literal: results beyond it are refused, not computed

# verdicts per declaration object; a declaration object belongs to one environment lineage, in
# which the constants it depends on never change, so the verdict is a property of the object
_verdicts: dict[int, tuple[ConstantInfo, bool]] = {}


def _trusted(env: Environment, name: str, expected: str) -> bool:
    info = env.find(name)
    if info is None:
        return False
    hit = _verdicts.get(id(info))
    if hit is not None and hit[0] is info:
        return hit[1]
    verdict = fingerprint(env, name) == expected
    _verdicts[id(info)] = (info, verdict)
    return verdict


def trusted_nat_type(env: Environment) -> bool:
    """Is ``Nat`` the prelude's natural numbers (so literals may stand for its values)?"""
    return isinstance(env.find("Nat"), InductiveInfo) and _trusted(env, "Nat", TRUSTED_NAT_TYPE)


def trusted_nat_op(env: Environment, name: str) -> bool:
    """Is ``name`` the prelude's definition of a literal operation?"""
    if name not in TRUSTED_NAT_OPS or not isinstance(env.find(name), DefinitionInfo):
        return False
    return _trusted(env, name, TRUSTED_NAT_OPS[name])


def _check_size(name: str, a: int, b: int, bits: int) -> None:
    if bits > MAX_RESULT_BITS:
        raise KernelLimitError(
            f"{name}: the result would have about {bits} bits, beyond the literal arithmetic limit "
            f"({MAX_RESULT_BITS} bits)"
        )


def nat_binop(name: str, a: int, b: int) -> int | bool:
    """The value of a literal operation; ``KernelLimitError`` for powers beyond the limit."""
    if name == "Nat.add":
        return a + b
    if name == "Nat.sub":
        return max(a - b, 0)
    if name == "Nat.mul":
        _check_size(name, a, b, a.bit_length() + b.bit_length())
        return a * b
    if name == "Nat.div":
        return 0 if b == 0 else a // b
    if name == "Nat.mod":
        return a if b == 0 else a % b
    if name == "Nat.pow":
        if b > MAX_POW_EXPONENT and a > 1:
            raise KernelLimitError(
                f"Nat.pow {a} {b}: the exponent exceeds the literal arithmetic limit 2^24 "
                f"(and unfolding it is out of reach)"
            )
        if a > 1:
            _check_size(name, a, b, (a.bit_length() - 1) * b)
            return int(a**b)
        return a if b > 0 else 1
    if name == "Nat.beq":
        return a == b
    if name == "Nat.ble":
        return a <= b
    raise KeyError(name)
