import org.custodia.raw.CustodiaLibrary;

/** Must NOT compile against the module org.custodia: run-tests.sh fails if it does (raw is not public API). */
public final class NotExported {
    private NotExported() {}

    static Class<?> reach() {
        return CustodiaLibrary.class;
    }
}
