// System.IO.Stream as the C ABI's read and write callbacks (custodia_read_fn, custodia_write_fn). The library calls
// them only on the calling thread and only during the call, so the delegates live exactly as long as one
// StreamPair. An exception inside a callback must never unwind into Rust: it is caught, kept, and the callback
// returns non-zero; after the call the kept exception is thrown instead of the library's generic I/O error. The
// managed scratch buffer (which held plaintext) is wiped when the pair is disposed.
using System;
using System.IO;
using System.Runtime.InteropServices;
using Custodia.Raw;

namespace Custodia
{
    internal sealed unsafe class StreamPair : IDisposable
    {
        readonly Stream src;
        readonly Stream dst;
        byte[] scratch = new byte[0];
        internal readonly ReadFn Read;
        internal readonly WriteFn Write;
        internal Exception Error;

        internal StreamPair(Stream src, Stream dst)
        {
            if (src == null) throw new ArgumentNullException("src");
            if (dst == null) throw new ArgumentNullException("dst");
            if (!src.CanRead) throw new ArgumentException("source stream is not readable", "src");
            if (!dst.CanWrite) throw new ArgumentException("destination stream is not writable", "dst");
            this.src = src;
            this.dst = dst;
            Read = OnRead;
            Write = OnWrite;
        }

        byte[] Scratch(int n)
        {
            if (scratch.Length < n)
            {
                Array.Clear(scratch, 0, scratch.Length);
                scratch = new byte[n];
            }
            return scratch;
        }

        int OnRead(IntPtr context, byte* buffer, UIntPtr capacity, UIntPtr* outRead)
        {
            try
            {
                int cap = (int)Math.Min(capacity.ToUInt64(), 1 << 20);
                var b = Scratch(cap);
                // One Read of the stream per callback; 0 is the end of input.
                int n = src.Read(b, 0, cap);
                if (n < 0 || n > cap) throw new IOException("source Read returned " + n + " for a " + cap + "-byte buffer");
                if (n > 0) Marshal.Copy(b, 0, (IntPtr)buffer, n);
                *outRead = (UIntPtr)(uint)n;
                return 0;
            }
            catch (Exception e)
            {
                Error = e;
                return 1;
            }
        }

        int OnWrite(IntPtr context, byte* data, UIntPtr len)
        {
            try
            {
                int n = checked((int)len.ToUInt64());
                var b = Scratch(n);
                if (n > 0) Marshal.Copy((IntPtr)data, b, 0, n);
                dst.Write(b, 0, n);
                return 0;
            }
            catch (Exception e)
            {
                Error = e;
                return 1;
            }
        }

        /// <summary>Check a call's status; a callback's own exception wins over the library's I/O error.</summary>
        internal void Check(uint status)
        {
            if (status == 0) return;
            var message = Text.FromUtf8Z(Native.custodia_last_error_message()) ?? "";
            var library = Status.ToException(status, message);
            if (Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(Error).Throw();
            throw library;
        }

        public void Dispose()
        {
            Array.Clear(scratch, 0, scratch.Length);
            GC.KeepAlive(Read);
            GC.KeepAlive(Write);
        }
    }
}
