namespace WasmSandbox.Benchmarks.Measurement;

/// <summary>This process's resident and virtual size and thread count, read from /proc/self/status (Linux).</summary>
internal readonly record struct ProcessStatus(long ResidentBytes, long VirtualBytes, int Threads)
{
    public static ProcessStatus Read()
    {
        long rss = 0, virt = 0;
        int threads = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmSize:", StringComparison.Ordinal))
            {
                virt = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return new ProcessStatus(rss, virt, threads);
    }

    // "VmRSS:     123456 kB"
    private static long Kilobytes(string line) =>
        long.Parse(line[(line.IndexOf(':') + 1)..].Replace("kB", "", StringComparison.Ordinal).Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
}
