// Sealed records (docs/FORMAT.md section 14): named, typed fields, each with its own category, classification and
// purposes, sealed together as one envelope (Custodian.SealRecord) and opened field by field (Custodian.OpenRecord):
// each field comes back disclosed (its value), masked (the access policy's masked view, never the value) or withheld
// (the refusal). Keyed pseudonyms (docs/KEYS.md) and verifiable redaction (SD-JWT, docs/FORMAT.md section 15) are
// here too. Every value the library gives back is held in a pinned SensitiveBytes, wiped on Dispose; no ToString
// shows one.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using Custodia.Raw;

namespace Custodia
{
    /// <summary>The type of a record field's value (CUSTODIA_FIELD_*).</summary>
    public enum FieldKind : uint { Text = 1, Integer = 2, Date = 3, Bytes = 4, Nested = 5 }

    /// <summary>The rule of a masked view (CUSTODIA_MASK_*): what the access policy's [[mask]] makes of a value.</summary>
    public enum MaskRule : uint { None = 0, Iban = 1, LastThreeDigits = 2, Initials = 3, Year = 4 }

    /// <summary>What one reader got of a field.</summary>
    public enum FieldState { Disclosed, Masked, Withheld }

    /// <summary>A record to seal with <see cref="Custodian.SealRecord"/>: a library builder that holds a copy of each
    /// value as it is added (the caller's copy stays the caller's to wipe) and wipes them on Dispose. Names are 1 to 64
    /// bytes, a-z then a-z, 0-9 and _; a bad name, a repeated one or a purpose outside the grammar throws as it is
    /// added. A classification left null holds the field at its category's minimum; purposes left null are the
    /// envelope's (each one given must be a purpose the envelope's permit when sealed).</summary>
    public sealed unsafe class Record : IDisposable
    {
        const uint Minimum = 0xFFFFFFFF; // CUSTODIA_CLASSIFICATION_MINIMUM
        static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        internal readonly RecordHandle Handle;
        readonly List<string> names = new List<string>();

        public Record()
        {
            Library.EnsureLoaded();
            Status.Check(Native.custodia_record_new(out Handle));
        }

        internal RecordHandle H { get { return Handles.Live(Handle, "record"); } }

        /// <summary>The names added so far, in the order added.</summary>
        public IList<string> Names { get { return names.AsReadOnly(); } }

        static uint Cls(Classification? c) { return c.HasValue ? (uint)c.Value : Minimum; }

        static CStrings Purposes(IEnumerable<string> purposes) { return new CStrings(purposes ?? new string[0], "purposes"); }

        Record Added(string name)
        {
            names.Add(name);
            return this;
        }

