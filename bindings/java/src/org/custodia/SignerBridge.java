package org.custodia;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.util.function.LongConsumer;
import org.custodia.handles.CustodianOptionsHandle;
import org.custodia.handles.Native;
import org.custodia.raw.ProviderCallbacks;
import org.custodia.raw.SignerCallbacks;

/**
 * A {@link Signer} as the C ABI's callback table. The callback catches every {@link Throwable} and turns it into a
 * result code, so no exception unwinds into the library; the bridge (and so its callback) is kept alive by the {@link
 * Custodian} opened with it, for as long as that custodian can call it.
 */
final class SignerBridge {
    private final byte[] publicKey;
    private final SignerCallbacks.Table table = new SignerCallbacks.Table();

    SignerBridge(Signer signer) {
        byte[] key = signer.publicKey();
        if (key == null || key.length != SignerCallbacks.PUBLIC_KEY_LEN) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(),
                    "Signer.publicKey() must return " + SignerCallbacks.PUBLIC_KEY_LEN + " bytes");
        }
        this.publicKey = key.clone();
        table.sign = (ud, message, messageLen, out) -> {
            try {
                if (messageLen < 0 || messageLen > Integer.MAX_VALUE) {
                    return ProviderCallbacks.FAILED;
                }
                byte[] m = messageLen == 0 ? new byte[0] : message.getByteArray(0, (int) messageLen);
                byte[] signature = signer.sign(m);
                if (signature == null || signature.length != SignerCallbacks.SIGNATURE_LEN) {
                    return ProviderCallbacks.FAILED;
                }
                out.write(0, signature, 0, signature.length);
                return ProviderCallbacks.OK;
            } catch (Throwable t) {
                return t instanceof ProviderUnavailableException ? ProviderCallbacks.UNAVAILABLE
                        : ProviderCallbacks.FAILED;
            }
        };
        table.release = null;
        table.write();
    }

    static KeyId keyId(Signer signer) {
        byte[] out = new byte[KeyId.LENGTH];
        new SignerBridge(signer).withHandle(h -> Native.check(Native.lib().custodia_signer_key_id(h, out)));
        return KeyId.fromBytes(out);
    }

    /** Make the library's signer, add it to {@code options}, and release the handle (the options keep it). */
    void addTo(CustodianOptionsHandle options) {
        withHandle(options::addSigner);
    }

    /** Make the library's signer, make it the audit signer of {@code options}, and release the handle. */
    void setAuditSigner(CustodianOptionsHandle options) {
        withHandle(options::setAuditSigner);
    }

    private void withHandle(LongConsumer use) {
        LongByReference out = new LongByReference();
        Native.check(Native.lib().custodia_signer_new(publicKey, table, Pointer.NULL, out));
        try {
            use.accept(out.getValue());
        } finally {
            Native.check(Native.lib().custodia_signer_free(out.getValue()));
        }
    }
}
