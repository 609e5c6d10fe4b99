package org.custodia.raw;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * Layer 1: the raw C ABI of {@code include/custodia.h}, one method per {@code custodia_*} function, same name,
 * same parameters in the same order.
 *
 * <p>Nothing here is safe on its own: these methods trust their arguments as C does. Use the idiomatic API in
 * {@code org.custodia}; this interface exists for it and for tests. {@code HeaderDeclarationsTest} proves that every
 * function of the header is declared here with the same parameter count, and nothing else is.
 *
 * <p>Type mapping: {@code custodia_status} and other {@code uint32_t} are {@code int}; handles (8-byte structs laid
 * out as a {@code uint64_t}, passed by value) are {@code long}; {@code size_t} is {@code long} (64-bit only);
 * {@code struct custodia_key_id *} is a 16-byte {@code byte[]}; strings are NUL-terminated UTF-8 (the library is
 * loaded with UTF-8 string encoding); {@code bool} is returned as {@code byte} because C only defines its low 8
 * bits. Paths and the passphrase are NUL-terminated {@code byte[]} (paths are bytes on Unix; a passphrase must be
 * wipeable, which a {@code String} is not). Arrays of key ids are 16 bytes per id, back to back.
 */
public interface CustodiaLibrary extends Library {
    // --- errors, buffers, versions
    int custodia_last_error_code();

    String custodia_last_error_message();

    int custodia_buffer_free(CustodiaBuffer buffer);

    String custodia_status_name(int status);

    byte custodia_status_is_refusal(int status);

    String custodia_version();

    int custodia_abi_version();

    int custodia_live_counts(LongByReference outHandles, LongByReference outBuffers);

    int custodia_memory_status(MemoryProtection out);

    int custodia_disable_core_dumps();

    // --- key ids
    int custodia_key_id_parse(String text, byte[] outKeyId);

    int custodia_key_id_from_bytes(byte[] bytes, long len, byte[] outKeyId);

    int custodia_key_id_format(byte[] keyId, byte[] outText, long outTextSize);

    // --- actors and exceptions
    int custodia_actor_new(String userId, String role, String jurisdiction, int clearance, LongByReference outActor);

    int custodia_actor_free(long actor);

    int custodia_actor_describe(long actor, CustodiaBuffer outText);

    int custodia_exception_ground_new(int kind, String reference, String justification, LongByReference outException);

    int custodia_exception_ground_describe(long exception, CustodiaBuffer outText);

    int custodia_exception_ground_free(long exception);

    int custodia_exception_ground_with_approval(long exception, String approvalText, LongByReference outException);

    // --- access policy
    int custodia_access_policy_parse(String tomlText, LongByReference outPolicy);

    int custodia_access_policy_load_file(String path, LongByReference outPolicy);

    int custodia_access_policy_sha256(long policy, CustodiaBuffer outText);

    int custodia_access_policy_free(long policy);

    int custodia_custodian_set_access_policy(long custodian, long actor, long policy);

    int custodia_custodian_approve_exception(long custodian, long approver, byte[] signingKey, String objectId,
            String actorId, String purpose, int exceptionKind, String reference, long notAfter,
            CustodiaBuffer outApprovalText);

    // --- seal options
    int custodia_seal_options_new(int category, String[] purposes, long purposeCount, LongByReference outOptions);

    int custodia_seal_options_set_classification(long options, int classification);

    int custodia_seal_options_set_case_ref(long options, String caseRef);

    int custodia_seal_options_set_jurisdictions(long options, String origin, String[] destinations,
            long destinationCount);

    int custodia_seal_options_set_not_after(long options, long notAfterUnix);

    int custodia_seal_options_add_recipient(long options, byte[] keyId);

    int custodia_seal_options_set_signer(long options, byte[] keyId);

    int custodia_seal_options_set_sender(long options, byte[] keyId);

    int custodia_seal_options_set_instrument(long options, int kind, String reference, String transferBasis);

    int custodia_seal_options_set_chunk_size(long options, int chunkSize);

