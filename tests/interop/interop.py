"""The Python side of the cross-language interoperability test (tests/interop/run.sh): the same small command line
as examples/interop.rs, tests/interop/interop.c and tests/interop/Interop.java, over the Python binding.

    interop.py generate <dir> kek|x25519          print the new KEK's id, or the new X25519 key's public text
    interop.py generate <dir> ed25519             print the new Ed25519 key's id, then its public text (two lines)
    interop.py import <dir> <key-text-file>...    import public keys (authorities in DE), print their ids (one a line)
    interop.py seal <dir> <out> <plain> <key-id>...         seal a buffer
    interop.py seal-stream <dir> <out> <plain> <key-id>...  seal a file through Python file objects (C callbacks)
    interop.py open <dir> <envelope> <purpose> <out>        open a buffer, write the plaintext to <out>
    interop.py open-stream <dir> <envelope> <purpose> <out> open through Python file objects
    interop.py seal-signed <dir> <out> <plain> <signer> <key-id>...  seal a buffer signed by an own Ed25519 key
    interop.py grant <dir> <envelope> <signer> <purpose> <out>  issue a purpose extension grant (armored) for it
    interop.py extend <dir> <envelope> <grant> <out>        apply a purpose extension grant (re-issue the envelope)
    interop.py receipt-issue <dir> <envelope> <signer-id> <out>  receive the envelope, write a signed receipt for it
    interop.py receipt-import <dir> <receipt>     import a receipt, print its item kinds (one line, space separated)
    interop.py receipt-verify <receipt> <key-text-file>  verify with the public key alone, print the item kinds
    interop.py seal-record <dir> <out> <key-id>...  seal the fixed record (docs/FORMAT.md section 14)
    interop.py open-record <dir> <envelope> <purpose> <clearance>  open it as an actor of that clearance; print each
                                                  field in name order: name=<json value>, or name withheld <status>

A custodia error prints ``custodia error <code> <name>: <message>`` and exits with the status code (255 if it does
not fit an exit status), so a purpose refusal exits with 200 in every language. The fixed master key (bytes 0..31)
is a test harness's, never a way to handle real keys.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time

import custodia
from custodia import Category, Classification, Custodian, KeyId, KeyKind, SealOptions

MASTER_KEY = bytes(range(32))


def seal_options(keys: list[str]) -> SealOptions:
    return SealOptions(
        Category.EVIDENCE,
        ["investigation", "prosecution"],
        case_ref="MLA-2026-0007",
        origin="DE",
        destinations=["DE"],  # the other languages' keys are imported as authorities in DE
        recipients=[KeyId(k) for k in keys],
    )


def to_json(value: object) -> object:
    """A record value in the vectors' JSON form (docs/FORMAT.md section 14)."""
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, int):
        return {"integer": value}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    return {"nested": {k: to_json(v) for k, v in value.items()}}


