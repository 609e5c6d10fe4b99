// The vocabulary custodia speaks (categories, classifications, kinds; codes as in include/custodia.h), key ids, and
// the library-wide calls (version, memory protection, live counts, vocabulary checks).
using System;
using System.Runtime.InteropServices;
using Custodia.Raw;

namespace Custodia
{
    public enum Category : uint
    {
        PersonalIdentity = 1, ContactDetails = 2, FinancialRecords = 3, Biometric = 4, Health = 5,
        CommunicationsContent = 6, CommunicationsMetadata = 7, Evidence = 8, PrivilegedLegal = 9,
        InvestigativeNotes = 10, WitnessIdentity = 11, CaseAdministration = 12,
    }

    public enum Classification : uint { Public = 0, Restricted = 1, Confidential = 2, Secret = 3 }

    public enum ExceptionKind : uint
    {
        CourtOrder = 1, Consent = 2, ImminentThreat = 3, LegalObligation = 4, NationalSecurity = 5,
        OverridingPublicInterest = 6,
    }

    public enum KeyKind : uint { Kek = 1, X25519 = 2, XWing = 3, Ed25519 = 4 }

    public enum KeyState : uint { Active = 0, DecryptOnly = 1, Destroyed = 2 }

    public enum InstrumentKind : uint
    {
        None = 0, BilateralTreaty = 1, EuropeanInvestigationOrder = 2, MultilateralConvention = 3,
        LetterRogatory = 4, Other = 255,
    }

    /// <summary>When an audit entry is on disk (custodia_durability).</summary>
    public enum Durability : uint { FsyncEach = 0, GroupCommit = 1, OsBuffered = 2 }

    /// <summary>The stable names of the codes (the library's own, e.g. "evidence", "secret", "court_order").</summary>
    public static unsafe class Names
    {
        static string Get(uint st, IntPtr p) { Status.Check(st); return Text.FromUtf8Z(p); }

        public static string Of(Category c) { IntPtr p; return Get(Native.custodia_category_name((uint)c, &p), p); }
        public static string Of(Classification c) { IntPtr p; return Get(Native.custodia_classification_name((uint)c, &p), p); }
        public static string Of(ExceptionKind c) { IntPtr p; return Get(Native.custodia_exception_kind_name((uint)c, &p), p); }
        public static string Of(KeyKind c) { IntPtr p; return Get(Native.custodia_key_kind_name((uint)c, &p), p); }

        public static Category CategoryFromName(string name)
        {
            uint code;
            Status.Check(Native.custodia_category_from_name(Text.Utf8Z(name, "name"), &code));
            return (Category)code;
        }

        public static Classification ClassificationFromName(string name)
        {
            uint code;
            Status.Check(Native.custodia_classification_from_name(Text.Utf8Z(name, "name"), &code));
            return (Classification)code;
        }

        public static ExceptionKind ExceptionKindFromName(string name)
        {
            uint code;
            Status.Check(Native.custodia_exception_kind_from_name(Text.Utf8Z(name, "name"), &code));
            return (ExceptionKind)code;
        }

        public static KeyKind KeyKindFromName(string name)
        {
            uint code;
            Status.Check(Native.custodia_key_kind_from_name(Text.Utf8Z(name, "name"), &code));
            return (KeyKind)code;
        }

        /// <summary>The lowest classification data of a category may be sealed at.</summary>
        public static Classification MinimumClassification(Category c)
        {
            uint code;
            Status.Check(Native.custodia_category_minimum_classification((uint)c, &code));
            return (Classification)code;
        }
    }

    /// <summary>A key id: the short, stable fingerprint of a key (16 bytes; plain data, not secret).</summary>
    public sealed unsafe class KeyId : IEquatable<KeyId>
    {
        readonly byte[] bytes;

        KeyId(byte[] b) { bytes = b; }

        internal static KeyId FromNative(NativeKeyId k)
        {
            var b = new byte[16];
            for (int i = 0; i < 16; i++) b[i] = k.Bytes[i];
            return new KeyId(b);
        }

        internal NativeKeyId ToNative()
        {
            var k = new NativeKeyId();
            for (int i = 0; i < 16; i++) k.Bytes[i] = bytes[i];
            return k;
        }

