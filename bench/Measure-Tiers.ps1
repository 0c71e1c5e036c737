<#
.SYNOPSIS
    The compiler-tier benchmark: first-ever runs of big real modules (and of SQLite and zstd) under each
    -CompilePolicy, against Node's first run of the same task, measured in one run.

.DESCRIPTION
    Tasks, each run by the sandbox and by Node 20's node:wasi (tests/guests/run-node.mjs, a new node process, its
    working directory preopened as /) on fresh copies of the same input folder, with the output file compared:

      clang    @yowasp/clang's LLVM (llvm.core.wasm, 75 MB, a WASI preview 1 command run as 'clang') compiling a small
               C file with -O2 to a wasm32 object
      yosys    @yowasp/yosys (yosys.core.wasm, 31 MB) reading a Verilog counter, proc; opt; stat to a file
      sqlite   bench/guests/sqlbench.c built by tools/Build-BenchGuests.ps1 (SQLite, 1.1 MiB), query mix, scale 5
               (its stdout, not a file, is its result: compared by digest between the sandbox's runs only)

    zstd's steady state on each tier is in the workload rows of bench/Invoke-Benchmarks.ps1 (peer oursBaseline);
    its module (0.4 MiB) compiles in a fraction of a second on either tier, so it has no first-run row here.

    For each task and policy, -Samples new PowerShell sessions (bench/Measure-TierRun.ps1), each with an empty
    compile cache, time the first run, the second, the wait for optimized code (Tiered) and the steady state; Node's
    first run is timed as a new process, -Samples times. Medians are reported. Writes <OutputPath>/results/tiers.json
    and tiers.md and prints the table.

    The packages are fetched with npm pack into <OutputPath>/src (kept between runs).

.EXAMPLE
    dotnet pwsh bench/Measure-Tiers.ps1 -ModulePath out/WasmSandbox
#>
#Requires -Version 7.0
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $OutputPath,
    [ValidateRange(1, 20)] [int] $Samples = 3,
    [string[]] $Task = @('clang', 'yosys', 'sqlite'),
    [string[]] $Policy = @('Tiered', 'Optimized', 'Baseline')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$root = Split-Path -Parent $PSScriptRoot
$OutputPath = if ($OutputPath) { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath) } else { Join-Path $root 'out/bench' }
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$runNode = Join-Path $root 'tests/guests/run-node.mjs'
$srcDir = Join-Path $OutputPath 'src'
$tierDir = Join-Path $OutputPath 'tiers'
$resultsDir = Join-Path $OutputPath 'results'
$null = New-Item -ItemType Directory -Force -Path $srcDir, $tierDir, $resultsDir

function Get-NpmPackage([string] $Spec, [string] $Name) {
    # npm pack once into src/<Name>, unpacked; kept between runs.
    $folder = Join-Path $srcDir $Name
    if (Test-Path -LiteralPath (Join-Path $folder 'package/package.json')) { return $folder }
    $null = New-Item -ItemType Directory -Force -Path $folder
    Push-Location $folder
    try {
        $tgz = & npm pack $Spec --silent 2>$null | Select-Object -Last 1
        if ($LASTEXITCODE -ne 0 -or -not $tgz) { throw "npm pack $Spec failed" }
        & tar -xzf $tgz
        if ($LASTEXITCODE -ne 0) { throw "unpacking $tgz failed" }
    }
    finally { Pop-Location }
    $folder
}

function New-TaskFolder([string] $Name) {
    $folder = Join-Path $tierDir $Name
    if (Test-Path -LiteralPath $folder) { Remove-Item -LiteralPath $folder -Recurse -Force }
    $null = New-Item -ItemType Directory -Path (Join-Path $folder 'input')
    $folder
}