    int custodia_seal_options_set_armor(long options, byte armor);

    int custodia_seal_options_free(long options);

    // --- custodian
    int custodia_custodian_options_new(LongByReference outOptions);

    int custodia_custodian_options_set_create(long options, byte create);

    int custodia_custodian_options_set_kdf(long options, int memoryKib, int passes, int lanes);

    int custodia_custodian_options_set_durability(long options, int durability, long maxBatch, int maxDelayUs);

    int custodia_custodian_options_add_provider(long options, long keyProvider);

    int custodia_custodian_options_set_case_keys(long options, long keyProvider, byte[] kekId, long cacheTtlSecs,
            long cacheMaxUses);

    int custodia_key_provider_new(ProviderCallbacks.Table callbacks, Pointer userData, String name, int stanzaKind,
            LongByReference outProvider);

    int custodia_key_provider_free(long provider);

    int custodia_custodian_options_add_signer(long options, long signer);

    int custodia_custodian_options_set_audit_signer(long options, long signer);

    int custodia_signer_new(byte[] publicKey, SignerCallbacks.Table callbacks, Pointer userData,
            LongByReference outSigner);

    int custodia_signer_key_id(long signer, byte[] outKeyId);

    int custodia_signer_free(long signer);


    int custodia_custodian_options_free(long options);

    int custodia_custodian_open_passphrase(byte[] dir, byte[] passphrase, long options, LongByReference outCustodian);

    int custodia_custodian_open_master_key(byte[] dir, byte[] masterKey, long masterKeyLen, long options,
            LongByReference outCustodian);

    int custodia_custodian_close(long custodian, CustodiaBuffer outAnchor);

    int custodia_custodian_free(long custodian);

    // --- audit
    int custodia_audit_verify(long custodian, String[] anchors, long anchorCount, AuditReport outReport);

    int custodia_audit_public_key(long custodian, CustodiaBuffer outText);

    int custodia_audit_checkpoint(long custodian, CustodiaBuffer outAnchor);

    int custodia_anchor_countersign(long custodian, long actor, String anchorJson, String theirAuditKey,
            byte[] witnessKeyId, CustodiaBuffer outAnchor);

    int custodia_anchor_verify(String anchorJson, String auditKey, String witnessKey);

    int custodia_erasure_certificate_verify(String certificateJson, String auditKey);

    // --- keys
    int custodia_key_generate(long custodian, long actor, int kind, String label, byte[] outKeyId);

    int custodia_key_for_case(long custodian, long actor, String caseRef, long destroyAfterUnix, byte[] outKeyId);

    int custodia_key_list_new(long custodian, LongByReference outList);

    int custodia_key_list_len(long list, LongByReference outLen);

    int custodia_key_list_get(long list, long index, KeyInfo outInfo);

    int custodia_key_list_free(long list);

    int custodia_key_export_public(long custodian, byte[] keyId, CustodiaBuffer outText);

    int custodia_key_import_public(long custodian, long actor, String keyText, String label, String jurisdiction,
            byte[] outKeyId);

    int custodia_key_import_authority(long custodian, long actor, String keyText, String label, String authority,
            String jurisdiction, long notBeforeUnix, long notAfterUnix, byte[] outKeyId);

    int custodia_key_revoke(long custodian, long actor, byte[] keyId, String reason);

    int custodia_key_mark_compromised(long custodian, long actor, byte[] keyId, String reason);

    int custodia_key_compromise_report(long custodian, byte[] keyId, CustodiaBuffer outText);

    int custodia_key_rotate(long custodian, long actor, byte[] keyId, byte[] outNewKeyId);

    int custodia_key_destroy(long custodian, long actor, byte[] keyId, String reason,
            CustodiaBuffer outCertificate);

    int custodia_key_shred_expired(long custodian, long actor, LongByReference outDestroyed,
            LongByReference outHeld, CustodiaBuffer outCertificates);

    int custodia_key_set_retention(long custodian, long actor, byte[] keyId, long destroyAfterUnix);