        /// <summary>Add a text field (its UTF-8 copy is wiped after the library took it).</summary>
        public Record AddText(string name, string value, Category category, Classification? classification = null,
            IEnumerable<string> purposes = null)
        {
            var n = Text.Utf8Z(name, "name");
            if (value == null) throw new ArgumentNullException("value");
            byte[] bytes;
            try
            {
                bytes = Strict.GetBytes(value);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("value is not valid Unicode text", "value", e);
            }
            try
            {
                using (var p = Purposes(purposes))
                fixed (byte* v = bytes)
                    Status.Check(Native.custodia_record_add_text(H, n, v, (UIntPtr)(uint)bytes.Length, (uint)category,
                        Cls(classification), p.Ptr, p.Count));
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
            return Added(name);
        }

        /// <summary>Add a signed 64-bit integer field.</summary>
        public Record AddInteger(string name, long value, Category category, Classification? classification = null,
            IEnumerable<string> purposes = null)
        {
            var n = Text.Utf8Z(name, "name");
            using (var p = Purposes(purposes))
                Status.Check(Native.custodia_record_add_integer(H, n, value, (uint)category, Cls(classification), p.Ptr, p.Count));
            return Added(name);
        }

        /// <summary>Add a calendar date field (year 1 to 9999). A DateTime with a time of day is refused
        /// (ArgumentException): pass its Date.</summary>
        public Record AddDate(string name, DateTime value, Category category, Classification? classification = null,
            IEnumerable<string> purposes = null)
        {
            var n = Text.Utf8Z(name, "name");
            if (value.TimeOfDay != TimeSpan.Zero) throw new ArgumentException("a date field holds a date, not a time of day (pass value.Date)", "value");
            var d = Text.Utf8Z(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "value");
            using (var p = Purposes(purposes))
                Status.Check(Native.custodia_record_add_date(H, n, d, (uint)category, Cls(classification), p.Ptr, p.Count));
            return Added(name);
        }

        /// <summary>Add a bytes field (copied; the caller's array stays the caller's to wipe).</summary>
        public Record AddBytes(string name, byte[] value, Category category, Classification? classification = null,
            IEnumerable<string> purposes = null)
        {
            var n = Text.Utf8Z(name, "name");
            if (value == null) throw new ArgumentNullException("value");
            using (var p = Purposes(purposes))
            fixed (byte* v = value)
                Status.Check(Native.custodia_record_add_bytes(H, n, v, (UIntPtr)(uint)value.Length, (uint)category,
                    Cls(classification), p.Ptr, p.Count));
            return Added(name);
        }

        /// <summary>Add a bytes field from a SensitiveBytes (copied).</summary>
        public Record AddBytes(string name, SensitiveBytes value, Category category, Classification? classification = null,
            IEnumerable<string> purposes = null)
        {
            if (value == null) throw new ArgumentNullException("value");
            return AddBytes(name, value.Live, category, classification, purposes);
        }

        /// <summary>Add a nested field holding the values of <paramref name="inner"/>'s fields (their own terms are
        /// not kept: the nested value is disclosed or withheld as a whole, under this field's terms). Nesting is at
        /// most 4 deep. <paramref name="inner"/> is not changed; dispose it as usual.</summary>
        public Record AddNested(string name, Record inner, Category category, Classification? classification = null,
            IEnumerable<string> purposes = null)
        {
            var n = Text.Utf8Z(name, "name");
            if (inner == null) throw new ArgumentNullException("inner");
            using (var p = Purposes(purposes))
                Status.Check(Native.custodia_record_add_nested(H, n, inner.H, (uint)category, Cls(classification), p.Ptr, p.Count));
            return Added(name);
        }

        public bool IsDisposed { get { return Handle.IsClosed; } }

        /// <summary>Release the builder; the library wipes every value it holds.</summary>
        public void Dispose() { Handle.Dispose(); }

        /// <summary>The field names, never a value.</summary>
        public override string ToString()
        {
            return IsDisposed ? "Record(disposed)" : "Record(" + string.Join(", ", names) + ")";
        }
    }

    /// <summary>A disclosed field's value, or the masked view or refusal in its place. The value lives in a pinned
    /// SensitiveBytes owned by the record or presentation it came from, wiped when that is disposed.</summary>
    public class FieldValue
    {
        SensitiveBytes data;
        readonly uint refusalCode;
        readonly string refusalMessage;

        internal FieldValue(string name, FieldKind kind, SensitiveBytes data, uint refusalCode, string refusalMessage)
        {
            Name = name;
            Kind = kind;
            this.data = data;
            this.refusalCode = refusalCode;
            this.refusalMessage = refusalMessage;
        }

        public string Name { get; private set; }
        public FieldKind Kind { get; private set; }

        /// <summary>Whether this reader got the value in the clear.</summary>
        public bool IsDisclosed { get { return refusalCode == 0; } }

        /// <summary>The refusal that withheld the value (ClearanceInsufficientException, PurposeNotPermittedException,
        /// ...), or null when it was disclosed. Every value getter of a field not disclosed throws a new exception of
        /// this class and message.</summary>
        public CustodiaException Refusal
        {
            get { return refusalCode == 0 ? null : Status.ToException(refusalCode, refusalMessage); }
        }

        /// <summary>The value's bytes, without copying (owned by the record: do not keep it beyond the record's
        /// life): UTF-8 text, a date as YYYY-MM-DD, the bytes of a bytes field, an integer's decimal digits, or a
        /// nested value's JSON ({"nested": {...}}, docs/FORMAT.md section 14).</summary>
        public SensitiveBytes Value
        {
            get
            {
                if (refusalCode != 0) throw Status.ToException(refusalCode, refusalMessage);
                if (data == null || data.IsDisposed) throw new ObjectDisposedException(Name, "the record holding field " + Name + " is disposed (wiped)");
                return data;
            }
        }

        SensitiveBytes Of(FieldKind kind)
        {
            var v = Value;
            if (Kind != kind)
                throw new InvalidArgumentException(100, "field " + Name + " is " + Kind.ToString().ToLowerInvariant() + ", not " + kind.ToString().ToLowerInvariant());
            return v;
        }

        /// <summary>A text field's value as a string (a copy .NET cannot wipe: prefer <see cref="Value"/> to keep
        /// it wipeable).</summary>
        public string Text() { return Encoding.UTF8.GetString(Of(FieldKind.Text).Live); }

