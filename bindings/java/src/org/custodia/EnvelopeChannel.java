package org.custodia;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;
import org.custodia.handles.ReaderHandle;

/**
 * The plaintext of an envelope opened for random access ({@link Custodian#openSeekable}): a read-only
 * {@link SeekableByteChannel}, and through {@link #inputStream()} an {@link InputStream}.
 *
 * <p>Each read decrypts only the chunks it needs, and each chunk is authenticated (and checked against what was
 * verified when the envelope was opened) before a byte of it is returned: a chunk that fails throws
 * {@link OpenFailedException} (or {@link EnvelopeChangedException}) and leaves no plaintext in the destination.
 * {@link #close()} frees the native reader, which wipes its chunk buffer and key. Reads are serialised on the
 * channel; the position is this object's own.
 */
public final class EnvelopeChannel implements SeekableByteChannel {
    private final ReaderHandle reader;
    private final EnvelopeInfo info;
    private final long size;
    private long position;

    EnvelopeChannel(ReaderHandle reader, EnvelopeInfo info) {
        this.reader = reader;
        this.info = info;
        long n;
        try {
            n = reader.length();
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
        this.size = n;
    }

    /** The envelope's bound metadata. */
    public EnvelopeInfo info() {
        return info;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (reader.isClosed()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (position >= size) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), Math.min(size - position, 1 << 20));
        if (want == 0) {
            return 0;
        }
        byte[] tmp = new byte[want];
        try {
            int n = reader.readAt(position, tmp, 0, want);
            dst.put(tmp, 0, n);
            position += n;
            return n;
        } finally {
            Arrays.fill(tmp, (byte) 0);
        }
    }

    /** Read up to {@code len} bytes at {@code offset} into {@code dst[off..]} without moving the position. */
    public synchronized int read(long offset, byte[] dst, int off, int len) throws IOException {
        ensureOpen();
        if (offset < 0 || off < 0 || len < 0 || off + len > dst.length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", range " + off + "+" + len);
        }
        return reader.readAt(offset, dst, off, len);
    }

    /** Always refused: the channel is read-only. */
    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public synchronized SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return size;
    }

    /** Always refused: the channel is read-only. */
    @Override
    public SeekableByteChannel truncate(long newSize) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return !reader.isClosed();
    }

    /** Free the native reader (its buffer and key are wiped). Idempotent. */
    @Override
    public void close() {
        reader.close();
    }

    /** An {@link InputStream} over this channel from its current position; closing it closes the channel. */
    public InputStream inputStream() {
        return Channels.newInputStream(this);
    }

    @Override
    public String toString() {
        return "EnvelopeChannel[" + info.objectId() + ", " + size + " bytes" + (isOpen() ? "" : ", closed") + "]";
    }
}