def read_text(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def run(args: list[str]) -> None:
    if len(args) == 3 and args[0] == "receipt-verify":
        receipt = custodia.Receipt(read_text(args[1]))
        receipt.verify(read_text(args[2]).strip())
        print(" ".join(receipt.kinds()))
        return
    if len(args) < 3:
        raise SystemExit("usage: interop.py generate|import|seal|seal-stream|open|open-stream <dir> ...")
    command, directory, rest = args[0], args[1], args[2:]
    # `generate` is the first command on a directory: only it may start a new custodian there.
    with Custodian(directory, master_key=MASTER_KEY, create=command == "generate") as c, custodia.Actor(
        "interop.python", "investigator", "DE", Classification.SECRET
    ) as actor:
        if command == "generate" and rest == ["kek"]:
            print(c.generate_key(actor, KeyKind.KEK, "interop kek"))
        elif command == "generate" and rest == ["x25519"]:
            print(c.export_public(c.generate_key(actor, KeyKind.X25519, "interop x25519")))
        elif command == "generate" and rest == ["ed25519"]:
            key = c.generate_key(actor, KeyKind.ED25519, "interop ed25519")
            print(key)
            print(c.export_public(key))
        elif command == "receipt-issue" and len(rest) == 3:
            envelope, signer, out = rest
            with open(envelope, "rb") as f:
                info = c.receive(actor, f.read())
            with open(out, "w", encoding="utf-8") as f:
                f.write(c.issue_receipt(actor, info.object_id, KeyId(signer)).to_armored())
        elif command == "receipt-import" and len(rest) == 1:
            print(" ".join(c.import_receipt(actor, read_text(rest[0])).kinds()))
        elif command == "import":
            for path in rest:
                with open(path, encoding="utf-8") as f:
                    print(c.import_public(actor, f.read().strip(), f"interop {path}", "DE"))
        elif command in ("seal", "seal-stream") and len(rest) >= 3:
            out, plain, keys = rest[0], rest[1], rest[2:]
            with seal_options(keys) as options:
                if command == "seal":
                    with open(plain, "rb") as f:
                        data = f.read()
                    envelope = c.seal(actor, data, options)
                    with open(out, "wb") as f:
                        f.write(envelope)
                else:
                    with open(plain, "rb") as src, open(out, "wb") as dst:
                        c.seal_stream(actor, src, dst, options)
        elif command == "seal-signed" and len(rest) >= 4:
            out, plain, signer, keys = rest[0], rest[1], rest[2], rest[3:]
            with seal_options(keys) as options, open(plain, "rb") as f:
                options.set_signer(KeyId(signer))
                envelope = c.seal(actor, f.read(), options)
            with open(out, "wb") as f:
                f.write(envelope)
        elif command == "grant" and len(rest) == 4:
            envelope, signer, purpose, out = rest
            with open(envelope, "rb") as f:
                object_id = c.inspect(f.read()).object_id
            grant = c.issue_purpose_extension_grant(actor, KeyId(signer), object_id, [purpose],
                                                    int(time.time()) + 86400, "interop request letter")
            with open(out, "w", encoding="ascii") as f:
                f.write(grant.to_text())
        elif command == "extend" and len(rest) == 3:
            envelope, grant_file, out = rest
            with open(envelope, "rb") as f:
                sealed = f.read()
            with open(grant_file, "rb") as f:
                grant = custodia.Grant(f.read())
            with open(out, "wb") as f:
                f.write(c.extend_purposes(actor, sealed, grant))
        elif command in ("open", "open-stream") and len(rest) == 3:
            envelope, purpose, out = rest
            if command == "open":
                with open(envelope, "rb") as f:
                    sealed = f.read()
                with c.open(actor, sealed, purpose) as opened, open(out, "wb") as f:
                    f.write(opened.data.expose())
            else:
                try:
                    with open(envelope, "rb") as src, open(out, "wb") as dst:
                        c.open_stream(actor, src, dst, purpose)
                except BaseException:
                    os.unlink(out)  # nothing unauthenticated is left behind
                    raise
        elif command == "seal-record" and len(rest) >= 2:
            out, keys = rest[0], rest[1:]
            fields = {
                "account_iban": custodia.Field("NL91ABNA0417164300", Category.FINANCIAL_RECORDS),
                "born": custodia.Field(datetime.date(1971, 5, 4), Category.PERSONAL_IDENTITY),
                "transfers": custodia.Field(-42, Category.FINANCIAL_RECORDS, purposes=["investigation.financial"]),
                "witness_name": custodia.Field("A. Jansen", Category.WITNESS_IDENTITY),
            }
            with SealOptions(Category.CASE_ADMINISTRATION, ["investigation", "prosecution"],
                             case_ref="MLA-2026-0007", origin="DE", destinations=["DE"],
                             recipients=[KeyId(k) for k in keys]) as options:
                envelope = c.seal_record(actor, fields, options)
            with open(out, "wb") as f:
                f.write(envelope)
        elif command == "open-record" and len(rest) == 3:
            envelope, purpose, clearance = rest
            with open(envelope, "rb") as f:
                sealed = f.read()
            with custodia.Actor("interop.python.reader", "investigator", "DE",
                                Classification.from_label(clearance)) as reader:
                record = c.open_record(reader, sealed, purpose)
            for name, value in record.items():
                if isinstance(value, custodia.Withheld):
                    print(f"{name} withheld {value.code}")
                else:
                    print(f"{name}={json.dumps(to_json(value), separators=(',', ':'), ensure_ascii=False)}")
        else:
            raise SystemExit(f"interop.py: unknown command or wrong arguments: {' '.join(args)}")


def main() -> int:
    try:
        run(sys.argv[1:])
    except custodia.CustodiaError as e:
        print(f"custodia error {e.code} {e.name}: {e.message}", file=sys.stderr)
        return e.code if 0 < e.code <= 254 else 255
    return 0


if __name__ == "__main__":
    sys.exit(main())
