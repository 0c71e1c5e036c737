# Hostile module files: paths that are not regular files, files that never end, and files within the size cap whose
# counts would make the inspector allocate gigabytes. Every cmdlet call runs in a runspace of its own, so a hang
# fails the test (after its deadline) instead of hanging the suite; the host is watched while it runs.

BeforeDiscovery {
    # The three ways a module path is read: inspection, a start, and a precompile.
    $readers = @(
        @{ Reader = 'Test-WasmModule'; Script = 'param($p) Test-WasmModule -LiteralPath $p'; Id = 'ModuleNotRegularFile,WasmSandbox.Commands.TestWasmModuleCommand' }
        @{ Reader = 'Start-WasmExecution'; Script = 'param($p) Start-WasmExecution -Context (New-WasmContext $p) -Wait'; Id = 'ModuleNotRegularFile,WasmSandbox.Commands.StartWasmExecutionCommand' }
        @{ Reader = 'New-WasmContext -Precompile'; Script = 'param($p) New-WasmContext $p -Precompile'; Id = 'ModuleNotRegularFile,WasmSandbox.Commands.NewWasmContextCommand' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../Pester/TestHelpers.psm1) -Force
    Import-StagedModule
    Import-Module (Join-Path $PSScriptRoot HostWatch.psm1) -Force

    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-modfiles-$([guid]::NewGuid())")).FullName
    $script:modulePath = Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1'

    # The big modules are written here rather than committed. All are within the 256 MiB cap.
    Add-Type -TypeDefinition @'
using System;
using System.IO;

public static class HostileModules
{
    static readonly byte[] Header = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 };

    static byte[] Leb(ulong value, int width)
    {
        // Padded to a fixed width so the section sizes can be computed first.
        var bytes = new byte[width];
        for (int i = 0; i < width; i++) { bytes[i] = (byte)((value & 0x7f) | (i < width - 1 ? 0x80UL : 0)); value >>= 7; }
        return bytes;
    }

    // One export section of `count` three-byte entries: an empty name, kind func, index 0 (all zero bytes).
    public static void Exports(string path, long count)
    {
        using var f = new FileStream(path, FileMode.Create);
        f.Write(Header);
        f.WriteByte(7);
        f.Write(Leb((ulong)(count * 3 + 5), 5));
        f.Write(Leb((ulong)count, 5));
        f.SetLength(f.Position + count * 3); // the entries are zeros
    }

    // `count` custom sections of three bytes each: id 0, size 1, an empty name.
    public static void CustomSections(string path, long count)
    {
        using var f = new FileStream(path, FileMode.Create);
        f.Write(Header);
        var chunk = new byte[3 * 65536];
        for (int i = 0; i < chunk.Length; i += 3) chunk[i + 1] = 1;
        for (long left = count; left > 0; left -= 65536) f.Write(chunk, 0, (int)(Math.Min(left, 65536) * 3));
    }

    // A valid module of `functions` functions of `nops` nops each: structurally sound, so it reaches Wasmtime.
    public static void ManyFunctions(string path, int functions, int nops)
    {
        using var f = new BufferedStream(new FileStream(path, FileMode.Create), 1 << 20);
        f.Write(Header);
        f.Write(new byte[] { 0x01, 0x04, 0x01, 0x60, 0x00, 0x00 });
        f.WriteByte(3); f.Write(Leb((ulong)functions + 5, 5)); f.Write(Leb((ulong)functions, 5));
        f.Write(new byte[functions]);
        var body = new byte[5 + 1 + nops + 1];
        Array.Copy(Leb((ulong)(nops + 2), 5), body, 5);
        for (int i = 6; i < 6 + nops; i++) body[i] = 0x01;
        body[body.Length - 1] = 0x0b;
        f.WriteByte(10); f.Write(Leb((ulong)functions * (ulong)body.Length + 5, 5)); f.Write(Leb((ulong)functions, 5));
        for (int i = 0; i < functions; i++) f.Write(body);
    }
}
'@

    # Runs $Script (with the module imported) in a runspace of its own; waits up to $Seconds. Returns how it ended,
    # the error it raised (if any) and how long it took. A run still going at the deadline is stopped (Stop() from
    # this thread, itself bounded by $StopSeconds), and reported as not completed.
    function Invoke-Bounded([string] $Script, [double] $Seconds, [hashtable] $Arguments = @{}, [double] $StopSeconds = 5) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'").Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddScript($Script)
            foreach ($key in $Arguments.Keys) { $null = $ps.AddParameter($key, $Arguments[$key]) }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $async = $ps.BeginInvoke()
            $completed = $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($Seconds))
            $elapsed = $clock.Elapsed
            $err = $null
            if ($completed) {
                try { $output = $ps.EndInvoke($async) } catch { $err = $_.Exception.InnerException ?? $_.Exception }
                if (-not $err -and $ps.Streams.Error.Count) { $err = $ps.Streams.Error[0] }
            }
            else {
                $stop = $ps.BeginStop($null, $null)
                $null = $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($StopSeconds))
            }
            [pscustomobject]@{ Completed = $completed; Elapsed = $elapsed; Error = $err; Output = $output; Shell = $ps }
        }
        finally {
            if ($completed) { $ps.Dispose() }
        }
    }

    # The error id a run raised, whether as a terminating error (its record) or a non-terminating one.
    function Get-ErrorId($Run) {
        $e = $Run.Error
        if ($e -is [System.Management.Automation.ErrorRecord]) { return $e.FullyQualifiedErrorId }
        if ($e -is [System.Management.Automation.IContainsErrorRecord]) { return $e.ErrorRecord.FullyQualifiedErrorId }
        if ($e) { return $e.GetType().Name }
        $null
    }
}

