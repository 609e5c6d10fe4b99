package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import org.custodia.raw.CustodiaLibrary;
import org.custodia.raw.KeyInfo;

/** Layer 2: a {@code custodia_key_list} handle (a snapshot of the keyring's public facts). */
public final class KeyListHandle extends NativeHandle {
    private KeyListHandle(long id, CustodiaLibrary lib) {
        super("key list", id, lib::custodia_key_list_free);
    }

    /** {@code custodia_key_list_new}. */
    public static KeyListHandle create(CustodianHandle custodian) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        custodian.run(c -> lib.custodia_key_list_new(c, out));
        return new KeyListHandle(out.getValue(), lib);
    }

    /** {@code custodia_key_list_len}. */
    public long length() {
        LongByReference out = new LongByReference();
        run(id -> Native.lib().custodia_key_list_len(id, out));
        return out.getValue();
    }

    /** {@code custodia_key_list_get}; the strings in the result are valid until this list is closed. */
    public KeyInfo get(long index) {
        KeyInfo info = new KeyInfo();
        run(id -> Native.lib().custodia_key_list_get(id, index, info));
        return info;
    }
}
