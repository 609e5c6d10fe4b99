package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.custodia.InvalidArgumentException;
import org.custodia.Status;
import org.custodia.raw.CustodiaLibrary;

/**
 * Layer 2: a {@code custodia_custodian} handle; closing it is {@code custodia_custodian_free} (which still writes the
 * closing checkpoint, best effort): call {@link #closeLog} first to get the closing anchor and see any error.
 */
public final class CustodianHandle extends NativeHandle {
    /** What the library may call back while the handle lives (audit sink callbacks): reachable as long as it is. */
    private volatile Object callbacks;

    private CustodianHandle(long id, CustodiaLibrary lib) {
        super("custodian", id, lib::custodia_custodian_free);
    }

    /**
     * Keep {@code callbacks} reachable as long as this handle: every call through {@link #run} or {@link #call}
     * keeps the handle reachable, so a callback the library makes during such a call is never collected.
     */
    public void keepAlive(Object callbacks) {
        this.callbacks = callbacks;
    }

    /** {@code custodia_custodian_close}: the closing checkpoint as an anchor's JSON text; the handle stays live. */
    public String closeLog() {
        org.custodia.raw.CustodiaBuffer out = new org.custodia.raw.CustodiaBuffer();
        run(id -> Native.lib().custodia_custodian_close(id, out));
        return Native.takeText(out);
    }

    /** {@code custodia_custodian_open_passphrase}. The passphrase's UTF-8 copy is wiped before returning. */
    public static CustodianHandle openPassphrase(String dir, char[] passphrase, CustodianOptionsHandle options) {
        CustodiaLibrary lib = Native.lib();
        byte[] secret = utf8z("passphrase", passphrase);
        try {
            LongByReference out = new LongByReference();
            long opts = options == null ? 0 : options.id();
            try {
                Native.check(lib.custodia_custodian_open_passphrase(cPath("directory", dir), secret, opts, out));
            } finally {
                java.lang.ref.Reference.reachabilityFence(options);
            }
            return new CustodianHandle(out.getValue(), lib);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** {@code custodia_custodian_open_master_key}. */
    public static CustodianHandle openMasterKey(String dir, byte[] masterKey, CustodianOptionsHandle options) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        long opts = options == null ? 0 : options.id();
        try {
            Native.check(lib.custodia_custodian_open_master_key(cPath("directory", dir), masterKey,
                    masterKey == null ? 0 : masterKey.length, opts, out));
        } finally {
            java.lang.ref.Reference.reachabilityFence(options);
        }
        return new CustodianHandle(out.getValue(), lib);
    }

    /** A path (or other text) as NUL-terminated UTF-8 bytes; null stays null (and is refused by the library). */
    public static byte[] cPath(String what, String path) {
        if (path == null) {
            return null;
        }
        byte[] text = Native.text(what, path).getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(text, text.length + 1);
    }

    /** Encode a secret as NUL-terminated UTF-8 without making an unwipeable String or leaving spare copies. */
    static byte[] utf8z(String what, char[] chars) {
        if (chars == null) {
            return null;
        }
        for (char c : chars) {
            if (c == '\0') {
                throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), what + " contains a NUL character");
            }
        }
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer encoded = ByteBuffer.allocate(chars.length * 3 + 1);
        try {
            java.nio.charset.CoderResult r = encoder.encode(CharBuffer.wrap(chars), encoded, true);
            if (r.isError()) {
                r.throwException();
            }
            encoder.flush(encoded);
            byte[] out = new byte[encoded.position() + 1];
            encoded.flip();
            encoded.get(out, 0, out.length - 1);
            return out;
        } catch (CharacterCodingException e) {
            throw new InvalidArgumentException(Status.INVALID_UTF8.code(), what + " is not valid Unicode");
        } finally {
            Arrays.fill(encoded.array(), (byte) 0);
        }
    }
}