$tasks = [ordered]@{}
if ($Task -contains 'clang') {
    $package = Get-NpmPackage '@yowasp/clang@22.0.0-git20542-10' 'clang'
    $folder = New-TaskFolder 'clang'
    # run-node.mjs gives argv[0] as the file's name without .wasm; LLVM's multi-call binary picks the tool by it.
    Copy-Item (Join-Path $package 'package/gen/llvm.core.wasm') (Join-Path $folder 'clang.wasm')
    Set-Content -LiteralPath (Join-Path $folder 'input/fib.c') -NoNewline -Value @'
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
struct point { double x, y; };
static double dist2(struct point a, struct point b) { double dx = a.x - b.x, dy = a.y - b.y; return dx * dx + dy * dy; }
int work(int n) {
    struct point p[16];
    for (int i = 0; i < 16; i++) { p[i].x = i * 1.5; p[i].y = fib(i % 12); }
    double s = 0;
    for (int i = 0; i < 16; i++) for (int j = 0; j < 16; j++) s += dist2(p[i], p[j]);
    return (int)s + fib(n);
}
'@
    $tasks.clang = @{ Module = Join-Path $folder 'clang.wasm'; Root = Join-Path $folder 'input'; Output = 'fib.o'
        Arguments = @('--target=wasm32-wasip1', '-O2', '-c', 'fib.c', '-o', 'fib.o') }
}
if ($Task -contains 'yosys') {
    $package = Get-NpmPackage '@yowasp/yosys@0.55.944' 'yosys-tiers'
    $folder = New-TaskFolder 'yosys'
    Copy-Item (Join-Path $package 'package/gen/yosys.core.wasm') (Join-Path $folder 'yosys.wasm')
    Copy-Item (Join-Path $root 'tests/corpus/inputs/yosys/counter.v') (Join-Path $folder 'input/counter.v')
    $tasks.yosys = @{ Module = Join-Path $folder 'yosys.wasm'; Root = Join-Path $folder 'input'; Output = 'stat.txt'
        Arguments = @('-q', '-p', 'read_verilog counter.v; hierarchy -top counter; proc; opt; tee -q -o stat.txt stat') }
}
if ($Task -contains 'sqlite') {
    $sqlbench = Join-Path $OutputPath 'guests/sqlbench.wasm'
    if (-not (Test-Path -LiteralPath $sqlbench)) { & (Join-Path $root 'tools/Build-BenchGuests.ps1') -OutputPath $OutputPath -WasmOnly }
    $folder = New-TaskFolder 'sqlite'
    Copy-Item $sqlbench (Join-Path $folder 'sqlbench.wasm')
    $tasks.sqlite = @{ Module = Join-Path $folder 'sqlbench.wasm'; Root = Join-Path $folder 'input'; Output = $null
        Arguments = @('5') }
}

