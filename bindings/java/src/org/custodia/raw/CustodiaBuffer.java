package org.custodia.raw;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * Layer 1: {@code struct custodia_buffer}, bytes or text lent by custodia until {@code custodia_buffer_free}.
 *
 * <p>Never change {@link #data}, {@link #len} or {@link #id}: the free checks them. Higher layers copy the bytes out and free
 * the buffer at once (the free zeroizes the native copy), see {@code org.custodia.handles.Buffers}.
 */
@Structure.FieldOrder({"data", "len", "id"})
public final class CustodiaBuffer extends Structure {
    /** The bytes; NULL for an empty buffer without allocation. */
    public Pointer data;
    /** The number of bytes ({@code size_t}; the loader refuses platforms where that is not 64 bits). */
    public long len;
    /** The allocation's serial number ({@code uint64_t}), never handed out twice; 0 for an empty buffer. */
    public long id;

    /** An empty buffer, to be filled in by a custodia call. */
    public CustodiaBuffer() {
        super();
    }
}
