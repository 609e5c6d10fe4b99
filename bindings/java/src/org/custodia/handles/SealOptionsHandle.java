package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a {@code custodia_seal_options} handle. */
public final class SealOptionsHandle extends NativeHandle {
    private SealOptionsHandle(long id, CustodiaLibrary lib) {
        super("seal options", id, lib::custodia_seal_options_free);
    }

    /** {@code custodia_seal_options_new}. */
    public static SealOptionsHandle create(int category, String[] purposes) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        String[] checked = purposes == null ? null : Native.texts("purposes", purposes);
        Native.check(lib.custodia_seal_options_new(category, checked, checked == null ? 0 : checked.length, out));
        return new SealOptionsHandle(out.getValue(), lib);
    }

    /** {@code custodia_seal_options_set_classification}. */
    public void setClassification(int classification) {
        run(id -> Native.lib().custodia_seal_options_set_classification(id, classification));
    }

    /** {@code custodia_seal_options_set_case_ref}; null clears it. */
    public void setCaseRef(String caseRef) {
        String checked = Native.text("case reference", caseRef);
        run(id -> Native.lib().custodia_seal_options_set_case_ref(id, checked));
    }

    /** {@code custodia_seal_options_set_jurisdictions}. */
    public void setJurisdictions(String origin, String[] destinations) {
        String o = Native.text("origin", origin);
        String[] d = Native.texts("destinations", destinations);
        run(id -> Native.lib().custodia_seal_options_set_jurisdictions(id, o, d.length == 0 ? null : d, d.length));
    }

    /** {@code custodia_seal_options_set_not_after}; 0 clears it. */
    public void setNotAfter(long unixSeconds) {
        run(id -> Native.lib().custodia_seal_options_set_not_after(id, unixSeconds));
    }

    /** {@code custodia_seal_options_add_recipient}. */
    public void addRecipient(byte[] keyId) {
        run(id -> Native.lib().custodia_seal_options_add_recipient(id, keyId));
    }

    /** {@code custodia_seal_options_set_signer}; null for unsigned. */
    public void setSigner(byte[] keyId) {
        run(id -> Native.lib().custodia_seal_options_set_signer(id, keyId));
    }

    /** {@code custodia_seal_options_set_sender}; null for anonymous. */
    public void setSender(byte[] keyId) {
        run(id -> Native.lib().custodia_seal_options_set_sender(id, keyId));
    }

    /** {@code custodia_seal_options_set_instrument}. */
    public void setInstrument(int kind, String reference, String transferBasis) {
        String r = Native.text("instrument reference", reference);
        String t = Native.text("transfer basis", transferBasis);
        run(id -> Native.lib().custodia_seal_options_set_instrument(id, kind, r, t));
    }

    /** {@code custodia_seal_options_set_chunk_size}; 0 for the default. */
    public void setChunkSize(int chunkSize) {
        run(id -> Native.lib().custodia_seal_options_set_chunk_size(id, chunkSize));
    }

    /** {@code custodia_seal_options_set_armor}. */
    public void setArmor(boolean armor) {
        run(id -> Native.lib().custodia_seal_options_set_armor(id, (byte) (armor ? 1 : 0)));
    }
}