        /// <summary>An integer field's value (read from its digits without an intermediate string).</summary>
        public long Integer()
        {
            var b = Of(FieldKind.Integer).Live;
            int i = b.Length > 0 && b[0] == '-' ? 1 : 0;
            if (i == b.Length) throw BadValue();
            long acc = 0; // accumulated negative, so long.MinValue fits
            for (; i < b.Length; i++)
            {
                int d = b[i] - '0';
                if (d < 0 || d > 9) throw BadValue();
                acc = checked(acc * 10 - d);
            }
            return b[0] == '-' ? acc : checked(-acc);
        }

        /// <summary>A date field's value (a DateTime at midnight, kind unspecified).</summary>
        public DateTime Date()
        {
            var b = Of(FieldKind.Date).Live;
            if (b.Length != 10 || b[4] != '-' || b[7] != '-') throw BadValue();
            return new DateTime(Digits(b, 0, 4), Digits(b, 5, 2), Digits(b, 8, 2));
        }

        MalformedException BadValue() { return new MalformedException(300, "field " + Name + " does not hold a " + Kind.ToString().ToLowerInvariant()); }

        int Digits(byte[] b, int at, int n)
        {
            int v = 0;
            for (int i = at; i < at + n; i++)
            {
                int d = b[i] - '0';
                if (d < 0 || d > 9) throw BadValue();
                v = v * 10 + d;
            }
            return v;
        }

        /// <summary>An integer's decimal digits in a new SensitiveBytes, without an intermediate string.</summary>
        internal static SensitiveBytes DigitsOf(long v)
        {
            var tmp = new byte[20];
            int n = tmp.Length;
            ulong u = v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;
            do
            {
                tmp[--n] = (byte)('0' + (int)(u % 10));
                u /= 10;
            } while (u != 0);
            if (v < 0) tmp[--n] = (byte)'-';
            var r = new SensitiveBytes(tmp.Length - n);
            Buffer.BlockCopy(tmp, n, r.Live, 0, r.Length);
            Array.Clear(tmp, 0, tmp.Length);
            return r;
        }

        /// <summary>A bytes field's value, owned by the record (wiped with it; ToArray for a copy of your own).</summary>
        public SensitiveBytes Bytes() { return Of(FieldKind.Bytes); }

        /// <summary>A nested field's value as JSON: {"nested": {"name": {"text": ...}, ...}}.</summary>
        public string NestedJson() { return Encoding.UTF8.GetString(Of(FieldKind.Nested).Live); }

        internal void Wipe()
        {
            var d = data;
            data = null;
            if (d != null) d.Dispose();
        }

        /// <summary>The name and kind, never the value.</summary>
        public override string ToString()
        {
            return "FieldValue(" + Name + ", " + Kind.ToString().ToLowerInvariant() + (IsDisclosed ? "" : ", " + Status.Name(refusalCode)) + ")";
        }
    }

    /// <summary>One field of an opened record: its terms and what this reader got of it.</summary>
    public sealed class RecordField : FieldValue
    {
        internal RecordField(string name, FieldKind kind, SensitiveBytes data, uint refusalCode, string refusalMessage)
            : base(name, kind, data, refusalCode, refusalMessage) { }

        public Category Category { get; internal set; }
        public Classification Classification { get; internal set; }

        /// <summary>The field's own purposes, or null when the envelope's apply.</summary>
        public IList<string> Purposes { get; internal set; }

        public FieldState State { get; internal set; }

        /// <summary>The access policy's mask rule for this reader, or None.</summary>
        public MaskRule Mask { get; internal set; }

        /// <summary>The masked view (e.g. "A. J." for initials), made inside custodia; null unless masked. It is not
        /// the value: the value getters throw the refusal.</summary>
        public string MaskedText { get; internal set; }

        /// <summary>The name, kind, terms and state, never the value.</summary>
        public override string ToString()
        {
            return "RecordField(" + Name + ", " + Kind.ToString().ToLowerInvariant() + ", " + Category + ", " +
                Classification + ", " + State.ToString().ToLowerInvariant() +
                (Mask != MaskRule.None ? " " + Mask : "") + ")";
        }
    }

    /// <summary>A record as one reader opened it (<see cref="Custodian.OpenRecord"/>): every field in name order,
    /// disclosed, masked or withheld. Dispose wipes every value (each is held in a pinned SensitiveBytes).</summary>
    public sealed class OpenedRecord : IDisposable
    {
        readonly ReadOnlyCollection<RecordField> fields;
        readonly Dictionary<string, RecordField> byName = new Dictionary<string, RecordField>(StringComparer.Ordinal);

        internal OpenedRecord(List<RecordField> fields, EnvelopeInfo info)
        {
            this.fields = fields.AsReadOnly();
            foreach (var f in fields) byName[f.Name] = f;
            Info = info;
        }

