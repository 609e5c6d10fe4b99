#!/usr/bin/env python3
"""SD-JWT interoperability: custodia (examples/sdjwt_interop.rs) against PyPI `sd-jwt` (pinned in run.sh).

Both directions, each with its tampered case:
  1. custodia issues (through Custodian::issue_sd_jwt, a secret field withheld from the issuing analyst) and presents
     a subset; the `sd-jwt` verifier accepts it with the issuer's Ed25519 key (JWK), shows exactly the presented
     fields and the profile's claims, and refuses the presentation once its signature is altered.
  2. the `sd-jwt` holder presents a subset of custodia's SD-JWT; custodia verifies it.
  3. the `sd-jwt` issuer signs a record of the profile (EdDSA, typ custodia-record+sd-jwt, the custodia claims) and
     its holder presents a subset; custodia verifies it and counts the withheld fields; an altered disclosure and a
     disclosure with another salt are refused (signature_invalid), a duplicated one too (malformed).
Usage: interop.py <path of the sdjwt_interop binary>. Exits non-zero on the first failed check.
"""

import base64
import json
import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

TOOL = sys.argv[1]
TYP = "custodia-record+sd-jwt"
checks = 0


def custodia(cmd, payload):
    out = subprocess.run([TOOL, cmd], input=json.dumps(payload), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"sdjwt_interop {cmd} failed: {out.stderr}")
    return json.loads(out.stdout)


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check(cond, what):
    global checks
    if not cond:
        sys.exit(f"FAIL: {what}")
    checks += 1


def jwk_public(public_hex):
    return JWK(kty="OKP", crv="Ed25519", x=b64url(bytes.fromhex(public_hex)))


FIELDS = {
    "phone": {"text": "+31 6 1234 5678"},
    "born": {"date": "1971-05-04"},
    "address": {"nested": {"city": {"text": "Utrecht"}, "postcode": {"integer": 3511}}},
    "scan": {"bytes": "2550444600ff"},
    "note": {"text": "said \"no\"\n\u00e9t\u00e9"},
    "witness_name": {"text": "A. Jansen"},
}

# ---- 1. custodia issues and presents; sd-jwt verifies ----------------------------------------------------------------
issued = custodia("issue", {"fields": FIELDS, "secret_fields": ["witness_name"]})
public = issued["issuer_public"]
check(issued["field_count"] == 6, "the SD-JWT counts all six fields")
sd_jwt = issued["sd_jwt"]
names = [json.loads(unb64url(d))[1] for d in sd_jwt.split("~")[1:-1]]
check(sorted(names) == ["address", "born", "note", "phone", "scan"], "the withheld witness name is not in the SD-JWT")
presentation = custodia("present", {"issuer_public": public, "sd_jwt": sd_jwt, "fields": ["phone", "address"]})[
    "presentation"
]


def issuer_key(iss, header):
    check(iss == issued["issuer_key_id"], "iss is custodia's key id")
    check(header["alg"] == "EdDSA" and header["typ"] == TYP, "the header is EdDSA, custodia-record+sd-jwt")
    return jwk_public(public)


payload = SDJWTVerifier(presentation, issuer_key).get_verified_payload()
check(payload["phone"] == FIELDS["phone"], "sd-jwt sees the presented phone")
check(payload["address"] == FIELDS["address"], "sd-jwt sees the presented nested address")
for hidden in ("born", "scan", "note", "witness_name"):
    check(hidden not in payload, f"sd-jwt does not see {hidden}")
check(payload["custodia_object_id"] == issued["object_id"], "custodia_object_id")
check(payload["custodia_field_count"] == 6, "custodia_field_count")
check(payload["iss"] == issued["issuer_key_id"], "iss")

jwt, *rest = presentation.split("~")
h, p, s = jwt.split(".")
bad_sig = b64url(bytes([unb64url(s)[0] ^ 1]) + unb64url(s)[1:])
try:
    SDJWTVerifier("~".join([f"{h}.{p}.{bad_sig}", *rest]), lambda i, hd: jwk_public(public))
    check(False, "sd-jwt refuses an altered signature")
except Exception:  # jwcrypto raises InvalidJWSSignature
    check(True, "sd-jwt refuses an altered signature")

# ---- 2. the sd-jwt holder presents custodia's SD-JWT; custodia verifies ----------------------------------------------
holder = SDJWTHolder(sd_jwt)
holder.create_presentation({"born": True, "note": True})
verified = custodia("verify", {"issuer_public": public, "presentation": holder.sd_jwt_presentation})
check(verified["ok"], f"custodia verifies the sd-jwt holder's presentation: {verified}")
check(verified["disclosed"] == {"born": FIELDS["born"], "note": FIELDS["note"]}, "custodia sees born and note")
check(verified["withheld"] == 4, "custodia counts four withheld")

# ---- 3. sd-jwt issues a record of the profile; custodia verifies -----------------------------------------------------
seed = bytes(range(32))
key = custodia("key", {"seed": seed.hex()})
private = Ed25519PrivateKey.from_private_bytes(seed)
issuer_jwk = JWK.from_pyca(private)
check(b64url(bytes.fromhex(key["public"])) == issuer_jwk.export_public(as_dict=True)["x"], "same Ed25519 key")
object_id = "00112233445566778899aabbccddeeff"
claims = {SDObj(k): v for k, v in FIELDS.items() if k != "witness_name"}
claims.update(
    {
        "iss": key["key_id"],
        "iat": 1795435200,
        "custodia_object_id": object_id,
        "custodia_case_ref": "MLA-2026-0042",
        "custodia_field_count": 6,
    }
)
theirs = SDJWTIssuer(
    claims, issuer_jwk, sign_alg="EdDSA", extra_header_parameters={"typ": TYP, "kid": key["key_id"]}
).sd_jwt_issuance
their_holder = SDJWTHolder(theirs)
their_holder.create_presentation({"phone": True, "scan": True, "address": True})
their_presentation = their_holder.sd_jwt_presentation
verified = custodia("verify", {"issuer_public": key["public"], "presentation": their_presentation})
check(verified["ok"], f"custodia verifies sd-jwt's presentation: {verified}")
check(
    verified["disclosed"] == {k: FIELDS[k] for k in ("address", "phone", "scan")},
    f"custodia sees phone, scan and address: {verified['disclosed']}",
)
check(verified["withheld"] == 3, "custodia counts three withheld (two by the holder, one never issued)")
check(verified["claims"]["object_id"] == object_id and verified["claims"]["case_ref"] == "MLA-2026-0042", "claims")

jwt, *ds, kb = their_presentation.split("~")
phone = next(d for d in ds if json.loads(unb64url(d))[1] == "phone")
salt, name, value = json.loads(unb64url(phone))
altered = b64url(json.dumps([salt, name, {"text": "+31 6 0000 0000"}]).encode())
resalted = b64url(json.dumps([b64url(bytes(16)), name, value]).encode())
for label, forged, want in (
    ("altered disclosure", "~".join([jwt, altered, ""]), "signature_invalid"),
    ("another salt", "~".join([jwt, resalted, ""]), "signature_invalid"),
    ("duplicate disclosure", "~".join([jwt, phone, phone, ""]), "malformed"),
):
    got = custodia("verify", {"issuer_public": key["public"], "presentation": forged})
    check(not got["ok"] and got["error"] == want, f"custodia refuses the {label} with {want}: {got}")

print(f"sd-jwt interop: {checks} checks passed")
