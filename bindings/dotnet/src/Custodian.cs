// The Custodian: a keyring and an audit log in a directory. Keys, seal/open (in memory, files, streams), inspect,
// rewrap, grants, receipts, audit. Share one between threads freely; Dispose (or Close) writes the audit log's
// closing checkpoint and zeroizes the keys.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Runtime.InteropServices;
using Custodia.Raw;

namespace Custodia
{
    /// <summary>How a custodian is opened.</summary>
    public sealed class CustodianOptions
    {
        /// <summary>Start a new custodian when the directory holds none (else CustodianNotFoundException).</summary>
        public bool Create { get; set; }
        /// <summary>Argon2id cost (memory KiB, passes, lanes) for a keyring created by this open.</summary>
        public uint[] Kdf { get; set; }
        public Durability? Durability { get; set; }
        public int GroupCommitMaxBatch { get; set; }
        public uint GroupCommitMaxDelayUs { get; set; }

        /// <summary>Audit sinks: each is given every audit event (an AuditEntry with Seq null) after the log has it,
        /// in order, on the thread whose call recorded it; they must not call back into this custodian and must be
        /// thread-safe when several threads share it. An exception in a sink is caught (never let into the library),
        /// kept in Custodian.AuditSinkErrors and counted in AuditSinkFailures.</summary>
        public IList<Action<AuditEntry>> AuditSinks { get; private set; }

        /// <summary>With sinks required, an operation whose event a sink refused fails with
        /// AuditWriteFailedException (its event is in the log already).</summary>
        public bool RequireAuditSinks { get; set; }

        /// <summary>Key providers (a host's own KMS): a recipient key id the keyring does not hold is sealed to
        /// through the first that holds it, and their stanzas are opened through them, always after the policy gate.
        /// The custodian keeps them alive.</summary>
        public IList<KeyProvider> Providers { get; private set; }

        /// <summary>Case keys wrapped by a provider (null: case keys are kept inside the keyring).</summary>
        public CaseKeyWrapping CaseKeys { get; set; }

        /// <summary>Signers (Ed25519 keys held outside): each key is recorded in the keyring as a public key and
        /// signs through its signer wherever it is named by id. The custodian keeps them alive.</summary>
        public IList<Signer> Signers { get; private set; }

        /// <summary>Makes a signer the audit log's key, chosen when the log is created (a directory whose audit key is
        /// held outside refuses to open without it, InvalidArgumentException, or with another, AuditWrongKeyException).</summary>
        public Signer AuditSigner { get; set; }

        public CustodianOptions()
        {
            AuditSinks = new List<Action<AuditEntry>>();
            Providers = new List<KeyProvider>();
            Signers = new List<Signer>();
            GroupCommitMaxBatch = 64;
            GroupCommitMaxDelayUs = 1000;
        }
    }

    /// <summary>The audit sinks and key providers of one custodian as C callbacks, kept alive as long as the
    /// custodian's handle.</summary>
    internal sealed unsafe class SinkTrampolines
    {
        readonly List<AuditSinkFn> callbacks = new List<AuditSinkFn>();
        internal readonly List<ProviderTrampolines> Providers = new List<ProviderTrampolines>();
        internal readonly List<SignerTrampoline> Signers = new List<SignerTrampoline>();
        internal readonly Queue<Exception> Errors = new Queue<Exception>();

        internal AuditSinkFn Add(Action<AuditEntry> sink)
        {
            if (sink == null) throw new ArgumentNullException("sink");
            AuditSinkFn fn = (user, entry) =>
            {
                try
                {
                    sink(Custodian.Entry(entry, true));
                    return 0;
                }
                catch (Exception e)
                {
                    lock (Errors)
                    {
                        Errors.Enqueue(e);
                        while (Errors.Count > 100) Errors.Dequeue();
                    }
                    return 1;
                }
            };
            callbacks.Add(fn);
            return fn;
        }
    }

    public sealed unsafe partial class Custodian : IDisposable
    {
        readonly CustodianHandle handle;
        readonly SinkTrampolines sinks;
        Anchor closing;

        public string Directory { get; private set; }

        Custodian(CustodianHandle h, string dir, SinkTrampolines sinks)
        {
            handle = h;
            Directory = dir;
            this.sinks = sinks;
        }

        static CustodianOptionsHandle Options(CustodianOptions o, SinkTrampolines sinks)
        {
            o = o ?? new CustodianOptions();
            CustodianOptionsHandle h;
            Status.Check(Native.custodia_custodian_options_new(out h));
            try
            {
                foreach (var sink in o.AuditSinks)
                    Status.Check(Native.custodia_custodian_options_add_audit_sink(h, sinks.Add(sink), IntPtr.Zero));
                if (o.RequireAuditSinks) Status.Check(Native.custodia_custodian_options_set_require_audit_sinks(h, 1));
                foreach (var p in o.Providers)
                {
                    var t = new ProviderTrampolines(p);
                    sinks.Providers.Add(t); // its delegates must outlive every call of the custodian
                    using (var ph = t.NewHandle())
                        Status.Check(Native.custodia_custodian_options_add_provider(h, ph));
                }
                if (o.CaseKeys != null)
                {
                    var t = new ProviderTrampolines(o.CaseKeys.Provider);
                    sinks.Providers.Add(t);
                    var kek = o.CaseKeys.Kek.ToNative();
                    using (var ph = t.NewHandle())
                        Status.Check(Native.custodia_custodian_options_set_case_keys(h, ph, &kek, o.CaseKeys.CacheTtlSecs, o.CaseKeys.CacheMaxUses));
                }
                foreach (var sg in o.Signers)
                {
                    var t = new SignerTrampoline(sg);
                    sinks.Signers.Add(t);
                    using (var sh = t.NewHandle())
                        Status.Check(Native.custodia_custodian_options_add_signer(h, sh));
                }
                if (o.AuditSigner != null)
                {
                    var t = new SignerTrampoline(o.AuditSigner);
                    sinks.Signers.Add(t);
                    using (var sh = t.NewHandle())
                        Status.Check(Native.custodia_custodian_options_set_audit_signer(h, sh));
                }
                Status.Check(Native.custodia_custodian_options_set_create(h, (byte)(o.Create ? 1 : 0)));
                if (o.Kdf != null)
                {
                    if (o.Kdf.Length != 3) throw new ArgumentException("Kdf is (memory KiB, passes, lanes)", "options");
                    Status.Check(Native.custodia_custodian_options_set_kdf(h, o.Kdf[0], o.Kdf[1], o.Kdf[2]));
                }
                if (o.Durability.HasValue)
                    Status.Check(Native.custodia_custodian_options_set_durability(h, (uint)o.Durability.Value,
                        (UIntPtr)(uint)o.GroupCommitMaxBatch, o.GroupCommitMaxDelayUs));
                return h;
            }
            catch
            {
                h.Dispose();
                throw;
            }
        }

