package org.custodia;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.util.Arrays;
import org.custodia.handles.CustodianOptionsHandle;
import org.custodia.handles.Native;
import org.custodia.raw.ProviderCallbacks;

/**
 * A {@link KeyProvider} as the C ABI's callback table. Each callback catches every {@link Throwable} and turns it
 * into a result code, so no exception unwinds into the library; the bridge (and so its callbacks) is kept alive by
 * the {@link Custodian} opened with it, for as long as that custodian can call it.
 */
final class ProviderBridge {
    private final KeyProvider provider;
    private final ProviderCallbacks.Table table = new ProviderCallbacks.Table();

    ProviderBridge(KeyProvider provider) {
        this.provider = provider;
        table.holds = (ud, keyId) -> {
            try {
                return provider.holds(keyId(keyId)) ? ProviderCallbacks.OK : ProviderCallbacks.NOT_MINE;
            } catch (Throwable t) {
                return code(t, false);
            }
        };
        table.wrap = (ud, keyId, dk, dkLen, aad, aadLen, out, cap, outLen) -> {
            byte[] key = dk.getByteArray(0, (int) dkLen);
            try {
                byte[] wrapped = provider.wrap(keyId(keyId), key, aad == null ? new byte[0] : aad.getByteArray(0, (int) aadLen));
                if (wrapped == null || wrapped.length == 0 || wrapped.length > cap) {
                    return ProviderCallbacks.FAILED;
                }
                out.write(0, wrapped, 0, wrapped.length);
                outLen.setLong(0, wrapped.length);
                return ProviderCallbacks.OK;
            } catch (Throwable t) {
                return code(t, false);
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        };
        table.unwrap = (ud, keyId, wrapped, wrappedLen, aad, aadLen, outKey, outKeyLen) -> {
            try {
                byte[] key = provider.unwrap(keyId(keyId), wrapped.getByteArray(0, (int) wrappedLen),
                        aad == null ? new byte[0] : aad.getByteArray(0, (int) aadLen));
                if (key == null) {
                    return ProviderCallbacks.NOT_MINE;
                }
                try {
                    if (key.length != outKeyLen) {
                        return ProviderCallbacks.FAILED;
                    }
                    outKey.write(0, key, 0, key.length);
                    return ProviderCallbacks.OK;
                } finally {
                    Arrays.fill(key, (byte) 0);
                }
            } catch (Throwable t) {
                return code(t, true);
            }
        };
        table.release = null;
        table.write();
    }

    private static KeyId keyId(Pointer p) {
        return KeyId.fromBytes(p.getByteArray(0, KeyId.LENGTH));
    }

    private static int code(Throwable t, boolean unwrap) {
        if (unwrap && t instanceof OpenFailedException) {
            return ProviderCallbacks.AUTH_FAILED;
        }
        if (t instanceof ProviderUnavailableException) {
            return ProviderCallbacks.UNAVAILABLE;
        }
        return ProviderCallbacks.FAILED;
    }

    /** Make the library's provider, add it to {@code options}, and release the handle (the options keep it). */
    void addTo(CustodianOptionsHandle options) {
        withHandle(options::addProvider);
    }

    /**
     * Make the library's provider, set it as the case-key provider of {@code options} with its key {@code kek} and
     * the cache bounds, and release the handle (the options keep it).
     */
    void setCaseKeys(CustodianOptionsHandle options, KeyId kek, long cacheTtlSecs, long cacheMaxUses) {
        withHandle(h -> options.setCaseKeys(h, kek.raw(), cacheTtlSecs, cacheMaxUses));
    }

    private void withHandle(java.util.function.LongConsumer use) {
        LongByReference out = new LongByReference();
        String name = Native.text("provider name", provider.name());
        Native.check(Native.lib().custodia_key_provider_new(table, Pointer.NULL, name, provider.stanzaKind(), out));
        try {
            use.accept(out.getValue());
        } finally {
            Native.check(Native.lib().custodia_key_provider_free(out.getValue()));
        }
    }
}
