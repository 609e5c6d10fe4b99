"""The access policy through the Python binding (issue 14: need-to-know, transfer rules, four eyes).

Each rule from the refused side: a typed exception, a ``refused`` audit entry, no key touched (``unwrap_attempts``
does not move). Hostile inputs: policy text with errors (line and column), malformed and misdirected approvals."""

from __future__ import annotations

import json

import pytest

import custodia
from custodia import AccessPolicy, Category, Classification, Custodian, ExceptionKind, KeyKind, SealOptions

SECRET = b"witness W-17"
WHY = "The witness is in immediate danger and the court ordered the disclosure now"


def entries(c: Custodian) -> list[dict]:
    return [json.loads(line) for line in c.audit_path.read_text().splitlines()]


@pytest.fixture
def nl(tmp_path):
    with Custodian(tmp_path / "nl", master_key=bytes(range(32)), create=True) as c:
        yield c


@pytest.fixture
def head_custodian(tmp_path):
    with Custodian(tmp_path / "head", master_key=bytes(range(1, 33)), create=True) as c:
        yield c


def actor(user: str, role: str = "prosecutor") -> custodia.Actor:
    return custodia.Actor(user, role, "NL", Classification.SECRET)


def policy_text(approver_key: str) -> str:
    return (
        "version = 1\n"
        '[roles.prosecutor]\ncategories = ["witness_identity"]\n'
        'purposes = ["investigation", "prosecution", "witness_protection"]\n'
        '[[cases.team]]\ncase = "MLA-2026-0042"\nactors = ["anna.schmidt"]\n'
        '[[transfers.rule]]\ncategory = "witness_identity"\nto = "*"\ndecision = "legal_basis"\n'
        '[four_eyes]\ncategories = ["witness_identity"]\n'
        f'[[four_eyes.approver]]\nid = "head.of.unit"\nkey = "{approver_key}"\n'
    )


def test_policy_errors_name_line_and_column(tmp_path):
    with pytest.raises(custodia.PolicyInvalid, match="line 3, column 15") as e:
        AccessPolicy.parse('version = 1\n[roles.x]\ncategories = ["nope"]\npurposes = ["mla"]\n')
    assert e.value.code == 108
    assert isinstance(e.value, custodia.InvalidArgument)
    with pytest.raises(custodia.PolicyInvalid, match="line 2"):
        AccessPolicy.parse('version = 1\ncolour = "red"\n')
    with pytest.raises(custodia.CustodiaError):
        AccessPolicy.load(tmp_path / "missing.toml")
    with pytest.raises(TypeError):
        AccessPolicy()
    path = tmp_path / "p.toml"
    path.write_text('version = 1\n[roles.a]\ncategories = ["*"]\npurposes = ["mla"]\n')
    with AccessPolicy.load(path) as a, AccessPolicy.parse(path.read_text()) as b:
        assert a.sha256 == b.sha256 and len(a.sha256) == 64


def test_need_to_know_transfer_rules_and_four_eyes(nl, head_custodian):
    with actor("anna.schmidt") as anna, actor("bob") as bob, actor("head.of.unit", "central_authority") as head:
        kek = nl.generate_key(anna, KeyKind.KEK, "kek")
        head_key = head_custodian.generate_key(head, KeyKind.ED25519, "approvals")
        with SealOptions(Category.WITNESS_IDENTITY, ["witness_protection"], case_ref="MLA-2026-0042", origin="NL",
                         recipients=[kek]) as opts:
            env = nl.seal(anna, SECRET, opts)
        with AccessPolicy.parse(policy_text(head_custodian.export_public(head_key))) as policy:
            nl.set_access_policy(anna, policy)
            changed = entries(nl)[-1]
            assert changed["kind"] == "policy_changed"
            assert changed["actor"]["id"] == "anna.schmidt"
            assert changed["detail"]["sha256"] == policy.sha256
            assert (nl.directory / "access-policy.toml").exists()

        # Need-to-know: bob is a prosecutor, not on the case.
        before = nl.unwrap_attempts()
        with pytest.raises(custodia.NotOnCase, match="bob is not on case MLA-2026-0042") as e:
            nl.open(bob, env, "witness_protection")
        assert isinstance(e.value, custodia.Refused) and e.value.code == 210
        with pytest.raises(custodia.RoleNotPermitted):
            nl.open(anna, env, "mla.execution")
        assert nl.unwrap_attempts() == before
        last = entries(nl)[-1]
        assert last["kind"] == "refused" and last["outcome"]["kind"] == "role_not_permitted"
        with nl.open(anna, env, "witness_protection") as opened:
            assert bytes(opened.data) == SECRET

        # A transfer refused at seal: a witness identity to DE without a legal basis.
        with SealOptions(Category.WITNESS_IDENTITY, ["witness_protection"], origin="NL", destinations=["DE"],
                         recipients=[kek]) as abroad:
            with pytest.raises(custodia.LegalBasisRequired) as e:
                nl.seal(anna, SECRET, abroad)
            assert e.value.code == 213
            assert entries(nl)[-1]["detail"]["operation"] == "seal"

        # Four eyes.
        with custodia.CourtOrder("OLG 1/26", WHY) as order:
            before = nl.unwrap_attempts()
            with pytest.raises(custodia.ApprovalRequired, match="none was given"):
                nl.open(anna, env, "prosecution", exception=order)
            object_id = nl.inspect(env).object_id
            terms = dict(object_id=object_id, purpose="prosecution", exception_kind=ExceptionKind.COURT_ORDER,
                         reference="OLG 1/26", not_after=2**40)
            with pytest.raises(custodia.InvalidArgument):
                head_custodian.approve_exception(head, head_key, actor_id="head.of.unit", **terms)
            approval = head_custodian.approve_exception(head, head_key, actor_id="anna.schmidt", **terms)
            assert approval.startswith("custodia-approval:")
            assert entries(head_custodian)[-1]["kind"] == "exception_approved"
            for bad in ["custodia-approval:AAAA", "hello", approval[:-4]]:
                with pytest.raises(custodia.ApprovalInvalid):
                    order.with_approval(bad)
            # For another purpose: well-formed, refused by the gate.
            other = head_custodian.approve_exception(head, head_key, actor_id="anna.schmidt",
                                                     **{**terms, "purpose": "investigation"})
            with order.with_approval(other) as wrong:
                with pytest.raises(custodia.ApprovalRequired, match="purpose"):
                    nl.open(anna, env, "prosecution", exception=wrong)
            assert nl.unwrap_attempts() == before
            with order.with_approval(approval) as approved:
                assert isinstance(approved, custodia.CourtOrder)
                with nl.open(anna, env, "prosecution", exception=approved) as opened:
                    assert bytes(opened.data) == SECRET
            used = [e for e in entries(nl) if e["kind"] == "exception_used"][-1]
            assert used["detail"]["approver"] == "head.of.unit"
            assert len(used["detail"]["approval"]) == 64
