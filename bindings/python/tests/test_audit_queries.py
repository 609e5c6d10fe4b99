"""Audit queries and CSV export, legal-hold listing, batch re-wrap and audit sinks through the Python binding. Each
test tries to break what it checks: filters that must exclude, a refused purpose per file, a file that must no
longer open without the re-wrap, a sink that raises (the exception must not escape into the library), and required
sinks that must fail the operation while the log keeps the event."""

from __future__ import annotations

import os
import stat

import pytest

import custodia
from custodia import AuditEntry, Category, Custodian, KeyKind, SealOptions

MASTER = bytes(range(32))
RESERVED = {"genesis", "checkpoint", "recovery", "erasure"}


def _sealed(c, anna, case_ref="MLA-2026-0042"):
    kek = c.generate_key(anna, KeyKind.KEK, "local")
    env = c.seal(anna, b"statement", SealOptions(Category.EVIDENCE, ["investigation"], recipients=[kek],
                                                 case_ref=case_ref))
    return kek, env


def test_queries_filter_by_kind_actor_case_object_and_time(tmp_path, anna, no_leaks):
    with Custodian(tmp_path / "c", master_key=MASTER, create=True) as c:
        _, env = _sealed(c, anna)
        with c.open(anna, env, "investigation"):
            pass
        with pytest.raises(custodia.PurposeNotPermitted):
            c.open(anna, env, "extradition")
        everything = c.audit_entries()
        assert [e.seq for e in everything] == list(range(len(everything)))
        assert everything[0].kind == "genesis"
        (opened,) = c.audit_entries(kinds=["opened"])
        assert (opened.actor_id, opened.actor_role, opened.actor_jurisdiction) == ("anna", "prosecutor", "DE")
        assert (opened.purpose, opened.case_ref, opened.outcome) == ("investigation", "MLA-2026-0042", "ok")
        assert opened.members()["kind"] == "opened" and opened.members()["seq"] == opened.seq
        (refused,) = c.audit_entries(kinds=["refused"])
        assert refused.outcome == "refused:purpose_not_permitted"
        assert [e.kind for e in c.audit_entries(kinds=["opened", "refused"])] == ["opened", "refused"]
        assert len(c.audit_entries(case_ref="MLA-2026-0042")) == 3
        assert c.audit_entries(case_ref="MLA-2026-0043") == []
        assert len(c.audit_entries(object_id=opened.object_id.upper())) == 3
        assert c.audit_entries(actor_id="nobody") == []
        first, last = everything[0].time, everything[-1].time
        assert c.audit_entries(since=int(last.timestamp()) + 1) == []
        assert c.audit_entries(until=int(first.timestamp())) == []
        assert len(c.audit_entries(since=first, until=int(last.timestamp()) + 1)) == len(everything)
        with pytest.raises(custodia.InvalidArgument, match="bogus"):
            c.audit_entries(kinds=["bogus"])
        with pytest.raises(TypeError):
            c.audit_csv(colour="red")


def test_csv_export_to_text_and_to_a_private_file(tmp_path, anna, no_leaks):
    with Custodian(tmp_path / "c", master_key=MASTER, create=True) as c:
        _sealed(c, anna)
        text = c.audit_csv(kinds=["sealed", "key_generated"])
        lines = text.split("\r\n")
        assert lines[0].startswith("seq,time,kind,actor,role,jurisdiction,case,object,")
        assert len(lines) == 4 and lines[-1] == ""  # header, two rows, the final CRLF
        assert ",sealed," in lines[2]
        out = tmp_path / "export.csv"
        old = os.umask(0)
        try:
            assert c.write_audit_csv(out, kinds=["sealed", "key_generated"]) == 2
        finally:
            os.umask(old)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert out.read_bytes() == text.encode()
        with pytest.raises(custodia.IoFault):
            c.write_audit_csv(tmp_path / "no" / "such" / "dir.csv")


