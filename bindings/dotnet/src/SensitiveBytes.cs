// SensitiveBytes: the one container in which custodia hands secret bytes to .NET. The bytes live in an array pinned
// for its whole life (so the garbage collector never moves it and leaves a copy behind), written by the library in
// place, and overwritten with zeros on Dispose and by the finalizer. ToString never shows the content.
using System;
using System.Runtime.InteropServices;

namespace Custodia
{
    public sealed class SensitiveBytes : IDisposable
    {
        byte[] buf;
        GCHandle pin;

        /// <summary>Copy <paramref name="data"/> into a new wipeable buffer (the caller's own copy stays the caller's
        /// to wipe).</summary>
        public SensitiveBytes(byte[] data)
        {
            if (data == null) throw new ArgumentNullException("data");
            Allocate(data.Length);
            Buffer.BlockCopy(data, 0, buf, 0, data.Length);
        }

        internal SensitiveBytes(int length)
        {
            Allocate(length);
        }

        void Allocate(int length)
        {
            buf = new byte[length];
            pin = GCHandle.Alloc(buf, GCHandleType.Pinned);
        }

        internal byte[] Live
        {
            get
            {
                var b = buf;
                if (b == null) throw new ObjectDisposedException("SensitiveBytes", "SensitiveBytes is disposed (wiped)");
                return b;
            }
        }

        /// <summary>Shrink the visible length after the library wrote fewer bytes than the buffer holds (the tail is
        /// wiped first).</summary>
        internal void Truncate(int length)
        {
            if (length == buf.Length) return;
            var shorter = new SensitiveBytes(length);
            Buffer.BlockCopy(buf, 0, shorter.buf, 0, length);
            Wipe();
            buf = shorter.buf;
            pin = shorter.pin;
            shorter.buf = null;
            GC.SuppressFinalize(shorter);
        }

        /// <summary>The bytes themselves, without copying: do not keep the array beyond this object's life (it is
        /// all zeros once disposed).</summary>
        public byte[] Expose() { return Live; }

        /// <summary>A copy the caller owns and must wipe (Array.Clear) when done.</summary>
        public byte[] ToArray() { return (byte[])Live.Clone(); }

        public int Length { get { return Live.Length; } }

        public bool IsDisposed { get { return buf == null; } }

        /// <summary>Constant-time comparison with a byte array.</summary>
        public bool ContentEquals(byte[] other)
        {
            var b = Live;
            if (other == null || other.Length != b.Length) return false;
            int diff = 0;
            for (int i = 0; i < b.Length; i++) diff |= b[i] ^ other[i];
            return diff == 0;
        }

        /// <summary>Constant-time comparison with another SensitiveBytes.</summary>
        public bool ContentEquals(SensitiveBytes other)
        {
            return other != null && ContentEquals(other.Live);
        }

        void Wipe()
        {
            var b = buf;
            buf = null;
            if (b != null) Array.Clear(b, 0, b.Length);
            if (pin.IsAllocated) pin.Free();
        }

        /// <summary>Overwrite the bytes with zeros. Idempotent.</summary>
        public void Dispose()
        {
            Wipe();
            GC.SuppressFinalize(this);
        }

        ~SensitiveBytes()
        {
            Wipe();
        }

        public override string ToString()
        {
            var b = buf;
            return b == null ? "SensitiveBytes(disposed)" : "SensitiveBytes(len=" + b.Length + ", [REDACTED])";
        }

        /// <summary>Reference equality only: a hash or value equality of a secret would be a fingerprint of it.</summary>
        public override bool Equals(object obj) { return ReferenceEquals(this, obj); }

        public override int GetHashCode() { return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this); }
    }
}
