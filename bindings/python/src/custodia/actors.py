"""Who acts (:class:`Actor`) and on what legal ground outside the stated purposes (:class:`ExceptionGround` and its
kinds :class:`CourtOrder`, :class:`Consent`, :class:`ImminentThreat`, :class:`LegalObligation`,
:class:`NationalSecurity`, :class:`OverridingPublicInterest`).

Both are library handles: the library checks them (user id and role syntax, jurisdiction code, a justification of
at least 5 words and 30 characters) and records them in the audit log. This module never decides anything itself.
``ExceptionGround`` is the one name of this concept in every language (Rust ``custodia::ExceptionGround``, C
``custodia_exception_ground``, Java ``org.custodia.ExceptionGround``): it is not a Python exception, and is never raised.
"""

from __future__ import annotations

from typing import ClassVar, Optional

from . import _raw
from ._handles import Handle, opt_text_arg, take_text, text_arg
from .vocab import Classification, ExceptionKind

__all__ = [
    "Actor",
    "ExceptionGround",
    "CourtOrder",
    "Consent",
    "ImminentThreat",
    "LegalObligation",
    "NationalSecurity",
    "OverridingPublicInterest",
]


class Actor(Handle):
    """Who performs a call: a stable user id, a role, the jurisdiction where they act, and their clearance.

    >>> with Actor("anna", "prosecutor", "DE", Classification.SECRET) as anna:
    ...     str(anna)
    'anna (prosecutor, DE, clearance secret)'
    """

    _free_name = "custodia_actor_free"
    _noun = "actor"
    __slots__ = ()

    def __init__(self, user_id: str, role: str, jurisdiction: str, clearance: Classification | int) -> None:
        """Raises :class:`~custodia.InvalidArgument` (or a subclass) when the library refuses a field."""
        if not isinstance(clearance, int):
            raise TypeError(f"clearance must be a Classification, not {type(clearance).__name__}")
        self._init_new(
            _raw.lib.custodia_actor_new,
            text_arg(user_id, "user_id"),
            text_arg(role, "role"),
            text_arg(jurisdiction, "jurisdiction"),
            int(clearance),
        )

    def describe(self) -> str:
        """The actor as the audit log names them: ``"anna (prosecutor, DE, clearance secret)"``."""
        return take_text(_raw.lib.custodia_actor_describe, self._handle)

    def __str__(self) -> str:
        return self.describe()


class ExceptionGround(Handle):
    """A legal ground, with its reference and written justification, stated to open data for a purpose it was not
    given for. Make one of the kinds: :class:`CourtOrder`, :class:`Consent`, :class:`ImminentThreat`,
    :class:`LegalObligation`, :class:`NationalSecurity`, :class:`OverridingPublicInterest`.
    :class:`~custodia.InvalidException` says what is missing."""

    _free_name = "custodia_exception_ground_free"
    _noun = "exception"
    kind: ClassVar[ExceptionKind]
    __slots__ = ()

    def __init__(self, reference: Optional[str], justification: str) -> None:
        if type(self) is ExceptionGround:
            raise TypeError(
                "make a CourtOrder, Consent, ImminentThreat, LegalObligation, NationalSecurity or OverridingPublicInterest"
            )
        self._init_new(
            _raw.lib.custodia_exception_ground_new,
            int(self.kind),
            opt_text_arg(reference, "reference"),
            text_arg(justification, "justification"),
        )

    def with_approval(self, approval: str) -> ExceptionGround:
        """The same exception with a second approver's approval attached (four eyes): the text form
        (``custodia-approval:...``) that :meth:`custodia.Custodian.approve_exception` gave the approver. A new object;
        this one is unchanged. :class:`~custodia.ApprovalInvalid` for text that is not an approval."""
        out = object.__new__(type(self))
        Handle._init_new(
            out, _raw.lib.custodia_exception_ground_with_approval, self._handle, text_arg(approval, "approval")
        )
        return out

    def describe(self) -> str:
        """``"court_order LG-Berlin-123/26: <justification>"``."""
        return take_text(_raw.lib.custodia_exception_ground_describe, self._handle)

    def __str__(self) -> str:
        return self.describe()


class CourtOrder(ExceptionGround):
    """A court order; its number is the reference."""

    kind = ExceptionKind.COURT_ORDER
    __slots__ = ()

    def __init__(self, order_number: str, justification: str) -> None:
        super().__init__(order_number, justification)


class Consent(ExceptionGround):
    """The data subject's consent; the consent record is the reference."""

    kind = ExceptionKind.CONSENT
    __slots__ = ()

    def __init__(self, consent_record: str, justification: str) -> None:
        super().__init__(consent_record, justification)


class ImminentThreat(ExceptionGround):
    """An imminent threat to life or physical integrity; no reference required."""

    kind = ExceptionKind.IMMINENT_THREAT
    __slots__ = ()

    def __init__(self, justification: str, reference: Optional[str] = None) -> None:
        super().__init__(reference, justification)


class LegalObligation(ExceptionGround):
    """A legal obligation; the provision is the reference."""

    kind = ExceptionKind.LEGAL_OBLIGATION
    __slots__ = ()

    def __init__(self, provision: str, justification: str) -> None:
        super().__init__(provision, justification)


class NationalSecurity(ExceptionGround):
    """The protection of national security; the decision or provision invoked is the reference."""

    kind = ExceptionKind.NATIONAL_SECURITY
    __slots__ = ()

    def __init__(self, reference: str, justification: str) -> None:
        super().__init__(reference, justification)


class OverridingPublicInterest(ExceptionGround):
    """An overriding public interest; the provision or decision relied on is the reference."""

    kind = ExceptionKind.OVERRIDING_PUBLIC_INTEREST
    __slots__ = ()

    def __init__(self, reference: str, justification: str) -> None:
        super().__init__(reference, justification)