def test_legal_holds_list_the_keys_they_hold(tmp_path, anna, no_leaks):
    with Custodian(tmp_path / "c", master_key=MASTER, create=True) as c:
        held = c.case_key(anna, "MLA-2026-0042")
        other = c.case_key(anna, "MLA-2026-0043")
        assert c.legal_holds() == []
        c.place_legal_hold(anna, "MLA-2026-0042", "order 17/2026", "appeal pending")
        (hold,) = c.legal_holds()
        assert (hold.case_ref, hold.reference, hold.reason, hold.set_by) == (
            "MLA-2026-0042", "order 17/2026", "appeal pending", "anna")
        assert hold.keys == (held,) and hold.set_at.year >= 2026
        with pytest.raises(custodia.LegalHold):
            c.destroy_key(anna, held, "retention period ended")
        c.destroy_key(anna, other, "retention period ended")
        c.release_legal_hold(anna, "MLA-2026-0042")
        assert c.legal_holds() == []


def test_batch_rewrap_reports_each_file(tmp_path, anna, no_leaks):
    with Custodian(tmp_path / "c", master_key=MASTER, create=True) as c:
        old = c.generate_key(anna, KeyKind.KEK, "local")
        second = c.generate_key(anna, KeyKind.KEK, "second")
        opts = SealOptions(Category.EVIDENCE, ["investigation"], recipients=[old])
        for name in ("one", "two"):
            (tmp_path / f"{name}.txt").write_bytes(name.encode())
            c.seal_file(anna, tmp_path / f"{name}.txt", tmp_path / f"{name}.cust", opts)
        (tmp_path / "kept.cust").write_bytes((tmp_path / "one.cust").read_bytes())
        (tmp_path / "garbage.cust").write_bytes(b"not an envelope")
        c.rotate(anna, old)
        files = [tmp_path / "one.cust", tmp_path / "garbage.cust", tmp_path / "missing.cust", tmp_path / "two.cust"]
        outcomes = c.rewrap_batch(anna, files)
        assert [o.ok for o in outcomes] == [True, False, False, True]
        assert [o.path for o in outcomes] == files
        assert isinstance(outcomes[2].error, custodia.IoFault)
        c.destroy_key(anna, old, "rotated out")
        c.open_file(anna, tmp_path / "one.cust", tmp_path / "one.out", "investigation")
        assert (tmp_path / "one.out").read_bytes() == b"one"
        with pytest.raises(custodia.CustodiaError):
            c.open_file(anna, tmp_path / "kept.cust", tmp_path / "kept.out", "investigation")
        refused = c.rewrap_batch(anna, files[:1], "extradition", add=[second])
        assert isinstance(refused[0].error, custodia.PurposeNotPermitted)
        assert "extradition" in str(refused[0].error)
        assert c.rewrap_batch(anna, files[:1], "investigation", add=[second])[0].ok
        with pytest.raises(custodia.InvalidArgument):
            c.rewrap_batch(anna, files, None, add=[second])


def test_every_appended_event_reaches_the_sink_in_order(tmp_path, anna, no_leaks):
    seen: list[AuditEntry] = []
    calls = []

    def broken(event: AuditEntry) -> None:
        calls.append(event.kind)
        raise RuntimeError("SIEM is down")

    with Custodian(tmp_path / "c", master_key=MASTER, create=True, audit_sinks=[seen.append, broken]) as c:
        _, env = _sealed(c, anna)
        with c.open(anna, env, "investigation"):
            pass
        with pytest.raises(custodia.PurposeNotPermitted):
            c.open(anna, env, "extradition")
        c.checkpoint()
        logged = [e for e in c.audit_entries() if e.kind not in RESERVED]
        assert [e.kind for e in seen] == [e.kind for e in logged]
        assert all(s.seq is None for s in seen)
        assert [dict(s.members(), seq=e.seq) for s, e in zip(seen, logged)] == [e.members() for e in logged]
        assert calls == [e.kind for e in logged]
        assert c.audit_sink_failures == len(logged)
        assert len(c.audit_sink_errors) == len(logged)
        assert all(isinstance(e, RuntimeError) for e in c.audit_sink_errors)