    int custodia_legal_hold_place(long custodian, long actor, String caseRef, String reference, String reason);

    int custodia_legal_hold_release(long custodian, long actor, String caseRef);

    // --- seal and open
    int custodia_seal(long custodian, long actor, byte[] data, long dataLen, long options,
            CustodiaBuffer outEnvelope);

    int custodia_open(long custodian, long actor, String purpose, long exception, byte[] envelope, long envelopeLen,
            byte[] requiredSigner, CustodiaBuffer outPlaintext, EnvelopeInfo outInfo);

    int custodia_envelope_inspect(long custodian, byte[] envelope, long envelopeLen, EnvelopeInfo outInfo);

    // --- caller-sized output, grants in a header, random-access readers (ABI 4)
    int custodia_seal_max_size(long options, long dataLen, LongByReference outSize);

    int custodia_seal_into(long custodian, long actor, byte[] data, long dataLen, long options, Pointer out,
            long outCapacity, LongByReference outLen);

    int custodia_open_size(byte[] envelope, long envelopeLen, LongByReference outSize);

    int custodia_open_into(long custodian, long actor, String purpose, long exception, byte[] envelope,
            long envelopeLen, byte[] requiredSigner, Pointer out, long outCapacity, LongByReference outLen,
            EnvelopeInfo outInfo);

    int custodia_envelope_grant(long custodian, byte[] envelope, long envelopeLen, long index,
            CustodiaBuffer outGrant);

    int custodia_reader_open_file(long custodian, long actor, String purpose, long exception, byte[] requiredSigner,
            byte[] path, LongByReference outReader, EnvelopeInfo outInfo);

    int custodia_reader_open_fd(long custodian, long actor, String purpose, long exception, byte[] requiredSigner,
            int fd, LongByReference outReader, EnvelopeInfo outInfo);

    int custodia_reader_len(long reader, LongByReference outLen);

    int custodia_reader_read_at(long reader, long offset, Pointer buffer, long capacity, LongByReference outRead);

    int custodia_reader_free(long reader);

    int custodia_envelope_describe(long custodian, byte[] envelope, long envelopeLen, CustodiaBuffer outText);

    int custodia_seal_file(long custodian, long actor, long options, byte[] srcPath, byte[] dstPath);

    int custodia_open_file(long custodian, long actor, String purpose, long exception, byte[] requiredSigner,
            byte[] srcPath, byte[] dstPath, EnvelopeInfo outInfo);

    int custodia_seal_fd(long custodian, long actor, long options, int srcFd, int dstFd);

    int custodia_open_fd(long custodian, long actor, String purpose, long exception, byte[] requiredSigner, int srcFd,
            int dstFd, EnvelopeInfo outInfo);

    int custodia_seal_stream(long custodian, long actor, long options, StreamCallbacks.ReadFn read,
            Pointer readContext, StreamCallbacks.WriteFn write, Pointer writeContext);

    int custodia_open_stream(long custodian, long actor, String purpose, long exception, byte[] requiredSigner,
            StreamCallbacks.ReadFn read, Pointer readContext, StreamCallbacks.WriteFn write, Pointer writeContext,
            EnvelopeInfo outInfo);

    int custodia_rewrap(long custodian, long actor, String purpose, byte[] envelope, long envelopeLen, byte[] remove,
            long removeCount, byte[] add, long addCount, CustodiaBuffer outEnvelope);

    int custodia_rewrap_rotated(long custodian, long actor, byte[] envelope, long envelopeLen,
            CustodiaBuffer outEnvelope);

    int custodia_grant_issue_onward_transfer(long custodian, long actor, byte[] signer, String objectId,
            String authority, String jurisdiction, byte[] recipient, long notAfter, String reference,
            CustodiaBuffer outGrant);

    int custodia_grant_issue_purpose_extension(long custodian, long actor, byte[] signer, String objectId,
            String[] purposes, long purposeCount, long notAfter, String reference, CustodiaBuffer outGrant);

