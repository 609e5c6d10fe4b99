package org.custodia;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a key protected, from the audit log ({@link Custodian#compromiseReport}), and how to move it to a fresh key.
 * Parsed from the library's text form ({@code custodia-compromise-report/1}, docs/KEYS.md).
 */
public final class CompromiseReport {
    /** One envelope the key protected, as the audit log shows it. */
    public static final class Envelope {
        private final String objectId;
        private final String caseRef;
        private final boolean stillWrapped;
        private final List<KeyId> recipients;
        private final List<String> via;
        private final Instant firstSeen;

        Envelope(String[] f) {
            this.objectId = f[0];
            this.caseRef = "-".equals(f[1]) ? null : f[1];
            this.stillWrapped = "wrapped".equals(f[2]);
            List<KeyId> ids = new ArrayList<>();
            for (String k : f[3].split(" ")) {
                if (!k.isEmpty()) {
                    ids.add(KeyId.parse(k));
                }
            }
            this.recipients = List.copyOf(ids);
            this.via = List.copyOf(Arrays.asList(f[4].split(" ")));
            this.firstSeen = Instant.ofEpochSecond(Long.parseLong(f[5]));
        }

        /** The envelope's object id (32 hex digits). */
        public String objectId() {
            return objectId;
        }

        /** Its case, if the log names one. */
        public Optional<String> caseRef() {
            return Optional.ofNullable(caseRef);
        }

        /** Whether, by the log, the newest copy still has a stanza for the key (copies made before a re-wrap do). */
        public boolean stillWrapped() {
            return stillWrapped;
        }

        /** Its recipients after the last change the log shows. */
        public List<KeyId> recipients() {
            return recipients;
        }

        /** How the key came to protect it: {@code sealed}, {@code shared}, {@code rewrapped}, {@code opened}. */
        public List<String> via() {
            return via;
        }

        /** When the log first shows the key protecting it. */
        public Instant firstSeen() {
            return firstSeen;
        }
    }

    private KeyId keyId;
    private Instant compromisedAt;
    private Instant logBegan;
    private KeyId successor;
    private String plan;
    private final List<Envelope> envelopes = new ArrayList<>();
    private final List<String> cases = new ArrayList<>();
    private final List<String> limits = new ArrayList<>();
    private String text;

    private CompromiseReport() {}

    static CompromiseReport parse(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !"custodia-compromise-report/1".equals(lines[0])) {
            throw new InternalException(Status.INTERNAL.code(), "not a custodia compromise report");
        }
        CompromiseReport r = new CompromiseReport();
        r.text = text;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int tab = line.indexOf('\t');
            if (tab < 0) {
                continue;
            }
            String tag = line.substring(0, tab);
            String rest = line.substring(tab + 1);
            String[] f = rest.split("\t", -1);
            switch (tag) {
                case "key":
                    r.keyId = KeyId.parse(f[0]);
                    r.compromisedAt = "-".equals(f[1]) ? null : Instant.ofEpochSecond(Long.parseLong(f[1]));
                    r.logBegan = Instant.ofEpochSecond(Long.parseLong(f[2]));
                    break;
                case "successor":
                    r.successor = "-".equals(f[0]) ? null : KeyId.parse(f[0]);
                    break;
                case "plan":
                    r.plan = "-".equals(f[0]) ? null : f[0];
                    break;
                case "envelope":
                    r.envelopes.add(new Envelope(f));
                    break;
                case "case":
                    r.cases.add(rest);
                    break;
                case "limit":
                    r.limits.add(rest);
                    break;
                default:
                    break;
            }
        }
        return r;
    }

    /** The key the report is about. */
    public KeyId keyId() {
        return keyId;
    }

    /** When the key was marked compromised, if it was. */
    public Optional<Instant> compromisedAt() {
        return Optional.ofNullable(compromisedAt);
    }

    /** When this audit log began: nothing before is known. */
    public Instant logBegan() {
        return logBegan;
    }

    /** For an own key that was rotated: the fresh key the plan moves to. */
    public Optional<KeyId> successor() {
        return Optional.ofNullable(successor);
    }

    /** {@code "rotated"} ({@link Custodian#rewrapRotated} on each envelope still wrapped), or empty. */
    public Optional<String> plan() {
        return Optional.ofNullable(plan);
    }

    /** Every envelope the log shows the key protecting, in the order first seen. */
    public List<Envelope> envelopes() {
        return List.copyOf(envelopes);
    }

    /** Object ids of the envelopes whose newest copy is still wrapped to the key. */
    public List<String> toRewrap() {
        List<String> ids = new ArrayList<>();
        for (Envelope e : envelopes) {
            if (e.stillWrapped()) {
                ids.add(e.objectId());
            }
        }
        return ids;
    }

    /** The cases among them. */
    public List<String> cases() {
        return List.copyOf(cases);
    }

    /** What the log cannot know, in words. */
    public List<String> limits() {
        return List.copyOf(limits);
    }

    /** The report's text form, as the library gave it. */
    public String text() {
        return text;
    }
}
