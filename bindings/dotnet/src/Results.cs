// What calls return: envelope information, opened plaintext, key information, grants, receipts, audit artefacts.
// Plain data except Opened (which owns a SensitiveBytes) and Receipt (parsed and signature-checked by the library).
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Text;
using Custodia.Raw;

namespace Custodia
{
    public sealed class Recipient
    {
        public KeyId KeyId { get; internal set; }
        /// <summary>The stanza kind code (custodia_recipient.kind).</summary>
        public uint Kind { get; internal set; }
        public override string ToString() { return KeyId + " (kind " + Kind + ")"; }
    }

    /// <summary>An envelope's bound metadata, read without opening it or returned by an open.</summary>
    public sealed class EnvelopeInfo
    {
        public string ObjectId { get; private set; }
        public Category Category { get; private set; }
        public Classification Classification { get; private set; }
        public DateTimeOffset Created { get; private set; }
        public DateTimeOffset? NotAfter { get; private set; }
        public ReadOnlyCollection<string> Purposes { get; private set; }
        public ReadOnlyCollection<Recipient> Recipients { get; private set; }
        public KeyId Signer { get; private set; }
        public InstrumentKind InstrumentKind { get; private set; }
        public string InstrumentReference { get; private set; }
        public string TransferBasis { get; private set; }
        public string Origin { get; private set; }
        public ReadOnlyCollection<string> Destinations { get; private set; }
        public string CaseRef { get; private set; }
        public int GrantCount { get; private set; }

        static ReadOnlyCollection<string> Words(string s)
        {
            return new ReadOnlyCollection<string>(s.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries));
        }

        static string Opt(string s) { return s.Length == 0 ? null : s; }

        internal static unsafe EnvelopeInfo FromNative(NativeEnvelopeInfo* n)
        {
            var recipients = new List<Recipient>();
            int count = (int)Math.Min(n->RecipientCount.ToUInt64(), (ulong)NativeEnvelopeInfo.MaxRecipients);
            byte* raw = (byte*)n->Recipients;
            for (int i = 0; i < count; i++)
            {
                byte* r = raw + i * NativeEnvelopeInfo.RecipientSize;
                recipients.Add(new Recipient { KeyId = KeyId.FromNative(*(NativeKeyId*)r), Kind = *(uint*)(r + 16) });
            }
            return new EnvelopeInfo
            {
                ObjectId = Text.FromFixed(n->ObjectId, 33),
                Category = (Category)n->Category,
                Classification = (Classification)n->Classification,
                Created = DateTimeOffset.FromUnixTimeSeconds((long)n->Created),
                NotAfter = Handles.Time(n->NotAfter),
                Purposes = Words(Text.FromFixed(n->Purposes, 4128)),
                Recipients = new ReadOnlyCollection<Recipient>(recipients),
                Signer = n->HasSigner != 0 ? KeyId.FromNative(n->Signer) : null,
                InstrumentKind = (InstrumentKind)n->InstrumentKind,
                InstrumentReference = Opt(Text.FromFixed(n->InstrumentReference, 1025)),
                TransferBasis = Opt(Text.FromFixed(n->TransferBasis, 1025)),
                Origin = Opt(Text.FromFixed(n->Origin, 3)),
                Destinations = Words(Text.FromFixed(n->Destinations, 192)),
                CaseRef = Opt(Text.FromFixed(n->CaseRef, 129)),
                GrantCount = (int)n->GrantCount.ToUInt64(),
            };
        }

