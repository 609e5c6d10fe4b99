// The small owned objects: actors, exception grounds, seal options, access policies. Each owns one SafeHandle and is
// IDisposable; using one after Dispose throws InvalidHandleException (code 122), as the library does for a freed id.
using System;
using System.Collections.Generic;
using Custodia.Raw;

namespace Custodia
{
    internal static class Handles
    {
        internal static T Live<T>(T h, string noun) where T : CustodiaHandle
        {
            if (h == null || h.IsClosed || h.IsInvalid) throw new InvalidHandleException(122, noun + " is closed");
            return h;
        }

        internal static DateTimeOffset? Time(ulong unix)
        {
            return unix == 0 ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeSeconds((long)unix);
        }

        internal static ulong Unix(DateTimeOffset t, string name)
        {
            long s = t.ToUnixTimeSeconds();
            if (s <= 0) throw new ArgumentOutOfRangeException(name, "must be after 1970-01-01");
            return (ulong)s;
        }
    }

    /// <summary>Who is acting: a user id, a role, the jurisdiction they act in and their clearance.</summary>
    public sealed unsafe class Actor : IDisposable
    {
        internal readonly ActorHandle Handle;

        public Actor(string userId, string role, string jurisdiction, Classification clearance)
        {
            Library.EnsureLoaded();
            Status.Check(Native.custodia_actor_new(Text.Utf8Z(userId, "userId"), Text.Utf8Z(role, "role"),
                Text.Utf8Z(jurisdiction, "jurisdiction"), (uint)clearance, out Handle));
        }

        internal ActorHandle H { get { return Handles.Live(Handle, "actor"); } }

