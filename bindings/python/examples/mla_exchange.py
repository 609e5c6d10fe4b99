#!/usr/bin/env python3
"""A mutual legal assistance exchange with custodia, from Python.

The Netherlands (state A) answers a German request (state B) for bank records:

1. B gives A the public half of its X25519 key; A imports it.
2. A seals the records for B, for the purposes of the request (investigation, prosecution), for the case, to be
   opened only in DE (and NL), and also for its own per-case key.
3. B opens them for a permitted purpose (prosecution.trial lies under prosecution).
4. B is refused for another purpose (asset_recovery), and the refusal says why.
5. B opens them for asset_recovery anyway, under a court order with its justification.
5b. B sends A a signed disclosure receipt of what it did; A verifies and records it, and refuses an altered copy.
6. Both audit logs verify.
7. A shreds its case key: from then on A can no longer open its copy.

Run: CUSTODIA_LIB=target/release/libcustodia.so python bindings/python/examples/mla_exchange.py
"""

from __future__ import annotations

import os
import sys
import tempfile

import custodia
from custodia import Category, Classification, CourtOrder, Custodian, KeyKind, SealOptions

CASE = "MLA-2026-0042"
RECORDS = b"IBAN NL91ABNA0417164300; 2026-03-01 transfer EUR 250,000 to DE89370400440532013000"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="custodia-mla-") as tmp:
        nl_dir, de_dir = os.path.join(tmp, "nl"), os.path.join(tmp, "de")
        with custodia.Actor("jan", "prosecutor", "NL", Classification.SECRET) as jan, custodia.Actor(
            "anna", "prosecutor", "DE", Classification.SECRET
        ) as anna, Custodian(
            nl_dir, passphrase="nl demo passphrase, not for production", create=True
        ) as nl, Custodian(
            de_dir, passphrase="de demo passphrase, not for production", create=True
        ) as de:
            # 1. B's public key travels to A (as text; not secret).
            de_key = de.generate_key(anna, KeyKind.X25519, "DE BKA MLA key")
            de_key_at_nl = nl.import_public(jan, de.export_public(de_key), "DE BKA MLA key", "DE")
            assert de_key_at_nl == de_key
            print(f"DE key {de_key} imported at NL")

            # 2. A seals for B (and for its own per-case key), bound to purposes, case and jurisdictions.
            case_key = nl.case_key(jan, CASE)
            with SealOptions(
                Category.FINANCIAL_RECORDS,
                ["investigation", "prosecution"],
                case_ref=CASE,
                origin="NL",
                destinations=["DE"],
                recipients=[de_key_at_nl, case_key],
            ) as terms:
                envelope = nl.seal(jan, RECORDS, terms)
            info = nl.inspect(envelope)
            print(f"sealed {len(RECORDS)} bytes into a {len(envelope)}-byte envelope: {info}")

            # 3. B records the arrival (no key touched; its receipt starts here), then opens for a permitted purpose.
            de.receive(anna, envelope)
            with de.open(anna, envelope, "prosecution.trial") as opened:
                assert opened.data == RECORDS
                print(f"DE opened {len(opened.data)} bytes for prosecution.trial")

            # 4. B is refused for a purpose the data was not given for.
            try:
                de.open(anna, envelope, "asset_recovery")
                raise AssertionError("opening for asset_recovery should have been refused")
            except custodia.PurposeNotPermitted as refusal:
                print(f"DE refused for asset_recovery: {refusal.message}")

            # 5. ... unless a court order says why.
            with CourtOrder(
                "LG-Berlin-123/26",
                "The regional court ordered the freezing of the proceeds identified in these records",
            ) as order, de.open(anna, envelope, "asset_recovery", exception=order) as opened:
                assert opened.data == RECORDS
                print(f"DE opened it for asset_recovery under {order}")

            # 5b. B signs a disclosure receipt with a key whose public half A holds; A imports it.
            de_receipts = de.generate_key(anna, KeyKind.ED25519, "DE receipt signing key")
            nl.import_public(jan, de.export_public(de_receipts), "DE receipt signing key", "DE")
            receipt = de.issue_receipt(anna, info.object_id, de_receipts)
            text = receipt.to_armored()  # what travels back to A
            for item in receipt.items:
                print(f"  receipt: {item.kind:<15} {item.get('exception_kind') or item.get('purpose') or '-'}")
            nl.import_receipt(jan, text)
            print(f"NL holds {len(nl.receipts_for_case(CASE))} receipt(s) for {CASE}")
            lines = text.split("\n")
            lines[-3] = ("B" if lines[-3][0] == "A" else "A") + lines[-3][1:]  # in the signature
            try:
                nl.import_receipt(jan, "\n".join(lines))
                raise AssertionError("an altered receipt should have been refused")
            except custodia.ReceiptInvalid as refusal:
                print(f"NL refused an altered receipt: {refusal.message}")

            # 6. Both audit logs verify.
            for name, custodian in (("NL", nl), ("DE", de)):
                report = custodian.verify_audit()
                print(f"{name} audit log verifies: {report}")

            # 7. A shreds its case key: its own copy can no longer be opened.
            nl.destroy_key(jan, case_key, "case closed; retention period ended")
            try:
                nl.open(jan, envelope, "investigation")
                raise AssertionError("the shredded case key should not open anything")
            except custodia.KeyDestroyed as refusal:
                print(f"NL after shredding: {refusal.message}")
            print("MLA exchange complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
