// Cost of one 1 KiB seal + open under a local KEK, from C#, audit log included (durability os_buffered, so that a
// sync per event does not hide the binding's share; put the directory on tmpfs, e.g. /dev/shm). Prints the median
// (and p10/p90) over ITERATIONS after WARMUP, in microseconds. Not a test: figures only (bench/run.sh compares them
// with the Rust call in the same run). The last line, "dotnet median_us=... n=... warmup=...", is the one
// benches/bindings/run.sh reads; the round trip is the one of examples/durability_bench.rs --one-row.
//
//   mono SealOpenBench.exe [iterations=2000] [warmup=500] [parent dir=/dev/shm]
using System;
using System.Diagnostics;
using System.IO;
using Custodia;

public static class SealOpenBench
{
    public static int Main(string[] args)
    {
        int iterations = args.Length > 0 ? int.Parse(args[0]) : 2000;
        int warmup = args.Length > 1 ? int.Parse(args[1]) : 500;
        string parent = args.Length > 2 ? args[2] : "/dev/shm";
        string dir = Path.Combine(parent, "custodia-dotnet-bench-" + Guid.NewGuid().ToString("N"));
        var master = new byte[32];
        for (int i = 0; i < master.Length; i++) master[i] = 3;
        var data = new byte[1024];
        for (int i = 0; i < data.Length; i++) data[i] = 0x42;
        try
        {
            using (var c = Custodian.OpenWithMasterKey(dir, master, new CustodianOptions { Create = true, Durability = Durability.OsBuffered }))
            using (var actor = new Actor("bench", "analyst", "NL", Classification.Secret))
            {
                var kek = c.GenerateKey(actor, KeyKind.Kek, "bench");
                using (var o = new SealOptions(Category.FinancialRecords, "investigation").Recipient(kek))
                {
                    var samples = new double[iterations];
                    double tick = 1e6 / Stopwatch.Frequency;
                    for (int i = -warmup; i < iterations; i++)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        var envelope = c.Seal(actor, data, o);
                        using (var opened = c.Open(actor, envelope, "investigation"))
                        {
                            if (opened.Data.Length != data.Length) throw new Exception("round trip lost bytes");
                        }
                        long t1 = Stopwatch.GetTimestamp();
                        if (i >= 0) samples[i] = (t1 - t0) * tick;
                    }
                    Array.Sort(samples);
                    Console.WriteLine("dotnet 1 KiB seal+open, local KEK, os_buffered, {0} iterations after {1} warm-up: median {2:F1} us (p10 {3:F1}, p90 {4:F1})",
                        iterations, warmup, samples[iterations / 2], samples[iterations / 10], samples[iterations * 9 / 10]);
                    Console.WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                        "dotnet median_us={0:F2} n={1} warmup={2}", samples[iterations / 2], iterations, warmup));
                }
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
        return 0;
    }
}
