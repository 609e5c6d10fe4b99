// Signers written in C#: an Ed25519 key held outside the keyring (the host's HSM or KMS) plugged into a Custodian
// through the C ABI's callback signer (custodia_signer_new). The keyring records only the public key; wherever the key
// is named by id (SealOptions.Signer, grants, receipts) or made the audit log's key, custodia asks Sign and verifies
// every signature before using it. Called on the calling thread, possibly from several at once: be thread-safe.
// Nothing thrown unwinds into the library: ProviderUnavailableException means "cannot be reached", anything else
// (or a signature that does not verify) is a failure.
using System;
using System.Runtime.InteropServices;
using Custodia.Raw;

namespace Custodia
{
    public abstract unsafe class Signer
    {
        /// <summary>The 32-byte Ed25519 public key.</summary>
        public abstract byte[] PublicKey();

        /// <summary>The 64-byte Ed25519 signature (RFC 8032 PureEdDSA) of message.</summary>
        public abstract byte[] Sign(byte[] message);

        /// <summary>The key id custodia gives this signer's public key.</summary>
        public KeyId KeyId()
        {
            Library.EnsureLoaded();
            var t = new SignerTrampoline(this);
            using (var h = t.NewHandle())
            {
                NativeKeyId k;
                Status.Check(Native.custodia_signer_key_id(h, &k));
                GC.KeepAlive(t);
                return Custodia.KeyId.FromNative(k);
            }
        }

    }

    /// <summary>The C callback of one signer; kept alive by the custodian opened with it.</summary>
    internal sealed unsafe class SignerTrampoline
    {
        const int Ok = 1, Unavailable = 4, Failed = 0;
        readonly Signer signer;
        readonly SignerSignFn sign;

        internal SignerTrampoline(Signer s)
        {
            if (s == null) throw new ArgumentNullException("signer");
            signer = s;
            sign = OnSign;
        }

        int OnSign(IntPtr user, byte* message, UIntPtr len, byte* outSignature)
        {
            try
            {
                var m = new byte[checked((int)len.ToUInt64())];
                if (m.Length > 0) Marshal.Copy((IntPtr)message, m, 0, m.Length);
                var sig = signer.Sign(m);
                if (sig == null || sig.Length != 64) return Failed;
                Marshal.Copy(sig, 0, (IntPtr)outSignature, 64);
                return Ok;
            }
            catch (ProviderUnavailableException) { return Unavailable; }
            catch (Exception) { return Failed; }
        }

        internal SignerHandle NewHandle()
        {
            var pub = signer.PublicKey();
            if (pub == null || pub.Length != 32) throw new ArgumentException("an Ed25519 public key is 32 bytes", "signer");
            var table = new NativeSignerCallbacks { Sign = Marshal.GetFunctionPointerForDelegate(sign), Release = IntPtr.Zero };
            SignerHandle h;
            fixed (byte* p = pub) Status.Check(Native.custodia_signer_new(p, &table, IntPtr.Zero, out h));
            return h;
        }
    }
}