        /// <summary>The envelope's metadata.</summary>
        public EnvelopeInfo Info { get; private set; }

        /// <summary>Every field, in name order.</summary>
        public IList<RecordField> Fields { get { return fields; } }

        public bool Contains(string name) { return name != null && byName.ContainsKey(name); }

        /// <summary>The field named so; InvalidArgumentException (100) when the record has none.</summary>
        public RecordField this[string name]
        {
            get
            {
                if (name == null) throw new ArgumentNullException("name");
                RecordField f;
                if (!byName.TryGetValue(name, out f)) throw new InvalidArgumentException(100, "the record has no field " + name);
                return f;
            }
        }

        IList<string> In(FieldState state)
        {
            var r = new List<string>();
            foreach (var f in fields) if (f.State == state) r.Add(f.Name);
            return r;
        }

        /// <summary>The names of the fields this reader got in the clear.</summary>
        public IList<string> Disclosed() { return In(FieldState.Disclosed); }

        /// <summary>The names of the fields this reader got a masked view of.</summary>
        public IList<string> Masked() { return In(FieldState.Masked); }

        /// <summary>The names of the fields withheld from this reader (neither value nor masked view).</summary>
        public IList<string> Withheld() { return In(FieldState.Withheld); }

        public string Text(string name) { return this[name].Text(); }
        public long Integer(string name) { return this[name].Integer(); }
        public DateTime Date(string name) { return this[name].Date(); }
        public SensitiveBytes Bytes(string name) { return this[name].Bytes(); }
        public string NestedJson(string name) { return this[name].NestedJson(); }

        /// <summary>Wipe every value. Idempotent.</summary>
        public void Dispose()
        {
            foreach (var f in fields) f.Wipe();
        }

        /// <summary>Field names only, never values.</summary>
        public override string ToString()
        {
            return "OpenedRecord(disclosed=[" + string.Join(", ", Disclosed()) + "], masked=[" + string.Join(", ", Masked()) +
                "], withheld=[" + string.Join(", ", Withheld()) + "])";
        }

        internal static unsafe OpenedRecord Read(OpenedRecordHandle h, EnvelopeInfo info)
        {
            UIntPtr n;
            Status.Check(Native.custodia_opened_record_len(h, &n));
            var fields = new List<RecordField>();
            try
            {
                for (uint i = 0; i < n.ToUInt64(); i++)
                {
                    NativeRecordField f;
                    Status.Check(Native.custodia_opened_record_field(h, (UIntPtr)i, &f));
                    fields.Add(ReadField(h, i, f));
                }
            }
            catch
            {
                foreach (var f in fields) f.Wipe();
                throw;
            }
            return new OpenedRecord(fields, info);
        }

        static unsafe RecordField ReadField(OpenedRecordHandle h, uint i, NativeRecordField f)
        {
            string name = global::Custodia.Text.FromUtf8Z(f.Name) ?? "";
            var kind = (FieldKind)f.Kind;
            var purposes = f.Purposes == IntPtr.Zero ? null
                : new ReadOnlyCollection<string>(global::Custodia.Text.FromUtf8Z(f.Purposes).Split(' '));
            RecordField field;
            var buf = new NativeBuffer();
            if (f.Mask != 0)
            {
                // The text getter gives the masked view of a masked field, never the value.
                Status.Check(Native.custodia_opened_record_text(h, (UIntPtr)i, &buf));
                field = new RecordField(name, kind, null, f.Withheld, "field " + name + " is masked for this reader")
                {
                    State = FieldState.Masked, Mask = (MaskRule)f.Mask, MaskedText = global::Custodia.Text.TakeText(ref buf),
                };
            }
            else if (f.Withheld != 0)
            {
                // The getter returns the refusal again, with the library's message naming the field.
                uint code = Native.custodia_opened_record_json(h, (UIntPtr)i, &buf);
                string message = global::Custodia.Text.FromUtf8Z(Native.custodia_last_error_message()) ?? "";
                if (code == 0)
                {
                    global::Custodia.Text.TakeSecret(ref buf).Dispose();
                    code = f.Withheld;
                }
                field = new RecordField(name, kind, null, code, message) { State = FieldState.Withheld };
            }
            else
            {
                SensitiveBytes data;
                switch (kind)
                {
                    case FieldKind.Text:
                    case FieldKind.Date:
                        Status.Check(Native.custodia_opened_record_text(h, (UIntPtr)i, &buf));
                        data = global::Custodia.Text.TakeSecret(ref buf);
                        break;
                    case FieldKind.Integer:
                    {
                        long v;
                        Status.Check(Native.custodia_opened_record_integer(h, (UIntPtr)i, &v));
                        data = FieldValue.DigitsOf(v);
                        v = 0;
                        break;
                    }
                    case FieldKind.Bytes:
                        Status.Check(Native.custodia_opened_record_bytes(h, (UIntPtr)i, &buf));
                        data = global::Custodia.Text.TakeSecret(ref buf);
                        break;
                    default:
                        Status.Check(Native.custodia_opened_record_json(h, (UIntPtr)i, &buf));
                        data = global::Custodia.Text.TakeSecret(ref buf);
                        break;
                }
                field = new RecordField(name, kind, data, 0, null) { State = FieldState.Disclosed };
            }
            field.Category = (Category)f.Category;
            field.Classification = (Classification)f.Classification;
            field.Purposes = purposes;
            return field;
        }
    }

