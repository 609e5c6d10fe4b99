// Audit sinks: every appended event reaches each sink in order; a throwing sink is counted and kept, never let into
// the library; required sinks fail the operation while the log keeps its event.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Custodia.Tests
{
    public class SinkTests : Scene
    {

        [Test]
        public void EveryAppendedEventReachesTheSinkInOrder()
        {
            var seen = new List<AuditEntry>();
            var calls = new List<string>();
            var o = new CustodianOptions { Create = true };
            o.AuditSinks.Add(seen.Add);
            o.AuditSinks.Add(e => { calls.Add(e.Kind); throw new InvalidOperationException("SIEM is down"); });
            using (var c = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "c"), MasterKey, o))
            {
                var kek = c.GenerateKey(Anna, KeyKind.Kek, "local");
                byte[] env;
                using (var t = new SealOptions(Category.Evidence, "investigation").Recipient(kek)) env = c.Seal(Anna, Data, t);
                c.Open(Anna, env, "investigation").Dispose();
                Assert.Throws<PurposeNotPermittedException>(() => c.Open(Anna, env, "extradition"));
                c.Checkpoint();
                var seenKinds = seen.Select(e => e.Kind).ToList();
                Assert.True(seenKinds.Count >= 4, "events: " + string.Join(" ", seenKinds));
                // The sink saw exactly the log's events of these kinds, in the log's order.
                var loggedKinds = c.AuditEntries().Select(e => e.Kind).Where(k => seenKinds.Contains(k)).ToList();
                Assert.Equal(string.Join(" ", loggedKinds), string.Join(" ", seenKinds));
                Assert.True(seen.All(e => e.Seq == null), "unnumbered");
                Assert.True(seen.Last().Json.Contains("extradition"), "the refusal's JSON");
                Assert.Equal(string.Join(" ", seenKinds), string.Join(" ", calls));
                Assert.Equal((ulong)seen.Count, c.AuditSinkFailures);
                Assert.Equal(seen.Count, c.AuditSinkErrors.Count);
                Assert.True(c.AuditSinkErrors.All(e => e is InvalidOperationException), "kept as thrown");
            }
        }

        [Test]
        public void RequiredSinksFailTheOperationButTheLogKeepsIt()
        {
            bool failing = true;
            var o = new CustodianOptions { Create = true, RequireAuditSinks = true };
            o.AuditSinks.Add(e => { if (failing) throw new ArgumentException("refused by the SIEM"); });
            using (var c = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "c"), MasterKey, o))
            {
                Assert.Equal(500u, Assert.Throws<AuditWriteFailedException>(() => c.GenerateKey(Anna, KeyKind.Kek, "local")).Code);
                Assert.Equal(1, c.AuditEntries(new AuditQuery { Kinds = new[] { "key_generated" } }).Count);
                Assert.True(c.AuditSinkErrors.Last() is ArgumentException, "kept");
                failing = false;
                c.GenerateKey(Anna, KeyKind.Kek, "local");
                Assert.Equal(1ul, c.AuditSinkFailures);
            }
        }
    }
}
