package org.custodia.handles;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.custodia.raw.StreamCallbacks;

/**
 * Layer 2: Java streams as C read/write callbacks. A callback never lets an exception escape into C: it records
 * the first one and returns non-zero, custodia fails the call with {@code CUSTODIA_ERR_IO}, and the caller rethrows
 * the recorded {@link IOException} (see {@link #rethrow}). Each adapter serves one call on one thread, and wipes
 * its transfer array when closed, since the bytes may be plaintext.
 */
public final class Streams {
    private Streams() {}

    /** Size of the transfer array between Java and native memory. */
    static final int CHUNK = 64 * 1024;

    /** A read callback over an {@link InputStream}. */
    public static final class Reader implements StreamCallbacks.ReadFn, AutoCloseable {
        private final InputStream in;
        private final byte[] chunk = new byte[CHUNK];
        private IOException failure;

        public Reader(InputStream in) {
            this.in = in;
        }

        @Override
        public int invoke(Pointer context, Pointer buffer, long capacity, Pointer outRead) {
            try {
                int want = (int) Math.min(capacity, chunk.length);
                int n = want == 0 ? 0 : in.read(chunk, 0, want);
                if (n < 0) {
                    n = 0;
                } else if (n == 0 && want > 0) {
                    // InputStream.read only returns 0 for a zero-length request; treat it as a broken stream rather
                    // than as end of input, which C would take it for.
                    throw new IOException("input stream returned 0 bytes");
                }
                buffer.write(0, chunk, 0, n);
                outRead.setLong(0, n);
                return 0;
            } catch (IOException e) {
                failure = e;
                return 1;
            } catch (RuntimeException | Error e) {
                failure = new IOException(e);
                return 1;
            }
        }

        /** The exception the stream threw, if any. */
        public IOException failure() {
            return failure;
        }

        @Override
        public void close() {
            Arrays.fill(chunk, (byte) 0);
        }
    }

    /** A write callback over an {@link OutputStream}. */
    public static final class Writer implements StreamCallbacks.WriteFn, AutoCloseable {
        private final OutputStream out;
        private final byte[] chunk = new byte[CHUNK];
        private IOException failure;

        public Writer(OutputStream out) {
            this.out = out;
        }

        @Override
        public int invoke(Pointer context, Pointer data, long len) {
            try {
                long done = 0;
                while (done < len) {
                    int n = (int) Math.min(len - done, chunk.length);
                    data.read(done, chunk, 0, n);
                    out.write(chunk, 0, n);
                    done += n;
                }
                return 0;
            } catch (IOException e) {
                failure = e;
                return 1;
            } catch (RuntimeException | Error e) {
                failure = new IOException(e);
                return 1;
            }
        }

        /** The exception the stream threw, if any. */
        public IOException failure() {
            return failure;
        }

        @Override
        public void close() {
            Arrays.fill(chunk, (byte) 0);
        }
    }

    /** After a failed call: the recorded stream failure, if there is one, as the cause to report. */
    public static IOException rethrow(Reader reader, Writer writer) {
        if (reader != null && reader.failure() != null) {
            return reader.failure();
        }
        return writer == null ? null : writer.failure();
    }
}