    int custodia_grant_id(byte[] grant, long grantLen, byte[] outText, long outTextSize);

    int custodia_extend_purposes(long custodian, long actor, byte[] envelope, long envelopeLen, byte[] grant,
            long grantLen, CustodiaBuffer outEnvelope);

    int custodia_rewrap_with_grant(long custodian, long actor, String purpose, byte[] envelope, long envelopeLen,
            byte[] remove, long removeCount, byte[] add, long addCount, byte[] grant, long grantLen,
            CustodiaBuffer outEnvelope);

    int custodia_custodian_unwrap_attempts(long custodian, LongByReference outCount);

    // --- disclosure receipts
    int custodia_envelope_receive(long custodian, long actor, byte[] envelope, long envelopeLen, EnvelopeInfo outInfo);

    int custodia_receipt_issue(long custodian, long actor, String objectId, byte[] signerKeyId, byte nameActors,
            byte includeRefusals, LongByReference outReceipt);

    int custodia_receipt_import(long custodian, long actor, String text, LongByReference outReceipt);

    int custodia_receipt_find_by_object(long custodian, String objectId, CustodiaBuffer outText);

    int custodia_receipt_find_by_case(long custodian, String caseRef, CustodiaBuffer outText);

    int custodia_receipt_parse(String text, LongByReference outReceipt);

    int custodia_receipt_verify(long receipt, String publicKey);

    int custodia_receipt_armor(long receipt, CustodiaBuffer outText);

    int custodia_receipt_describe(long receipt, CustodiaBuffer outObjectId, CustodiaBuffer outCaseRef,
            byte[] outIssuer, LongByReference outIssuedAt);

    int custodia_receipt_item_count(long receipt, LongByReference outCount);

    int custodia_receipt_item_get(long receipt, long index, IntByReference outKind, LongByReference outAt);

    int custodia_receipt_item_field(long receipt, long index, int field, ByteByReference outPresent,
            CustodiaBuffer outValue);

    int custodia_receipt_free(long receipt);

    // --- vocabulary
    int custodia_purpose_validate(String purpose);

    int custodia_jurisdiction_validate(String jurisdiction);

    int custodia_case_ref_validate(String caseRef);

    int custodia_category_name(int category, PointerByReference outName);

    int custodia_category_from_name(String name, IntByReference outCode);

    int custodia_category_minimum_classification(int category, IntByReference outClassification);

    int custodia_classification_name(int classification, PointerByReference outName);

    int custodia_classification_from_name(String name, IntByReference outCode);

    int custodia_exception_kind_name(int kind, PointerByReference outName);

    int custodia_exception_kind_from_name(String name, IntByReference outCode);

    int custodia_key_kind_name(int kind, PointerByReference outName);

    int custodia_key_kind_from_name(String name, IntByReference outCode);

    // --- audit queries and CSV export, legal-hold listing, batch re-wrap, audit sinks (ABI version 4)
    int custodia_audit_query(long custodian, String caseRef, String objectHex, String actorId, String[] kinds,
            long kindCount, long fromUnix, long untilUnix, LongByReference outEntries);

    int custodia_audit_entries_len(long entries, LongByReference outLen);

    int custodia_audit_entries_get(long entries, long index, AuditEntry outEntry);

    int custodia_audit_entries_csv(long entries, CustodiaBuffer outCsv, LongByReference outRows);

    int custodia_audit_entries_write_csv(long entries, byte[] path, LongByReference outRows);

    int custodia_audit_entries_free(long entries);

    int custodia_legal_hold_list_new(long custodian, LongByReference outList);

    int custodia_legal_hold_list_len(long list, LongByReference outLen);

    int custodia_legal_hold_list_get(long list, long index, LegalHold outHold);

    int custodia_legal_hold_list_free(long list);

    int custodia_record_new(LongByReference outRecord);

    int custodia_record_add_text(long record, String name, byte[] text, long len, int category, int classification,
            String[] purposes, long purposeCount);

    int custodia_record_add_integer(long record, String name, long value, int category, int classification,
            String[] purposes, long purposeCount);

