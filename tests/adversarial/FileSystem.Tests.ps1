# The file-system grant against a hostile guest (fsattack.c), through the cmdlets: link planting by every WASI call
# that creates or moves a name, then the host (Get-Content) and a second run (-WorkingDirectory, -Mount) follow what
# the guest left; FIFOs, sockets and devices; a directory/symlink swap race. Every test watches the host: the folder
# outside the grant is unchanged, nothing new appears beside it, and the host's threads/descriptors stay bounded.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'HostWatch.psm1') -Force
    Import-StagedModule
    $script:fsattack = New-WasmContext (Get-GuestPath 'fsattack.wasm')

    # Runs fsattack with $Arguments; returns its stdout (one "<op> errno=<n>" line per op) and exit code.
    function Invoke-Attack([string[]] $Arguments, [string] $WorkingDirectory, [hashtable] $Options = @{}) {
        $events = Start-WasmExecution -Context $fsattack -ArgumentList $Arguments -WorkingDirectory $WorkingDirectory `
            -PermissionTier ReadWrite -Timeout 00:00:30 -Wait @Options
        [pscustomobject]@{
            Stdout   = -join ($events | Where-Object Kind -eq Stdout | ForEach-Object Text)
            ExitCode = ($events | Where-Object Kind -eq Exited).ExitCode
        }
    }

    Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
using System.Threading;

// Host-side moves .NET has no API for, and a thread that swaps a directory for a symlink as fast as it can.
public static class FsAttackHost
{
    [DllImport("libc", SetLastError = true)]
    private static extern int rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
    [DllImport("libc", SetLastError = true)]
    private static extern int mknod([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    public static void MakeFifo(string path) { if (mkfifo(path, 0x1b6) != 0) throw new InvalidOperationException("mkfifo " + path + ": errno " + Marshal.GetLastWin32Error()); }
    public static bool TryMakeNullDevice(string path) { return mknod(path, 0x2000 | 0x1b6, (1UL << 8) | 3) == 0; }
    // Opens a FIFO's write end without blocking: succeeds (and frees the reader) only if a reader is stuck in open.
    public static bool ReleaseFifoReader(string path) { int fd = open(path, 0x1 | 0x800); if (fd < 0) return false; close(fd); return true; }

    private static Thread swapper;
    private static volatile bool stop;
    public static int Swaps;

    public static void StartSwapping(string name, string dir, string link)
    {
        stop = false; Swaps = 0;
        swapper = new Thread(() =>
        {
            while (!stop)
            {
                rename(name, dir); rename(link, name); rename(name, link); rename(dir, name);
                Swaps++;
            }
        }) { IsBackground = true };
        swapper.Start();
    }

    public static int StopSwapping() { stop = true; swapper.Join(); return Swaps; }
}
'@
}

Describe 'Link planting by a ReadWrite guest' {
    BeforeEach {
        $script:root = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "fsattack-$([guid]::NewGuid())")).FullName
        $script:grant = (New-Item -ItemType Directory -Path (Join-Path $root 'grant')).FullName
        $script:outside = (New-Item -ItemType Directory -Path (Join-Path $root 'outside')).FullName
        Set-Content -LiteralPath (Join-Path $outside 'secret.txt') -Value 'OUTSIDE' -NoNewline
        Set-Content -LiteralPath (Join-Path $grant 'in.txt') -Value 'INSIDE' -NoNewline
        New-Item -ItemType Directory -Path (Join-Path $grant 'sub/deep') | Out-Null
        # What the user may have in the folder they grant: links that lead out, one relative link one level deep.
        New-Item -ItemType SymbolicLink -Path (Join-Path $grant 'hostlink') -Target (Join-Path $outside 'secret.txt') | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $grant 'hostdir') -Target $outside | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $grant 'sub/up') -Target '../in.txt' | Out-Null
        $script:outsideBefore = Get-TreeSnapshot $outside
        $script:watch = Start-HostWatch
    }

    AfterEach {
        Assert-TreeUnchanged $outsideBefore $outside
        @(Get-ChildItem -LiteralPath $root -Force | ForEach-Object Name) | Should -Be @('grant', 'outside')
        Assert-HostWithin $watch -Fds 16 | Out-Null
        Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'refuses <Name> with EPERM and creates nothing' -ForEach @(
        @{ Name = 'path_symlink to ../outside'; Arguments = 'symlink', '../outside', 'planted' }
        @{ Name = 'path_symlink to an absolute path'; Arguments = 'symlink', '/etc/passwd', 'planted' }
        @{ Name = 'path_symlink to the outside folder by its absolute path'; Arguments = 'symlink', '<outside>', 'planted' }
        @{ Name = 'path_symlink to sub/../..'; Arguments = 'symlink', 'sub/../..', 'planted' }
        @{ Name = 'path_symlink through the host''s outside link'; Arguments = 'symlink', 'hostdir/secret.txt', 'planted' }
        @{ Name = 'path_symlink dot/.. after dot -> .'; Arguments = 'symlink', '.', 'dot', '+', 'symlink', 'dot/..', 'planted' }
        @{ Name = 'path_link (no follow) to the host''s outside symlink'; Arguments = 'link', '0', 'hostlink', 'planted' }
        @{ Name = 'path_link (follow) to the host''s outside symlink'; Arguments = 'link', '1', 'hostlink', 'planted' }
        @{ Name = 'path_link to a directory'; Arguments = 'link', '0', 'sub', 'planted' }
        @{ Name = 'path_rename of a relative link to a shallower folder'; Arguments = 'rename', 'sub/up', 'planted' }
        @{ Name = 'path_rename of the host''s outside link'; Arguments = 'rename', 'hostlink', 'planted' }
    ) {
        $Arguments = $Arguments -replace '<outside>', $outside
        $r = Invoke-Attack $Arguments $grant
        $r.ExitCode | Should -Be 63 -Because $r.Stdout
        $r.Stdout | Should -Match "(?m)^(symlink|link|rename) errno=63$"
        Join-Path $grant 'planted' | Should -Not -Exist
        (Get-Item -LiteralPath (Join-Path $grant 'sub/up') -Force).LinkTarget | Should -Be '../in.txt'
    }

    It 'gives the host and a second run nothing outside after every attack' {
        $attacks = @(
            @('symlink', '../outside', 'p1'), @('symlink', '/etc', 'p2'), @('symlink', 'sub/../..', 'p3'),
            @('symlink', 'hostdir', 'p4'), @('symlink', '.', 'dot', '+', 'symlink', 'dot/..', 'p5'),
            @('link', '0', 'hostlink', 'p6'), @('link', '1', 'hostlink', 'p7'), @('rename', 'sub/up', 'p8'),
            @('symlink', 'deep', 'sub/to-deep', '+', 'rename', 'sub', 'moved'), @('rename', 'moved/deep', 'deep2')
        )
        foreach ($attack in $attacks) { Invoke-Attack $attack $grant | Out-Null }

        # The host reads every name the guest could have left, as a user's script would.
        foreach ($name in 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'moved/to-deep', 'dot') {
            $path = Join-Path $grant $name
            Get-Content -LiteralPath $path -ErrorAction SilentlyContinue | Should -Not -Be 'OUTSIDE'
            Get-Content -LiteralPath (Join-Path $path 'secret.txt') -ErrorAction SilentlyContinue | Should -Not -Be 'OUTSIDE'
        }
        # A second run works in, and mounts, every folder the guest left (links included, the host's own excepted).
        $folders = Get-ChildItem -LiteralPath $grant -Recurse -Force | Where-Object { $_.Name -notin 'hostdir', 'hostlink' -and (Test-Path -LiteralPath $_.FullName -PathType Container) }
        $folders.Count | Should -BeGreaterThan 2
        # The mount runs work in an empty folder of their own, so only the mount can reach the guest's folders; a run
        # the sandbox refuses to start (say, for overlapping grants) reaches nothing either.
        $elsewhere = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "fsattack-elsewhere-$([guid]::NewGuid())")).FullName
        try {
            foreach ($folder in $folders) {
                # A run the sandbox refuses to start (UntrustedLink: a link inside a folder a guest could write) reaches nothing.
                $worked = try { Invoke-Attack 'read', 'secret.txt' $folder.FullName } catch { $_.FullyQualifiedErrorId | Should -BeLike 'UntrustedLink,*'; $null }
                $worked.Stdout | Should -Not -Match 'OUTSIDE'
                $mounted = try { Invoke-Attack '--fd', '4', 'read', 'secret.txt' $elsewhere @{ Mount = "$($folder.FullName):/m" } } catch { $null }
                $mounted.Stdout | Should -Not -Match 'OUTSIDE'
            }
        }
        finally { Remove-Item -LiteralPath $elsewhere -Recurse -Force }
    }

    It 'still lets a guest make relative links inside, hard links to files and renames' {
        $r = Invoke-Attack 'symlink', 'in.txt', 'rel', '+', 'link', '0', 'in.txt', 'hard', '+', 'rename', 'rel', 'sub/rel',
            '+', 'symlink', 'deep', 'sub/to-deep', '+', 'rename', 'hard', 'sub/deep/hard', '+', 'read', 'sub/to-deep/hard' $grant
        $r.ExitCode | Should -Be 0 -Because $r.Stdout
        $r.Stdout | Should -Match '(?m)^INSIDE$'
        Get-Content -LiteralPath (Join-Path $grant 'sub/deep/hard') | Should -Be 'INSIDE'
        (Get-Item -LiteralPath (Join-Path $grant 'sub/rel')).LinkTarget | Should -Be 'in.txt'
    }
}

Describe 'Special files in a grant' {
    BeforeAll {
        $script:special = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "fsattack-special-$([guid]::NewGuid())")).FullName
        [FsAttackHost]::MakeFifo((Join-Path $special 'fifo'))
        $script:socket = [Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
        $socket.Bind([Net.Sockets.UnixDomainSocketEndPoint]::new((Join-Path $special 'socket')))
        $script:hasDevice = [FsAttackHost]::TryMakeNullDevice((Join-Path $special 'device'))
        New-Item -ItemType SymbolicLink -Path (Join-Path $special 'fifolink') -Target 'fifo' | Out-Null
    }

    AfterAll {
        # A guest stuck in open (the bug this guards against) would be freed here rather than left behind.
        [FsAttackHost]::ReleaseFifoReader((Join-Path $special 'fifo')) | Out-Null
        $socket.Dispose()
        Remove-Item -LiteralPath $special -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'ends an open of the <Name> at once with ENXIO' -ForEach @(
        @{ Name = 'FIFO'; Arguments = 'open', 'fifo' }
        @{ Name = 'FIFO (for writing)'; Arguments = 'write', 'fifo', 'x' }
        @{ Name = 'FIFO through a link'; Arguments = 'open', 'fifolink' }
        @{ Name = 'unix socket'; Arguments = 'open', 'socket' }
        @{ Name = 'character device'; Arguments = 'open', 'device' }
    ) {
        if ($Name -eq 'character device' -and -not $hasDevice) { Set-ItResult -Skipped -Because 'mknod needs root or CAP_MKNOD'; return }
        $watch = Start-HostWatch
        $execution = Start-WasmExecution -Context $fsattack -ArgumentList $Arguments -WorkingDirectory $special -PermissionTier ReadWrite -Timeout 00:00:30
        Wait-WasmExecution -Execution $execution -Timeout 5 | Out-Null
        $execution.State | Should -Not -Be 'Running' -Because 'an open of a special file must not block'
        $events = @(Receive-WasmEvent -Execution $execution)
        $stdout = -join ($events | Where-Object Kind -eq Stdout | ForEach-Object Text)
        $stdout | Should -Match 'errno=60'
        ($events | Where-Object Kind -eq Exited).ExitCode | Should -Be 60
        Assert-HostWithin $watch -Fds 16 -Seconds 5 | Out-Null
    }
}

Describe 'A directory swapped for a symlink to the outside while the guest reads through it' {
    It 'never reads the outside file in thousands of opens' {
        $root = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "fsattack-race-$([guid]::NewGuid())")).FullName
        try {
            $grant = (New-Item -ItemType Directory -Path (Join-Path $root 'grant')).FullName
            $outside = (New-Item -ItemType Directory -Path (Join-Path $root 'outside')).FullName
            Set-Content -LiteralPath (Join-Path $outside 'secret.txt') -Value 'OUTSIDE' -NoNewline
            $swap = (New-Item -ItemType Directory -Path (Join-Path $grant 'swap')).FullName
            Set-Content -LiteralPath (Join-Path $swap 'secret.txt') -Value 'INSIDE' -NoNewline
            New-Item -ItemType SymbolicLink -Path (Join-Path $grant 'swap.link') -Target $outside | Out-Null
            $before = Get-TreeSnapshot $outside
            $watch = Start-HostWatch

            # Runs of 5000 opens until the host has swapped at least 2000 times during them (a loaded machine may
            # starve the swapper for a whole run).
            [FsAttackHost]::StartSwapping($swap, (Join-Path $grant 'swap.dir'), (Join-Path $grant 'swap.link'))
            try {
                $runs = for ($i = 0; $i -lt 10 -and [FsAttackHost]::Swaps -lt 2000; $i++) {
                    (Invoke-Attack 'readloop', 'swap/secret.txt', '5000' $grant).Stdout
                }
            }
            finally { $swaps = [FsAttackHost]::StopSwapping() }

            foreach ($run in $runs) { $run | Should -Match 'opens=5000 inside=\d+ outside=0 ' }
            @($runs | Where-Object { $_ -match 'inside=[1-9]' }).Count | Should -BeGreaterThan 0
            $swaps | Should -BeGreaterThan 1000 -Because 'the host must really race the guest'
            Assert-TreeUnchanged $before $outside
            Assert-HostWithin $watch -Fds 16 | Out-Null
        }
        finally { Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