        public override string ToString()
        {
            return "EnvelopeInfo(object=" + ObjectId + ", category=" + Category + ", purposes=[" + string.Join(" ", Purposes)
                + "], case=" + CaseRef + ")";
        }
    }

    /// <summary>An opened envelope: the plaintext (wiped on Dispose) and the envelope's metadata.</summary>
    public sealed class Opened : IDisposable
    {
        public SensitiveBytes Data { get; private set; }
        public EnvelopeInfo Info { get; private set; }

        internal Opened(SensitiveBytes data, EnvelopeInfo info) { Data = data; Info = info; }

        public void Dispose() { Data.Dispose(); }

        public override string ToString() { return "Opened(" + Data + ", " + Info + ")"; }
    }

    /// <summary>One key of the keyring (tombstones included).</summary>
    public sealed class KeyInfo
    {
        public KeyId Id { get; internal set; }
        public KeyKind Kind { get; internal set; }
        public KeyState State { get; internal set; }
        public string Label { get; internal set; }
        public string CaseRef { get; internal set; }
        public DateTimeOffset? Created { get; internal set; }
        public DateTimeOffset? DestroyAfter { get; internal set; }
        public DateTimeOffset? DestroyedAt { get; internal set; }
        public bool HasSecret { get; internal set; }
        public KeyId RotatedFrom { get; internal set; }
        public KeyId RotatedTo { get; internal set; }
        public string Jurisdiction { get; internal set; }
        public string Authority { get; internal set; }
        public DateTimeOffset? NotBefore { get; internal set; }
        public DateTimeOffset? NotAfter { get; internal set; }
        public DateTimeOffset? RevokedAt { get; internal set; }
        public string RevokedReason { get; internal set; }
        public DateTimeOffset? CompromisedAt { get; internal set; }
        public string CompromisedReason { get; internal set; }

        public override string ToString() { return "KeyInfo(" + Id + ", " + Kind + ", " + State + ", " + Label + ")"; }
    }

    /// <summary>An originator's grant (rule of speciality): its armored text, kept verbatim.</summary>
    public sealed unsafe class Grant : IEquatable<Grant>
    {
        readonly byte[] bytes;

        public Grant(byte[] bytes)
        {
            if (bytes == null) throw new ArgumentNullException("bytes");
            this.bytes = (byte[])bytes.Clone();
            Id = ComputeId(this.bytes); // checks the form
        }

        public Grant(string text) : this(Encoding.UTF8.GetBytes(text ?? "")) { }

        static string ComputeId(byte[] b)
        {
            Library.EnsureLoaded();
            byte* text = stackalloc byte[33];
            fixed (byte* p = b) Status.Check(Native.custodia_grant_id(p, (UIntPtr)(uint)b.Length, text, (UIntPtr)33u));
            return Text.FromFixed(text, 33);
        }

        /// <summary>The grant's id (32 hex digits).</summary>
        public string Id { get; private set; }

        public byte[] ToBytes() { return (byte[])bytes.Clone(); }

        internal byte[] Raw { get { return bytes; } }

        public string ToText() { return Encoding.UTF8.GetString(bytes); }

        public bool Equals(Grant other) { return other != null && other.ToText() == ToText(); }
        public override bool Equals(object obj) { return Equals(obj as Grant); }
        public override int GetHashCode() { return Id.GetHashCode(); }
        public override string ToString() { return "Grant(" + Id + ")"; }
    }

    /// <summary>An audit log checkpoint (JSON, kept verbatim), to hand to another authority.</summary>
    public sealed unsafe class Anchor
    {
        public string Json { get; private set; }
        public string LogId { get; private set; }
        public ulong Count { get; private set; }
        public string Head { get; private set; }
        public int WitnessCount { get; private set; }

        public Anchor(string json)
        {
            Library.EnsureLoaded();
            NativeAnchorInfo info;
            Status.Check(Native.custodia_anchor_inspect(Text.Utf8Z(json, "json"), &info));
            Json = json;
            LogId = Text.FromFixed(info.LogId, 33);
            Count = info.Count;
            Head = Text.FromFixed(info.Head, 65);
            WitnessCount = (int)info.WitnessCount.ToUInt64();
        }

        /// <summary>Check the anchor's signature by the audit key (and a witness's countersignature, if given).</summary>
        public void Verify(string auditKey, string witnessKey = null)
        {
            Status.Check(Native.custodia_anchor_verify(Text.Utf8Z(Json, "json"), Text.Utf8Z(auditKey, "auditKey"),
                Text.OptUtf8Z(witnessKey, "witnessKey")));
        }

        public override string ToString() { return Json; }
    }

    /// <summary>A signed erasure certificate (JSON, kept verbatim) for a crypto-shredded key; its members as the
    /// library reads them (custodia_erasure_certificate_inspect).</summary>
    public sealed unsafe class ErasureCertificate
    {
        public string Json { get; private set; }
        public string LogId { get; private set; }
        public ulong Seq { get; private set; }
        public DateTimeOffset Time { get; private set; }
        public string CaseRef { get; private set; }
        public string Reason { get; private set; }
        /// <summary>How many envelopes the key protected, when the certificate says.</summary>
        public ulong? Envelopes { get; private set; }
        public ReadOnlyCollection<KeyId> Keys { get; private set; }

        public ErasureCertificate(string json)
        {
            Library.EnsureLoaded();
            NativeErasureCertificateInfo info;
            var keys = new NativeKeyId[NativeErasureCertificateInfo.MaxKeys];
            fixed (NativeKeyId* k = keys)
                Status.Check(Native.custodia_erasure_certificate_inspect(Text.Utf8Z(json, "json"), &info, k, (UIntPtr)(uint)keys.Length));
            Json = json;
            LogId = Text.FromFixed(info.LogId, 33);
            Seq = info.Seq;
            Time = DateTimeOffset.FromUnixTimeSeconds((long)info.Time);
            var c = Text.FromFixed(info.CaseRef, 129);
            CaseRef = c.Length == 0 ? null : c;
            Reason = Text.FromFixed(info.Reason, 513);
            Envelopes = info.HasEnvelopes != 0 ? (ulong?)info.Envelopes : null;
            var list = new List<KeyId>();
            for (ulong i = 0; i < info.KeyCount.ToUInt64() && i < (ulong)keys.Length; i++) list.Add(KeyId.FromNative(keys[i]));
            Keys = new ReadOnlyCollection<KeyId>(list);
        }

        /// <summary>Verify it with the audit log's public key alone (AnchorInvalid / Audit* exceptions otherwise).</summary>
        public void Verify(string auditKey)
        {
            Status.Check(Native.custodia_erasure_certificate_verify(Text.Utf8Z(Json, "json"), Text.Utf8Z(auditKey, "auditKey")));
        }

        public override string ToString() { return Json; }
    }

    public sealed class ShredReport
    {
        public int Destroyed { get; internal set; }
        public int Held { get; internal set; }
        public ReadOnlyCollection<ErasureCertificate> Certificates { get; internal set; }
    }

    public sealed class AuditReport
    {
        public ulong Entries { get; internal set; }
        public ulong Checkpoints { get; internal set; }
        public ulong Erasures { get; internal set; }
        public ulong Recoveries { get; internal set; }
        public ulong UnsealedTail { get; internal set; }
        public ulong? LastCheckpoint { get; internal set; }
        public string Head { get; internal set; }
        public ulong Anchors { get; internal set; }
        public override string ToString() { return "AuditReport(entries=" + Entries + ", checkpoints=" + Checkpoints + ", head=" + Head + ")"; }
    }

    public sealed class AuditEntry
    {
        /// <summary>The entry's number in the log; null for an event given to an audit sink (not numbered yet).</summary>
        public ulong? Seq { get; internal set; }
        public DateTimeOffset Time { get; internal set; }
        public string Kind { get; internal set; }
        public string ActorId { get; internal set; }
        public string ActorRole { get; internal set; }
        public string ActorJurisdiction { get; internal set; }
        public string CaseRef { get; internal set; }
        public string Object { get; internal set; }
        public string Purpose { get; internal set; }
        public string Outcome { get; internal set; }
        public string Json { get; internal set; }
        public override string ToString() { return Json; }
    }

    /// <summary>Filters of an audit query (all optional; combined with AND).</summary>
    public sealed class AuditQuery
    {
        public string CaseRef { get; set; }
        public string ObjectId { get; set; }
        public string ActorId { get; set; }
        public IList<string> Kinds { get; set; }
        public DateTimeOffset? From { get; set; }
        public DateTimeOffset? Until { get; set; }
    }

    public sealed class LegalHoldInfo
    {
        public string CaseRef { get; internal set; }
        public string Reference { get; internal set; }
        public string Reason { get; internal set; }
        public string SetBy { get; internal set; }
        public DateTimeOffset SetAt { get; internal set; }
        public ReadOnlyCollection<KeyId> Keys { get; internal set; }
    }

    public sealed class ReceiptItem
    {
        /// <summary>"received", "opened", "exception_used", "shared", "rewrapped", "destroyed", "refused".</summary>
        public string Kind { get; internal set; }
        public DateTimeOffset At { get; internal set; }
        /// <summary>Its fields by name ("purpose", "role", ...; only those present).</summary>
        public IDictionary<string, string> Fields { get; internal set; }
    }

    /// <summary>A signed disclosure receipt for one envelope (armored text kept verbatim). The library parses it and
    /// checks its signature by the key it names when the value is made.</summary>
    public sealed unsafe class Receipt : IEquatable<Receipt>
    {
        static readonly string[] ItemKinds = { null, "received", "opened", "exception_used", "shared", "rewrapped", "destroyed", "refused" };
        static readonly string[] FieldNames = { null, "purpose", "role", "actor", "jurisdiction", "exception_kind",
            "exception_reference", "grant", "grant_reference", "recipients", "key", "erasure_certificate",
            "erasure_certificate_sha256", "refusal", "operation" };

        readonly string text;
        public string ObjectId { get; private set; }
        public string CaseRef { get; private set; }
        public KeyId Issuer { get; private set; }
        public DateTimeOffset IssuedAt { get; private set; }
        public ReadOnlyCollection<ReceiptItem> Items { get; private set; }

        /// <summary>Parse an armored receipt; ReceiptInvalidException if malformed or not signed by the key it names.</summary>
        public Receipt(string armored)
        {
            Library.EnsureLoaded();
            text = armored;
            ReceiptHandle h;
            Status.Check(Native.custodia_receipt_parse(Text.Utf8Z(armored, "armored"), out h));
            using (h) Load(h);
        }

        internal static Receipt FromHandle(ReceiptHandle h)
        {
            using (h)
            {
                var buf = new NativeBuffer();
                Status.Check(Native.custodia_receipt_armor(h, &buf));
                return new Receipt(Text.TakeText(ref buf));
            }
        }

        void Load(ReceiptHandle h)
        {
            NativeBuffer obj = new NativeBuffer(), cas = new NativeBuffer();
            NativeKeyId issuer;
            ulong at;
            Status.Check(Native.custodia_receipt_describe(h, &obj, &cas, &issuer, &at));
            ObjectId = Text.TakeText(ref obj);
            var c = Text.TakeText(ref cas);
            CaseRef = c.Length == 0 ? null : c;
            Issuer = KeyId.FromNative(issuer);
            IssuedAt = DateTimeOffset.FromUnixTimeSeconds((long)at);
            UIntPtr n;
            Status.Check(Native.custodia_receipt_item_count(h, &n));
            var items = new List<ReceiptItem>();
            for (uint i = 0; i < n.ToUInt64(); i++)
            {
                uint kind;
                ulong when;
                Status.Check(Native.custodia_receipt_item_get(h, (UIntPtr)i, &kind, &when));
                var fields = new Dictionary<string, string>();
                for (uint f = 1; f < FieldNames.Length; f++)
                {
                    byte present;
                    var buf = new NativeBuffer();
                    Status.Check(Native.custodia_receipt_item_field(h, (UIntPtr)i, f, &present, &buf));
                    var value = Text.TakeText(ref buf);
                    if (present != 0) fields[FieldNames[f]] = value;
                }
                items.Add(new ReceiptItem
                {
                    Kind = kind < ItemKinds.Length && kind > 0 ? ItemKinds[kind] : "unknown_" + kind,
                    At = DateTimeOffset.FromUnixTimeSeconds((long)when),
                    Fields = fields,
                });
            }
            Items = new ReadOnlyCollection<ReceiptItem>(items);
        }

        public string ToArmored() { return text; }

        /// <summary>Check that it was signed by this Ed25519 public key text alone: ReceiptIssuerUnknownException (314)
        /// for another key, InvalidKeyTextException for a bad one.</summary>
        public void Verify(string publicKey)
        {
            ReceiptHandle h;
            Status.Check(Native.custodia_receipt_parse(Text.Utf8Z(text, "armored"), out h));
            using (h) Status.Check(Native.custodia_receipt_verify(h, Text.Utf8Z(publicKey, "publicKey")));
        }

        public IList<string> Kinds()
        {
            var k = new List<string>();
            foreach (var i in Items) k.Add(i.Kind);
            return k;
        }

        internal static List<Receipt> Split(string concatenated)
        {
            const string end = "-----END CUSTODIA RECEIPT-----\n";
            var result = new List<Receipt>();
            foreach (var part in concatenated.Split(new[] { end }, StringSplitOptions.None))
                if (part.Trim().Length > 0) result.Add(new Receipt(part + end));
            return result;
        }

        public bool Equals(Receipt other) { return other != null && other.text == text; }
        public override bool Equals(object obj) { return Equals(obj as Receipt); }
        public override int GetHashCode() { return text.GetHashCode(); }
        public override string ToString() { return text; }
    }
}