def test_required_sinks_fail_the_operation_but_the_log_keeps_it(tmp_path, anna, no_leaks):
    failing = [True]

    def sink(event: AuditEntry) -> None:
        if failing[0]:
            raise ValueError("refused by the SIEM")

    with Custodian(tmp_path / "c", master_key=MASTER, create=True, audit_sinks=[sink],
                   require_audit_sinks=True) as c:
        with pytest.raises(custodia.AuditWriteFailed):
            c.generate_key(anna, KeyKind.KEK, "local")
        assert len(c.audit_entries(kinds=["key_generated"])) == 1
        assert isinstance(c.audit_sink_errors[-1], ValueError)
        failing[0] = False
        c.generate_key(anna, KeyKind.KEK, "local")
        assert c.audit_sink_failures == 1
    with pytest.raises(TypeError):
        Custodian(tmp_path / "d", master_key=MASTER, create=True, audit_sinks=["not callable"])


def test_the_library_reads_anchors_and_certificates_as_the_binding_does(tmp_path, anna, no_leaks):
    """The binding parses the JSON texts itself; the library's parser (custodia_*_inspect) must agree."""
    import ctypes

    from custodia import _raw

    with Custodian(tmp_path / "c", master_key=MASTER, create=True) as c:
        anchor = c.checkpoint()
        info = _raw.custodia_anchor_info()
        custodia._errors.invoke(_raw.lib.custodia_anchor_inspect, anchor.to_json().encode(), ctypes.byref(info))
        assert (info.log_id.decode(), info.count, info.head.decode(), info.witness_count) == (
            anchor.log_id, anchor.count, anchor.head, 0)
        key = c.case_key(anna, "MLA-2026-0042")
        cert = c.destroy_key(anna, key, "retention period ended")
        ci = _raw.custodia_erasure_certificate_info()
        keys = (_raw.custodia_key_id * _raw.ERASURE_MAX_KEYS)()
        custodia._errors.invoke(_raw.lib.custodia_erasure_certificate_inspect, cert.to_json().encode(),
                                ctypes.byref(ci), keys, _raw.ERASURE_MAX_KEYS)
        assert (ci.reason.decode(), ci.case_ref.decode(), ci.seq) == (cert.reason, cert.case_ref, cert.seq)
        assert [custodia.KeyId._from_c(keys[i]) for i in range(ci.key_count)] == cert.keys
        with pytest.raises(custodia.InvalidArgument):
            custodia._errors.invoke(_raw.lib.custodia_erasure_certificate_inspect, cert.to_json().encode(),
                                    ctypes.byref(ci), keys, 0)


def test_a_seal_and_open_inside_an_audit_sink_use_buffers_of_their_own(tmp_path, anna, no_leaks):
    """A sink runs on the thread of the seal or open it reports: a seal and open it makes (here on another
    custodian) must not overwrite the outer call's per-thread scratch buffer."""
    with Custodian(tmp_path / "inner", master_key=MASTER, create=True) as inner, \
            SealOptions(Category.EVIDENCE, ["investigation"], recipients=[inner.generate_key(anna, KeyKind.KEK, "i")]) \
            as inner_opts:
        nested = []

        def sink(event: AuditEntry) -> None:
            if event.kind in ("sealed", "opened"):
                data = os.urandom(3000)
                with inner.open(anna, inner.seal(anna, data, inner_opts), "investigation") as o:
                    nested.append(o.data == data)

        with Custodian(tmp_path / "outer", master_key=MASTER, create=True, audit_sinks=[sink]) as c:
            data = os.urandom(1500)
            with SealOptions(Category.EVIDENCE, ["investigation"],
                             recipients=[c.generate_key(anna, KeyKind.KEK, "outer")]) as outer_opts:
                env = c.seal(anna, data, outer_opts)
            with c.open(anna, env, "investigation") as opened:
                assert opened.data == data
                assert opened.info.object_id == c.inspect(env).object_id
        assert nested == [True, True]
