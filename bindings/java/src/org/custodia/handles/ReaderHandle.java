package org.custodia.handles;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import org.custodia.raw.CustodiaLibrary;

/**
 * Layer 2: a {@code custodia_reader} handle (an envelope opened for random access). Freeing it wipes the library's
 * chunk buffer and key.
 */
public final class ReaderHandle extends NativeHandle {
    private ReaderHandle(long id, CustodiaLibrary lib) {
        super("reader", id, lib::custodia_reader_free);
    }

    /** Take ownership of a reader id that {@code custodia_reader_open_*} returned. */
    public static ReaderHandle adopt(long id) {
        return new ReaderHandle(id, Native.lib());
    }

    /** {@code custodia_reader_len}. */
    public long length() {
        LongByReference out = new LongByReference();
        run(id -> Native.lib().custodia_reader_len(id, out));
        return out.getValue();
    }

    /**
     * {@code custodia_reader_read_at} into native memory at {@code target} ({@code capacity} bytes); returns how many
     * bytes were read (0 at or past the end). On failure nothing is left at {@code target}.
     */
    public long readAt(long offset, Pointer target, long capacity) {
        LongByReference out = new LongByReference();
        run(id -> Native.lib().custodia_reader_read_at(id, offset, target, capacity, out));
        return out.getValue();
    }

    /**
     * {@code custodia_reader_read_at} into {@code dst[off, off + len)}, through a native buffer that is zeroed before
     * it is released; returns how many bytes were read.
     */
    public int readAt(long offset, byte[] dst, int off, int len) {
        if (len == 0) {
            return 0;
        }
        try (Memory m = new Memory(len)) {
            try {
                int n = (int) readAt(offset, m, len);
                m.read(0, dst, off, n);
                return n;
            } finally {
                m.clear();
            }
        }
    }
}
