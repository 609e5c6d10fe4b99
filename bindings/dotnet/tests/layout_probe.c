/* Prints the size and some field offsets of the C structs the C# binding declares (src/Native.cs), one
 * "struct.field offset" or "struct size" a line, for tests/LayoutTests.cs to compare against the managed layout.
 * Built by run-tests.sh against include/custodia.h. */
#include <stddef.h>
#include <stdio.h>
#include "custodia.h"

#define SIZE(s) printf(#s " %zu\n", sizeof(struct custodia_##s))
#define OFF(s, f) printf(#s "." #f " %zu\n", offsetof(struct custodia_##s, f))

int main(void) {
  SIZE(buffer); OFF(buffer, len); OFF(buffer, id);
  SIZE(key_id);
  SIZE(memory_protection); OFF(memory_protection, dumpable);
  SIZE(audit_report); OFF(audit_report, has_last_checkpoint); OFF(audit_report, last_checkpoint);
  OFF(audit_report, head); OFF(audit_report, anchors);
  SIZE(key_info); OFF(key_info, label); OFF(key_info, has_secret); OFF(key_info, rotated_from);
  OFF(key_info, has_rotated_to); OFF(key_info, rotated_to); OFF(key_info, jurisdiction);
  OFF(key_info, compromised_reason);
  SIZE(envelope_info); OFF(envelope_info, category); OFF(envelope_info, created); OFF(envelope_info, has_signer);
  OFF(envelope_info, signer); OFF(envelope_info, instrument_kind); OFF(envelope_info, instrument_reference);
  OFF(envelope_info, origin); OFF(envelope_info, destinations); OFF(envelope_info, purposes);
  OFF(envelope_info, case_ref); OFF(envelope_info, recipients); OFF(envelope_info, grant_count);
  printf("recipient %zu\n", sizeof(struct custodia_recipient));
  SIZE(audit_entry); OFF(audit_entry, kind); OFF(audit_entry, json);
  SIZE(legal_hold); OFF(legal_hold, set_at); OFF(legal_hold, keys);
  SIZE(anchor_info); OFF(anchor_info, count); OFF(anchor_info, head); OFF(anchor_info, witness_count);
  SIZE(erasure_certificate_info); OFF(erasure_certificate_info, seq); OFF(erasure_certificate_info, case_ref);
  OFF(erasure_certificate_info, reason); OFF(erasure_certificate_info, has_envelopes);
  OFF(erasure_certificate_info, envelopes); OFF(erasure_certificate_info, key_count);
  SIZE(record_field); OFF(record_field, category); OFF(record_field, kind); OFF(record_field, purposes);
  OFF(record_field, withheld); OFF(record_field, mask);
  return 0;
}