    int custodia_record_add_date(long record, String name, String date, int category, int classification,
            String[] purposes, long purposeCount);

    int custodia_record_add_bytes(long record, String name, byte[] data, long len, int category, int classification,
            String[] purposes, long purposeCount);

    int custodia_record_add_nested(long record, String name, long inner, int category, int classification,
            String[] purposes, long purposeCount);

    int custodia_record_free(long record);

    int custodia_seal_record(long custodian, long actor, long record, long options, CustodiaBuffer outEnvelope);

    int custodia_open_record(long custodian, long actor, String purpose, long exception, byte[] envelope,
            long envelopeLen, byte[] requiredSigner, LongByReference outRecord, EnvelopeInfo outInfo);

    int custodia_opened_record_len(long record, LongByReference outLen);

    int custodia_opened_record_field(long record, long index, RecordField outField);

    int custodia_opened_record_find(long record, String name, LongByReference outIndex);

    int custodia_opened_record_text(long record, long index, CustodiaBuffer outText);

    int custodia_opened_record_integer(long record, long index, LongByReference outValue);

    int custodia_opened_record_bytes(long record, long index, CustodiaBuffer outBytes);

    int custodia_opened_record_json(long record, long index, CustodiaBuffer outJson);

    int custodia_opened_record_free(long record);

    int custodia_pseudonymize(long custodian, long actor, String purpose, String caseRef, int category, String domain,
            String[] values, long valueCount, CustodiaBuffer outPseudonyms);

    int custodia_resolve_pseudonym(long custodian, long actor, String purpose, String caseRef, int category,
            String domain, String pseudonym, String[] candidates, long candidateCount, LongByReference outIndex);

    int custodia_sd_jwt_issue(long custodian, long actor, String purpose, long exception, byte[] envelope,
            long envelopeLen, byte[] signerKeyId, CustodiaBuffer outText);

    int custodia_sd_jwt_present(long custodian, long actor, String sdJwtText, String[] fields, long fieldCount,
            String audience, String purpose, CustodiaBuffer outText);

    int custodia_sd_jwt_verify(String presentationText, String issuerPublicKeyText, LongByReference outPresentation);

    int custodia_presentation_object_id(long presentation, CustodiaBuffer outText);

    int custodia_presentation_case_ref(long presentation, CustodiaBuffer outText);

    int custodia_presentation_issuer(long presentation, byte[] outKeyId);

    int custodia_presentation_issued_at(long presentation, LongByReference outUnix);

    int custodia_presentation_counts(long presentation, LongByReference outFieldCount,
            LongByReference outWithheldCount, LongByReference outDisclosedCount);

    int custodia_presentation_field(long presentation, long index, CustodiaBuffer outName, CustodiaBuffer outJson);

    int custodia_presentation_free(long presentation);

    int custodia_rewrap_batch(long custodian, long actor, String[] paths, long pathCount, String purpose,
            byte[] remove, long removeCount, byte[] add, long addCount, LongByReference outResults);

    int custodia_rewrap_results_len(long results, LongByReference outLen);

    int custodia_rewrap_results_get(long results, long index, IntByReference outStatus, PointerByReference outMessage);

    int custodia_rewrap_results_free(long results);

    int custodia_custodian_options_add_audit_sink(long options, AuditSinkFn sink, Pointer userData);

    int custodia_custodian_options_set_require_audit_sinks(long options, byte require);

    int custodia_custodian_audit_sink_failures(long custodian, LongByReference outFailures);

    int custodia_anchor_inspect(String anchorJson, AnchorInfo outInfo);

    int custodia_audit_merkle_prove(long custodian, long seq, CustodiaBuffer outBundle);

    int custodia_audit_merkle_verify_inclusion(String bundle, String auditKey, CustodiaBuffer outEntry);

    int custodia_erasure_certificate_inspect(String certificateJson, ErasureCertificateInfo outInfo, byte[] outKeys,
            long keysCapacity);
}
