package org.custodia.raw;

import com.sun.jna.Library;
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
 * bits.
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

    // --- key ids
    int custodia_key_id_parse(String text, byte[] outKeyId);

    int custodia_key_id_from_bytes(byte[] bytes, long len, byte[] outKeyId);

    int custodia_key_id_format(byte[] keyId, byte[] outText, long outTextSize);

    // --- actors and exceptions
    int custodia_actor_new(String userId, String role, String jurisdiction, int clearance, LongByReference outActor);

    int custodia_actor_free(long actor);

    int custodia_actor_describe(long actor, CustodiaBuffer outText);

    int custodia_exception_new(int kind, String reference, String justification, LongByReference outException);

    int custodia_exception_describe(long exception, CustodiaBuffer outText);

    int custodia_exception_free(long exception);

    // --- seal options
    int custodia_seal_options_new(int category, String[] purposes, long purposeCount, LongByReference outOptions);

    int custodia_seal_options_set_classification(long options, int classification);

    int custodia_seal_options_set_case_ref(long options, String caseRef);

    int custodia_seal_options_set_jurisdictions(long options, String origin, String[] destinations,
            long destinationCount);

    int custodia_seal_options_set_not_after(long options, long notAfterUnix);

    int custodia_seal_options_add_recipient(long options, byte[] keyId);

    int custodia_seal_options_set_signer(long options, byte[] keyId);

    int custodia_seal_options_free(long options);

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
}