        /// <summary>Open with a raw 32-byte master key (from an HSM, KMS or secret store). The caller wipes its copy.</summary>
        public static Custodian OpenWithMasterKey(string directory, byte[] masterKey, CustodianOptions options = null)
        {
            Library.EnsureLoaded();
            if (masterKey == null) throw new ArgumentNullException("masterKey");
            var dir = Text.Utf8Z(directory, "directory");
            var sinks = new SinkTrampolines();
            using (var o = Options(options, sinks))
            {
                CustodianHandle h;
                fixed (byte* k = masterKey)
                    Status.Check(Native.custodia_custodian_open_master_key(dir, k, (UIntPtr)(uint)masterKey.Length, o, out h));
                return new Custodian(h, directory, sinks);
            }
        }

        /// <summary>Open with a passphrase (Argon2id). WrongPassphraseException on a mismatch. A string cannot be
        /// wiped: prefer the char[] overload, whose array the caller clears.</summary>
        public static Custodian OpenWithPassphrase(string directory, string passphrase, CustodianOptions options = null)
        {
            return OpenWithPassphraseUtf8(directory, Text.Utf8Z(passphrase, "passphrase"), options);
        }

        /// <summary>Open with a passphrase given as characters (the caller clears the array afterwards); the
        /// binding's UTF-8 copy is wiped before this returns.</summary>
        public static Custodian OpenWithPassphrase(string directory, char[] passphrase, CustodianOptions options = null)
        {
            if (passphrase == null) throw new ArgumentNullException("passphrase");
            if (Array.IndexOf(passphrase, '\0') >= 0) throw new ArgumentException("passphrase must not contain NUL characters", "passphrase");
            var pass = new byte[System.Text.Encoding.UTF8.GetByteCount(passphrase) + 1];
            System.Text.Encoding.UTF8.GetBytes(passphrase, 0, passphrase.Length, pass, 0);
            return OpenWithPassphraseUtf8(directory, pass, options);
        }

        static Custodian OpenWithPassphraseUtf8(string directory, byte[] pass, CustodianOptions options)
        {
            Library.EnsureLoaded();
            try
            {
                var dir = Text.Utf8Z(directory, "directory");
                var sinks = new SinkTrampolines();
                using (var o = Options(options, sinks))
                {
                    CustodianHandle h;
                    Status.Check(Native.custodia_custodian_open_passphrase(dir, pass, o, out h));
                    return new Custodian(h, directory, sinks);
                }
            }
            finally
            {
                Array.Clear(pass, 0, pass.Length);
            }
        }

        CustodianHandle H { get { return Handles.Live(handle, "custodian"); } }

        public bool IsClosed { get { return handle.IsClosed; } }

        /// <summary>Write the closing checkpoint, release the handle, and return the checkpoint (the same one when
        /// called again). The handle is released even when the checkpoint fails.</summary>
        public Anchor Close()
        {
            if (handle.IsClosed) return closing;
            try
            {
                var buf = new NativeBuffer();
                Status.Check(Native.custodia_custodian_close(handle, &buf));
                closing = new Anchor(Text.TakeText(ref buf));
            }
            finally
            {
                handle.Dispose();
                GC.KeepAlive(sinks); // the library may call the sinks until the handle is freed
            }
            return closing;
        }

        /// <summary>How many times an audit sink has failed since this custodian was opened.</summary>
        public ulong AuditSinkFailures
        {
            get
            {
                ulong n;
                Status.Check(Native.custodia_custodian_audit_sink_failures(H, &n));
                return n;
            }
        }

        /// <summary>The most recent exceptions thrown by this custodian's audit sinks (at most 100), oldest first.</summary>
        public IList<Exception> AuditSinkErrors
        {
            get { lock (sinks.Errors) return sinks.Errors.ToArray(); }
        }

        public void Dispose() { Close(); }

        static ActorHandle A(Actor actor)
        {
            if (actor == null) throw new ArgumentNullException("actor");
            return actor.H;
        }

        static NativeKeyId K(KeyId key, string name)
        {
            if (key == null) throw new ArgumentNullException(name);
            return key.ToNative();
        }

        static byte[] Purpose(string purpose) { return Text.Utf8Z(purpose, "purpose"); }

        static byte[] Bytes(byte[] b, string name)
        {
            if (b == null) throw new ArgumentNullException(name);
            return b;
        }

        static NativeKeyId[] Keys(IEnumerable<KeyId> keys, string name)
        {
            var list = new List<NativeKeyId>();
            if (keys != null) foreach (var k in keys) list.Add(K(k, name));
            return list.ToArray();
        }

        // ---- keys ----------------------------------------------------------------------------------------------

        public KeyId GenerateKey(Actor actor, KeyKind kind, string label)
        {
            NativeKeyId k;
            Status.Check(Native.custodia_key_generate(H, A(actor), (uint)kind, Text.Utf8Z(label, "label"), &k));
            return KeyId.FromNative(k);
        }

