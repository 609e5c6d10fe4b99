// Layer 2: every handle the library issues is owned by a SafeHandle subclass, which frees it exactly once (Dispose,
// or the finalizer on the finalizer thread; the C ABI allows custodia_*_free from any thread, and the last error is
// thread-local, so a finalizer never disturbs a message another thread is about to read). While a P/Invoke call runs
// the marshaller holds a reference, so a concurrent Dispose frees the handle only after the call returns.
using System;
using System.Runtime.InteropServices;

namespace Custodia.Raw
{
    public abstract class CustodiaHandle : SafeHandle
    {
        protected CustodiaHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        /// <summary>The 64-bit id the library issued (0 once released).</summary>
        public ulong Id { get { return (ulong)handle.ToInt64(); } }

        protected abstract uint Free(ulong id);

        protected override bool ReleaseHandle()
        {
            return Free(Id) == 0;
        }
    }

    public sealed class ActorHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_actor_free(id); }
    }

    public sealed class ExceptionGroundHandle : CustodiaHandle
    {
        /// <summary>The "no exception" handle (id 0) passed where an exception ground is optional; never freed.</summary>
        internal static readonly ExceptionGroundHandle None = new ExceptionGroundHandle();
        protected override uint Free(ulong id) { return Native.custodia_exception_ground_free(id); }
    }

    public sealed class SealOptionsHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_seal_options_free(id); }
    }

    public sealed class CustodianOptionsHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_custodian_options_free(id); }
    }

    public sealed class CustodianHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_custodian_free(id); }
    }

    public sealed class KeyListHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_key_list_free(id); }
    }

    public sealed class AccessPolicyHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_access_policy_free(id); }
    }

    public sealed class ReceiptHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_receipt_free(id); }
    }

    public sealed class AuditEntriesHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_audit_entries_free(id); }
    }

    public sealed class LegalHoldListHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_legal_hold_list_free(id); }
    }

    public sealed class ReaderHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_reader_free(id); }
    }

    public sealed class RewrapResultsHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_rewrap_results_free(id); }
    }

    public sealed class KeyProviderHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_key_provider_free(id); }
    }

    public sealed class SignerHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_signer_free(id); }
    }

    public sealed class RecordHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_record_free(id); }
    }

    public sealed class OpenedRecordHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_opened_record_free(id); }
    }

    public sealed class PresentationHandle : CustodiaHandle
    {
        protected override uint Free(ulong id) { return Native.custodia_presentation_free(id); }
    }
}
