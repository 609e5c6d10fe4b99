package org.custodia.raw;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.File;
import java.util.Map;

/**
 * Layer 1: finds, loads and checks {@code libcustodia} once per process.
 *
 * <p>Search order: the system property {@code custodia.library.path}, then the environment variable
 * {@code CUSTODIA_LIB} (each a path to {@code libcustodia.so}, or to the directory holding it), then JNA's own
 * search ({@code jna.library.path}, then the system library path). Before anything else is called, the loaded
 * library's {@code custodia_abi_version()} must equal {@link #EXPECTED_ABI_VERSION}; a mismatch is refused with an
 * {@link IncompatibleLibraryError} naming both versions and the file, because calling functions whose signatures
 * may have changed is undefined behaviour, not an error we could report later.
 *
 * <p>A failure is remembered: every later call throws a new error with the same message, instead of the
 * {@code NoClassDefFoundError} a failed static initializer would give.
 */
public final class LibraryLoader {
    /** The {@code CUSTODIA_ABI_VERSION} these bindings were written against. */
    public static final int EXPECTED_ABI_VERSION = 4;
    /** System property naming the library file (or its directory). */
    public static final String PATH_PROPERTY = "custodia.library.path";
    /** Environment variable naming the library file (or its directory). */
    public static final String PATH_ENV = "CUSTODIA_LIB";

    private static final Object LOCK = new Object();
    private static volatile CustodiaLibrary library;
    private static String failure;

    private LibraryLoader() {}

    /** The loaded, ABI-checked library. */
    public static CustodiaLibrary library() {
        CustodiaLibrary lib = library;
        if (lib != null) {
            return lib;
        }
        synchronized (LOCK) {
            if (library != null) {
                return library;
            }
            if (failure != null) {
                throw new IncompatibleLibraryError(failure);
            }
            try {
                library = load();
                return library;
            } catch (IncompatibleLibraryError e) {
                failure = e.getMessage();
                throw e;
            } catch (UnsatisfiedLinkError e) {
                failure = "cannot load libcustodia (set -D" + PATH_PROPERTY + " or " + PATH_ENV
                        + " to the path of libcustodia.so, or put its directory on jna.library.path): "
                        + e.getMessage();
                throw new IncompatibleLibraryError(failure);
            }
        }
    }

    private static CustodiaLibrary load() {
        if (Native.SIZE_T_SIZE != 8 || Native.POINTER_SIZE != 8) {
            throw new IncompatibleLibraryError("custodia's Java bindings need a 64-bit platform (size_t is "
                    + Native.SIZE_T_SIZE + " bytes here)");
        }
        String source = PATH_PROPERTY;
        String name = System.getProperty(PATH_PROPERTY);
        if (name == null || name.isEmpty()) {
            source = PATH_ENV;
            name = System.getenv(PATH_ENV);
        }
        if (name == null || name.isEmpty()) {
            source = "jna.library.path / system path";
            name = "custodia";
        } else {
            File file = new File(name);
            if (file.isDirectory()) {
                file = new File(file, System.mapLibraryName("custodia"));
            }
            if (!file.isFile()) {
                throw new IncompatibleLibraryError(source + " names " + file + ", which is not a file");
            }
            name = file.getAbsolutePath();
        }
        Map<String, Object> options = Map.of(Library.OPTION_STRING_ENCODING, "UTF-8");
        CustodiaLibrary lib = Native.load(name, CustodiaLibrary.class, options);
        checkAbi(lib.custodia_abi_version(), EXPECTED_ABI_VERSION, name + " (from " + source + ")",
                lib.custodia_version());
        // The hot paths' direct mappings, bound to the same (already loaded and checked) library.
        Native.register(Direct.class, NativeLibrary.getInstance(name, options));
        return lib;
    }

    /**
     * Refuse an ABI version other than the expected one.
     *
     * @throws IncompatibleLibraryError when {@code actual != expected}
     */
    public static void checkAbi(int actual, int expected, String where, String libraryVersion) {
        if (actual != expected) {
            throw new IncompatibleLibraryError("libcustodia at " + where + " (version " + libraryVersion
                    + ") has C ABI version " + Integer.toUnsignedString(actual) + ", but these Java bindings were "
                    + "written for ABI version " + expected + "; use a matching library or bindings");
        }
    }

    /** The library could not be loaded, or is not the ABI these bindings speak. */
    public static final class IncompatibleLibraryError extends LinkageError {
        private static final long serialVersionUID = 1L;

        IncompatibleLibraryError(String message) {
            super(message);
        }
    }
}
