// Argument and result conversion: NUL-terminated UTF-8 in, library buffers and C strings out. Every custodia_buffer
// is copied and freed (custodia_buffer_free zeroizes it) before the function that received it returns.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Custodia.Raw;

namespace Custodia
{
    internal static unsafe class Text
    {
        static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>A string as NUL-terminated UTF-8; null is an ArgumentNullException, an embedded NUL an
        /// ArgumentException (the C side would cut the text there).</summary>
        internal static byte[] Utf8Z(string value, string name)
        {
            if (value == null) throw new ArgumentNullException(name);
            return Encode(value, name);
        }

        /// <summary>As <see cref="Utf8Z"/>, but null passes through as NULL.</summary>
        internal static byte[] OptUtf8Z(string value, string name)
        {
            return value == null ? null : Encode(value, name);
        }

        static byte[] Encode(string value, string name)
        {
            if (value.IndexOf('\0') >= 0) throw new ArgumentException(name + " must not contain NUL characters", name);
            byte[] bytes;
            try
            {
                bytes = Strict.GetBytes(value);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException(name + " is not valid Unicode text", name, e);
            }
            var z = new byte[bytes.Length + 1];
            Buffer.BlockCopy(bytes, 0, z, 0, bytes.Length);
            return z;
        }

        /// <summary>A C string (static, or owned by a handle) as a string; null for NULL.</summary>
        internal static string FromUtf8Z(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            byte* s = (byte*)p;
            int n = 0;
            while (s[n] != 0) n++;
            return Encoding.UTF8.GetString(s, n);
        }

        /// <summary>A fixed NUL-terminated char array of a struct.</summary>
        internal static string FromFixed(byte* s, int size)
        {
            int n = 0;
            while (n < size && s[n] != 0) n++;
            return Encoding.UTF8.GetString(s, n);
        }

        /// <summary>Copy a text buffer out as a string and free it.</summary>
        internal static string TakeText(ref NativeBuffer buf)
        {
            try
            {
                return buf.Data == IntPtr.Zero ? "" : Encoding.UTF8.GetString((byte*)buf.Data, checked((int)buf.Len.ToUInt64()));
            }
            finally
            {
                fixed (NativeBuffer* b = &buf) Status.Check(Native.custodia_buffer_free(b));
            }
        }

        /// <summary>Copy a library buffer that holds values into a new pinned SensitiveBytes and free the buffer
        /// (custodia_buffer_free zeroizes it): no unpinned managed copy is made.</summary>
        internal static SensitiveBytes TakeSecret(ref NativeBuffer buf)
        {
            try
            {
                var result = new SensitiveBytes(checked((int)buf.Len.ToUInt64()));
                if (result.Length > 0) Marshal.Copy(buf.Data, result.Live, 0, result.Length);
                return result;
            }
            finally
            {
                fixed (NativeBuffer* b = &buf) Status.Check(Native.custodia_buffer_free(b));
            }
        }

        /// <summary>Copy a non-secret byte buffer (an envelope, a grant) out and free it.</summary>
        internal static byte[] TakeBytes(ref NativeBuffer buf)
        {
            try
            {
                var result = new byte[checked((int)buf.Len.ToUInt64())];
                if (result.Length > 0) Marshal.Copy(buf.Data, result, 0, result.Length);
                return result;
            }
            finally
            {
                fixed (NativeBuffer* b = &buf) Status.Check(Native.custodia_buffer_free(b));
            }
        }
    }

    /// <summary>A <c>const char *const *</c> array for one call: strings in unmanaged memory, overwritten with zeros
    /// and freed on Dispose (they may be values: pseudonymized texts), as are the managed UTF-8 copies made here.</summary>
    internal sealed unsafe class CStrings : IDisposable
    {
        readonly IntPtr[] ptrs;
        readonly int[] lens;
        GCHandle pin;

        internal CStrings(IEnumerable<string> values, string name)
        {
            if (values == null) throw new ArgumentNullException(name);
            var list = new List<byte[]>();
            try
            {
                foreach (var v in values) list.Add(Text.Utf8Z(v, name));
                ptrs = new IntPtr[list.Count];
                lens = new int[list.Count];
                pin = GCHandle.Alloc(ptrs, GCHandleType.Pinned);
                for (int i = 0; i < list.Count; i++)
                {
                    ptrs[i] = Marshal.AllocHGlobal(list[i].Length);
                    lens[i] = list[i].Length;
                    Marshal.Copy(list[i], 0, ptrs[i], list[i].Length);
                }
            }
            finally
            {
                foreach (var b in list) Array.Clear(b, 0, b.Length);
            }
        }

        internal IntPtr* Ptr { get { return ptrs.Length == 0 ? null : (IntPtr*)pin.AddrOfPinnedObject(); } }
        internal UIntPtr Count { get { return (UIntPtr)(uint)ptrs.Length; } }

        public void Dispose()
        {
            for (int i = 0; i < ptrs.Length; i++)
            {
                if (ptrs[i] == IntPtr.Zero) continue;
                byte* p = (byte*)ptrs[i];
                for (int j = 0; j < lens[i]; j++) p[j] = 0;
                Marshal.FreeHGlobal(ptrs[i]);
                ptrs[i] = IntPtr.Zero;
            }
            if (pin.IsAllocated) pin.Free();
        }
    }
}
