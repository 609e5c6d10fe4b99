// Random access to an opened envelope file: a read-only, seekable System.IO.Stream over custodia_reader_*. The
// policy gate decided when it was opened (recorded like any open); every chunk is authenticated before a byte of it
// is returned. Dispose frees the native reader, which wipes its buffer.
using System;
using System.IO;
using Custodia.Raw;

namespace Custodia
{
    public sealed unsafe class EnvelopeReader : Stream
    {
        readonly ReaderHandle handle;
        readonly long length;
        long position;

        /// <summary>The envelope's metadata, as an open returns it.</summary>
        public EnvelopeInfo Info { get; private set; }

        internal EnvelopeReader(ReaderHandle h, EnvelopeInfo info)
        {
            handle = h;
            Info = info;
            ulong n;
            Status.Check(Native.custodia_reader_len(h, &n));
            length = (long)n;
        }

        ReaderHandle H { get { return Handles.Live(handle, "envelope reader"); } }

        public override bool CanRead { get { return !handle.IsClosed; } }
        public override bool CanSeek { get { return !handle.IsClosed; } }
        public override bool CanWrite { get { return false; } }
        public override long Length { get { return length; } }

        public override long Position
        {
            get { return position; }
            set
            {
                if (value < 0) throw new ArgumentOutOfRangeException("value");
                position = value;
            }
        }

        /// <summary>Read at an offset without moving the position.</summary>
        public int ReadAt(long offset, byte[] buffer, int index, int count)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (offset < 0 || index < 0 || count < 0 || index + count > buffer.Length) throw new ArgumentOutOfRangeException("count");
            if (count == 0 || offset >= length) return 0;
            UIntPtr n;
            fixed (byte* b = buffer)
                Status.Check(Native.custodia_reader_read_at(H, (ulong)offset, b + index, (UIntPtr)(uint)count, &n));
            return (int)n.ToUInt64();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = ReadAt(position, buffer, offset, count);
            position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            long target = origin == SeekOrigin.Begin ? offset : origin == SeekOrigin.Current ? position + offset : length + offset;
            Position = target;
            return position;
        }

        public override void Flush() { }
        public override void SetLength(long value) { throw new NotSupportedException("an envelope reader is read-only"); }
        public override void Write(byte[] buffer, int offset, int count) { throw new NotSupportedException("an envelope reader is read-only"); }

        protected override void Dispose(bool disposing)
        {
            if (disposing) handle.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>What happened to one file of a batch re-wrap: null Error when it was re-wrapped.</summary>
    public sealed class RewrapOutcome
    {
        public string Path { get; internal set; }
        public CustodiaException Error { get; internal set; }
        public bool Ok { get { return Error == null; } }
    }
}
