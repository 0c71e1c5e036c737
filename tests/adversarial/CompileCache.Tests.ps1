# Attacks on the on-disk compile cache. An artifact is native code that Wasmtime runs unchecked, so each test plants or
# reshapes something in or around a cache folder that holds good artifacts, then starts a module in a new session over
# that folder and requires it to be compiled (Source 'compiled', Reason 'executed') with a note -Verbose shows, never
# loaded. Every session has its own cache folder, given through $env:WASMSANDBOX_CACHE_DIR. Runs use optimized code
# (-CompilePolicy Optimized), so each module has one artifact to attack; the same rules for baseline artifacts are
# tested in xunit (ModuleCacheTestsOnBaseline), and a tiered start's note for a refused artifact below.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../Pester/TestHelpers.psm1) -Force
    Import-Module (Join-Path $PSScriptRoot HostWatch.psm1) -Force
    Import-StagedModule
    $script:stdio = Get-GuestPath 'stdio.wasm'
    $script:wordfreq = Get-GuestPath 'wordfreq.wasm'
    $script:fsprobe = Get-GuestPath 'fsprobe.wasm'
    $script:forge = Get-GuestPath 'cacheforge.wasm'
    $script:root = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-cache-$([guid]::NewGuid())")).FullName
    $script:isRoot = (& id -u) -eq '0'

    function Get-ModuleHash([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }

    # Runs $Body in a new session whose compile cache is $Cache ('off' for none). In it, Run starts a module with -Wait
    # and -Verbose and writes one JSON line: the warmup's Source, Reason and Note, the exit code and the verbose lines.
    function Invoke-CacheSession([string] $Cache, [string] $Body) {
        $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(ConvertTo-QuotedLiteral (Get-Module WasmSandbox).Path)
function Run([string] `$Module, [string[]] `$Arguments = @(), [hashtable] `$Options = @{}) {
    if (-not `$Options.ContainsKey('CompilePolicy')) { `$Options.CompilePolicy = 'Optimized' }
    `$all = @(Start-WasmExecution -Context (New-WasmContext `$Module) -ArgumentList `$Arguments -Wait -Verbose @Options 4>&1)
    `$events = @(`$all | Where-Object { `$_ -isnot [System.Management.Automation.VerboseRecord] })
    `$warmup = (Get-WasmExecution -Id `$events[-1].ExecutionId).Warmup
    [pscustomobject]@{
        Source = `$warmup.Source; Reason = `$warmup.Reason; Note = `$warmup.Note; Tier = [string]`$warmup.Tier
        ExitCode = (`$events | Where-Object Kind -eq Exited).ExitCode
        Stdout = -join (`$events | Where-Object Kind -eq Stdout | ForEach-Object Text)
        Verbose = @(`$all | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
    } | ConvertTo-Json -Compress
}
$Body
"@
        $saved = $env:WASMSANDBOX_CACHE_DIR
        $env:WASMSANDBOX_CACHE_DIR = $Cache
        try { $output = @(Invoke-NewSession $command) }
        finally { $env:WASMSANDBOX_CACHE_DIR = $saved }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        @($output | Where-Object { "$_".StartsWith('{') } | ForEach-Object { "$_" | ConvertFrom-Json })
    }

    # A copy of the filled cache (mode, owner and the key kept) at $Path, its parents created private.
    function Copy-Cache([string] $Path) {
        New-Item -ItemType Directory -Path (Split-Path $Path) -Force | Out-Null
        & cp -a $template $Path
        $LASTEXITCODE | Should -Be 0
        $Path
    }

    function Assert-Compiled($Run, [string] $Note) {
        ($Run.Source, $Run.Reason) | Should -Be @('compiled', 'executed') -Because "the note was: $($Run.Note)"
        $Run.Note | Should -BeLike "*$([WildcardPattern]::Escape($Note))*"
        $Run.Verbose | Should -Contain $Run.Note -Because '-Verbose shows the note'
    }

    # One session compiles stdio and wordfreq into the template that every test copies.
    $script:template = Join-Path $root 'template'
    $filled = Invoke-CacheSession $template "Run $(ConvertTo-QuotedLiteral $stdio) 'exit', '3'; Run $(ConvertTo-QuotedLiteral $wordfreq)"
    $filled.Source | Should -Be @('compiled', 'compiled')
    $script:stdioHash = Get-ModuleHash $stdio
    $script:wordfreqHash = Get-ModuleHash $wordfreq
    $script:stdioArtifact = (Get-ChildItem -LiteralPath $template -Filter "$stdioHash.*.cwasm").Name
    $script:wordfreqArtifact = (Get-ChildItem -LiteralPath $template -Filter "$wordfreqHash.*.cwasm").Name
    $script:runStdio = "Run $(ConvertTo-QuotedLiteral $stdio) 'exit', '3'"
}

AfterAll {
    if ($script:root) { Remove-Item -LiteralPath $script:root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The compile cache folder' {
    It 'is used when private: a new session loads what another compiled' {
        $cache = Copy-Cache (Join-Path $root 'good/cache')
        $run = Invoke-CacheSession $cache $runStdio
        ($run.Source, $run.Reason, $run.Note, $run.ExitCode) | Should -Be @('disk', 'cached', $null, 3)
    }

    It 'is not used through a symbolic link, and the folder it points to is left alone' {
        $real = Copy-Cache (Join-Path $root 'linked/real')
        $link = Join-Path $root 'linked/cache'
        New-Item -ItemType SymbolicLink -Path $link -Target $real | Out-Null
        $before = Get-TreeSnapshot $real

        $run = Invoke-CacheSession $link $runStdio

        Assert-Compiled $run "the disk compile cache was skipped: its folder $link is a symbolic link"
        $run.ExitCode | Should -Be 3
        Assert-TreeUnchanged $before $real
    }

    It 'is not used below a symbolic link in a parent' {
        $real = Split-Path (Copy-Cache (Join-Path $root 'parentlink/real/cache'))
        $link = Join-Path $root 'parentlink/link'
        New-Item -ItemType SymbolicLink -Path $link -Target $real | Out-Null
        $before = Get-TreeSnapshot $real

        $run = Invoke-CacheSession (Join-Path $link 'cache') $runStdio

        Assert-Compiled $run "the disk compile cache was skipped: its parent folder $link is a symbolic link"
        Assert-TreeUnchanged $before $real
    }

    It 'is not used below a parent that group or others can write, and nothing is written into it' {
        $parent = Split-Path (Copy-Cache (Join-Path $root 'writable/parent/cache'))
        & chmod 775 $parent
        $before = Get-TreeSnapshot $parent

        $run = Invoke-CacheSession (Join-Path $parent 'cache') "$runStdio; Run $(ConvertTo-QuotedLiteral $fsprobe) 'ls', '.'"

        Assert-Compiled $run[0] "the disk compile cache was skipped: its parent folder $parent is writable by group or others without the sticky bit (mode 775)"
        Assert-Compiled $run[1] 'its parent folder'
        Assert-TreeUnchanged $before $parent
    }

    It 'is not used below a writable parent by a tiered start either, which gives the reason once' {
        $parent = Split-Path (Copy-Cache (Join-Path $root 'writable-tiered/parent/cache'))
        & chmod 775 $parent

        $run = Invoke-CacheSession (Join-Path $parent 'cache') "Run $(ConvertTo-QuotedLiteral $stdio) 'exit', '3' @{ CompilePolicy = 'Tiered' }"

        $run.Tier | Should -Be 'Baseline'
        $reason = "the disk compile cache was skipped: its parent folder $parent is writable by group or others without the sticky bit (mode 775)"
        ($run.Note -split [regex]::Escape($reason)).Count - 1 | Should -Be 1 -Because "the note was: $($run.Note)"
    }

    It 'is not used when another user owns it' {
        if (-not $isRoot) {
            Set-ItResult -Skipped -Because 'only root can chown a folder to another user'
            return
        }
        $cache = Copy-Cache (Join-Path $root 'foreign/cache')
        & chown 65534 $cache

        $run = Invoke-CacheSession $cache $runStdio

        Assert-Compiled $run "the disk compile cache was skipped: its folder $cache is owned by user 65534, not by user 0 or root"
    }
}

Describe 'An artifact in the compile cache' {
    It 'forged by a guest from another module''s artifact is compiled, not run' {
        $cache = Copy-Cache (Join-Path $root 'forged/cache')
        # The guest may write the folder in its own session; this session's cache is off, so only the forger runs there.
        $forged = Invoke-CacheSession 'off' ("Run $(ConvertTo-QuotedLiteral $forge) " +
            "'$wordfreqArtifact', '$stdioArtifact', '$wordfreqHash', '$stdioHash' " +
            "@{ PermissionTier = 'ReadWrite'; WorkingDirectory = $(ConvertTo-QuotedLiteral $cache) }")
        $forged.Stdout | Should -Be "forged 1`n"
        $path = Join-Path $cache $stdioArtifact

        $run = Invoke-CacheSession $cache "$runStdio; $runStdio"

        Assert-Compiled $run[0] "the compiled artifact $path was ignored: its MAC does not match"
        $run[0].ExitCode | Should -Be 3 -Because "stdio's own code ran, not wordfreq's"
        ($run[1].Source, $run[1].ExitCode) | Should -Be @('memory', 3)
        (Invoke-CacheSession $cache $runStdio).Source | Should -Be 'disk' -Because 'the forged file was replaced'
    }

    It 'forged, is not run by a tiered start either, which says so and runs on baseline code' {
        $cache = Copy-Cache (Join-Path $root 'forged-tiered/cache')
        $forged = Invoke-CacheSession 'off' ("Run $(ConvertTo-QuotedLiteral $forge) " +
            "'$wordfreqArtifact', '$stdioArtifact', '$wordfreqHash', '$stdioHash' " +
            "@{ PermissionTier = 'ReadWrite'; WorkingDirectory = $(ConvertTo-QuotedLiteral $cache) }")
        $forged.Stdout | Should -Be "forged 1`n"
        $path = Join-Path $cache $stdioArtifact

        $run = Invoke-CacheSession $cache "Run $(ConvertTo-QuotedLiteral $stdio) 'exit', '3' @{ CompilePolicy = 'Tiered' }"

        Assert-Compiled $run "the compiled artifact $path was ignored: its MAC does not match"
        $run.Tier | Should -Be 'Baseline'
        $run.ExitCode | Should -Be 3 -Because "stdio's own code ran, not wordfreq's"
    }

    It 'renamed from another module is compiled, not run' {
        $cache = Copy-Cache (Join-Path $root 'renamed/cache')
        $path = Join-Path $cache $stdioArtifact
        Move-Item -LiteralPath (Join-Path $cache $wordfreqArtifact) -Destination $path -Force

        $run = Invoke-CacheSession $cache $runStdio

        Assert-Compiled $run "the compiled artifact $path was ignored: its trailer names another module"
        $run.ExitCode | Should -Be 3
    }

    It 'that is a symbolic link or has a second name is compiled, not followed' {
        $cache = Copy-Cache (Join-Path $root 'links/cache')
        $symlink = Join-Path $cache $stdioArtifact
        Move-Item -LiteralPath $symlink -Destination (Join-Path $cache 'moved')
        New-Item -ItemType SymbolicLink -Path $symlink -Target (Join-Path $cache 'moved') | Out-Null
        $hardlink = Join-Path $cache $wordfreqArtifact
        New-Item -ItemType HardLink -Path (Join-Path $root 'links/outside') -Target $hardlink | Out-Null

        $run = Invoke-CacheSession $cache "$runStdio; Run $(ConvertTo-QuotedLiteral $wordfreq)"

        Assert-Compiled $run[0] "the compiled artifact $symlink was ignored: it is a symbolic link"
        Assert-Compiled $run[1] "the compiled artifact $hardlink was ignored: it has 2 hard links"
    }
}

Describe 'A signing key a guest could read' {
    BeforeAll {
        # What an attacker holding the key does (an outside tester did it from inside a guest): copy wordfreq's
        # artifact under stdio's name, with a trailer rewritten for stdio and signed with the key.
        function New-ForgedArtifact([string] $Cache, [byte[]] $Key) {
            $source = [IO.File]::ReadAllBytes((Join-Path $Cache $wordfreqArtifact))
            $trailerLength = 144
            $body = $source[0..($source.Length - $trailerLength - 1)]
            $trailer = [byte[]]::new($trailerLength)
            [Convert]::FromHexString($stdioHash).CopyTo($trailer, 0)
            [Array]::Copy($source, $source.Length - $trailerLength + 32, $trailer, 32, 32) # same engine key hash
            [BitConverter]::GetBytes([long]$body.Length).CopyTo($trailer, 64)
            [Security.Cryptography.SHA256]::HashData([byte[]]$body).CopyTo($trailer, 72)
            $magic = [Text.Encoding]::ASCII.GetBytes('WSBXCW03')
            $magic.CopyTo($trailer, 136)
            $signed = [byte[]]($trailer[0..103] + $magic)
            [Security.Cryptography.HMACSHA256]::HashData($Key, $signed).CopyTo($trailer, 104)
            $path = Join-Path $Cache $stdioArtifact
            [IO.File]::WriteAllBytes($path, [byte[]]($body + $trailer))
            & chmod 600 $path
        }
    }

    It 'signs a forged artifact that loads, as long as the key stands (the attack this guards against)' {
        $cache = Copy-Cache (Join-Path $root 'keyed-control/cache')
        New-ForgedArtifact $cache ([IO.File]::ReadAllBytes((Join-Path $cache 'cache.key')))
        $run = Invoke-CacheSession $cache $runStdio
        ($run.Source, $run.ExitCode) | Should -Not -Be @('compiled', 3) -Because 'with the key, the forgery is indistinguishable: this is what revocation must prevent'
        $run.Source | Should -Be 'disk'
    }

    It 'is worthless once the execution that could read it has ended: the key is revoked' {
        $cache = Copy-Cache (Join-Path $root 'keyed/cache')
        $stolen = [IO.File]::ReadAllBytes((Join-Path $cache 'cache.key')) # what a guest granted the folder can read
        $granted = Invoke-CacheSession $cache ("Run $(ConvertTo-QuotedLiteral $fsprobe) 'read', 'cache.key' " +
            "@{ PermissionTier = 'ReadOnly'; WorkingDirectory = $(ConvertTo-QuotedLiteral $cache) }")
        $granted.ExitCode | Should -Be 0 -Because 'the guest read the key'
        Test-Path -LiteralPath (Join-Path $cache 'cache.key') | Should -BeFalse -Because 'the key a guest could read is revoked when it ends'

        New-ForgedArtifact $cache $stolen
        $run = Invoke-CacheSession $cache "$runStdio; $runStdio"
        $run[0].Source | Should -Be 'compiled' -Because "the note was: $($run[0].Note)"
        $run[0].ExitCode | Should -Be 3 -Because "stdio's own code ran, not wordfreq's"
    }
}

Describe 'A compile cache a guest of the process could write' {
    It 'is refused when an earlier execution was granted a folder around it' {
        $work = Split-Path (Copy-Cache (Join-Path $root 'granted/work/cache'))
        $cache = Join-Path $work 'cache'
        $before = Get-TreeSnapshot $cache

        $run = Invoke-CacheSession $cache ("Run $(ConvertTo-QuotedLiteral $fsprobe) 'ls', '.' " +
            "@{ PermissionTier = 'ReadWrite'; WorkingDirectory = $(ConvertTo-QuotedLiteral $work) }; $runStdio")

        $note = "the disk compile cache was skipped: its folder $cache lies inside $work, which was granted to a guest of this process (which could read its signing key, or write into it)"
        Assert-Compiled $run[0] $note
        Assert-Compiled $run[1] $note
        # Nothing was stored; the one change is the key, revoked when the execution that could read it ended.
        Assert-TreeUnchanged @($before | Where-Object { -not $_.StartsWith('cache.key|') }) $cache
        Test-Path -LiteralPath (Join-Path $cache 'cache.key') | Should -BeFalse
    }

    It 'stops being used once a later execution is granted a folder around it' {
        $work = Split-Path (Copy-Cache (Join-Path $root 'later/work/cache'))
        $cache = Join-Path $work 'cache'
        $elsewhere = (New-Item -ItemType Directory -Path (Join-Path $root 'later/elsewhere')).FullName

        $run = Invoke-CacheSession $cache ("$runStdio; " +
            "Run $(ConvertTo-QuotedLiteral $fsprobe) 'ls', '/data' @{ PermissionTier = 'ReadWrite'; WorkingDirectory = $(ConvertTo-QuotedLiteral $elsewhere); Mount = '${work}:/data' }; " +
            "Run $(ConvertTo-QuotedLiteral $wordfreq)")

        ($run[0].Source, $run[0].Note) | Should -Be @('disk', $null)
        $run[1].Stdout | Should -Match 'cache'
        Assert-Compiled $run[2] "the disk compile cache was skipped: its folder $cache lies inside $work, which was granted to a guest of this process (which could read its signing key, or write into it)"
        @(Get-ChildItem -LiteralPath $cache -Filter "$(Get-ModuleHash $fsprobe).*.cwasm").Count | Should -Be 0 -Because 'nothing compiled after the grant is stored'
    }
}
