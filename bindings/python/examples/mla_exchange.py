#!/usr/bin/env python3
"""A mutual legal assistance exchange with custodia, from Python.

The Netherlands (state A) answers a German request (state B) for bank records:

1. B gives A the public half of its X25519 key; A imports it.
2. A seals the records for B, for the purposes of the request (investigation, prosecution), for the case, to be
   opened only in DE (and NL), and also for its own per-case key.
3. B opens them for a permitted purpose (prosecution.trial lies under prosecution).
4. B is refused for another purpose (asset_recovery), and the refusal says why.
5. B opens them for asset_recovery anyway, under a court order with its justification.
5b. B puts an access policy in force (need-to-know): a colleague who is not on the case team is refused.
5c. B sends A a signed disclosure receipt of what it did; A verifies and records it, and refuses an altered copy.
6. Both audit logs verify.
7. The rule of speciality: B may pass signed records on to France, or use them for another purpose, only under A's
   signed grant; without it the transfer is refused.
8. A shreds its case key: from then on A can no longer open its copy.

Run: CUSTODIA_LIB=target/release/libcustodia.so python bindings/python/examples/mla_exchange.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

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

            # 5b. Need-to-know at B: only the case team opens the case's data (docs/POLICY.md).
            with custodia.AccessPolicy.parse(
                f'version = 1\n[[cases.team]]\ncase = "{CASE}"\nactors = ["anna"]\n'
            ) as policy:
                de.set_access_policy(anna, policy)  # recorded as policy_changed, with the policy's SHA-256
            with custodia.Actor("bernd", "prosecutor", "DE", Classification.SECRET) as bernd:
                try:
                    de.open(bernd, envelope, "prosecution.trial")
                    raise AssertionError("bernd is not on the case team")
                except custodia.NotOnCase as refusal:
                    print(f"DE refused bernd: {refusal.message}")
            # 5c. B signs a disclosure receipt with a key whose public half A holds; A imports it.
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

            # 7. Rule of speciality: onward transfer and purpose extension need A's grant (A signs what it seals).
            speciality(tmp, nl, de, jan, anna, de_key_at_nl)

            # 8. A shreds its case key: its own copy can no longer be opened.
            nl.destroy_key(jan, case_key, "case closed; retention period ended")
            try:
                nl.open(jan, envelope, "investigation")
                raise AssertionError("the shredded case key should not open anything")
            except custodia.KeyDestroyed as refusal:
                print(f"NL after shredding: {refusal.message}")
            print("MLA exchange complete")
    return 0


def speciality(tmp: str, nl: Custodian, de: Custodian, jan: custodia.Actor, anna: custodia.Actor,
               de_key: custodia.KeyId) -> None:
    signer = nl.generate_key(jan, KeyKind.ED25519, "NL signing key")
    with SealOptions(Category.FINANCIAL_RECORDS, ["investigation", "mla.execution"], case_ref=CASE,
                     destinations=["DE"], recipients=[de_key], signer=signer) as terms:
        signed = nl.seal(jan, RECORDS, terms)
    object_id = nl.inspect(signed).object_id
    until = int(time.time()) + 30 * 86400
    with custodia.Actor("claire", "magistrate", "FR", Classification.SECRET) as claire, Custodian(
        os.path.join(tmp, "fr"), passphrase="fr demo passphrase, not for production", create=True
    ) as fr:
        fr_key = de.import_public(anna, fr.export_public(fr.generate_key(claire, KeyKind.X25519, "FR PNF")),
                                  "FR PNF", "FR")
        try:
            de.rewrap(anna, signed, "mla.execution", add=[fr_key])
            raise AssertionError("an onward transfer without a grant should have been refused")
        except custodia.OnwardTransferNotGranted as refusal:
            print(f"DE passing it to FR without NL's grant: {refusal.message}")
        grant = nl.issue_onward_transfer_grant(jan, signer, object_id, "Parquet national financier", "FR", fr_key,
                                               until, "DE request letter 2026/118")
        shared = de.rewrap(anna, signed, "mla.execution", add=[fr_key], grant=grant)
        with fr.open(claire, shared, "investigation") as opened:
            print(f"with NL's grant {grant.id} DE shares it; FR opens {len(opened.data)} bytes")
    extension = nl.issue_purpose_extension_grant(jan, signer, object_id, ["asset_recovery"], until,
                                                 "DE request letter 2026/119")
    with de.open(anna, de.extend_purposes(anna, signed, extension), "asset_recovery.freezing") as opened:
        print(f"DE opens it for asset_recovery.freezing under NL's purpose extension {extension.id}")


if __name__ == "__main__":
    sys.exit(main())