    /// <summary>A verified SD-JWT presentation of a record (docs/FORMAT.md section 15): the issuer's signed claims
    /// and the disclosed fields, checked with the issuer's public key alone (<see cref="Verify"/>, no custodian
    /// needed). The record's other fields are counted (<see cref="WithheldCount"/>), never named. Dispose wipes the
    /// values.</summary>
    public sealed unsafe class Presentation : IDisposable
    {
        readonly ReadOnlyCollection<FieldValue> fields;

        Presentation(List<FieldValue> fields) { this.fields = fields.AsReadOnly(); }

        /// <summary>The object id of the record's envelope (32 hex digits).</summary>
        public string ObjectId { get; private set; }
        /// <summary>The case the envelope was sealed for, or null.</summary>
        public string CaseRef { get; private set; }
        /// <summary>The key that signed it.</summary>
        public KeyId Issuer { get; private set; }
        public DateTimeOffset IssuedAt { get; private set; }
        /// <summary>How many fields the record has.</summary>
        public int FieldCount { get; private set; }
        /// <summary>How many of them this presentation does not show (never which).</summary>
        public int WithheldCount { get; private set; }

        /// <summary>The disclosed fields, in name order.</summary>
        public IList<FieldValue> Fields { get { return fields; } }

        /// <summary>The names of the disclosed fields, in name order.</summary>
        public IList<string> Names()
        {
            var r = new List<string>();
            foreach (var f in fields) r.Add(f.Name);
            return r;
        }

        /// <summary>The disclosed field named so; InvalidArgumentException (100) when it is not disclosed here.</summary>
        public FieldValue this[string name]
        {
            get
            {
                if (name == null) throw new ArgumentNullException("name");
                foreach (var f in fields) if (f.Name == name) return f;
                throw new InvalidArgumentException(100, "the presentation discloses no field " + name);
            }
        }

        public string Text(string name) { return this[name].Text(); }
        public long Integer(string name) { return this[name].Integer(); }
        public DateTime Date(string name) { return this[name].Date(); }
        public SensitiveBytes Bytes(string name) { return this[name].Bytes(); }
        public string NestedJson(string name) { return this[name].NestedJson(); }

        /// <summary>Verify a presentation (or a whole SD-JWT) with the issuer's public key text
        /// (<see cref="Custodian.ExportPublic"/>). SignatureInvalidException for a signature that does not verify
        /// (another issuer, an altered or foreign disclosure), MalformedException for a text not of the profile,
        /// LimitExceededException, InvalidKeyTextException.</summary>
        public static Presentation Verify(string presentation, string issuerPublicKey)
        {
            Library.EnsureLoaded();
            var text = global::Custodia.Text.Utf8Z(presentation, "presentation");
            var key = global::Custodia.Text.Utf8Z(issuerPublicKey, "issuerPublicKey");
            PresentationHandle h;
            try
            {
                Status.Check(Native.custodia_sd_jwt_verify(text, key, out h));
            }
            finally
            {
                Array.Clear(text, 0, text.Length); // it holds the disclosed values
            }
            using (h)
            {
                UIntPtr total, withheld, disclosed;
                Status.Check(Native.custodia_presentation_counts(h, &total, &withheld, &disclosed));
                NativeKeyId issuer;
                Status.Check(Native.custodia_presentation_issuer(h, &issuer));
                ulong at;
                Status.Check(Native.custodia_presentation_issued_at(h, &at));
                var buf = new NativeBuffer();
                Status.Check(Native.custodia_presentation_object_id(h, &buf));
                var objectId = global::Custodia.Text.TakeText(ref buf);
                buf = new NativeBuffer();
                Status.Check(Native.custodia_presentation_case_ref(h, &buf));
                var caseRef = global::Custodia.Text.TakeText(ref buf);
                var list = new List<FieldValue>();
                try
                {
                    for (uint i = 0; i < disclosed.ToUInt64(); i++)
                    {
                        var name = new NativeBuffer();
                        var json = new NativeBuffer();
                        Status.Check(Native.custodia_presentation_field(h, (UIntPtr)i, &name, &json));
                        string n;
                        SensitiveBytes j;
                        try
                        {
                            n = global::Custodia.Text.TakeText(ref name);
                        }
                        finally
                        {
                            j = global::Custodia.Text.TakeSecret(ref json);
                        }
                        list.Add(Json.Field(n, j));
                    }
                }
                catch
                {
                    foreach (var f in list) f.Wipe();
                    throw;
                }
                return new Presentation(list)
                {
                    ObjectId = objectId, CaseRef = caseRef.Length == 0 ? null : caseRef, Issuer = KeyId.FromNative(issuer),
                    IssuedAt = DateTimeOffset.FromUnixTimeSeconds((long)at), FieldCount = checked((int)total.ToUInt64()),
                    WithheldCount = checked((int)withheld.ToUInt64()),
                };
            }
        }

