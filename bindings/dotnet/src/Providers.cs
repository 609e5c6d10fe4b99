// Key providers written in C#: a host's own key service (a KMS, an HSM it drives itself) plugged into a Custodian
// through the C ABI's callback provider (custodia_key_provider_new). The library calls them during seal and open
// calls that need one of their keys, on the calling thread, possibly from several threads at once: they must be
// thread-safe. Nothing they throw unwinds into the library: OpenFailedException from Unwrap means "does not
// authenticate", ProviderUnavailableException "cannot be reached", anything else is a failure (ProviderFailedException
// for the custodia call). The binding's copies of a data key are wiped after each callback.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Custodia.Raw;

namespace Custodia
{
    public abstract class KeyProvider
    {
        /// <summary>Stanza kind 6, external: the wrapped bytes are the key service's own (1 to 1024 bytes).</summary>
        public const uint StanzaExternal = 6;
        /// <summary>Stanza kind 5, pkcs11-aes-gcm: exactly iv (12) || ciphertext (32) || tag (16) of AES-256-GCM.</summary>
        public const uint StanzaPkcs11AesGcm = 5;

        /// <summary>Names the provider in errors (1 to 64 bytes).</summary>
        public virtual string Name { get { return "host-kms"; } }

        public virtual uint StanzaKind { get { return StanzaExternal; } }

        /// <summary>Whether this provider holds the key (and so can seal to it).</summary>
        public abstract bool Holds(KeyId keyId);

        /// <summary>Wrap the 32-byte data key under keyId, authenticating aad (an AEAD's associated data: it binds
        /// the wrapped key to the envelope's terms); 1 to 1024 bytes.</summary>
        public abstract byte[] Wrap(KeyId keyId, byte[] dataKey, byte[] aad);

        /// <summary>The 32-byte data key, or null when keyId is not this provider's; throw OpenFailedException when
        /// wrapped or aad does not authenticate. The binding wipes the returned array after copying it.</summary>
        public abstract byte[] Unwrap(KeyId keyId, byte[] wrapped, byte[] aad);
    }

    /// <summary>Per-case keys wrapped by a provider's key instead of kept in clear inside the (encrypted) keyring
    /// (docs/KEYS.md "Case keys wrapped by a provider"): every new case key (Custodian.CaseKey) is wrapped under the
    /// provider's key Kek; an unwrapped one stays in memory for at most CacheTtlSecs seconds and CacheMaxUses seals and
    /// opens (either 0: no cache, one provider call per use).</summary>
    public sealed class CaseKeyWrapping
    {
        public KeyProvider Provider { get; private set; }
        public KeyId Kek { get; private set; }
        public ulong CacheTtlSecs { get; private set; }
        public ulong CacheMaxUses { get; private set; }

        public CaseKeyWrapping(KeyProvider provider, KeyId kek, ulong cacheTtlSecs = 300, ulong cacheMaxUses = 10000)
        {
            if (provider == null) throw new ArgumentNullException("provider");
            if (kek == null) throw new ArgumentNullException("kek");
            Provider = provider;
            Kek = kek;
            CacheTtlSecs = cacheTtlSecs;
            CacheMaxUses = cacheMaxUses;
        }
    }

    /// <summary>The C callbacks of one provider; kept alive by the custodian opened with it.</summary>
    internal sealed unsafe class ProviderTrampolines
    {
        const int Ok = 1, NotMine = 2, AuthFailed = 3, Unavailable = 4, Failed = 0;
        readonly KeyProvider provider;
        readonly ProviderHoldsFn holds;
        readonly ProviderWrapFn wrap;
        readonly ProviderUnwrapFn unwrap;

        internal ProviderTrampolines(KeyProvider p)
        {
            if (p == null) throw new ArgumentNullException("provider");
            provider = p;
            holds = OnHolds;
            wrap = OnWrap;
            unwrap = OnUnwrap;
        }

        static byte[] Copy(byte* p, UIntPtr n)
        {
            var b = new byte[checked((int)n.ToUInt64())];
            if (b.Length > 0) Marshal.Copy((IntPtr)p, b, 0, b.Length);
            return b;
        }

        static KeyId Key(byte* k) { return KeyId.FromNative(*(NativeKeyId*)k); }

        static int Code(Exception e, bool unwrapping)
        {
            if (unwrapping && e is OpenFailedException) return AuthFailed;
            if (e is ProviderUnavailableException) return Unavailable;
            return Failed;
        }

        int OnHolds(IntPtr user, byte* keyId)
        {
            try { return provider.Holds(Key(keyId)) ? Ok : NotMine; }
            catch (Exception e) { return Code(e, false); }
        }

        int OnWrap(IntPtr user, byte* keyId, byte* dataKey, UIntPtr dataKeyLen, byte* aad, UIntPtr aadLen, byte* output,
            UIntPtr capacity, UIntPtr* outLen)
        {
            var dk = Copy(dataKey, dataKeyLen);
            try
            {
                var wrapped = provider.Wrap(Key(keyId), dk, Copy(aad, aadLen));
                if (wrapped == null || wrapped.Length == 0 || (ulong)wrapped.Length > capacity.ToUInt64()) return Failed;
                Marshal.Copy(wrapped, 0, (IntPtr)output, wrapped.Length);
                *outLen = (UIntPtr)(uint)wrapped.Length;
                return Ok;
            }
            catch (Exception e) { return Code(e, false); }
            finally { Array.Clear(dk, 0, dk.Length); }
        }

        int OnUnwrap(IntPtr user, byte* keyId, byte* wrapped, UIntPtr wrappedLen, byte* aad, UIntPtr aadLen, byte* outKey,
            UIntPtr outKeyLen)
        {
            byte[] key = null;
            try
            {
                key = provider.Unwrap(Key(keyId), Copy(wrapped, wrappedLen), Copy(aad, aadLen));
                if (key == null) return NotMine;
                if ((ulong)key.Length != outKeyLen.ToUInt64()) return Failed;
                Marshal.Copy(key, 0, (IntPtr)outKey, key.Length);
                return Ok;
            }
            catch (Exception e) { return Code(e, true); }
            finally { if (key != null) Array.Clear(key, 0, key.Length); }
        }

        /// <summary>A library provider handle over these callbacks (free it once the options hold it).</summary>
        internal KeyProviderHandle NewHandle()
        {
            var table = new NativeProviderCallbacks
            {
                Holds = Marshal.GetFunctionPointerForDelegate(holds),
                Wrap = Marshal.GetFunctionPointerForDelegate(wrap),
                Unwrap = Marshal.GetFunctionPointerForDelegate(unwrap),
                Release = IntPtr.Zero, // the delegates live as long as the custodian that holds them
            };
            KeyProviderHandle h;
            Status.Check(Native.custodia_key_provider_new(&table, IntPtr.Zero, Text.Utf8Z(provider.Name, "name"), provider.StanzaKind, out h));
            return h;
        }
    }
}