        public string Describe()
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_actor_describe(H, &buf));
            return Text.TakeText(ref buf);
        }

        public bool IsDisposed { get { return Handle.IsClosed; } }

        public void Dispose() { Handle.Dispose(); }

        public override string ToString() { return IsDisposed ? "Actor(disposed)" : Describe(); }
    }

    /// <summary>A legal exception (court order, consent, ...) under which an envelope may be opened for a purpose it
    /// was not sealed for; its use is recorded. The library checks the reference and the justification.</summary>
    public sealed unsafe class ExceptionGround : IDisposable
    {
        internal readonly ExceptionGroundHandle Handle;

        public ExceptionGround(ExceptionKind kind, string reference, string justification)
        {
            Library.EnsureLoaded();
            Status.Check(Native.custodia_exception_ground_new((uint)kind, Text.OptUtf8Z(reference, "reference"),
                Text.Utf8Z(justification, "justification"), out Handle));
        }

        public static ExceptionGround CourtOrder(string orderNumber, string justification)
        {
            return new ExceptionGround(ExceptionKind.CourtOrder, orderNumber, justification);
        }

        public static ExceptionGround Consent(string consentRecord, string justification)
        {
            return new ExceptionGround(ExceptionKind.Consent, consentRecord, justification);
        }

        public static ExceptionGround ImminentThreat(string justification, string reference = null)
        {
            return new ExceptionGround(ExceptionKind.ImminentThreat, reference, justification);
        }

        ExceptionGround(ExceptionGroundHandle h) { Handle = h; }

        public static ExceptionGround LegalObligation(string provision, string justification)
        {
            return new ExceptionGround(ExceptionKind.LegalObligation, provision, justification);
        }

        public static ExceptionGround NationalSecurity(string reference, string justification)
        {
            return new ExceptionGround(ExceptionKind.NationalSecurity, reference, justification);
        }

        public static ExceptionGround OverridingPublicInterest(string reference, string justification)
        {
            return new ExceptionGround(ExceptionKind.OverridingPublicInterest, reference, justification);
        }

        /// <summary>A copy of this exception carrying a four-eyes approval (Custodian.ApproveException's text);
        /// ApprovalInvalidException when the text is malformed or its signature does not verify.</summary>
        public ExceptionGround WithApproval(string approval)
        {
            ExceptionGroundHandle h;
            Status.Check(Native.custodia_exception_ground_with_approval(H, Text.Utf8Z(approval, "approval"), out h));
            return new ExceptionGround(h);
        }

        internal ExceptionGroundHandle H { get { return Handles.Live(Handle, "exception ground"); } }

        public string Describe()
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_exception_ground_describe(H, &buf));
            return Text.TakeText(ref buf);
        }

        public void Dispose() { Handle.Dispose(); }

        public override string ToString() { return Handle.IsClosed ? "ExceptionGround(disposed)" : Describe(); }
    }

    /// <summary>What an envelope is sealed for: category, purposes, classification, case, jurisdictions, expiry,
    /// recipients, signer. The setters return this object, so they chain.</summary>
    public sealed unsafe class SealOptions : IDisposable
    {
        internal readonly SealOptionsHandle Handle;

        public SealOptions(Category category, IEnumerable<string> purposes)
        {
            Library.EnsureLoaded();
            using (var p = new CStrings(purposes, "purposes"))
                Status.Check(Native.custodia_seal_options_new((uint)category, p.Ptr, p.Count, out Handle));
        }

        public SealOptions(Category category, params string[] purposes) : this(category, (IEnumerable<string>)purposes) { }

        internal SealOptionsHandle H { get { return Handles.Live(Handle, "seal options"); } }

        public SealOptions Classification(Classification classification)
        {
            Status.Check(Native.custodia_seal_options_set_classification(H, (uint)classification));
            return this;
        }

        public SealOptions CaseRef(string caseRef)
        {
            Status.Check(Native.custodia_seal_options_set_case_ref(H, Text.OptUtf8Z(caseRef, "caseRef")));
            return this;
        }

        public SealOptions Jurisdictions(string origin, params string[] destinations)
        {
            using (var d = new CStrings(destinations ?? new string[0], "destinations"))
                Status.Check(Native.custodia_seal_options_set_jurisdictions(H, Text.OptUtf8Z(origin, "origin"), d.Ptr, d.Count));
            return this;
        }

        public SealOptions NotAfter(DateTimeOffset? notAfter)
        {
            Status.Check(Native.custodia_seal_options_set_not_after(H, notAfter.HasValue ? Handles.Unix(notAfter.Value, "notAfter") : 0));
            return this;
        }

        public SealOptions Recipient(KeyId keyId)
        {
            if (keyId == null) throw new ArgumentNullException("keyId");
            var k = keyId.ToNative();
            Status.Check(Native.custodia_seal_options_add_recipient(H, &k));
            return this;
        }

        public SealOptions Signer(KeyId keyId)
        {
            if (keyId == null)
            {
                Status.Check(Native.custodia_seal_options_set_signer(H, null));
                return this;
            }
            var k = keyId.ToNative();
            Status.Check(Native.custodia_seal_options_set_signer(H, &k));
            return this;
        }

        public SealOptions Sender(KeyId keyId)
        {
            if (keyId == null)
            {
                Status.Check(Native.custodia_seal_options_set_sender(H, null));
                return this;
            }
            var k = keyId.ToNative();
            Status.Check(Native.custodia_seal_options_set_sender(H, &k));
            return this;
        }

        public SealOptions Instrument(InstrumentKind kind, string reference, string transferBasis = null)
        {
            Status.Check(Native.custodia_seal_options_set_instrument(H, (uint)kind, Text.OptUtf8Z(reference, "reference"),
                Text.OptUtf8Z(transferBasis, "transferBasis")));
            return this;
        }

        public SealOptions ChunkSize(uint chunkSize)
        {
            Status.Check(Native.custodia_seal_options_set_chunk_size(H, chunkSize));
            return this;
        }

        /// <summary>Armored (ASCII) output instead of binary.</summary>
        public SealOptions Armor(bool armor)
        {
            Status.Check(Native.custodia_seal_options_set_armor(H, (byte)(armor ? 1 : 0)));
            return this;
        }

        public void Dispose() { Handle.Dispose(); }
    }

    /// <summary>An access policy (TOML): who may open what, beyond the envelope's own terms.</summary>
    public sealed unsafe class AccessPolicy : IDisposable
    {
        internal readonly AccessPolicyHandle Handle;

        AccessPolicy(AccessPolicyHandle h) { Handle = h; }

        /// <summary>Parse a policy; PolicyInvalidException (108) gives the line and column of a mistake.</summary>
        public static AccessPolicy Parse(string toml)
        {
            Library.EnsureLoaded();
            AccessPolicyHandle h;
            Status.Check(Native.custodia_access_policy_parse(Text.Utf8Z(toml, "toml"), out h));
            return new AccessPolicy(h);
        }

        /// <summary>Load and validate a policy file.</summary>
        public static AccessPolicy Load(string path)
        {
            Library.EnsureLoaded();
            AccessPolicyHandle h;
            Status.Check(Native.custodia_access_policy_load_file(Text.Utf8Z(path, "path"), out h));
            return new AccessPolicy(h);
        }

        internal AccessPolicyHandle H { get { return Handles.Live(Handle, "access policy"); } }

        public string Sha256()
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_access_policy_sha256(H, &buf));
            return Text.TakeText(ref buf);
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