        /// <summary>The active KEK of a case, generated on first use with an optional retention deadline.</summary>
        public KeyId CaseKey(Actor actor, string caseRef, DateTimeOffset? destroyAfter = null)
        {
            NativeKeyId k;
            Status.Check(Native.custodia_key_for_case(H, A(actor), Text.Utf8Z(caseRef, "caseRef"),
                destroyAfter.HasValue ? Handles.Unix(destroyAfter.Value, "destroyAfter") : 0, &k));
            return KeyId.FromNative(k);
        }

        public IList<KeyInfo> Keys()
        {
            KeyListHandle list;
            Status.Check(Native.custodia_key_list_new(H, out list));
            using (list)
            {
                UIntPtr n;
                Status.Check(Native.custodia_key_list_len(list, &n));
                var result = new List<KeyInfo>();
                for (uint i = 0; i < n.ToUInt64(); i++)
                {
                    NativeKeyInfo k;
                    Status.Check(Native.custodia_key_list_get(list, (UIntPtr)i, &k));
                    result.Add(new KeyInfo
                    {
                        Id = KeyId.FromNative(k.KeyId),
                        Kind = (KeyKind)k.Kind,
                        State = (KeyState)k.State,
                        Label = Text.FromUtf8Z(k.Label) ?? "",
                        CaseRef = Text.FromUtf8Z(k.CaseRef),
                        Created = Handles.Time(k.Created),
                        DestroyAfter = Handles.Time(k.DestroyAfter),
                        DestroyedAt = Handles.Time(k.DestroyedAt),
                        HasSecret = k.HasSecret != 0,
                        RotatedFrom = k.HasRotatedFrom != 0 ? KeyId.FromNative(k.RotatedFrom) : null,
                        RotatedTo = k.HasRotatedTo != 0 ? KeyId.FromNative(k.RotatedTo) : null,
                        Jurisdiction = Text.FromUtf8Z(k.Jurisdiction),
                        Authority = Text.FromUtf8Z(k.Authority),
                        NotBefore = Handles.Time(k.NotBefore),
                        NotAfter = Handles.Time(k.NotAfter),
                        RevokedAt = Handles.Time(k.RevokedAt),
                        RevokedReason = Text.FromUtf8Z(k.RevokedReason),
                        CompromisedAt = Handles.Time(k.CompromisedAt),
                        CompromisedReason = Text.FromUtf8Z(k.CompromisedReason),
                    });
                }
                return result;
            }
        }

        /// <summary>One key's information; KeyNotFoundException if absent.</summary>
        public KeyInfo Key(KeyId id)
        {
            K(id, "id");
            foreach (var k in Keys()) if (k.Id == id) return k;
            throw new KeyNotFoundException(400, "no key " + id);
        }

        /// <summary>The text form of a key's public half, to hand to another authority (not secret).</summary>
        public string ExportPublic(KeyId key)
        {
            var k = K(key, "key");
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_key_export_public(H, &k, &buf));
            return Text.TakeText(ref buf);
        }

        /// <summary>Import another authority's public key with the jurisdiction it acts in.</summary>
        public KeyId ImportPublic(Actor actor, string keyText, string label, string jurisdiction)
        {
            NativeKeyId k;
            Status.Check(Native.custodia_key_import_public(H, A(actor), Text.Utf8Z(keyText, "keyText"), Text.Utf8Z(label, "label"),
                Text.Utf8Z(jurisdiction, "jurisdiction"), &k));
            return KeyId.FromNative(k);
        }

        /// <summary>Import another authority's public key with its name and validity period.</summary>
        public KeyId ImportAuthorityKey(Actor actor, string keyText, string label, string authority, string jurisdiction,
            DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
        {
            NativeKeyId k;
            Status.Check(Native.custodia_key_import_authority(H, A(actor), Text.Utf8Z(keyText, "keyText"), Text.Utf8Z(label, "label"),
                Text.Utf8Z(authority, "authority"), Text.Utf8Z(jurisdiction, "jurisdiction"),
                notBefore.HasValue ? Handles.Unix(notBefore.Value, "notBefore") : 0,
                notAfter.HasValue ? Handles.Unix(notAfter.Value, "notAfter") : 0, &k));
            return KeyId.FromNative(k);
        }

        public void RevokeKey(Actor actor, KeyId key, string reason)
        {
            var k = K(key, "key");
            Status.Check(Native.custodia_key_revoke(H, A(actor), &k, Text.Utf8Z(reason, "reason")));
        }

        public void MarkCompromised(Actor actor, KeyId key, string reason)
        {
            var k = K(key, "key");
            Status.Check(Native.custodia_key_mark_compromised(H, A(actor), &k, Text.Utf8Z(reason, "reason")));
        }

        /// <summary>A new active key of the same kind and case; the old one becomes decrypt-only.</summary>
        public KeyId Rotate(Actor actor, KeyId key)
        {
            var k = K(key, "key");
            NativeKeyId n;
            Status.Check(Native.custodia_key_rotate(H, A(actor), &k, &n));
            return KeyId.FromNative(n);
        }

        /// <summary>Crypto-shred a key; returns the signed erasure certificate. LegalHoldException when held.</summary>
        public ErasureCertificate DestroyKey(Actor actor, KeyId key, string reason)
        {
            var k = K(key, "key");
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_key_destroy(H, A(actor), &k, Text.Utf8Z(reason, "reason"), &buf));
            return new ErasureCertificate(Text.TakeText(ref buf));
        }

