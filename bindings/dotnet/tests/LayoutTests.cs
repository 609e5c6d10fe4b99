// The managed struct layouts of src/Native.cs against the C compiler's (tests/layout_probe.c, built by
// run-tests.sh and named by CUSTODIA_LAYOUT_PROBE): sizes and the offsets that padding could move.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Custodia.Raw;

namespace Custodia.Tests
{
    public class LayoutTests
    {
        static readonly Dictionary<string, Type> Types = new Dictionary<string, Type>
        {
            { "buffer", typeof(NativeBuffer) }, { "key_id", typeof(NativeKeyId) },
            { "memory_protection", typeof(NativeMemoryProtection) }, { "audit_report", typeof(NativeAuditReport) },
            { "key_info", typeof(NativeKeyInfo) }, { "envelope_info", typeof(NativeEnvelopeInfo) },
            { "audit_entry", typeof(NativeAuditEntry) }, { "legal_hold", typeof(NativeLegalHold) },
            { "anchor_info", typeof(NativeAnchorInfo) }, { "erasure_certificate_info", typeof(NativeErasureCertificateInfo) },
            { "record_field", typeof(NativeRecordField) },
        };

        static string Pascal(string snake)
        {
            var parts = snake.Split('_');
            for (int i = 0; i < parts.Length; i++) parts[i] = char.ToUpperInvariant(parts[i][0]) + parts[i].Substring(1);
            return string.Join("", parts);
        }

        [Test]
        public void StructLayoutsMatchTheHeader()
        {
            var probe = Environment.GetEnvironmentVariable("CUSTODIA_LAYOUT_PROBE");
            Assert.True(!string.IsNullOrEmpty(probe), "CUSTODIA_LAYOUT_PROBE names the layout probe (run-tests.sh builds it)");
            var psi = new ProcessStartInfo(probe) { RedirectStandardOutput = true, UseShellExecute = false };
            int checkedLines = 0;
            using (var p = Process.Start(psi))
            {
                string line;
                while ((line = p.StandardOutput.ReadLine()) != null)
                {
                    var parts = line.Split(' ');
                    int expected = int.Parse(parts[1]);
                    if (parts[0] == "recipient")
                    {
                        Assert.Equal(expected, NativeEnvelopeInfo.RecipientSize, "recipient size");
                    }
                    else if (parts[0].Contains("."))
                    {
                        var sf = parts[0].Split('.');
                        var offset = (int)Marshal.OffsetOf(Types[sf[0]], Pascal(sf[1]));
                        Assert.Equal(expected, offset, parts[0]);
                    }
                    else
                    {
                        Assert.Equal(expected, Marshal.SizeOf(Types[parts[0]]), parts[0] + " size");
                    }
                    checkedLines++;
                }
                p.WaitForExit();
                Assert.Equal(0, p.ExitCode, "probe exit");
            }
            Assert.True(checkedLines > 30, "checked " + checkedLines);
        }
    }
}
