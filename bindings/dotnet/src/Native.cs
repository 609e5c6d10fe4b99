// Layer 1: the raw C ABI of include/custodia.h as P/Invoke declarations (DllImport "custodia": libcustodia.so found
// through LD_LIBRARY_PATH, or a Mono dllmap / .NET NativeLibrary resolver set up by the host). It only describes the
// C functions: it holds no secret, frees nothing on its own and turns no status into an exception (Errors.cs does).
//
// Handles (struct custodia_<noun> { uint64_t id; }) travel as the SafeHandle subclasses of Handles.cs: an 8-byte
// integer by value, which is how the header says a binding may pass them on 64-bit platforms. Structs are declared
// blittable (byte for C bool, fixed buffers for char arrays) and passed by pointer, so no marshaller copies them.
using System;
using System.Runtime.InteropServices;

namespace Custodia.Raw
{
    [StructLayout(LayoutKind.Sequential)]
    public struct NativeBuffer
    {
        public IntPtr Data;
        public UIntPtr Len;
        public ulong Id;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct NativeKeyId
    {
        public fixed byte Bytes[16];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NativeMemoryProtection
    {
        public ulong LockedBytes;
        public ulong UnlockedBytes;
        public ulong LockFailures;
        public ulong DontdumpFailures;
        public ulong LiveSecrets;
        public int Dumpable;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct NativeAuditReport
    {
        public ulong Entries;
        public ulong Checkpoints;
        public ulong Erasures;
        public ulong Recoveries;
        public ulong UnsealedTail;
        public byte HasLastCheckpoint;
        public ulong LastCheckpoint;
        public fixed byte Head[65];
        public ulong Anchors;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct NativeKeyInfo
    {
        public NativeKeyId KeyId;
        public uint Kind;
        public uint State;
        public IntPtr Label;
        public IntPtr CaseRef;
        public ulong Created;
        public ulong DestroyAfter;
        public ulong DestroyedAt;
        public byte HasSecret;
        public byte HasRotatedFrom;
        public NativeKeyId RotatedFrom;
        public byte HasRotatedTo;
        public NativeKeyId RotatedTo;
        public IntPtr Jurisdiction;
        public IntPtr Authority;
        public ulong NotBefore;
        public ulong NotAfter;
        public ulong RevokedAt;
        public IntPtr RevokedReason;
        public ulong CompromisedAt;
        public IntPtr CompromisedReason;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct NativeEnvelopeInfo
    {
        public const int MaxRecipients = 64;
        public const int RecipientSize = 20; // struct custodia_recipient: 16-byte key id, uint32_t kind
        public fixed byte ObjectId[33];
        public uint Category;
        public uint Classification;
        public ulong Created;
        public ulong NotAfter;
        public UIntPtr PurposeCount;
        public UIntPtr RecipientCount;
        public byte HasSigner;
        public NativeKeyId Signer;
        public uint InstrumentKind;
        public fixed byte InstrumentReference[1025];
        public fixed byte TransferBasis[1025];
        public fixed byte Origin[3];
        public fixed byte Destinations[192];
        public fixed byte Purposes[4128];
        public fixed byte CaseRef[129];
        // 64 x struct custodia_recipient (4-byte aligned, as in C): read through RecipientAt.
        public fixed uint Recipients[MaxRecipients * RecipientSize / 4];
        public UIntPtr GrantCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NativeRecordField
    {
        public IntPtr Name;
        public uint Category;
        public uint Classification;
        public uint Kind;
        public IntPtr Purposes;
        public uint Withheld;
        public uint Mask;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NativeAuditEntry
    {
        public ulong Seq;
        public ulong Time;
        public IntPtr Kind;
        public IntPtr ActorId;
        public IntPtr ActorRole;
        public IntPtr ActorJurisdiction;
        public IntPtr CaseRef;
        public IntPtr Object;
        public IntPtr Purpose;
        public IntPtr Outcome;
        public IntPtr Json;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct NativeLegalHold
    {
        public IntPtr CaseRef;
        public IntPtr Reference;
        public IntPtr Reason;
        public IntPtr SetBy;
        public ulong SetAt;
        public UIntPtr KeyCount;
        public NativeKeyId* Keys;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct NativeAnchorInfo
    {
        public fixed byte LogId[33];
        public ulong Count;
        public fixed byte Head[65];
        public UIntPtr WitnessCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct NativeErasureCertificateInfo
    {
        public const int MaxKeys = 64;
        public fixed byte LogId[33];
        public ulong Seq;
        public ulong Time;
        public fixed byte CaseRef[129];
        public fixed byte Reason[513];
        public byte HasEnvelopes;
        public ulong Envelopes;
        public UIntPtr KeyCount;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public unsafe delegate int ReadFn(IntPtr context, byte* buffer, UIntPtr capacity, UIntPtr* outRead);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public unsafe delegate int WriteFn(IntPtr context, byte* data, UIntPtr len);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public unsafe delegate int AuditSinkFn(IntPtr userData, NativeAuditEntry* entry);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public unsafe delegate int ProviderHoldsFn(IntPtr userData, byte* keyId);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public unsafe delegate int ProviderWrapFn(IntPtr userData, byte* keyId, byte* dataKey, UIntPtr dataKeyLen, byte* aad,
        UIntPtr aadLen, byte* output, UIntPtr capacity, UIntPtr* outLen);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public unsafe delegate int ProviderUnwrapFn(IntPtr userData, byte* keyId, byte* wrapped, UIntPtr wrappedLen, byte* aad,
        UIntPtr aadLen, byte* outKey, UIntPtr outKeyLen);

    /// <summary>struct custodia_key_provider_callbacks: function pointers (release NULL).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NativeProviderCallbacks
    {
        public IntPtr Holds;
        public IntPtr Wrap;
        public IntPtr Unwrap;
        public IntPtr Release;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public unsafe delegate int SignerSignFn(IntPtr userData, byte* message, UIntPtr messageLen, byte* outSignature);

    /// <summary>struct custodia_signer_callbacks: function pointers (release NULL).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NativeSignerCallbacks
    {
        public IntPtr Sign;
        public IntPtr Release;
    }

    public static unsafe class Native
    {
        public const string Lib = "custodia";
        public const uint AbiVersion = 4;

        // errors, buffers, status, versions
        [DllImport(Lib)] public static extern uint custodia_last_error_code();
        [DllImport(Lib)] public static extern IntPtr custodia_last_error_message();
        [DllImport(Lib)] public static extern uint custodia_buffer_free(NativeBuffer* buffer);
        [DllImport(Lib)] public static extern IntPtr custodia_status_name(uint status);
        [DllImport(Lib)] public static extern byte custodia_status_is_refusal(uint status);
        [DllImport(Lib)] public static extern IntPtr custodia_version();
        [DllImport(Lib)] public static extern uint custodia_abi_version();
        [DllImport(Lib)] public static extern uint custodia_live_counts(UIntPtr* handles, UIntPtr* buffers);
        [DllImport(Lib)] public static extern uint custodia_memory_status(NativeMemoryProtection* status);
        [DllImport(Lib)] public static extern uint custodia_disable_core_dumps();

        // key ids
        [DllImport(Lib)] public static extern uint custodia_key_id_parse(byte[] text, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_key_id_from_bytes(byte* bytes, UIntPtr len, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_key_id_format(NativeKeyId* keyId, byte* outText, UIntPtr size);

        // vocabulary
        [DllImport(Lib)] public static extern uint custodia_purpose_validate(byte[] purpose);
        [DllImport(Lib)] public static extern uint custodia_jurisdiction_validate(byte[] jurisdiction);
        [DllImport(Lib)] public static extern uint custodia_case_ref_validate(byte[] caseRef);
        [DllImport(Lib)] public static extern uint custodia_category_name(uint code, IntPtr* outName);
        [DllImport(Lib)] public static extern uint custodia_category_from_name(byte[] name, uint* outCode);
        [DllImport(Lib)] public static extern uint custodia_category_minimum_classification(uint code, uint* outClassification);
        [DllImport(Lib)] public static extern uint custodia_classification_name(uint code, IntPtr* outName);
        [DllImport(Lib)] public static extern uint custodia_classification_from_name(byte[] name, uint* outCode);
        [DllImport(Lib)] public static extern uint custodia_exception_kind_name(uint code, IntPtr* outName);
        [DllImport(Lib)] public static extern uint custodia_exception_kind_from_name(byte[] name, uint* outCode);
        [DllImport(Lib)] public static extern uint custodia_key_kind_name(uint code, IntPtr* outName);
        [DllImport(Lib)] public static extern uint custodia_key_kind_from_name(byte[] name, uint* outCode);

        // actors and exception grounds
        [DllImport(Lib)] public static extern uint custodia_actor_new(byte[] userId, byte[] role, byte[] jurisdiction, uint clearance, out ActorHandle outActor);
        [DllImport(Lib)] public static extern uint custodia_actor_free(ulong actor);
        [DllImport(Lib)] public static extern uint custodia_actor_describe(ActorHandle actor, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_exception_ground_new(uint kind, byte[] reference, byte[] justification, out ExceptionGroundHandle outException);
        [DllImport(Lib)] public static extern uint custodia_exception_ground_describe(ExceptionGroundHandle exception, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_exception_ground_free(ulong exception);

        // seal options
        [DllImport(Lib)] public static extern uint custodia_seal_options_new(uint category, IntPtr* purposes, UIntPtr count, out SealOptionsHandle outOptions);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_classification(SealOptionsHandle o, uint classification);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_case_ref(SealOptionsHandle o, byte[] caseRef);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_jurisdictions(SealOptionsHandle o, byte[] origin, IntPtr* destinations, UIntPtr count);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_not_after(SealOptionsHandle o, ulong notAfter);
        [DllImport(Lib)] public static extern uint custodia_seal_options_add_recipient(SealOptionsHandle o, NativeKeyId* keyId);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_signer(SealOptionsHandle o, NativeKeyId* keyId);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_sender(SealOptionsHandle o, NativeKeyId* keyId);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_instrument(SealOptionsHandle o, uint kind, byte[] reference, byte[] transferBasis);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_chunk_size(SealOptionsHandle o, uint chunkSize);
        [DllImport(Lib)] public static extern uint custodia_seal_options_set_armor(SealOptionsHandle o, byte armor);
        [DllImport(Lib)] public static extern uint custodia_seal_options_free(ulong options);

        // access policy
        [DllImport(Lib)] public static extern uint custodia_access_policy_parse(byte[] toml, out AccessPolicyHandle outPolicy);
        [DllImport(Lib)] public static extern uint custodia_access_policy_sha256(AccessPolicyHandle policy, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_access_policy_free(ulong policy);
        [DllImport(Lib)] public static extern uint custodia_custodian_set_access_policy(CustodianHandle c, ActorHandle a, AccessPolicyHandle policy);

        // custodian
        [DllImport(Lib)] public static extern uint custodia_custodian_options_new(out CustodianOptionsHandle outOptions);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_set_create(CustodianOptionsHandle o, byte create);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_set_kdf(CustodianOptionsHandle o, uint memoryKib, uint passes, uint lanes);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_set_durability(CustodianOptionsHandle o, uint durability, UIntPtr maxBatch, uint maxDelayUs);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_free(ulong options);
        [DllImport(Lib)] public static extern uint custodia_key_provider_new(NativeProviderCallbacks* callbacks, IntPtr userData, byte[] name, uint stanzaKind, out KeyProviderHandle outProvider);
        [DllImport(Lib)] public static extern uint custodia_key_provider_free(ulong provider);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_add_provider(CustodianOptionsHandle o, KeyProviderHandle provider);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_set_case_keys(CustodianOptionsHandle o, KeyProviderHandle provider, NativeKeyId* kek, ulong cacheTtlSecs, ulong cacheMaxUses);
        [DllImport(Lib)] public static extern uint custodia_signer_new(byte* publicKey, NativeSignerCallbacks* callbacks, IntPtr userData, out SignerHandle outSigner);
        [DllImport(Lib)] public static extern uint custodia_signer_key_id(SignerHandle signer, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_signer_free(ulong signer);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_add_signer(CustodianOptionsHandle o, SignerHandle signer);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_set_audit_signer(CustodianOptionsHandle o, SignerHandle signer);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_add_audit_sink(CustodianOptionsHandle o, AuditSinkFn sink, IntPtr userData);
        [DllImport(Lib)] public static extern uint custodia_custodian_options_set_require_audit_sinks(CustodianOptionsHandle o, byte require);
        [DllImport(Lib)] public static extern uint custodia_custodian_audit_sink_failures(CustodianHandle c, ulong* outFailures);
        [DllImport(Lib)] public static extern uint custodia_custodian_open_passphrase(byte[] dir, byte[] passphrase, CustodianOptionsHandle o, out CustodianHandle outCustodian);
        [DllImport(Lib)] public static extern uint custodia_custodian_open_master_key(byte[] dir, byte* masterKey, UIntPtr len, CustodianOptionsHandle o, out CustodianHandle outCustodian);
        [DllImport(Lib)] public static extern uint custodia_custodian_close(CustodianHandle c, NativeBuffer* outAnchor);
        [DllImport(Lib)] public static extern uint custodia_custodian_free(ulong custodian);
        [DllImport(Lib)] public static extern uint custodia_custodian_unwrap_attempts(CustodianHandle c, ulong* outCount);

        // keys
        [DllImport(Lib)] public static extern uint custodia_key_generate(CustodianHandle c, ActorHandle a, uint kind, byte[] label, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_key_for_case(CustodianHandle c, ActorHandle a, byte[] caseRef, ulong destroyAfter, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_key_list_new(CustodianHandle c, out KeyListHandle outList);
        [DllImport(Lib)] public static extern uint custodia_key_list_len(KeyListHandle list, UIntPtr* outLen);
        [DllImport(Lib)] public static extern uint custodia_key_list_get(KeyListHandle list, UIntPtr index, NativeKeyInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_key_list_free(ulong list);
        [DllImport(Lib)] public static extern uint custodia_key_export_public(CustodianHandle c, NativeKeyId* keyId, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_key_import_public(CustodianHandle c, ActorHandle a, byte[] keyText, byte[] label, byte[] jurisdiction, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_key_import_authority(CustodianHandle c, ActorHandle a, byte[] keyText, byte[] label, byte[] authority, byte[] jurisdiction, ulong notBefore, ulong notAfter, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_key_revoke(CustodianHandle c, ActorHandle a, NativeKeyId* keyId, byte[] reason);
        [DllImport(Lib)] public static extern uint custodia_key_mark_compromised(CustodianHandle c, ActorHandle a, NativeKeyId* keyId, byte[] reason);
        [DllImport(Lib)] public static extern uint custodia_key_rotate(CustodianHandle c, ActorHandle a, NativeKeyId* keyId, NativeKeyId* outNew);
        [DllImport(Lib)] public static extern uint custodia_key_destroy(CustodianHandle c, ActorHandle a, NativeKeyId* keyId, byte[] reason, NativeBuffer* outCertificate);
        [DllImport(Lib)] public static extern uint custodia_key_shred_expired(CustodianHandle c, ActorHandle a, UIntPtr* outDestroyed, UIntPtr* outHeld, NativeBuffer* outCertificates);
        [DllImport(Lib)] public static extern uint custodia_key_set_retention(CustodianHandle c, ActorHandle a, NativeKeyId* keyId, ulong destroyAfter);
        [DllImport(Lib)] public static extern uint custodia_legal_hold_place(CustodianHandle c, ActorHandle a, byte[] caseRef, byte[] reference, byte[] reason);
        [DllImport(Lib)] public static extern uint custodia_legal_hold_release(CustodianHandle c, ActorHandle a, byte[] caseRef);

        // seal, open, inspect
        [DllImport(Lib)] public static extern uint custodia_seal_max_size(SealOptionsHandle o, UIntPtr dataLen, UIntPtr* outSize);
        [DllImport(Lib)] public static extern uint custodia_seal_into(CustodianHandle c, ActorHandle a, byte* data, UIntPtr dataLen, SealOptionsHandle o, byte* output, UIntPtr capacity, UIntPtr* outLen);
        [DllImport(Lib)] public static extern uint custodia_open_size(byte* envelope, UIntPtr len, UIntPtr* outSize);
        [DllImport(Lib)] public static extern uint custodia_open_into(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, byte* envelope, UIntPtr len, NativeKeyId* requiredSigner, byte* output, UIntPtr capacity, UIntPtr* outLen, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_envelope_inspect(CustodianHandle c, byte* envelope, UIntPtr len, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_envelope_describe(CustodianHandle c, byte* envelope, UIntPtr len, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_envelope_grant(CustodianHandle c, byte* envelope, UIntPtr len, UIntPtr index, NativeBuffer* outGrant);
        [DllImport(Lib)] public static extern uint custodia_seal_file(CustodianHandle c, ActorHandle a, SealOptionsHandle o, byte[] src, byte[] dst);
        [DllImport(Lib)] public static extern uint custodia_open_file(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, NativeKeyId* requiredSigner, byte[] src, byte[] dst, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_seal_fd(CustodianHandle c, ActorHandle a, SealOptionsHandle o, int srcFd, int dstFd);
        [DllImport(Lib)] public static extern uint custodia_open_fd(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, NativeKeyId* requiredSigner, int srcFd, int dstFd, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_seal_stream(CustodianHandle c, ActorHandle a, SealOptionsHandle o, ReadFn read, IntPtr readContext, WriteFn write, IntPtr writeContext);
        [DllImport(Lib)] public static extern uint custodia_open_stream(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, NativeKeyId* requiredSigner, ReadFn read, IntPtr readContext, WriteFn write, IntPtr writeContext, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_rewrap(CustodianHandle c, ActorHandle a, byte[] purpose, byte* envelope, UIntPtr len, NativeKeyId* remove, UIntPtr removeCount, NativeKeyId* add, UIntPtr addCount, NativeBuffer* outEnvelope);
        [DllImport(Lib)] public static extern uint custodia_rewrap_rotated(CustodianHandle c, ActorHandle a, byte* envelope, UIntPtr len, NativeBuffer* outEnvelope);
        [DllImport(Lib)] public static extern uint custodia_rewrap_with_grant(CustodianHandle c, ActorHandle a, byte[] purpose, byte* envelope, UIntPtr len, NativeKeyId* remove, UIntPtr removeCount, NativeKeyId* add, UIntPtr addCount, byte* grant, UIntPtr grantLen, NativeBuffer* outEnvelope);

        // grants
        [DllImport(Lib)] public static extern uint custodia_grant_issue_onward_transfer(CustodianHandle c, ActorHandle a, NativeKeyId* signer, byte[] objectId, byte[] authority, byte[] jurisdiction, NativeKeyId* recipient, ulong notAfter, byte[] reference, NativeBuffer* outGrant);
        [DllImport(Lib)] public static extern uint custodia_grant_issue_purpose_extension(CustodianHandle c, ActorHandle a, NativeKeyId* signer, byte[] objectId, IntPtr* purposes, UIntPtr count, ulong notAfter, byte[] reference, NativeBuffer* outGrant);
        [DllImport(Lib)] public static extern uint custodia_grant_id(byte* grant, UIntPtr len, byte* outText, UIntPtr size);
        [DllImport(Lib)] public static extern uint custodia_extend_purposes(CustodianHandle c, ActorHandle a, byte* envelope, UIntPtr len, byte* grant, UIntPtr grantLen, NativeBuffer* outEnvelope);

        // receipts
        [DllImport(Lib)] public static extern uint custodia_envelope_receive(CustodianHandle c, ActorHandle a, byte* envelope, UIntPtr len, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_receipt_issue(CustodianHandle c, ActorHandle a, byte[] objectId, NativeKeyId* signer, byte nameActors, byte includeRefusals, out ReceiptHandle outReceipt);
        [DllImport(Lib)] public static extern uint custodia_receipt_import(CustodianHandle c, ActorHandle a, byte[] text, out ReceiptHandle outReceipt);
        [DllImport(Lib)] public static extern uint custodia_receipt_find_by_object(CustodianHandle c, byte[] objectId, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_receipt_find_by_case(CustodianHandle c, byte[] caseRef, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_receipt_parse(byte[] text, out ReceiptHandle outReceipt);
        [DllImport(Lib)] public static extern uint custodia_receipt_verify(ReceiptHandle r, byte[] publicKey);
        [DllImport(Lib)] public static extern uint custodia_receipt_armor(ReceiptHandle r, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_receipt_describe(ReceiptHandle r, NativeBuffer* outObjectId, NativeBuffer* outCaseRef, NativeKeyId* outIssuer, ulong* outIssuedAt);
        [DllImport(Lib)] public static extern uint custodia_receipt_item_count(ReceiptHandle r, UIntPtr* outCount);
        [DllImport(Lib)] public static extern uint custodia_receipt_item_get(ReceiptHandle r, UIntPtr index, uint* outKind, ulong* outAt);
        [DllImport(Lib)] public static extern uint custodia_receipt_item_field(ReceiptHandle r, UIntPtr index, uint field, byte* outPresent, NativeBuffer* outValue);
        [DllImport(Lib)] public static extern uint custodia_receipt_free(ulong receipt);

        // audit
        [DllImport(Lib)] public static extern uint custodia_audit_verify(CustodianHandle c, IntPtr* anchors, UIntPtr count, NativeAuditReport* outReport);
        [DllImport(Lib)] public static extern uint custodia_audit_public_key(CustodianHandle c, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_audit_checkpoint(CustodianHandle c, NativeBuffer* outAnchor);
        [DllImport(Lib)] public static extern uint custodia_anchor_verify(byte[] anchor, byte[] auditKey, byte[] witnessKey);
        [DllImport(Lib)] public static extern uint custodia_anchor_inspect(byte[] anchor, NativeAnchorInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_erasure_certificate_inspect(byte[] certificate, NativeErasureCertificateInfo* outInfo, NativeKeyId* outKeys, UIntPtr capacity);
        [DllImport(Lib)] public static extern uint custodia_access_policy_load_file(byte[] path, out AccessPolicyHandle outPolicy);
        [DllImport(Lib)] public static extern uint custodia_erasure_certificate_verify(byte[] certificate, byte[] auditKey);
        [DllImport(Lib)] public static extern uint custodia_audit_query(CustodianHandle c, byte[] caseRef, byte[] objectHex, byte[] actorId, IntPtr* kinds, UIntPtr kindCount, ulong from, ulong until, out AuditEntriesHandle outEntries);
        [DllImport(Lib)] public static extern uint custodia_audit_entries_len(AuditEntriesHandle e, UIntPtr* outLen);
        [DllImport(Lib)] public static extern uint custodia_audit_entries_get(AuditEntriesHandle e, UIntPtr index, NativeAuditEntry* outEntry);
        [DllImport(Lib)] public static extern uint custodia_audit_entries_csv(AuditEntriesHandle e, NativeBuffer* outCsv, ulong* outRows);
        [DllImport(Lib)] public static extern uint custodia_audit_entries_free(ulong entries);
        [DllImport(Lib)] public static extern uint custodia_legal_hold_list_new(CustodianHandle c, out LegalHoldListHandle outList);
        [DllImport(Lib)] public static extern uint custodia_legal_hold_list_len(LegalHoldListHandle l, UIntPtr* outLen);
        [DllImport(Lib)] public static extern uint custodia_legal_hold_list_get(LegalHoldListHandle l, UIntPtr index, NativeLegalHold* outHold);
        [DllImport(Lib)] public static extern uint custodia_legal_hold_list_free(ulong list);
        [DllImport(Lib)] public static extern uint custodia_audit_entries_write_csv(AuditEntriesHandle e, byte[] path, ulong* outRows);
        [DllImport(Lib)] public static extern uint custodia_anchor_countersign(CustodianHandle c, ActorHandle a, byte[] anchor, byte[] theirAuditKey, NativeKeyId* witness, NativeBuffer* outAnchor);
        [DllImport(Lib)] public static extern uint custodia_audit_merkle_prove(CustodianHandle c, ulong seq, NativeBuffer* outBundle);
        [DllImport(Lib)] public static extern uint custodia_audit_merkle_verify_inclusion(byte[] bundle, byte[] auditKey, NativeBuffer* outEntry);
        [DllImport(Lib)] public static extern uint custodia_key_compromise_report(CustodianHandle c, NativeKeyId* keyId, NativeBuffer* outText);

        // four eyes
        [DllImport(Lib)] public static extern uint custodia_custodian_approve_exception(CustodianHandle c, ActorHandle approver, NativeKeyId* signingKey, byte[] objectId, byte[] actorId, byte[] purpose, uint exceptionKind, byte[] reference, ulong notAfter, NativeBuffer* outApproval);
        [DllImport(Lib)] public static extern uint custodia_exception_ground_with_approval(ExceptionGroundHandle exception, byte[] approval, out ExceptionGroundHandle outException);

        // random access
        [DllImport(Lib)] public static extern uint custodia_reader_open_file(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, NativeKeyId* requiredSigner, byte[] path, out ReaderHandle outReader, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_reader_open_fd(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, NativeKeyId* requiredSigner, int fd, out ReaderHandle outReader, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_reader_len(ReaderHandle r, ulong* outLen);
        [DllImport(Lib)] public static extern uint custodia_reader_read_at(ReaderHandle r, ulong offset, byte* buffer, UIntPtr capacity, UIntPtr* outRead);
        [DllImport(Lib)] public static extern uint custodia_reader_free(ulong reader);

        // batch re-wrap
        [DllImport(Lib)] public static extern uint custodia_rewrap_batch(CustodianHandle c, ActorHandle a, IntPtr* paths, UIntPtr count, byte[] purpose, NativeKeyId* remove, UIntPtr removeCount, NativeKeyId* add, UIntPtr addCount, out RewrapResultsHandle outResults);
        [DllImport(Lib)] public static extern uint custodia_rewrap_results_len(RewrapResultsHandle r, UIntPtr* outLen);
        [DllImport(Lib)] public static extern uint custodia_rewrap_results_get(RewrapResultsHandle r, UIntPtr index, uint* outStatus, IntPtr* outMessage);
        [DllImport(Lib)] public static extern uint custodia_rewrap_results_free(ulong results);

        // sealed records (docs/FORMAT.md section 14)
        [DllImport(Lib)] public static extern uint custodia_record_new(out RecordHandle outRecord);
        [DllImport(Lib)] public static extern uint custodia_record_add_text(RecordHandle r, byte[] name, byte* text, UIntPtr len, uint category, uint classification, IntPtr* purposes, UIntPtr purposeCount);
        [DllImport(Lib)] public static extern uint custodia_record_add_integer(RecordHandle r, byte[] name, long value, uint category, uint classification, IntPtr* purposes, UIntPtr purposeCount);
        [DllImport(Lib)] public static extern uint custodia_record_add_date(RecordHandle r, byte[] name, byte[] date, uint category, uint classification, IntPtr* purposes, UIntPtr purposeCount);
        [DllImport(Lib)] public static extern uint custodia_record_add_bytes(RecordHandle r, byte[] name, byte* data, UIntPtr len, uint category, uint classification, IntPtr* purposes, UIntPtr purposeCount);
        [DllImport(Lib)] public static extern uint custodia_record_add_nested(RecordHandle r, byte[] name, RecordHandle inner, uint category, uint classification, IntPtr* purposes, UIntPtr purposeCount);
        [DllImport(Lib)] public static extern uint custodia_record_free(ulong record);
        [DllImport(Lib)] public static extern uint custodia_seal_record(CustodianHandle c, ActorHandle a, RecordHandle r, SealOptionsHandle o, NativeBuffer* outEnvelope);
        [DllImport(Lib)] public static extern uint custodia_open_record(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, byte* envelope, UIntPtr len, NativeKeyId* requiredSigner, out OpenedRecordHandle outRecord, NativeEnvelopeInfo* outInfo);
        [DllImport(Lib)] public static extern uint custodia_opened_record_len(OpenedRecordHandle r, UIntPtr* outLen);
        [DllImport(Lib)] public static extern uint custodia_opened_record_field(OpenedRecordHandle r, UIntPtr index, NativeRecordField* outField);
        [DllImport(Lib)] public static extern uint custodia_opened_record_find(OpenedRecordHandle r, byte[] name, UIntPtr* outIndex);
        [DllImport(Lib)] public static extern uint custodia_opened_record_text(OpenedRecordHandle r, UIntPtr index, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_opened_record_integer(OpenedRecordHandle r, UIntPtr index, long* outValue);
        [DllImport(Lib)] public static extern uint custodia_opened_record_bytes(OpenedRecordHandle r, UIntPtr index, NativeBuffer* outBytes);
        [DllImport(Lib)] public static extern uint custodia_opened_record_json(OpenedRecordHandle r, UIntPtr index, NativeBuffer* outJson);
        [DllImport(Lib)] public static extern uint custodia_opened_record_free(ulong record);

        // keyed pseudonyms
        [DllImport(Lib)] public static extern uint custodia_pseudonymize(CustodianHandle c, ActorHandle a, byte[] purpose, byte[] caseRef, uint category, byte[] domain, IntPtr* values, UIntPtr count, NativeBuffer* outPseudonyms);
        [DllImport(Lib)] public static extern uint custodia_resolve_pseudonym(CustodianHandle c, ActorHandle a, byte[] purpose, byte[] caseRef, uint category, byte[] domain, byte[] pseudonym, IntPtr* candidates, UIntPtr count, UIntPtr* outIndex);

        // verifiable redaction (SD-JWT, docs/FORMAT.md section 15)
        [DllImport(Lib)] public static extern uint custodia_sd_jwt_issue(CustodianHandle c, ActorHandle a, byte[] purpose, ExceptionGroundHandle exception, byte* envelope, UIntPtr len, NativeKeyId* signer, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_sd_jwt_present(CustodianHandle c, ActorHandle a, byte[] sdJwt, IntPtr* fields, UIntPtr count, byte[] audience, byte[] purpose, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_sd_jwt_verify(byte[] presentation, byte[] issuerPublicKey, out PresentationHandle outPresentation);
        [DllImport(Lib)] public static extern uint custodia_presentation_object_id(PresentationHandle p, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_presentation_case_ref(PresentationHandle p, NativeBuffer* outText);
        [DllImport(Lib)] public static extern uint custodia_presentation_issuer(PresentationHandle p, NativeKeyId* outKeyId);
        [DllImport(Lib)] public static extern uint custodia_presentation_issued_at(PresentationHandle p, ulong* outUnix);
        [DllImport(Lib)] public static extern uint custodia_presentation_counts(PresentationHandle p, UIntPtr* fieldCount, UIntPtr* withheldCount, UIntPtr* disclosedCount);
        [DllImport(Lib)] public static extern uint custodia_presentation_field(PresentationHandle p, UIntPtr index, NativeBuffer* outName, NativeBuffer* outJson);
        [DllImport(Lib)] public static extern uint custodia_presentation_free(ulong presentation);
    }
}