        /// <summary>Wipe every value. Idempotent.</summary>
        public void Dispose()
        {
            foreach (var f in fields) f.Wipe();
        }

        /// <summary>Claims and names only, never values.</summary>
        public override string ToString()
        {
            return "Presentation(object_id=" + ObjectId + ", case_ref=" + CaseRef + ", issuer=" + Issuer + ", disclosed=[" +
                string.Join(", ", Names()) + "], withheld_count=" + WithheldCount + ")";
        }
    }

    /// <summary>The one JSON form a presented value has, {"kind": value} (docs/FORMAT.md section 14), read from the
    /// pinned bytes straight into a new SensitiveBytes: no string of the value is made.</summary>
    internal static class Json
    {
        internal static FieldValue Field(string name, SensitiveBytes json)
        {
            var b = json.Live;
            SensitiveBytes data = null;
            try
            {
                int i = 0;
                Expect(b, ref i, (byte)'{');
                Ws(b, ref i);
                var kindText = Encoding.ASCII.GetString(ReadPlainString(b, ref i));
                Expect(b, ref i, (byte)':');
                Ws(b, ref i);
                FieldKind kind;
                switch (kindText)
                {
                    case "text":
                        kind = FieldKind.Text;
                        data = ReadString(b, ref i);
                        break;
                    case "date":
                        kind = FieldKind.Date;
                        data = ReadString(b, ref i);
                        break;
                    case "integer":
                    {
                        kind = FieldKind.Integer;
                        int start = i;
                        if (i < b.Length && b[i] == '-') i++;
                        while (i < b.Length && b[i] >= '0' && b[i] <= '9') i++;
                        if (i == start) throw Bad();
                        data = new SensitiveBytes(i - start);
                        Buffer.BlockCopy(b, start, data.Live, 0, i - start);
                        break;
                    }
                    case "bytes":
                    {
                        kind = FieldKind.Bytes;
                        using (var hex = ReadString(b, ref i))
                        {
                            var h = hex.Live;
                            if (h.Length % 2 != 0) throw Bad();
                            data = new SensitiveBytes(h.Length / 2);
                            for (int k = 0; k < data.Length; k++) data.Live[k] = (byte)(Hex(h[2 * k]) << 4 | Hex(h[2 * k + 1]));
                        }
                        break;
                    }
                    case "nested":
                        // The whole value, as an opened record's NestedJson gives it.
                        return new FieldValue(name, FieldKind.Nested, json, 0, null);
                    default:
                        throw Bad();
                }
                Expect(b, ref i, (byte)'}');
                Ws(b, ref i);
                if (i != b.Length) throw Bad();
                json.Dispose();
                return new FieldValue(name, kind, data, 0, null);
            }
            catch
            {
                json.Dispose();
                if (data != null) data.Dispose();
                throw;
            }
        }

        static MalformedException Bad() { return new MalformedException(300, "a presented value is not of the form {\"kind\": value}"); }

        static void Ws(byte[] b, ref int i)
        {
            while (i < b.Length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) i++;
        }

        static void Expect(byte[] b, ref int i, byte c)
        {
            Ws(b, ref i);
            if (i >= b.Length || b[i] != c) throw Bad();
            i++;
        }

        static int Hex(byte c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            throw Bad();
        }