        /// <summary>Destroy every key past its retention deadline, except those of cases under legal hold.</summary>
        public ShredReport ShredExpired(Actor actor)
        {
            UIntPtr destroyed, held;
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_key_shred_expired(H, A(actor), &destroyed, &held, &buf));
            var certs = new List<ErasureCertificate>();
            foreach (var line in Text.TakeText(ref buf).Split('\n'))
                if (line.Length > 0) certs.Add(new ErasureCertificate(line));
            return new ShredReport
            {
                Destroyed = (int)destroyed.ToUInt64(), Held = (int)held.ToUInt64(),
                Certificates = new ReadOnlyCollection<ErasureCertificate>(certs),
            };
        }

        public void SetRetention(Actor actor, KeyId key, DateTimeOffset? destroyAfter)
        {
            var k = K(key, "key");
            Status.Check(Native.custodia_key_set_retention(H, A(actor), &k,
                destroyAfter.HasValue ? Handles.Unix(destroyAfter.Value, "destroyAfter") : 0));
        }

        public void PlaceLegalHold(Actor actor, string caseRef, string reference, string reason)
        {
            Status.Check(Native.custodia_legal_hold_place(H, A(actor), Text.Utf8Z(caseRef, "caseRef"),
                Text.Utf8Z(reference, "reference"), Text.Utf8Z(reason, "reason")));
        }

        public void ReleaseLegalHold(Actor actor, string caseRef)
        {
            Status.Check(Native.custodia_legal_hold_release(H, A(actor), Text.Utf8Z(caseRef, "caseRef")));
        }

        public IList<LegalHoldInfo> LegalHolds()
        {
            LegalHoldListHandle list;
            Status.Check(Native.custodia_legal_hold_list_new(H, out list));
            using (list)
            {
                UIntPtr n;
                Status.Check(Native.custodia_legal_hold_list_len(list, &n));
                var result = new List<LegalHoldInfo>();
                for (uint i = 0; i < n.ToUInt64(); i++)
                {
                    NativeLegalHold h;
                    Status.Check(Native.custodia_legal_hold_list_get(list, (UIntPtr)i, &h));
                    var keys = new List<KeyId>();
                    for (ulong j = 0; j < h.KeyCount.ToUInt64(); j++) keys.Add(KeyId.FromNative(h.Keys[j]));
                    result.Add(new LegalHoldInfo
                    {
                        CaseRef = Text.FromUtf8Z(h.CaseRef), Reference = Text.FromUtf8Z(h.Reference),
                        Reason = Text.FromUtf8Z(h.Reason), SetBy = Text.FromUtf8Z(h.SetBy),
                        SetAt = DateTimeOffset.FromUnixTimeSeconds((long)h.SetAt),
                        Keys = new ReadOnlyCollection<KeyId>(keys),
                    });
                }
                return result;
            }
        }

        // ---- seal and open -------------------------------------------------------------------------------------

        // The envelope is written into a per-thread scratch buffer sized by custodia_seal_max_size (about a chunk,
        // 64 KiB, even for a few bytes), then copied out at its real length: a fresh 64 KiB array per call (large
        // object heap, zeroed) cost more than the seal itself. The envelope is ciphertext, so the scratch need not be
        // wiped. Only envelopes up to ScratchLimit go through it, so a large seal does not pin its size to the thread.
        // The buffer is taken out of its slot during the call: a key provider or signer callback that seals on this
        // thread (into another custodian) gets its own.
        [ThreadStatic] static byte[] sealScratch;
        const int ScratchLimit = 1 << 20;

        /// <summary>Seal data for the options' recipients; audited. The envelope is not secret. The library writes it
        /// through custodia_seal_into (caller-sized output: no library buffer to copy out and free).</summary>
        public byte[] Seal(Actor actor, byte[] data, SealOptions options)
        {
            Bytes(data, "data");
            if (options == null) throw new ArgumentNullException("options");
            var o = options.H;
            UIntPtr cap, written;
            Status.Check(Native.custodia_seal_max_size(o, (UIntPtr)(uint)data.Length, &cap));
            int need = checked((int)cap.ToUInt64());
            byte[] scratch = null;
            if (need <= ScratchLimit)
            {
                scratch = sealScratch;
                sealScratch = null;
            }
            if (scratch == null || scratch.Length < need) scratch = new byte[need];
            try
            {
                fixed (byte* d = data)
                fixed (byte* p = scratch)
                    Status.Check(Native.custodia_seal_into(H, A(actor), d, (UIntPtr)(uint)data.Length, o, p, cap, &written));
                int n = checked((int)written.ToUInt64());
                if (need > ScratchLimit && n == scratch.Length) return scratch;
                var result = new byte[n];
                Buffer.BlockCopy(scratch, 0, result, 0, n);
                return result;
            }
            finally
            {
                if (need <= ScratchLimit) sealScratch = scratch;
            }
        }

        public byte[] Seal(Actor actor, SensitiveBytes data, SealOptions options)
        {
            if (data == null) throw new ArgumentNullException("data");
            return Seal(actor, data.Live, options);
        }

        /// <summary>Open an envelope (binary or armored) as the actor for a purpose, optionally under a legal exception
        /// and requiring a signer. Refusals throw the RefusedException subclass naming the rule; a damaged or forged
        /// envelope OpenFailedException. The plaintext is written by the library into a pinned SensitiveBytes.</summary>
        public Opened Open(Actor actor, byte[] envelope, string purpose, ExceptionGround exception = null, KeyId requiredSigner = null)
        {
            Bytes(envelope, "envelope");
            var p = Purpose(purpose);
            var a = A(actor);
            var ex = exception == null ? ExceptionGroundHandle.None : exception.H;
            var signer = requiredSigner == null ? default(NativeKeyId) : requiredSigner.ToNative();
            UIntPtr need, written;
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            fixed (byte* e = envelope)
            {
                Status.Check(Native.custodia_open_size(e, (UIntPtr)(uint)envelope.Length, &need));
                var plain = new SensitiveBytes(checked((int)need.ToUInt64()));
                try
                {
                    fixed (byte* o = plain.Live)
                        Status.Check(Native.custodia_open_into(H, a, p, ex, e, (UIntPtr)(uint)envelope.Length,
                            requiredSigner == null ? null : &signer, o, need, &written, info));
                    plain.Truncate((int)written.ToUInt64());
                    return new Opened(plain, EnvelopeInfo.FromNative(info));
                }
                catch
                {
                    plain.Dispose();
                    throw;
                }
            }
        }

        /// <summary>An envelope's bound metadata without opening it (no key, no decision, not audited).</summary>
        public EnvelopeInfo Inspect(byte[] envelope)
        {
            Bytes(envelope, "envelope");
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            fixed (byte* e = envelope)
                Status.Check(Native.custodia_envelope_inspect(H, e, (UIntPtr)(uint)envelope.Length, info));
            return EnvelopeInfo.FromNative(info);
        }

        /// <summary>A human description of an envelope's bound metadata.</summary>
        public string Describe(byte[] envelope)
        {
            Bytes(envelope, "envelope");
            var buf = new NativeBuffer();
            fixed (byte* e = envelope)
                Status.Check(Native.custodia_envelope_describe(H, e, (UIntPtr)(uint)envelope.Length, &buf));
            return Text.TakeText(ref buf);
        }

        /// <summary>The originator's grants an envelope's header carries.</summary>
        public IList<Grant> EnvelopeGrants(byte[] envelope)
        {
            var info = Inspect(envelope);
            var result = new List<Grant>();
            for (int i = 0; i < info.GrantCount; i++)
            {
                var buf = new NativeBuffer();
                fixed (byte* e = envelope)
                    Status.Check(Native.custodia_envelope_grant(H, e, (UIntPtr)(uint)envelope.Length, (UIntPtr)(uint)i, &buf));
                result.Add(new Grant(Text.TakeBytes(ref buf)));
            }
            return result;
        }

        /// <summary>Re-wrap an envelope's data key for a purpose: drop the remove recipients, add the add ones (the
        /// payload is not re-encrypted). A non-originator adding another authority's key needs the originator's
        /// grant (OnwardTransferNotGrantedException otherwise).</summary>
        public byte[] Rewrap(Actor actor, byte[] envelope, string purpose, IEnumerable<KeyId> remove = null,
            IEnumerable<KeyId> add = null, Grant grant = null)
        {
            Bytes(envelope, "envelope");
            var rm = Keys(remove, "remove");
            var ad = Keys(add, "add");
            var buf = new NativeBuffer();
            fixed (byte* e = envelope)
            fixed (NativeKeyId* r = rm)
            fixed (NativeKeyId* d = ad)
            {
                if (grant == null)
                    Status.Check(Native.custodia_rewrap(H, A(actor), Purpose(purpose), e, (UIntPtr)(uint)envelope.Length,
                        r, (UIntPtr)(uint)rm.Length, d, (UIntPtr)(uint)ad.Length, &buf));
                else
                    fixed (byte* g = grant.Raw)
                        Status.Check(Native.custodia_rewrap_with_grant(H, A(actor), Purpose(purpose), e, (UIntPtr)(uint)envelope.Length,
                            r, (UIntPtr)(uint)rm.Length, d, (UIntPtr)(uint)ad.Length, g, (UIntPtr)(uint)grant.Raw.Length, &buf));
            }
            return Text.TakeBytes(ref buf);
        }

        /// <summary>Re-wrap an envelope for the newest successors of its rotated keys.</summary>
        public byte[] RewrapRotated(Actor actor, byte[] envelope)
        {
            Bytes(envelope, "envelope");
            var buf = new NativeBuffer();
            fixed (byte* e = envelope)
                Status.Check(Native.custodia_rewrap_rotated(H, A(actor), e, (UIntPtr)(uint)envelope.Length, &buf));
            return Text.TakeBytes(ref buf);
        }

        /// <summary>How many times this custodian tried to unwrap a data key since it was opened.</summary>
        public ulong UnwrapAttempts()
        {
            ulong n;
            Status.Check(Native.custodia_custodian_unwrap_attempts(H, &n));
            return n;
        }

        public void SetAccessPolicy(Actor actor, AccessPolicy policy)
        {
            if (policy == null) throw new ArgumentNullException("policy");
            Status.Check(Native.custodia_custodian_set_access_policy(H, A(actor), policy.H));
        }

        /// <summary>Sign a four-eyes approval as the approver with this keyring's Ed25519 signing key: consent that
        /// actorId open envelope objectId for purpose under an exception of that kind and reference, until notAfter.
        /// Returns the approval text the opener attaches with ExceptionGround.WithApproval.</summary>
        public string ApproveException(Actor approver, KeyId signingKey, string objectId, string actorId, string purpose,
            ExceptionKind kind, string reference, DateTimeOffset notAfter)
        {
            var k = K(signingKey, "signingKey");
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_custodian_approve_exception(H, A(approver), &k, Text.Utf8Z(objectId, "objectId"),
                Text.Utf8Z(actorId, "actorId"), Purpose(purpose), (uint)kind, Text.OptUtf8Z(reference, "reference"),
                Handles.Unix(notAfter, "notAfter"), &buf));
            return Text.TakeText(ref buf);
        }

        /// <summary>What a compromised (or any) key protected, as the library's report text (envelopes to re-wrap).</summary>
        public string CompromiseReport(KeyId key)
        {
            var k = K(key, "key");
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_key_compromise_report(H, &k, &buf));
            return Text.TakeText(ref buf);
        }

        /// <summary>Re-wrap many envelope files in place, each through the same gate as Rewrap (for purpose) or, with
        /// a null purpose, as RewrapRotated. One bad or refused file does not stop the batch.</summary>
        public IList<RewrapOutcome> RewrapBatch(Actor actor, IList<string> paths, string purpose = null,
            IEnumerable<KeyId> remove = null, IEnumerable<KeyId> add = null)
        {
            if (paths == null) throw new ArgumentNullException("paths");
            var rm = Keys(remove, "remove");
            var ad = Keys(add, "add");
            RewrapResultsHandle results;
            using (var p = new CStrings(paths, "paths"))
            fixed (NativeKeyId* r = rm)
            fixed (NativeKeyId* d = ad)
                Status.Check(Native.custodia_rewrap_batch(H, A(actor), p.Ptr, p.Count, Text.OptUtf8Z(purpose, "purpose"),
                    r, (UIntPtr)(uint)rm.Length, d, (UIntPtr)(uint)ad.Length, out results));
            using (results)
            {
                var outcomes = new List<RewrapOutcome>();
                for (int i = 0; i < paths.Count; i++)
                {
                    uint status;
                    IntPtr message;
                    Status.Check(Native.custodia_rewrap_results_get(results, (UIntPtr)(uint)i, &status, &message));
                    outcomes.Add(new RewrapOutcome
                    {
                        Path = paths[i],
                        Error = status == 0 ? null : Status.ToException(status, Text.FromUtf8Z(message) ?? ""),
                    });
                }
                return outcomes;
            }
        }

        // ---- files and streams ---------------------------------------------------------------------------------

        /// <summary>Open an envelope file for random access: the policy gate decides first (recorded as an open); the
        /// result is a read-only seekable Stream whose every chunk is authenticated before a byte of it is returned.</summary>
        public EnvelopeReader OpenSeekable(Actor actor, string path, string purpose, ExceptionGround exception = null,
            KeyId requiredSigner = null)
        {
            var signer = requiredSigner == null ? default(NativeKeyId) : requiredSigner.ToNative();
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            ReaderHandle h;
            Status.Check(Native.custodia_reader_open_file(H, A(actor), Purpose(purpose),
                exception == null ? ExceptionGroundHandle.None : exception.H, requiredSigner == null ? null : &signer,
                Text.Utf8Z(path, "path"), out h, info));
            try
            {
                return new EnvelopeReader(h, EnvelopeInfo.FromNative(info));
            }
            catch
            {
                h.Dispose();
                throw;
            }
        }

        /// <summary>Seal a file to a file in constant memory.</summary>
        public void SealFile(Actor actor, string src, string dst, SealOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            Status.Check(Native.custodia_seal_file(H, A(actor), options.H, Text.Utf8Z(src, "src"), Text.Utf8Z(dst, "dst")));
        }

        /// <summary>Open a file to a file in constant memory; nothing unauthenticated is left at dst on failure.</summary>
        public EnvelopeInfo OpenFile(Actor actor, string src, string dst, string purpose, ExceptionGround exception = null,
            KeyId requiredSigner = null)
        {
            var signer = requiredSigner == null ? default(NativeKeyId) : requiredSigner.ToNative();
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            Status.Check(Native.custodia_open_file(H, A(actor), Purpose(purpose),
                exception == null ? ExceptionGroundHandle.None : exception.H, requiredSigner == null ? null : &signer,
                Text.Utf8Z(src, "src"), Text.Utf8Z(dst, "dst"), info));
            return EnvelopeInfo.FromNative(info);
        }

        // A file descriptor of a SafeHandle (on Unix, a SafeFileHandle's handle is the descriptor), held (AddRef) for
        // the call so that it cannot be closed meanwhile.
        static int Fd(SafeHandle h, string name, ref bool added)
        {
            if (h == null) throw new ArgumentNullException(name);
            if (h.IsClosed || h.IsInvalid) throw new ArgumentException(name + " is closed", name);
            h.DangerousAddRef(ref added);
            return checked((int)h.DangerousGetHandle().ToInt64());
        }

        /// <summary>Seal what the descriptor src yields (from its current offset to its end) into dst, in constant
        /// memory (custodia_seal_fd). The handles stay the caller's: neither closed nor rewound. A FileStream's
        /// SafeFileHandle works when the stream's own buffer is not in use (freshly opened, or flushed).</summary>
        public void SealFile(Actor actor, SafeHandle src, SafeHandle dst, SealOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            bool a = false, b = false;
            try
            {
                int s = Fd(src, "src", ref a), d = Fd(dst, "dst", ref b);
                Status.Check(Native.custodia_seal_fd(H, A(actor), options.H, s, d));
            }
            finally
            {
                if (a) src.DangerousRelease();
                if (b) dst.DangerousRelease();
            }
        }

        /// <summary>Open the envelope the descriptor src yields into dst, chunk by chunk, each written only after it
        /// authenticates (custodia_open_fd). On failure discard what dst received.</summary>
        public EnvelopeInfo OpenFile(Actor actor, SafeHandle src, SafeHandle dst, string purpose, ExceptionGround exception = null,
            KeyId requiredSigner = null)
        {
            var signer = requiredSigner == null ? default(NativeKeyId) : requiredSigner.ToNative();
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            bool a = false, b = false;
            try
            {
                int s = Fd(src, "src", ref a), d = Fd(dst, "dst", ref b);
                Status.Check(Native.custodia_open_fd(H, A(actor), Purpose(purpose),
                    exception == null ? ExceptionGroundHandle.None : exception.H, requiredSigner == null ? null : &signer,
                    s, d, info));
            }
            finally
            {
                if (a) src.DangerousRelease();
                if (b) dst.DangerousRelease();
            }
            return EnvelopeInfo.FromNative(info);
        }

        /// <summary>Random access to the envelope a seekable descriptor holds from its current offset
        /// (custodia_reader_open_fd); the reader keeps its own duplicate, so the caller may close its handle.</summary>
        public EnvelopeReader OpenSeekable(Actor actor, SafeHandle source, string purpose, ExceptionGround exception = null,
            KeyId requiredSigner = null)
        {
            var signer = requiredSigner == null ? default(NativeKeyId) : requiredSigner.ToNative();
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            ReaderHandle h;
            bool added = false;
            try
            {
                int fd = Fd(source, "source", ref added);
                Status.Check(Native.custodia_reader_open_fd(H, A(actor), Purpose(purpose),
                    exception == null ? ExceptionGroundHandle.None : exception.H, requiredSigner == null ? null : &signer,
                    fd, out h, info));
            }
            finally
            {
                if (added) source.DangerousRelease();
            }
            try
            {
                return new EnvelopeReader(h, EnvelopeInfo.FromNative(info));
            }
            catch
            {
                h.Dispose();
                throw;
            }
        }

        /// <summary>Seal from one stream to another in constant memory (the library pulls chunks through callbacks).</summary>
        public void SealStream(Actor actor, Stream src, Stream dst, SealOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            using (var pair = new StreamPair(src, dst))
                pair.Check(Native.custodia_seal_stream(H, A(actor), options.H, pair.Read, IntPtr.Zero, pair.Write, IntPtr.Zero));
        }

        /// <summary>Open from one stream to another in constant memory. Every chunk is authenticated before it is
        /// written; on a failure part of the plaintext may already be in dst: discard it.</summary>
        public EnvelopeInfo OpenStream(Actor actor, Stream src, Stream dst, string purpose, ExceptionGround exception = null,
            KeyId requiredSigner = null)
        {
            var signer = requiredSigner == null ? default(NativeKeyId) : requiredSigner.ToNative();
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            using (var pair = new StreamPair(src, dst))
                pair.Check(Native.custodia_open_stream(H, A(actor), Purpose(purpose),
                    exception == null ? ExceptionGroundHandle.None : exception.H, requiredSigner == null ? null : &signer,
                    pair.Read, IntPtr.Zero, pair.Write, IntPtr.Zero, info));
            return EnvelopeInfo.FromNative(info);
        }

        // ---- grants (rule of speciality) -----------------------------------------------------------------------

        public Grant IssueOnwardTransferGrant(Actor actor, KeyId signer, string objectId, string authority, string jurisdiction,
            KeyId recipient, DateTimeOffset notAfter, string reference)
        {
            var s = K(signer, "signer");
            var r = K(recipient, "recipient");
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_grant_issue_onward_transfer(H, A(actor), &s, Text.Utf8Z(objectId, "objectId"),
                Text.Utf8Z(authority, "authority"), Text.Utf8Z(jurisdiction, "jurisdiction"), &r,
                Handles.Unix(notAfter, "notAfter"), Text.Utf8Z(reference, "reference"), &buf));
            return new Grant(Text.TakeBytes(ref buf));
        }

        public Grant IssuePurposeExtensionGrant(Actor actor, KeyId signer, string objectId, IEnumerable<string> purposes,
            DateTimeOffset notAfter, string reference)
        {
            var s = K(signer, "signer");
            var buf = new NativeBuffer();
            using (var p = new CStrings(purposes, "purposes"))
                Status.Check(Native.custodia_grant_issue_purpose_extension(H, A(actor), &s, Text.Utf8Z(objectId, "objectId"),
                    p.Ptr, p.Count, Handles.Unix(notAfter, "notAfter"), Text.Utf8Z(reference, "reference"), &buf));
            return new Grant(Text.TakeBytes(ref buf));
        }

        /// <summary>Apply an originator's purpose extension grant: re-issue the envelope with it in its header.</summary>
        public byte[] ExtendPurposes(Actor actor, byte[] envelope, Grant grant)
        {
            Bytes(envelope, "envelope");
            if (grant == null) throw new ArgumentNullException("grant");
            var buf = new NativeBuffer();
            fixed (byte* e = envelope)
            fixed (byte* g = grant.Raw)
                Status.Check(Native.custodia_extend_purposes(H, A(actor), e, (UIntPtr)(uint)envelope.Length, g,
                    (UIntPtr)(uint)grant.Raw.Length, &buf));
            return Text.TakeBytes(ref buf);
        }

        // ---- receipts ------------------------------------------------------------------------------------------

        /// <summary>Record the receipt of an envelope (no key touched); returns its metadata.</summary>
        public EnvelopeInfo Receive(Actor actor, byte[] envelope)
        {
            Bytes(envelope, "envelope");
            NativeEnvelopeInfo* info = stackalloc NativeEnvelopeInfo[1];
            fixed (byte* e = envelope)
                Status.Check(Native.custodia_envelope_receive(H, A(actor), e, (UIntPtr)(uint)envelope.Length, info));
            return EnvelopeInfo.FromNative(info);
        }

        public Receipt IssueReceipt(Actor actor, string objectId, KeyId signer, bool nameActors = false, bool includeRefusals = true)
        {
            var s = K(signer, "signer");
            ReceiptHandle h;
            Status.Check(Native.custodia_receipt_issue(H, A(actor), Text.Utf8Z(objectId, "objectId"), &s,
                (byte)(nameActors ? 1 : 0), (byte)(includeRefusals ? 1 : 0), out h));
            return Receipt.FromHandle(h);
        }

        public Receipt ImportReceipt(Actor actor, string armored)
        {
            ReceiptHandle h;
            Status.Check(Native.custodia_receipt_import(H, A(actor), Text.Utf8Z(armored, "armored"), out h));
            return Receipt.FromHandle(h);
        }

        public IList<Receipt> ReceiptsForObject(string objectId)
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_receipt_find_by_object(H, Text.Utf8Z(objectId, "objectId"), &buf));
            return Receipt.Split(Text.TakeText(ref buf));
        }

        public IList<Receipt> ReceiptsForCase(string caseRef)
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_receipt_find_by_case(H, Text.Utf8Z(caseRef, "caseRef"), &buf));
            return Receipt.Split(Text.TakeText(ref buf));
        }

        // ---- audit ---------------------------------------------------------------------------------------------

        /// <summary>Verify the whole audit log (hash chain, signatures, checkpoints), optionally against anchors.</summary>
        public AuditReport VerifyAudit(params Anchor[] anchors)
        {
            var jsons = new List<string>();
            if (anchors != null) foreach (var a in anchors) jsons.Add(a.Json);
            NativeAuditReport r;
            using (var arr = new CStrings(jsons, "anchors"))
                Status.Check(Native.custodia_audit_verify(H, arr.Ptr, arr.Count, &r));
            return new AuditReport
            {
                Entries = r.Entries, Checkpoints = r.Checkpoints, Erasures = r.Erasures, Recoveries = r.Recoveries,
                UnsealedTail = r.UnsealedTail, LastCheckpoint = r.HasLastCheckpoint != 0 ? (ulong?)r.LastCheckpoint : null,
                Head = Text.FromFixed(r.Head, 65), Anchors = r.Anchors,
            };
        }

        /// <summary>Write a signed checkpoint now and return it.</summary>
        public Anchor Checkpoint()
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_audit_checkpoint(H, &buf));
            return new Anchor(Text.TakeText(ref buf));
        }

        /// <summary>The audit log's public key text, with which anyone can verify its checkpoints and certificates.</summary>
        public string AuditPublicKey()
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_audit_public_key(H, &buf));
            return Text.TakeText(ref buf);
        }

        AuditEntriesHandle Query(AuditQuery q)
        {
            q = q ?? new AuditQuery();
            AuditEntriesHandle h;
            using (var kinds = new CStrings(q.Kinds ?? new string[0], "kinds"))
                Status.Check(Native.custodia_audit_query(H, Text.OptUtf8Z(q.CaseRef, "caseRef"), Text.OptUtf8Z(q.ObjectId, "objectId"),
                    Text.OptUtf8Z(q.ActorId, "actorId"), kinds.Ptr, kinds.Count,
                    q.From.HasValue ? Handles.Unix(q.From.Value, "from") : 0,
                    q.Until.HasValue ? Handles.Unix(q.Until.Value, "until") : 0, out h));
            return h;
        }

        /// <summary>The audit entries matching the filters, in log order.</summary>
        public IList<AuditEntry> AuditEntries(AuditQuery query = null)
        {
            using (var h = Query(query))
            {
                UIntPtr n;
                Status.Check(Native.custodia_audit_entries_len(h, &n));
                var result = new List<AuditEntry>();
                for (uint i = 0; i < n.ToUInt64(); i++)
                {
                    NativeAuditEntry e;
                    Status.Check(Native.custodia_audit_entries_get(h, (UIntPtr)i, &e));
                    result.Add(Entry(&e, false));
                }
                return result;
            }
        }

        internal static AuditEntry Entry(NativeAuditEntry* e, bool fromSink)
        {
            return new AuditEntry
            {
                Seq = fromSink && e->Seq == ulong.MaxValue ? (ulong?)null : e->Seq,
                Time = DateTimeOffset.FromUnixTimeSeconds((long)e->Time), Kind = Text.FromUtf8Z(e->Kind),
                ActorId = Text.FromUtf8Z(e->ActorId), ActorRole = Text.FromUtf8Z(e->ActorRole),
                ActorJurisdiction = Text.FromUtf8Z(e->ActorJurisdiction), CaseRef = Text.FromUtf8Z(e->CaseRef),
                Object = Text.FromUtf8Z(e->Object), Purpose = Text.FromUtf8Z(e->Purpose),
                Outcome = Text.FromUtf8Z(e->Outcome), Json = Text.FromUtf8Z(e->Json),
            };
        }

        /// <summary>The matching entries as CSV text.</summary>
        public string AuditCsv(AuditQuery query = null)
        {
            using (var h = Query(query))
            {
                var buf = new NativeBuffer();
                ulong rows;
                Status.Check(Native.custodia_audit_entries_csv(h, &buf, &rows));
                return Text.TakeText(ref buf);
            }
        }

        /// <summary>Write the matching entries as CSV to a file (created 0600, or truncated); returns the row count.</summary>
        public ulong WriteAuditCsv(string path, AuditQuery query = null)
        {
            using (var h = Query(query))
            {
                ulong rows;
                Status.Check(Native.custodia_audit_entries_write_csv(h, Text.Utf8Z(path, "path"), &rows));
                return rows;
            }
        }

        /// <summary>Counter-sign another custodian's anchor with an Ed25519 key of this keyring (the witness);
        /// theirAuditKey is the other custodian's AuditPublicKey text. AnchorInvalidException if it does not verify.</summary>
        public Anchor CountersignAnchor(Actor actor, Anchor anchor, string theirAuditKey, KeyId witness)
        {
            if (anchor == null) throw new ArgumentNullException("anchor");
            var w = K(witness, "witness");
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_anchor_countersign(H, A(actor), Text.Utf8Z(anchor.Json, "anchor"),
                Text.Utf8Z(theirAuditKey, "theirAuditKey"), &w, &buf));
            return new Anchor(Text.TakeText(ref buf));
        }

        /// <summary>An inclusion bundle for audit entry seq (docs/AUDIT.md section 12.3), checked with VerifyInclusion
        /// by whoever holds only the audit public key.</summary>
        public string ProveAuditEntry(ulong seq)
        {
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_audit_merkle_prove(H, seq, &buf));
            return Text.TakeText(ref buf);
        }

        /// <summary>Check an inclusion bundle against an audit public key; returns the proven entry's JSON.</summary>
        public static string VerifyInclusion(string bundle, string auditKey)
        {
            Library.EnsureLoaded();
            var buf = new NativeBuffer();
            Status.Check(Native.custodia_audit_merkle_verify_inclusion(Text.Utf8Z(bundle, "bundle"), Text.Utf8Z(auditKey, "auditKey"), &buf));
            return Text.TakeText(ref buf);
        }

        public override string ToString() { return "Custodian(" + Directory + (IsClosed ? ", closed)" : ")"); }
    }
}
