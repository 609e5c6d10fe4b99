"""feature_walk_b: the same walk as the C (tests/c/audit_query.c ... audit_sinks.c) and Java (FeatureWalkBTest)
tests, over the second half of issue 17 §2: audit queries and CSV export, anchors, erasure certificates, batch
re-wrap, legal-hold listing, audit sinks. One custodian, every feature once, each result checked."""

from __future__ import annotations

import custodia
from custodia import Anchor, Category, Custodian, ErasureCertificate, KeyKind, SealOptions

WALK = ["audit query", "csv export", "anchor", "erasure certificate", "batch rewrap", "legal holds", "audit sink"]


def test_feature_walk_b(tmp_path, anna, no_leaks):
    walked = []
    events = []
    with Custodian(tmp_path / "a", master_key=bytes(32), create=True, audit_sinks=[events.append]) as a, \
            Custodian(tmp_path / "b", master_key=bytes([1] * 32), create=True) as b:
        kek = a.generate_key(anna, KeyKind.KEK, "local")
        opts = SealOptions(Category.EVIDENCE, ["investigation"], recipients=[kek], case_ref="MLA-2026-0042")
        (tmp_path / "doc.txt").write_bytes(b"statement")
        a.seal_file(anna, tmp_path / "doc.txt", tmp_path / "doc.cust", opts)

        assert [e.kind for e in a.audit_entries(kinds=["sealed"])] == ["sealed"]
        walked.append("audit query")
        assert a.audit_csv(case_ref="MLA-2026-0042").count("\r\n") == 2
        walked.append("csv export")

        witness = b.generate_key(anna, KeyKind.ED25519, "witness")
        anchor = b.countersign_anchor(anna, Anchor(a.checkpoint().to_json()), a.audit_public_key(), witness)
        anchor.verify(a.audit_public_key(), b.export_public(witness))
        assert a.verify_audit([anchor]).anchors == 1
        walked.append("anchor")

        case_key = a.case_key(anna, "MLA-2026-0043")
        cert = a.destroy_key(anna, case_key, "retention period ended")
        ErasureCertificate(cert.to_json()).verify(a.audit_public_key())
        assert cert.keys == [case_key]
        walked.append("erasure certificate")

        a.rotate(anna, kek)
        assert [o.ok for o in a.rewrap_batch(anna, [tmp_path / "doc.cust"])] == [True]
        walked.append("batch rewrap")

        a.place_legal_hold(anna, "MLA-2026-0042", "order 1", "appeal pending")
        assert [h.case_ref for h in a.legal_holds()] == ["MLA-2026-0042"]
        walked.append("legal holds")

        assert events and events[-1].kind == "legal_hold_set"
        assert [e.kind for e in events] == [e.kind for e in a.audit_entries()
                                            if e.kind not in ("genesis", "checkpoint", "recovery", "erasure")]
        walked.append("audit sink")
    assert walked == WALK
    assert isinstance(custodia.AuditEntry, type)