        static byte[] ReadPlainString(byte[] b, ref int i)
        {
            Expect(b, ref i, (byte)'"');
            int start = i;
            while (i < b.Length && b[i] != '"' && b[i] != '\\') i++;
            if (i >= b.Length || b[i] != '"') throw Bad();
            var r = new byte[i - start];
            Buffer.BlockCopy(b, start, r, 0, r.Length);
            i++;
            return r;
        }

        /// <summary>A JSON string (escapes decoded) as UTF-8 in a new SensitiveBytes.</summary>
        static SensitiveBytes ReadString(byte[] b, ref int i)
        {
            Expect(b, ref i, (byte)'"');
            var o = new SensitiveBytes(b.Length - i); // the decoded text is never longer than its JSON
            var w = o.Live;
            int n = 0;
            try
            {
                while (true)
                {
                    if (i >= b.Length) throw Bad();
                    byte c = b[i++];
                    if (c == '"') break;
                    if (c != '\\')
                    {
                        w[n++] = c;
                        continue;
                    }
                    if (i >= b.Length) throw Bad();
                    c = b[i++];
                    switch (c)
                    {
                        case (byte)'"': case (byte)'\\': case (byte)'/': w[n++] = c; break;
                        case (byte)'b': w[n++] = 8; break;
                        case (byte)'f': w[n++] = 12; break;
                        case (byte)'n': w[n++] = 10; break;
                        case (byte)'r': w[n++] = 13; break;
                        case (byte)'t': w[n++] = 9; break;
                        case (byte)'u':
                        {
                            int cp = Unit(b, ref i);
                            if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < b.Length && b[i] == '\\' && b[i + 1] == 'u')
                            {
                                i += 2;
                                int lo = Unit(b, ref i);
                                if (lo < 0xDC00 || lo > 0xDFFF) throw Bad();
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            }
                            else if (cp >= 0xD800 && cp <= 0xDFFF) throw Bad();
                            if (cp < 0x80) w[n++] = (byte)cp;
                            else if (cp < 0x800) { w[n++] = (byte)(0xC0 | cp >> 6); w[n++] = (byte)(0x80 | cp & 0x3F); }
                            else if (cp < 0x10000)
                            {
                                w[n++] = (byte)(0xE0 | cp >> 12); w[n++] = (byte)(0x80 | cp >> 6 & 0x3F); w[n++] = (byte)(0x80 | cp & 0x3F);
                            }
                            else
                            {
                                w[n++] = (byte)(0xF0 | cp >> 18); w[n++] = (byte)(0x80 | cp >> 12 & 0x3F);
                                w[n++] = (byte)(0x80 | cp >> 6 & 0x3F); w[n++] = (byte)(0x80 | cp & 0x3F);
                            }
                            cp = 0;
                            break;
                        }
                        default: throw Bad();
                    }
                }
                o.Truncate(n);
                return o;
            }
            catch
            {
                o.Dispose();
                throw;
            }
        }

        static int Unit(byte[] b, ref int i)
        {
            if (i + 4 > b.Length) throw Bad();
            int v = Hex(b[i]) << 12 | Hex(b[i + 1]) << 8 | Hex(b[i + 2]) << 4 | Hex(b[i + 3]);
            i += 4;
            return v;
        }
    }

    public sealed unsafe partial class Custodian
    {
        // ---- records, pseudonyms, SD-JWT ----------------------------------------------------------------------

        /// <summary>Seal a record as one envelope. The options give the envelope's own category and classification
        /// (what every reader must be cleared for to see anything of it), purposes, recipients and the rest, as for
        /// Seal; the fields add their own terms. ClearanceInsufficientException when the actor is not cleared for a
        /// field; InvalidArgumentException for an empty record or a field purpose the envelope's do not permit.</summary>
        public byte[] SealRecord(Actor actor, Record record, SealOptions options)
        {
            if (record == null) throw new ArgumentNullException("record");
            if (options == null) throw new ArgumentNullException("options");
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_seal_record(H, A(actor), record.H, options.H, &buf));
            return Text.TakeBytes(ref buf);
        }

        /// <summary>Open a record envelope field by field as the actor for a purpose. The envelope's own terms are
        /// decided first (a refusal throws, as for Open, before any key is touched); then each field on its own
        /// terms: a field this reader may not see comes back withheld (or masked, by the access policy), not as an
        /// exception. Audited with the names of the disclosed and withheld fields. InvalidArgumentException for an
        /// envelope that is not a record.</summary>
        public OpenedRecord OpenRecord(Actor actor, byte[] envelope, string purpose, ExceptionGround exception = null,
            KeyId requiredSigner = null)
        {
            Bytes(envelope, "envelope");
            var p = Purpose(purpose);
            var a = A(actor);
            var ex = exception == null ? ExceptionGroundHandle.None : exception.H;
            var signer = requiredSigner == null ? default(NativeKeyId) : requiredSigner.ToNative();
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            OpenedRecordHandle h;
            fixed (byte* e = envelope)
                Status.Check(Native.custodia_open_record(H, a, p, ex, e, (UIntPtr)(uint)envelope.Length,
                    requiredSigner == null ? null : &signer, out h, info));
            using (h)
                return OpenedRecord.Read(h, EnvelopeInfo.FromNative(info));
        }

