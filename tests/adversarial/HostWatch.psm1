# Watches the host process (this pwsh) while a hostile guest runs: peak resident memory, threads, open descriptors
# and memory mappings, sampled every 20 ms on a thread of its own, read from /proc/self. A test states its bounds
# with Assert-HostWithin; the figures are in the failure message, so a failing run says what grew and by how much.

Add-Type -TypeDefinition @'
using System;
using System.IO;
using System.Threading;

public sealed class WasmSandboxHostWatch : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public long BaseRssBytes, PeakRssBytes;
    public int BaseThreads, PeakThreads, BaseFds, PeakFds, BaseMaps, PeakMaps;
    public DateTime Started = DateTime.UtcNow;

    public WasmSandboxHostWatch()
    {
        Sample(out BaseRssBytes, out BaseThreads, out BaseFds, out BaseMaps);
        PeakRssBytes = BaseRssBytes; PeakThreads = BaseThreads; PeakFds = BaseFds; PeakMaps = BaseMaps;
        _thread = new Thread(Loop) { IsBackground = true, Name = "host watch" };
        _thread.Start();
    }

    public static void Sample(out long rss, out int threads, out int fds, out int maps)
    {
        rss = 0; threads = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:")) rss = long.Parse(line.Substring(6).Trim().Split(' ')[0]) * 1024;
            else if (line.StartsWith("Threads:")) threads = int.Parse(line.Substring(8).Trim());
        }
        fds = Directory.GetFiles("/proc/self/fd").Length;
        maps = 0;
        foreach (var _ in File.ReadLines("/proc/self/maps")) maps++;
    }

    private void Loop()
    {
        while (!_stop)
        {
            long rss; int threads, fds, maps;
            try { Sample(out rss, out threads, out fds, out maps); } catch (IOException) { continue; }
            if (rss > PeakRssBytes) PeakRssBytes = rss;
            if (threads > PeakThreads) PeakThreads = threads;
            if (fds > PeakFds) PeakFds = fds;
            if (maps > PeakMaps) PeakMaps = maps;
            Thread.Sleep(20);
        }
    }

    public TimeSpan Elapsed { get { return DateTime.UtcNow - Started; } }

    public override string ToString()
    {
        return string.Format("RSS {0:N0} -> peak {1:N0} MiB (+{2:N0}), threads {3} -> {4}, fds {5} -> {6}, maps {7} -> {8}, {9:N1} s",
            BaseRssBytes >> 20, PeakRssBytes >> 20, (PeakRssBytes - BaseRssBytes) >> 20, BaseThreads, PeakThreads,
            BaseFds, PeakFds, BaseMaps, PeakMaps, Elapsed.TotalSeconds);
    }

    public void Dispose() { _stop = true; _thread.Join(); }
}
'@

# Starts watching; pass the result to Stop-HostWatch / Assert-HostWithin.
function Start-HostWatch { [WasmSandboxHostWatch]::new() }

# Stops watching and fails (throws) when the host grew past a bound: +RssMiB of resident memory, +Threads threads,
# +Fds descriptors, +Maps mappings, or took longer than Seconds. Returns the watch's summary line.
function Assert-HostWithin {
    param(
        [Parameter(Mandatory)] [WasmSandboxHostWatch] $Watch,
        [int] $RssMiB = 300,
        [int] $Threads = 64,
        [int] $Fds = 64,
        [int] $Maps = 2000,
        [double] $Seconds = 60
    )
    $Watch.Dispose()
    $summary = $Watch.ToString()
    $problems = @(
        if ((($Watch.PeakRssBytes - $Watch.BaseRssBytes) / 1MB) -gt $RssMiB) { "resident memory grew more than $RssMiB MiB" }
        if ($Watch.PeakThreads - $Watch.BaseThreads -gt $Threads) { "threads grew by more than $Threads" }
        if ($Watch.PeakFds - $Watch.BaseFds -gt $Fds) { "open descriptors grew by more than $Fds" }
        if ($Watch.PeakMaps - $Watch.BaseMaps -gt $Maps) { "mappings grew by more than $Maps" }
        if ($Watch.Elapsed.TotalSeconds -gt $Seconds) { "took longer than $Seconds s" }
    )
    if ($problems) { throw "host bound exceeded: $($problems -join '; ') ($summary)" }
    $summary
}

# A snapshot of every file under $Path (relative name, length, last write time, link target): compare two with
# Compare-TreeSnapshot to prove a run left a folder outside its grant untouched.
function Get-TreeSnapshot([string] $Path) {
    @(Get-ChildItem -LiteralPath $Path -Recurse -Force -ErrorAction SilentlyContinue | Sort-Object FullName | ForEach-Object {
        '{0}|{1}|{2:o}|{3}' -f [IO.Path]::GetRelativePath($Path, $_.FullName), $(if ($_.PSIsContainer) { 'dir' } else { $_.Length }), $_.LastWriteTimeUtc, $_.LinkTarget
    })
}

function Assert-TreeUnchanged([string[]] $Before, [string] $Path) {
    $after = Get-TreeSnapshot $Path
    $diff = @(Compare-Object @($Before) @($after))
    if ($diff.Count) { throw "files outside the grant changed under ${Path}: $(($diff | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" }) -join '; ')" }
}

Export-ModuleMember -Function Start-HostWatch, Assert-HostWithin, Get-TreeSnapshot, Assert-TreeUnchanged