        /// <summary>Parse the 32-hex-digit text form (InvalidArgumentException otherwise).</summary>
        public static KeyId Parse(string text)
        {
            NativeKeyId k;
            Status.Check(Native.custodia_key_id_parse(Text.Utf8Z(text, "text"), &k));
            return FromNative(k);
        }

        public static KeyId FromBytes(byte[] raw)
        {
            if (raw == null) throw new ArgumentNullException("raw");
            NativeKeyId k;
            fixed (byte* p = raw) Status.Check(Native.custodia_key_id_from_bytes(p, (UIntPtr)(uint)raw.Length, &k));
            return FromNative(k);
        }

        public byte[] ToBytes() { return (byte[])bytes.Clone(); }

        public override string ToString()
        {
            var k = ToNative();
            byte* text = stackalloc byte[33];
            Status.Check(Native.custodia_key_id_format(&k, text, (UIntPtr)33u));
            return Text.FromFixed(text, 33);
        }

        public bool Equals(KeyId other)
        {
            if (ReferenceEquals(other, null)) return false;
            for (int i = 0; i < 16; i++) if (bytes[i] != other.bytes[i]) return false;
            return true;
        }

        public override bool Equals(object obj) { return Equals(obj as KeyId); }

        public override int GetHashCode() { return BitConverter.ToInt32(bytes, 0); }

        public static bool operator ==(KeyId a, KeyId b) { return ReferenceEquals(a, null) ? ReferenceEquals(b, null) : a.Equals(b); }
        public static bool operator !=(KeyId a, KeyId b) { return !(a == b); }
    }

    /// <summary>What protects the process's secret memory (docs/MEMORY.md).</summary>
    public sealed class MemoryProtection
    {
        public ulong LockedBytes { get; internal set; }
        public ulong UnlockedBytes { get; internal set; }
        public ulong LockFailures { get; internal set; }
        public ulong DontdumpFailures { get; internal set; }
        public ulong LiveSecrets { get; internal set; }
        /// <summary>Whether the process may write a core dump (1), may not (0), or unknown (-1).</summary>
        public int Dumpable { get; internal set; }
    }

    /// <summary>Library-wide calls.</summary>
    public static unsafe class Library
    {
        static Library()
        {
            uint found;
            try
            {
                found = Native.custodia_abi_version();
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException("libcustodia.so not found: build it with `cargo build --release` and "
                    + "put target/release on LD_LIBRARY_PATH (or map the DllImport name \"custodia\" to its path)", e);
            }
            if (found != Native.AbiVersion)
            {
                throw new InvalidOperationException("libcustodia implements C ABI version " + found
                    + ", but this binding was written for version " + Native.AbiVersion);
            }
        }

        /// <summary>Load the library and check its ABI version (done once, before the first custodian opens).</summary>
        public static void EnsureLoaded() { }

        public static string Version { get { return Text.FromUtf8Z(Native.custodia_version()); } }

        public static uint AbiVersion { get { return Native.custodia_abi_version(); } }

        /// <summary>How many library handles and buffers are live in this process (tests, leak hunting).</summary>
        public static void LiveCounts(out ulong handles, out ulong buffers)
        {
            UIntPtr h, b;
            Status.Check(Native.custodia_live_counts(&h, &b));
            handles = h.ToUInt64();
            buffers = b.ToUInt64();
        }

        public static MemoryProtection MemoryStatus()
        {
            NativeMemoryProtection m;
            Status.Check(Native.custodia_memory_status(&m));
            return new MemoryProtection
            {
                LockedBytes = m.LockedBytes, UnlockedBytes = m.UnlockedBytes, LockFailures = m.LockFailures,
                DontdumpFailures = m.DontdumpFailures, LiveSecrets = m.LiveSecrets, Dumpable = m.Dumpable,
            };
        }

        /// <summary>Make the process non-dumpable (no core files, no ptrace by other users).</summary>
        public static void DisableCoreDumps() { Status.Check(Native.custodia_disable_core_dumps()); }

        public static void ValidatePurpose(string purpose) { Status.Check(Native.custodia_purpose_validate(Text.Utf8Z(purpose, "purpose"))); }
        public static void ValidateJurisdiction(string j) { Status.Check(Native.custodia_jurisdiction_validate(Text.Utf8Z(j, "jurisdiction"))); }
        public static void ValidateCaseRef(string c) { Status.Check(Native.custodia_case_ref_validate(Text.Utf8Z(c, "caseRef"))); }
    }
}