        /// <summary>Keyed pseudonyms (32 lowercase hex digits each, in the order of values) within a case and a domain
        /// ("person", "iban", ...): the same value (white space and case normalized) always gets the same pseudonym
        /// in one case, unrelated ones in another; destroying the case's key destroys the linkability. The actor
        /// passes the gate for data of the category in the case; recorded (count and domain, never the values). The
        /// binding's copies of the values are wiped after the call.</summary>
        public IList<string> Pseudonymize(Actor actor, string purpose, string caseRef, Category category, string domain,
            IEnumerable<string> values)
        {
            var buf = new NativeBuffer();
            using (var v = new CStrings(values, "values"))
                Status.Check(Native.custodia_pseudonymize(H, A(actor), Purpose(purpose), Text.Utf8Z(caseRef, "caseRef"),
                    (uint)category, Text.Utf8Z(domain, "domain"), v.Ptr, v.Count, &buf));
            var result = new List<string>();
            foreach (var line in Text.TakeText(ref buf).Split('\n'))
                if (line.Length > 0) result.Add(line);
            return result;
        }

        /// <summary>The index of the candidate whose pseudonym (in this case and domain) is the one given, or null:
        /// the audited way back from a pseudonym to a value the caller holds.</summary>
        public int? ResolvePseudonym(Actor actor, string purpose, string caseRef, Category category, string domain,
            string pseudonym, IEnumerable<string> candidates)
        {
            UIntPtr index;
            using (var c = new CStrings(candidates, "candidates"))
                Status.Check(Native.custodia_resolve_pseudonym(H, A(actor), Purpose(purpose), Text.Utf8Z(caseRef, "caseRef"),
                    (uint)category, Text.Utf8Z(domain, "domain"), Text.Utf8Z(pseudonym, "pseudonym"), c.Ptr, c.Count, &index));
            ulong i = index.ToUInt64();
            return i == (UIntPtr.Size == 8 ? ulong.MaxValue : uint.MaxValue) ? (int?)null : checked((int)i);
        }

        /// <summary>An SD-JWT of a record envelope (docs/FORMAT.md section 15), signed with this custodian's Ed25519
        /// key: the record is opened first as OpenRecord does (its gate and each field's terms apply), and only the
        /// fields the actor may open get a disclosure; the others count as withheld. Audited. The text holds every
        /// disclosed value: keep it secret (a .NET string cannot be wiped).</summary>
        public string IssueSdJwt(Actor actor, byte[] envelope, string purpose, KeyId signer, ExceptionGround exception = null)
        {
            Bytes(envelope, "envelope");
            var k = K(signer, "signer");
            var p = Purpose(purpose);
            var a = A(actor);
            var ex = exception == null ? ExceptionGroundHandle.None : exception.H;
            var buf = new NativeBuffer();
            fixed (byte* e = envelope)
                Status.Check(Native.custodia_sd_jwt_issue(H, a, p, ex, e, (UIntPtr)(uint)envelope.Length, &k, &buf));
            return Text.TakeText(ref buf);
        }

        /// <summary>A presentation of an SD-JWT this custodian issued holding only the named fields, for an audience
        /// (who receives it, e.g. "FR-PNF") and a purpose; the SD-JWT is verified first. Audited (which fields, to
        /// whom, for which purpose). InvalidArgumentException for a field it has no disclosure for, a field named
        /// twice or a bad audience; SignatureInvalidException for an altered SD-JWT.</summary>
        public string Present(Actor actor, string sdJwt, IEnumerable<string> fields, string audience, string purpose)
        {
            var text = Text.Utf8Z(sdJwt, "sdJwt");
            try
            {
                var buf = new NativeBuffer();
                using (var f = new CStrings(fields, "fields"))
                    Status.Check(Native.custodia_sd_jwt_present(H, A(actor), text, f.Ptr, f.Count,
                        Text.Utf8Z(audience, "audience"), Purpose(purpose), &buf));
                return Text.TakeText(ref buf);
            }
            finally
            {
                Array.Clear(text, 0, text.Length);
            }
        }
    }
}
