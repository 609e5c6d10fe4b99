package org.custodia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Map;
import org.custodia.handles.Native;
import org.junit.jupiter.api.Test;

/** Every status the bindings know matches the library's name and refusal flag, and maps to its exception. */
class StatusTest {
    @Test
    void namesAndRefusalFlagsMatchTheLibrary() {
        for (Status s : Status.values()) {
            if (s == Status.UNKNOWN) {
                continue;
            }
            assertEquals(s.name().toLowerCase(Locale.ROOT), Custodia.statusName(s.code()), "name of " + s.code());
            assertEquals(s.isRefusal(), Native.lib().custodia_status_is_refusal(s.code()) != 0, s.name());
        }
        assertEquals("unknown", Custodia.statusName(4242));
        assertFalse(Native.lib().custodia_status_is_refusal(4242) != 0);
    }

    @Test
    void everyCodeMapsToItsException() {
        Map<Status, Class<? extends CustodiaException>> expected = Map.ofEntries(
                Map.entry(Status.INVALID_PURPOSE, InvalidPurposeException.class),
                Map.entry(Status.TOO_MANY_PURPOSES, InvalidPurposeException.class),
                Map.entry(Status.NO_PURPOSE, InvalidPurposeException.class),
                Map.entry(Status.INVALID_JURISDICTION, InvalidJurisdictionException.class),
                Map.entry(Status.CLASSIFICATION_BELOW_MINIMUM, ClassificationBelowMinimumException.class),
                Map.entry(Status.INVALID_EXCEPTION, InvalidExceptionGroundException.class),
                Map.entry(Status.INVALID_HANDLE, InvalidHandleException.class),
                Map.entry(Status.PURPOSE_NOT_PERMITTED, PurposeNotPermittedException.class),
                Map.entry(Status.EXPIRED, ExpiredException.class),
                Map.entry(Status.JURISDICTION_NOT_PERMITTED, JurisdictionNotPermittedException.class),
                Map.entry(Status.CLEARANCE_INSUFFICIENT, ClearanceInsufficientException.class),
                Map.entry(Status.KEY_DESTROYED, KeyDestroyedException.class),
                Map.entry(Status.LEGAL_HOLD, LegalHoldException.class),
                Map.entry(Status.SIGNER_MISMATCH, SignerMismatchException.class),
                Map.entry(Status.TRANSFER_NOT_PERMITTED, TransferNotPermittedException.class),
                Map.entry(Status.RECIPIENT_NOT_PERMITTED, RecipientNotPermittedException.class),
                Map.entry(Status.RECIPIENT_JURISDICTION_UNKNOWN, RecipientJurisdictionUnknownException.class),
                Map.entry(Status.KEY_REVOKED, KeyRevokedException.class),
                Map.entry(Status.DESTINATION_REQUIRED, DestinationRequiredException.class),
                Map.entry(Status.KEY_COMPROMISED, KeyCompromisedException.class),
                Map.entry(Status.KEY_NOT_VALID, KeyNotValidException.class),
                Map.entry(Status.PROVIDER_UNAVAILABLE, ProviderUnavailableException.class),
                Map.entry(Status.PROVIDER_FAILED, ProviderFailedException.class),
                Map.entry(Status.ONWARD_TRANSFER_NOT_GRANTED, OnwardTransferNotGrantedException.class),
                Map.entry(Status.PURPOSE_EXTENSION_NOT_GRANTED, PurposeExtensionNotGrantedException.class),
                Map.entry(Status.GRANT_INVALID, GrantInvalidException.class),
                Map.entry(Status.OPEN_FAILED, OpenFailedException.class),
                Map.entry(Status.NO_MATCHING_RECIPIENT, NoMatchingRecipientException.class),
                Map.entry(Status.SIGNATURE_INVALID, SignatureInvalidException.class),
                Map.entry(Status.ENVELOPE_CHANGED, EnvelopeChangedException.class),
                Map.entry(Status.KEY_NOT_FOUND, KeyNotFoundException.class),
                Map.entry(Status.KEY_STATE, KeyStateException.class),
                Map.entry(Status.WRONG_PASSPHRASE, WrongPassphraseException.class),
                Map.entry(Status.KDF_PARAMS_OUT_OF_RANGE, KdfParamsOutOfRangeException.class),
                Map.entry(Status.CUSTODIAN_NOT_FOUND, CustodianNotFoundException.class),
                Map.entry(Status.AUDIT_WRITE, AuditWriteException.class),
                Map.entry(Status.AUDIT_TAMPERED, AuditTamperedException.class),
                Map.entry(Status.CUSTODIAN_CLOSED, CustodianClosedException.class),
                Map.entry(Status.ANCHOR_INVALID, AnchorInvalidException.class),
                Map.entry(Status.AUDIT_UNSUPPORTED_FORMAT, AuditUnsupportedFormatException.class),
                Map.entry(Status.IN_USE, InUseException.class),
                Map.entry(Status.INSECURE_PERMISSIONS, InsecurePermissionsException.class),
                Map.entry(Status.INTERNAL, InternalException.class));
        for (Status s : Status.values()) {
            if (s == Status.OK || s == Status.UNKNOWN) {
                continue;
            }
            CustodiaException e = CustodiaException.of(s.code(), "m");
            assertEquals(s.code(), e.code());
            assertSame(s, e.status());
            assertEquals(s.isRefusal(), e instanceof RefusalException, s.name());
            if (expected.containsKey(s)) {
                assertSame(expected.get(s), e.getClass(), s.name());
            }
            assertTrue(e instanceof RuntimeException);
        }
        CustodiaException future = CustodiaException.of(250, "");
        assertTrue(future instanceof RefusalException, "an unknown 2xx is still a refusal");
        assertEquals(Status.UNKNOWN, future.status());
        assertEquals(250, future.code());
        assertEquals(CustodiaException.class, CustodiaException.of(777, "x").getClass());
    }

    @Test
    void theMessageIsReadOnTheFailingThread() throws Exception {
        // Fail on this thread, then succeed on another: this thread's message is still this thread's.
        assertEquals(Status.INVALID_PURPOSE.code(), Native.lib().custodia_purpose_validate("Bad"));
        Thread t = new Thread(() -> Purpose.of("fine"));
        t.start();
        t.join();
        assertTrue(Native.lib().custodia_last_error_message().startsWith("invalid purpose"));
    }
}