function Get-Median([double[]] $Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $mid = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

function Invoke-NodeFirstRun([hashtable] $Spec) {
    $folder = Join-Path $tierDir "node-$([guid]::NewGuid().ToString('N'))"
    Copy-Item -LiteralPath $Spec.Root -Destination $folder -Recurse
    try {
        Push-Location $folder
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stdout = & node $runNode $Spec.Module @($Spec.Arguments)
        $ms = $clock.Elapsed.TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw "node: $($Spec.Module) exited with $LASTEXITCODE" }
        $digest = if ($Spec.Output) { (Get-FileHash -LiteralPath (Join-Path $folder $Spec.Output) -Algorithm SHA256).Hash } else { ($stdout -join "`n").Length }
        [pscustomobject]@{ ms = [Math]::Round($ms, 1); sha256 = $digest }
    }
    finally {
        Pop-Location
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-TierSession([hashtable] $Spec, [string] $Policy, [switch] $NoWait) {
    $cache = Join-Path $tierDir "cache-$([guid]::NewGuid().ToString('N'))"
    $previous = $env:WASMSANDBOX_CACHE_DIR
    $env:WASMSANDBOX_CACHE_DIR = $cache
    try {
        $output = if ($Spec.Output) { $Spec.Output } else { '' }
        $line = & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Measure-TierRun.ps1') -ModulePath $ModulePath `
            -ModuleFile $Spec.Module -Root $Spec.Root -Policy $Policy -OutputFile $output -NoWait:$NoWait `
            -ArgumentsBase64 ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject @($Spec.Arguments) -Compress))))
        if ($LASTEXITCODE -ne 0) { throw "bench/Measure-TierRun.ps1 ($Policy, $($Spec.Module)) failed with exit code $LASTEXITCODE" }
        ($line -join "`n") | ConvertFrom-Json
    }
    finally {
        $env:WASMSANDBOX_CACHE_DIR = $previous
        Remove-Item -LiteralPath $cache -Recurse -Force -ErrorAction SilentlyContinue
    }
}

$machine = {
    $load = (Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3
    "$([Environment]::ProcessorCount) cores, load average $($load -join ' ')"
}
$before = & $machine
$results = [ordered]@{}
foreach ($name in $tasks.Keys) {
    $spec = $tasks[$name]
    $size = (Get-Item -LiteralPath $spec.Module).Length
    Write-Host "== tiers: $name ($('{0:N1}' -f ($size / 1MB)) MiB), node first runs"
    $node = @(1..$Samples | ForEach-Object { Invoke-NodeFirstRun $spec })
    $byPolicy = [ordered]@{}
    foreach ($p in $Policy) {
        Write-Host "== tiers: $name, $p, $Samples new sessions"
        # Only the first Tiered session waits for the background compile (minutes for a 75 MB module on one thread);
        # Optimized, which compiles with every core before its first run, is sampled once for modules over 16 MB.
        $count = if ($p -eq 'Optimized' -and $size -gt 16MB) { 1 } else { $Samples }
        $sessions = @(1..$count | ForEach-Object { Invoke-TierSession $spec $p -NoWait:($p -eq 'Tiered' -and $_ -gt 1) })
        if ($spec.Output) {
            $bad = @($sessions | Where-Object { $_.first.sha256 -ne $node[0].sha256 })
            if ($bad) { throw "$name ($p): the sandbox's $($spec.Output) differs from Node's" }
        }
        $byPolicy[$p] = $sessions
    }
    $results[$name] = [ordered]@{ moduleBytes = $size; node = $node; policies = $byPolicy }
}
$after = & $machine
$results | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath (Join-Path $resultsDir 'tiers.json')

$rows = foreach ($name in $results.Keys) {
    $r = $results[$name]
    $nodeMs = Get-Median @($r.node.ms)
    $mb = $r.moduleBytes / 1e6
    foreach ($p in $r.policies.Keys) {
        $s = $r.policies[$p]
        $first = Get-Median @($s.first.ms)
        $compile = Get-Median @($s.first.compileMs)
        [pscustomobject][ordered]@{
            Task = "$name ($('{0:N1}' -f $mb) MB)"
            Policy = $p
            'First run' = '{0:N0} ms ({1})' -f $first, (@($s.first.tier | Select-Object -Unique) -join '/')
            'Node first' = '{0:N0} ms' -f $nodeMs
            'First/Node' = '{0:N2}' -f ($first / $nodeMs)
            'Compile' = '{0:N0} ms ({1:N1} MB/s)' -f $compile, ($mb / ($compile / 1000))
            'Second run' = '{0:N0} ms ({1})' -f (Get-Median @($s.second.ms)), (@($s.second.tier | Select-Object -Unique) -join '/')
            'Optimized ready' = if ($p -eq 'Tiered') { '{0:N0} ms later' -f (Get-Median @($s.readyMs | Where-Object { $null -ne $_ })) } else { '' }
            'Steady run' = '{0:N0} ms ({1})' -f (Get-Median @($s.steady | Where-Object { $_ } | ForEach-Object ms)), (@($s.steady | Where-Object { $_ } | ForEach-Object tier | Select-Object -Unique) -join '/')
            Sessions = $s.Count
        }
    }
}
$header = "Compiler tiers, $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC; medians of $Samples new sessions per row (empty compile cache each); before: $before; after: $after"
$markdown = @("$header  ", '', ('| ' + (($rows[0].PSObject.Properties.Name) -join ' | ') + ' |'), ('|' + ('---|' * $rows[0].PSObject.Properties.Name.Count))) +
    ($rows | ForEach-Object { '| ' + (($_.PSObject.Properties.Value) -join ' | ') + ' |' })
Set-Content -LiteralPath (Join-Path $resultsDir 'tiers.md') -Value $markdown
Write-Host $header
$rows | Format-Table -AutoSize -Wrap | Out-String -Width 240 | Write-Host
