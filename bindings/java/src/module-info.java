/**
 * custodia's Java binding: the public API is the package {@code org.custodia} alone.
 *
 * <p>{@code org.custodia.raw} (the JNA declarations of the C ABI) and {@code org.custodia.handles} (the owners of
 * native handles and stream callbacks) are implementation: not exported, so code outside this module cannot name
 * them. They are opened to JNA only, which reflects on their structures, library interface and callbacks.
 *
 * <p>JNA is required as the automatic module {@code com.sun.jna} (the name its jar's manifest declares; Debian's
 * libjna-java ships no module descriptor).
 */
@SuppressWarnings("requires-automatic")
module org.custodia {
    requires com.sun.jna;

    exports org.custodia;

    opens org.custodia.raw to com.sun.jna;
    opens org.custodia.handles to com.sun.jna;
}
