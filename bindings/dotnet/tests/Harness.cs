// A small test harness (Mono alone, no NUnit): every public method marked [Test] on a class of this assembly runs in
// name order, each in its own temporary directory; the output ends with the standard line "N passed, N failed" and
// the exit status is non-zero on any failure. An argument filters tests by substring.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace Custodia.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestAttribute : Attribute { }

    public sealed class AssertionFailed : Exception
    {
        public AssertionFailed(string message) : base(message) { }
    }

    public static class Assert
    {
        public static void True(bool condition, string what = "condition")
        {
            if (!condition) throw new AssertionFailed("expected true: " + what);
        }

        public static void Equal<T>(T expected, T actual, string what = "value")
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new AssertionFailed(what + ": expected <" + expected + ">, got <" + actual + ">");
        }

        public static void Bytes(byte[] expected, byte[] actual, string what = "bytes")
        {
            if (expected.Length != actual.Length || !expected.SequenceEqual(actual))
                throw new AssertionFailed(what + ": " + expected.Length + " bytes expected, " + actual.Length + " differ");
        }

        public static T Throws<T>(Action action) where T : Exception
        {
            try
            {
                action();
            }
            catch (T e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionFailed("expected " + typeof(T).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionFailed("expected " + typeof(T).Name + ", nothing was thrown");
        }
    }

    public static class Harness
    {
        [ThreadStatic] static string tmp;

        /// <summary>The current test's temporary directory (removed after the test).</summary>
        public static string Tmp { get { return tmp; } }

        public static int Main(string[] args)
        {
            if (args.Length == 1 && args[0] == "--probe-core-dumps") return MemoryTests.ProbeCoreDumps();
            string filter = args.Length > 0 ? args[0] : null;
            var tests = Assembly.GetExecutingAssembly().GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance))
                .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                .Where(m => filter == null || (m.DeclaringType.Name + "." + m.Name).Contains(filter))
                .OrderBy(m => m.DeclaringType.Name).ThenBy(m => m.Name).ToList();
            int passed = 0, failed = 0;
            foreach (var m in tests)
            {
                string name = m.DeclaringType.Name + "." + m.Name;
                tmp = Path.Combine(Path.GetTempPath(), "custodia-dotnet-" + Guid.NewGuid().ToString("N"));
                System.IO.Directory.CreateDirectory(tmp);
                try
                {
                    object target = m.IsStatic ? null : Activator.CreateInstance(m.DeclaringType);
                    try
                    {
                        m.Invoke(target, null);
                    }
                    finally
                    {
                        var d = target as IDisposable;
                        if (d != null) d.Dispose();
                    }
                    passed++;
                    Console.WriteLine("ok   " + name);
                }
                catch (TargetInvocationException e)
                {
                    failed++;
                    Console.WriteLine("FAIL " + name + ": " + e.InnerException);
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine("FAIL " + name + ": " + e);
                }
                finally
                {
                    try { System.IO.Directory.Delete(tmp, true); } catch (Exception) { }
                }
            }
            Console.WriteLine();
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }
    }

    /// <summary>The common scene: a custodian (raw master key, no Argon2id), anna (DE, SECRET), a KEK, and terms
    /// (financial records for investigation and prosecution, case MLA-2026-0042, NL to DE).</summary>
    public class Scene : IDisposable
    {
        public static readonly byte[] MasterKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        public const string Justification = "The regional court ordered the freezing of the proceeds identified in these records";
        public static readonly byte[] Data = System.Text.Encoding.UTF8.GetBytes("IBAN NL91ABNA0417164300, balance 1,204,331.17");

        Custodian custodian;
        Actor anna;
        KeyId kek;
        SealOptions terms;

        public Custodian C
        {
            get
            {
                return custodian ?? (custodian = Custodian.OpenWithMasterKey(Path.Combine(Harness.Tmp, "keys"), MasterKey,
                    new CustodianOptions { Create = true }));
            }
        }

        public Actor Anna { get { return anna ?? (anna = new Actor("anna", "prosecutor", "DE", Classification.Secret)); } }

        public KeyId Kek { get { return kek ?? (kek = C.GenerateKey(Anna, KeyKind.Kek, "test kek")); } }

        public SealOptions Terms
        {
            get
            {
                return terms ?? (terms = new SealOptions(Category.FinancialRecords, "investigation", "prosecution")
                    .CaseRef("MLA-2026-0042").Jurisdictions("NL", "DE").Recipient(Kek));
            }
        }

        public static Actor Investigator(string user, string jurisdiction = "DE", Classification clearance = Classification.Secret)
        {
            return new Actor(user, "investigator", jurisdiction, clearance);
        }

        public virtual void Dispose()
        {
            if (terms != null) terms.Dispose();
            if (anna != null) anna.Dispose();
            if (custodian != null) custodian.Dispose();
        }
    }
}