AfterAll { Remove-Item -LiteralPath $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Module paths that are not regular files' {
    It '<Reader> refuses /dev/zero behind a symbolic link named <Name> at once, by name' -ForEach @(
        foreach ($r in $readers) { foreach ($n in 'zero.wasm', 'zero.wat') { $r + @{ Name = $n } } }
    ) {
        $link = Join-Path $dir $Name
        if (-not (Test-Path -LiteralPath $link)) { $null = New-Item -ItemType SymbolicLink -Path $link -Target /dev/zero }
        $watch = Start-HostWatch
        $run = Invoke-Bounded $Script -Seconds 10 -Arguments @{ p = $link }
        Assert-HostWithin $watch -RssMiB 300 -Seconds 10 | Out-Null
        $run.Completed | Should -BeTrue
        $run.Elapsed.TotalSeconds | Should -BeLessThan 1
        Get-ErrorId $run | Should -Be $Id
        "$($run.Error)" | Should -BeLike "*$link*character device*not a regular file*"
    }

    It '<Reader> refuses a FIFO named x.wasm within 1 s instead of waiting for a writer' -ForEach $readers {
        $fifo = Join-Path $dir "fifo-$([guid]::NewGuid()).wasm"
        & mkfifo $fifo
        $run = $null
        try {
            $run = Invoke-Bounded $Script -Seconds 1 -Arguments @{ p = $fifo } -StopSeconds 1
            $run.Completed | Should -BeTrue -Because 'opening a FIFO must not wait for a writer'
            Get-ErrorId $run | Should -Be $Id
            "$($run.Error)" | Should -BeLike "*$fifo*FIFO*not a regular file*"
        }
        finally {
            # A reader still blocked in open() (the old behaviour) is released by a writer; opening read-write never
            # blocks. Another process does it, clear of .NET's in-process file-share bookkeeping.
            if (-not $run.Completed) { & sh -c 'exec 3<>"$1"' sh $fifo }
            Remove-Item -LiteralPath $fifo -Force
        }
    }

    It '<Reader> refuses a socket named x.wasm by name' -ForEach $readers {
        $path = Join-Path $dir "sock-$([guid]::NewGuid().ToString('n').Substring(0, 8)).wasm"
        $socket = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::Unix, [Net.Sockets.SocketType]::Stream, [Net.Sockets.ProtocolType]::Unspecified)
        try {
            $socket.Bind([Net.Sockets.UnixDomainSocketEndPoint]::new($path))
            $run = Invoke-Bounded $Script -Seconds 5 -Arguments @{ p = $path }
            $run.Completed | Should -BeTrue
            $run.Elapsed.TotalSeconds | Should -BeLessThan 1
            Get-ErrorId $run | Should -Be $Id
            "$($run.Error)" | Should -BeLike "*$path*socket*not a regular file*"
        }
        finally { $socket.Dispose(); Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Modules within the size cap that declare huge counts' {
    BeforeAll {
        $script:exports = Join-Path $dir 'exports.wasm'
        [HostileModules]::Exports($exports, 85000000)
        $script:customs = Join-Path $dir 'customs.wasm'
        [HostileModules]::CustomSections($customs, 20000000)
    }

    It 'the generated files are within the 256 MiB cap' {
        (Get-Item $exports).Length | Should -BeLessOrEqual 256MB
        (Get-Item $customs).Length | Should -BeLessOrEqual 256MB
    }

    It 'Test-WasmModule reports <Code> for <Name> within bounded memory and time' -ForEach @(
        @{ Name = '85 million exports'; File = 'exports.wasm'; Code = 'TooManyExports'; Text = '*export section contains 85000000 entries*cap of 100000*' }
        @{ Name = '20 million custom sections'; File = 'customs.wasm'; Code = 'TooManySections'; Text = '*more than the configured parser cap of 10000 sections*' }
    ) {
        $watch = Start-HostWatch
        $run = Invoke-Bounded 'param($p) Test-WasmModule -LiteralPath $p' -Seconds 10 -Arguments @{ p = (Join-Path $dir $File) }
        Assert-HostWithin $watch -RssMiB 300 -Seconds 10 | Out-Null
        $run.Completed | Should -BeTrue
        $run.Error | Should -BeNullOrEmpty
        $report = $run.Output[0]
        $report.IsValid | Should -BeFalse
        $report.Problems.Code | Should -Be @($Code)
        $report.Problems[0].Message | Should -BeLike $Text
    }

    It 'Start-WasmExecution refuses <Name> within bounded memory and time' -ForEach @(
        @{ Name = '85 million exports'; File = 'exports.wasm'; Text = '*export section contains 85000000 entries*' }
        @{ Name = '20 million custom sections'; File = 'customs.wasm'; Text = '*10000 sections*' }
    ) {
        $watch = Start-HostWatch
        $run = Invoke-Bounded 'param($p) Start-WasmExecution -Context (New-WasmContext $p) -Wait' -Seconds 10 -Arguments @{ p = (Join-Path $dir $File) }
        Assert-HostWithin $watch -RssMiB 300 -Seconds 10 | Out-Null
        $run.Completed | Should -BeTrue
        Get-ErrorId $run | Should -Be 'ParserLimitExceeded,WasmSandbox.Commands.StartWasmExecutionCommand'
        "$($run.Error)" | Should -BeLike $Text
    }
}

Describe 'Ctrl+C during inspection' {
    It 'Test-WasmModule stops within 1 s while a large module is being inspected' {
        # A valid 250 MiB module (a million functions of 250 nops): walking and validating it takes seconds.
        $big = Join-Path $dir 'big.wasm'
        [HostileModules]::ManyFunctions($big, 1000000, 250)
        (Get-Item $big).Length | Should -BeLessOrEqual 256MB
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'").Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddScript('param($p) Test-WasmModule -LiteralPath $p').AddParameter('p', $big)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 150
            $async.IsCompleted | Should -BeFalse -Because 'the inspection must still be running when it is stopped, or this proves nothing'
            $stopClock = [Diagnostics.Stopwatch]::StartNew()
            $stop = $ps.BeginStop($null, $null)
            $stopped = $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30))
            $stopClock.Elapsed.TotalSeconds | Should -BeLessThan 1
            $stopped | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
    }
}
