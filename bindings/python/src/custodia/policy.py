"""The access policy (:class:`AccessPolicy`): need-to-know (roles, case teams), transfer rules and four eyes, as
the library parses and validates it from TOML (``docs/POLICY.md``). This module decides nothing: a policy is put in
force with :meth:`custodia.Custodian.set_access_policy`, and the library's gate applies it.
"""

from __future__ import annotations

import os
from typing import Union

from . import _raw
from ._handles import Handle, take_text, text_arg

__all__ = ["AccessPolicy"]


class AccessPolicy(Handle):
    """A validated access policy. Make one with :meth:`parse` (TOML text) or :meth:`load` (a file);
    :class:`~custodia.PolicyInvalid` gives the line and column of a problem.

    >>> with AccessPolicy.parse('version = 1\\n[roles.analyst]\\ncategories = ["*"]\\npurposes = ["investigation"]\\n') as p:
    ...     len(p.sha256)
    64
    """

    _free_name = "custodia_access_policy_free"
    _noun = "access policy"
    __slots__ = ()

    def __init__(self) -> None:
        raise TypeError("use AccessPolicy.parse(text) or AccessPolicy.load(path)")

    @classmethod
    def parse(cls, toml_text: str) -> AccessPolicy:
        """Parse and validate a policy from its TOML text."""
        policy = object.__new__(cls)
        Handle._init_new(policy, _raw.lib.custodia_access_policy_parse, text_arg(toml_text, "toml_text"))
        return policy

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> AccessPolicy:
        """Read and validate a policy from a file (at most 1 MiB of UTF-8 TOML)."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a path, not {type(path).__name__}")
        policy = object.__new__(cls)
        Handle._init_new(policy, _raw.lib.custodia_access_policy_load_file, os.fsencode(path))
        return policy

    @property
    def sha256(self) -> str:
        """The SHA-256 of the policy's text, 64 lowercase hex digits: what ``policy_changed`` records."""
        return take_text(_raw.lib.custodia_access_policy_sha256, self._handle)
