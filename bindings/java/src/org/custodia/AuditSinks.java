package org.custodia;

import com.sun.jna.Pointer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.custodia.raw.AuditSinkFn;

/**
 * The JNA callbacks of one custodian's audit sinks and the exceptions they caught. The custodian keeps this object
 * (and so the callbacks, which JNA frees once unreachable) for as long as its handle lives.
 */
final class AuditSinks {
    static final int MAX_ERRORS = 100;

    final List<AuditSinkFn> callbacks = new ArrayList<>();
    private final Deque<Throwable> errors = new ArrayDeque<>();

    AuditSinks(List<AuditSink> sinks) {
        for (AuditSink sink : sinks) {
            callbacks.add(trampoline(sink));
        }
    }

    private AuditSinkFn trampoline(AuditSink sink) {
        return (Pointer userData, Pointer event) -> {
            try {
                sink.accept(AuditEntry.of(new org.custodia.raw.AuditEntry(event)));
                return 0;
            } catch (Throwable t) { // nothing may unwind into the library
                synchronized (errors) {
                    if (errors.size() == MAX_ERRORS) {
                        errors.removeFirst();
                    }
                    errors.addLast(t);
                }
                return 1;
            }
        };
    }

    List<Throwable> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }
}
