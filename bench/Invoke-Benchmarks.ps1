<#
.SYNOPSIS
    Builds and runs the WasmSandbox benchmark suite and prints one table: each measure for the sandbox, Node's
    node:wasi and a native gcc build, the ratios, the goal, and whether it is met.

.DESCRIPTION
    Builds the guests (tools/Build-Guests.ps1 -Native; tools/Build-BenchGuests.ps1, which fetches the SQLite and
    zstd sources with npm pack), the staged module (build.ps1 -Task Build, unless -ModulePath names one) and the
    harness bench/WasmSandbox.Benchmarks (Release), then runs, one after another on this machine:

      workload   an SQL query mix on SQLite, one long recursive-CTE query on SQLite, and zstd -11 compression of
                 9.5 MB read from stdin, by every peer: native, the sandbox unmetered and fuel-metered, raw Wasmtime
                 with and without epochs, Node one-shot (tests/guests/run-node.mjs as a new process), and Node cold
                 and Node warm (bench/node/wasi-bench.mjs, timed inside node: cold = compile + first run, warm = the
                 run after two warm-up runs; one process per sample); medians of -Runs. The CPU goal is judged
                 against Node cold: what a user running the tool once with Node pays for the wasm. Node warm is a
                 stricter context row.
      hello      per-execution latency and CPU time, and throughput, of a hello-world guest
      micro      BenchmarkDotNet: the same hello-world execution, three configurations
      cmdlets    Start-WasmExecution -Wait per call, Receive-WasmEvent throughput (bench/Measure-Cmdlets.ps1,
                 in a fresh pwsh)
      stdout     guest stdout throughput: the sandbox's events vs native and Node writing into a pipe
      idle       resident memory added by 100 executions blocked reading stdin
      coldstart  first execution of the 1.1 MiB SQLite module in a new process, disk compile cache warm: the
                 engine in the harness, and Start-WasmExecution -Wait in a new pwsh session
                 (bench/Measure-FirstExecution.ps1)
      components a hello-world as a core module and as a component (the same C program, adapted), and the 12 MB
                 JavaScript component: cold compile, Start-WasmExecution -Wait per run, first run in a new pwsh
                 with the disk cache warm (bench/Measure-Components.ps1; fixtures from tools/Build-Components.ps1)
      tiers      first-ever runs (empty compile cache, new session) of @yowasp/clang (75 MB), @yowasp/yosys (31 MB)
                 and SQLite under -CompilePolicy Tiered, Optimized and Baseline, against Node's first run of the same
                 task; the run after, the wait for optimized code and the steady state (bench/Measure-Tiers.ps1,
                 its own table in results/tiers.md)

    Every peer must print the same stdout (SHA-256 compared) before its time counts. The compile cache is kept in
    <OutputPath>/compile-cache (WASMSANDBOX_CACHE_DIR), emptied at the start of each run, so runs do not depend on
    the user's cache. Raw results go to <OutputPath>/results/*.json and the table, as Markdown, to
    <OutputPath>/results/results.md. A full run takes 7-8 minutes on 2 cores (the first build of the guests adds
    about 4); -Quick takes about a minute once everything is built.

.PARAMETER Quick
    A smoke run: small inputs, two runs each, short BenchmarkDotNet jobs. The numbers only show that everything
    works; they are not the published ones.

.PARAMETER ModulePath
    A staged module folder (with WasmSandbox.psd1) to measure at cmdlet level. Without it build.ps1 -Task Build
    stages one to out/WasmSandbox.

.PARAMETER OutputPath
    Where guests, sources, caches and results go. Defaults to out/bench under the repository root.

.PARAMETER Runs
    Timed runs per peer for the whole-program workloads (after one verification run). Default 7; 2 with -Quick.

.EXAMPLE
    dotnet pwsh bench/Invoke-Benchmarks.ps1

.EXAMPLE
    dotnet pwsh bench/Invoke-Benchmarks.ps1 -Quick -ModulePath out/WasmSandbox
#>
#Requires -Version 7.0
[CmdletBinding()]
param(
    [switch] $Quick,
    [string] $ModulePath,
    [string] $OutputPath,
    [ValidateRange(1, 100)] [int] $Runs
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$root = Split-Path -Parent $PSScriptRoot
$OutputPath = if ($OutputPath) { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath) } else { Join-Path $root 'out/bench' }
if (-not $Runs) { $Runs = if ($Quick) { 2 } else { 7 } }
$guestDir = Join-Path $root 'out/guests'
$benchGuests = Join-Path $OutputPath 'guests'
$resultsDir = Join-Path $OutputPath 'results'
$harness = Join-Path $root 'bench/WasmSandbox.Benchmarks/bin/Release/net10.0/WasmSandbox.Benchmarks'
$runNode = Join-Path $root 'tests/guests/run-node.mjs'
$nodeBench = Join-Path $root 'bench/node/wasi-bench.mjs'
$corpus = Join-Path $OutputPath 'src/sqlite/package/deps/sqlite3/sqlite3.c'

# Sizes: the full run's workloads take 0.5-1 s natively on this class of machine; -Quick only proves the plumbing.
$sqlScale = if ($Quick) { 5 } else { 50 }
$zstdLevel = 11
$floodBytes = if ($Quick) { 128MB } else { 1GB }
$floodRuns = if ($Quick) { 1 } else { 3 }
$helloRuns = if ($Quick) { 300 } else { 2000 }
$helloMilliseconds = if ($Quick) { 500 } else { 3000 }
$cmdletRuns = if ($Quick) { 100 } else { 500 }

function Invoke-Native {
    # Runs a build tool; its output goes to the host, a failure throws.
    $file, $arguments = $args
    & $file @arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$file $($arguments -join ' ')' failed with exit code $LASTEXITCODE" }
}

function Invoke-Harness {
    # Runs one harness command; its progress (stderr) reaches the host, its JSON result is returned and saved.
    param([string] $Name, [string[]] $Arguments)
    Write-Host "== $Name"
    $json = & $harness @Arguments
    if ($LASTEXITCODE -ne 0) { throw "WasmSandbox.Benchmarks $($Arguments[0]) failed with exit code $LASTEXITCODE" }
    $text = $json -join "`n"
    Set-Content -LiteralPath (Join-Path $resultsDir "$Name.json") -Value $text
    $text | ConvertFrom-Json
}

function Format-Number([double] $Value, [string] $Unit) {
    $digits = if ([Math]::Abs($Value) -ge 100) { 0 } elseif ([Math]::Abs($Value) -ge 10) { 1 } else { 2 }
    "{0:N$digits} $Unit" -f $Value
}

function Format-Ratio([double] $Value) { '{0:0.00}' -f $Value }

function Get-Median([double[]] $Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $mid = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

function Format-PairRatio([object] $Slower, [object] $Faster) {
    "$(Format-Ratio ($Slower.median / $Faster.median)) (min $(Format-Ratio ($Slower.min / $Faster.min)))"
}

function New-Row {
    param([string] $Measure, [string] $Ours = '', [string] $Node = '', [string] $Native = '', [string] $Ratio = '',
        [string] $Goal = '', [object] $Met = $null)
    $verdict = if ($Met -is [bool]) { if ($Met) { 'yes' } else { 'NO' } } elseif ($Met) { "$Met" } else { '' }
    [pscustomobject][ordered]@{
        Measure = $Measure; Ours = $Ours; Node = $Node; Native = $Native; Ratio = $Ratio; Goal = $Goal; Met = $verdict
    }
}

function Get-MachineLine {
    $cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
    $load = (Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3
    "$([Environment]::ProcessorCount) cores ($cpu), load average $($load -join ' '), node $(& node --version), .NET $([Environment]::Version)"
}

# ---- build ----------------------------------------------------------------------------------------------------
$null = New-Item -ItemType Directory -Force -Path $resultsDir
& (Join-Path $root 'tools/Build-Guests.ps1') -OutputPath $guestDir -Native
& (Join-Path $root 'tools/Build-Components.ps1') -OutputPath (Join-Path $guestDir 'components')
& (Join-Path $root 'tools/Build-BenchGuests.ps1') -OutputPath $OutputPath
if (-not $ModulePath) {
    & (Join-Path $root 'build.ps1') -Task Build
    $ModulePath = Join-Path $root 'out/WasmSandbox'
}
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
Write-Host 'Building bench/WasmSandbox.Benchmarks (Release)'
Invoke-Native dotnet build (Join-Path $root 'bench/WasmSandbox.Benchmarks/WasmSandbox.Benchmarks.csproj') -c Release --nologo --verbosity quiet

$stdin = $corpus
if ($Quick) {
    # The first MiB of the same text, so the quick run has the same kind of input.
    $stdin = Join-Path $OutputPath 'corpus-1MiB.txt'
    $head = [byte[]]::new(1MB)
    $file = [IO.File]::OpenRead($corpus)
    try { $file.ReadExactly($head) } finally { $file.Dispose() }
    [IO.File]::WriteAllBytes($stdin, $head)
}

# A private, empty compile cache: the first compile of each module is real, later processes find it on disk.
$cacheDir = Join-Path $OutputPath 'compile-cache'
if (Test-Path -LiteralPath $cacheDir) { Remove-Item -LiteralPath $cacheDir -Recurse -Force }
$previousCacheDir = $env:WASMSANDBOX_CACHE_DIR
$env:WASMSANDBOX_CACHE_DIR = $cacheDir

# ---- run ------------------------------------------------------------------------------------------------------
try {
    $machineBefore = Get-MachineLine
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $sqlbench = Join-Path $benchGuests 'sqlbench.wasm'
    $common = @('--run-node', $runNode, '--node-bench', $nodeBench, '--runs', "$Runs")
    $sql = Invoke-Harness 'workload-sql' (@('workload', '--name', 'sql', '--module', $sqlbench,
        '--native', (Join-Path $benchGuests 'native/sqlbench')) + $common + @('--', "$sqlScale"))
    $sqlRecursive = Invoke-Harness 'workload-sql-recursive' (@('workload', '--name', 'sql-recursive', '--module', $sqlbench,
        '--native', (Join-Path $benchGuests 'native/sqlbench')) + $common + @('--', 'recursive', "$sqlScale"))
    $zstd = Invoke-Harness 'workload-zstd' (@('workload', '--name', 'zstd', '--module', (Join-Path $benchGuests 'zpipe.wasm'),
        '--native', (Join-Path $benchGuests 'native/zpipe'), '--stdin', $stdin) + $common + @('--', "$zstdLevel"))
    $hello = Invoke-Harness 'hello' @('hello', '--module', (Join-Path $benchGuests 'hello.wasm'), '--runs', "$helloRuns",
        '--milliseconds', "$helloMilliseconds")
    $microArguments = @('micro', '--module', (Join-Path $benchGuests 'hello.wasm'), '--artifacts', (Join-Path $OutputPath 'BenchmarkDotNet.Artifacts'))
    if ($Quick) { $microArguments += '--quick' }
    $micro = Invoke-Harness 'micro' $microArguments
    $stdout = Invoke-Harness 'stdout' @('stdout', '--module', (Join-Path $guestDir 'stdio.wasm'), '--native', (Join-Path $guestDir 'native/stdio'),
        '--run-node', $runNode, '--bytes', "$floodBytes", '--runs', "$floodRuns")
    $idle = Invoke-Harness 'idle' @('idle', '--module', (Join-Path $guestDir 'stdio.wasm'), '--count', '100')
    $cold = Invoke-Harness 'coldstart' @('coldstart', '--module', $sqlbench, '--native', (Join-Path $benchGuests 'native/sqlbench'),
        '--run-node', $runNode, '--runs', "$Runs", '--', '1')

    Write-Host '== cmdlets'
    $cmdletResult = Join-Path $resultsDir 'cmdlets.json'
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Measure-Cmdlets.ps1') -ModulePath $ModulePath `
        -HelloModule (Join-Path $benchGuests 'hello.wasm') -StdioModule (Join-Path $guestDir 'stdio.wasm') `
        -Runs $cmdletRuns -FloodBytes $floodBytes -FloodRuns $floodRuns -ResultPath $cmdletResult | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "bench/Measure-Cmdlets.ps1 failed with exit code $LASTEXITCODE" }
    $cmdlets = Get-Content -Raw -LiteralPath $cmdletResult | ConvertFrom-Json

    # Components next to the same program as a core module: cold compile, per run, first run in a new session.
    Write-Host '== components'
    $componentResult = Join-Path $resultsDir 'components.json'
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Measure-Components.ps1') -ModulePath $ModulePath `
        -GuestPath $guestDir -OutputPath $OutputPath -ResultPath $componentResult -Runs $(if ($Quick) { 5 } else { 50 }) `
        -Sessions $Runs | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "bench/Measure-Components.ps1 failed with exit code $LASTEXITCODE" }
    $components = @(Get-Content -Raw -LiteralPath $componentResult | ConvertFrom-Json)

    # The same first execution as 'coldstart', in a new pwsh session with the staged module (and its ReadyToRun
    # images); the compile cache already holds the module from the runs above.
    Write-Host "== first execution in a new pwsh session, $Runs sessions"
    $sessions = foreach ($i in 1..$Runs) {
        $line = & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Measure-FirstExecution.ps1') `
            -ModulePath $ModulePath -ModuleFile $sqlbench -ArgumentList 1
        if ($LASTEXITCODE -ne 0) { throw "bench/Measure-FirstExecution.ps1 failed with exit code $LASTEXITCODE" }
        ($line -join "`n") | ConvertFrom-Json
    }
    $sessions | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath (Join-Path $resultsDir 'first-execution.json')

    # First-ever runs of big real modules on each compiler tier against Node's first run (its own table: tiers.md).
    $tierArguments = @{ ModulePath = $ModulePath; OutputPath = $OutputPath; Samples = $(if ($Quick) { 1 } else { 3 }) }
    if ($Quick) { $tierArguments.Task = 'yosys' }
    & (Join-Path $PSScriptRoot 'Measure-Tiers.ps1') @tierArguments
}
finally {
    # The caller's session (build.ps1 runs this script in its own) keeps its own cache setting.
    $env:WASMSANDBOX_CACHE_DIR = $previousCacheDir
}
$elapsed = $clock.Elapsed
$machineAfter = Get-MachineLine

# ---- table ----------------------------------------------------------------------------------------------------
$rows = [Collections.Generic.List[object]]::new()

function Add-WorkloadRows {
    param([object] $Result, [string] $Title, [double] $NodeGoal)
    $p = $Result.peers
    $ours = $p.ours.median
    $toNative = $ours / $p.native.median
    $bar = "$(if ($NodeGoal -lt 1) { '<=' } else { '<' }) $NodeGoal"
    $underBar = { param([double] $Ratio) if ($NodeGoal -lt 1) { $Ratio -le $NodeGoal } else { $Ratio -lt $NodeGoal } }
    # The goal's peer: Node as a user runs a tool once, timed inside node (its own start-up left out), compile included.
    $toCold = $ours / $p.nodeCold.median
    $rows.Add((New-Row -Measure "$Title vs Node cold (compile + first run, in node)" -Ours (Format-Number $ours 'ms') -Node (Format-Number $p.nodeCold.median 'ms') `
        -Native (Format-Number $p.native.median 'ms') `
        -Ratio "$(Format-Ratio $toCold) / $(Format-Ratio $toNative) (min $(Format-Ratio ($p.ours.min / $p.nodeCold.min)) / $(Format-Ratio ($p.ours.min / $p.native.min)))" `
        -Goal "ours/Node cold $bar, <= 2.5x native" `
        -Met ((& $underBar $toCold) -and $toNative -le 2.5)))
    $toWarm = $ours / $p.nodeWarm.median
    $rows.Add((New-Row -Measure '  same vs Node warm (3rd run in node; stricter)' -Ours (Format-Number $ours 'ms') -Node (Format-Number $p.nodeWarm.median 'ms') `
        -Ratio "$(Format-Ratio $toWarm) (min $(Format-Ratio ($p.ours.min / $p.nodeWarm.min)))" `
        -Goal "context, not the goal: ours/Node warm $bar" -Met "($(if (& $underBar $toWarm) { 'yes' } else { 'no' }))"))
    $rows.Add((New-Row -Measure '  same vs Node one-shot (new node process)' -Ours (Format-Number $ours 'ms') -Node (Format-Number $p.nodeOneShot.median 'ms') `
        -Ratio (Format-Ratio ($ours / $p.nodeOneShot.median)) -Goal 'context: node run-node.mjs, node start-up and compile included' -Met '-'))
    # Comparisons of two close numbers also show the ratio of the fastest runs, which noise can only slow down.
    $rows.Add((New-Row -Measure '  epoch interruption cost (raw Wasmtime)' -Ours "$(Format-Number $p.rawEpoch.median 'ms') vs $(Format-Number $p.rawNoEpoch.median 'ms')" `
        -Ratio (Format-PairRatio $p.rawEpoch $p.rawNoEpoch) -Goal 'epoch/no epoch <= 1.05' `
        -Met (($p.rawEpoch.median / $p.rawNoEpoch.median) -le 1.05)))
    $rows.Add((New-Row -Measure '  sandbox vs raw Wasmtime without epochs' -Ours "$(Format-Number $ours 'ms') vs $(Format-Number $p.rawNoEpoch.median 'ms')" `
        -Ratio (Format-PairRatio $p.ours $p.rawNoEpoch) -Goal 'context: all the sandbox adds' -Met '-'))
    $rows.Add((New-Row -Measure '  baseline tier (Winch code) vs optimized (Cranelift)' -Ours "$(Format-Number $p.oursBaseline.median 'ms') vs $(Format-Number $ours 'ms')" `
        -Ratio (Format-PairRatio $p.oursBaseline $p.ours) -Goal 'context: the slowdown of a first run''s code (see tiers)' -Met '-'))
    $rows.Add((New-Row -Measure '  fuel metering (MaxFuel set vs not)' -Ours "$(Format-Number $p.oursFuel.median 'ms') vs $(Format-Number $ours 'ms')" `
        -Ratio (Format-PairRatio $p.oursFuel $p.ours) -Goal 'context: reported' -Met '-'))
}

# Both SQL workloads are SQL-style, so both get the issue's <= 0.5 bar.
Add-WorkloadRows $sql "SQL query mix, SQLite (sqlbench $sqlScale)" 0.5
Add-WorkloadRows $sqlRecursive "SQL, one recursive CTE, SQLite (sqlbench recursive $sqlScale)" 0.5
Add-WorkloadRows $zstd "zstd -$zstdLevel, $('{0:N1}' -f ($zstd.stdinBytes / 1MB)) MiB via stdin" 1.0

$bdn = $micro.benchmarks.Isolated.medianUs
$rows.Add((New-Row -Measure 'hello-world execution, engine (BenchmarkDotNet)' -Ours (Format-Number ($bdn / 1000) 'ms') `
    -Goal '<= 0.5 ms' -Met (($bdn / 1000) -le 0.5)))
$rows.Add((New-Row -Measure '  same, Stopwatch; CPU time per execution' -Ours "$(Format-Number ($hello.latencyUs.median / 1000) 'ms'); CPU $(Format-Number ($hello.cpuUsPerExecution / 1000) 'ms')" `
    -Goal 'context: wall time includes waiting for a core' -Met '-'))
$rows.Add((New-Row -Measure 'hello-world, Start-WasmExecution -Wait' -Ours (Format-Number $cmdlets.startWaitMs.median 'ms') `
    -Goal '<= 5 ms' -Met ($cmdlets.startWaitMs.median -le 5)))
$best = $hello.executionsPerSecond.PSObject.Properties | Sort-Object { [double]$_.Value } -Descending | Select-Object -First 1
$rows.Add((New-Row -Measure "hello-world throughput, engine ($($best.Name) callers)" -Ours (Format-Number $best.Value 'exec/s') `
    -Goal '>= 1000 exec/s' -Met ([double]$best.Value -ge 1000)))

$coldWall = $cold.ours.processWallMs.median
$fromDisk = @($cold.ours.sources | Where-Object { $_ -ne 'disk' }).Count -eq 0
$rows.Add((New-Row -Measure "first execution in a new process, $('{0:N1}' -f ($cold.moduleBytes / 1MB)) MiB module (engine)" -Ours (Format-Number $coldWall 'ms') `
    -Node (Format-Number $cold.nodeOneShot.median 'ms') -Native (Format-Number $cold.native.median 'ms') `
    -Goal '<= 100 ms process start to exit, disk cache warm' `
    -Met $(if ($fromDisk) { $coldWall -le 100 } else { "not measurable yet (compiled: $(Format-Number $cold.ours.compileMs.median 'ms'))" })))
$sessionFirst = Get-Median @($sessions.firstRunMs)
$sessionFromDisk = @($sessions | Where-Object source -ne 'disk').Count -eq 0
$rows.Add((New-Row -Measure '  same, first Start-WasmExecution -Wait in a new pwsh' -Ours (Format-Number $sessionFirst 'ms') `
    -Goal "<= 100 ms in the session (Import-Module: $(Format-Number (Get-Median @($sessions.importMs)) 'ms'))" `
    -Met $(if ($sessionFromDisk) { $sessionFirst -le 100 } else { 'not measurable yet (no disk cache hit)' })))
$rows.Add((New-Row -Measure '  same, Start to exit inside the harness process' -Ours (Format-Number $cold.ours.startToExitMs.median 'ms') `
    -Goal "context: module from $(@($cold.ours.sources | Select-Object -Unique) -join '/') in $(Format-Number $cold.ours.compileMs.median 'ms'), JIT $(Format-Number $cold.ours.jitMs.median 'ms')" -Met '-'))

$mbps = $stdout.megabytesPerSecond
$rows.Add((New-Row -Measure 'guest stdout, engine events' -Ours (Format-Number $mbps.ours.median 'MB/s') -Node (Format-Number $mbps.nodeOneShot.median 'MB/s') `
    -Native (Format-Number $mbps.native.median 'MB/s') -Goal '>= 500 MB/s' -Met ($mbps.ours.median -ge 500)))
$rows.Add((New-Row -Measure 'guest stdout, Receive-WasmEvent' -Ours (Format-Number $cmdlets.receiveMegabytesPerSecond.median 'MB/s') `
    -Goal '>= 100 MB/s' -Met ($cmdlets.receiveMegabytesPerSecond.median -ge 100)))
$rows.Add((New-Row -Measure "$($idle.count) idle executions, resident memory added" -Ours (Format-Number ($idle.residentDeltaBytes / 1MB) 'MiB') `
    -Goal '< 200 MB' -Met ($idle.residentDeltaBytes -lt 200MB)))

foreach ($component in $components) {
    $rows.Add((New-Row -Measure "$($component.name): cold compile; first run" -Ours "$(Format-Number $component.coldCompileMs 'ms'); $(Format-Number $component.coldFirstRunMs 'ms')" `
        -Goal 'context: paid once per machine (disk cache)' -Met '-'))
    $rows.Add((New-Row -Measure "  same, Start-WasmExecution -Wait per run (min)" -Ours "$(Format-Number $component.perRunMs 'ms') ($(Format-Number $component.perRunMinMs 'ms'))" `
        -Goal 'context: vs the core module row' -Met '-'))
    $rows.Add((New-Row -Measure "  same, first run in a new pwsh, cache warm" -Ours (Format-Number $component.newSessionFirstRunMs 'ms') `
        -Goal "context: code from $($component.newSessionSources -join '/')" -Met '-'))
}

$header = @(
    "WasmSandbox benchmarks$(if ($Quick) { ' (QUICK smoke run: not representative)' }), $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC, $('{0:N0}' -f $elapsed.TotalSeconds) s"
    "before: $machineBefore"
    "after:  $machineAfter"
    'Times are medians; ours = the engine with its compiled module cached in memory. Node = Node 20 node:wasi: Node cold = compile + first run, timed inside node (the goal''s peer: a tool run once with Node); Node warm = a run after two warm-up runs in the same process (stricter context); Node one-shot = a new node process running tests/guests/run-node.mjs, timed from process start to exit.'
    'Ratio = ours/that row''s Node / ours/native; (min ...) = ratio of the fastest runs.'
)
$markdown = @($header | ForEach-Object { "$_  " }) + '' +
    '| Measure | Ours | Node | Native | Ratio | Goal | Met |' + '|---|---|---|---|---|---|---|' +
    ($rows | ForEach-Object { "| $($_.Measure.Trim()) | $($_.Ours) | $($_.Node) | $($_.Native) | $($_.Ratio) | $($_.Goal) | $($_.Met) |" })
Set-Content -LiteralPath (Join-Path $resultsDir 'results.md') -Value $markdown

Write-Host ''
$header | ForEach-Object { Write-Host $_ }
$rows | Format-Table -AutoSize -Wrap | Out-String -Width 240 | Write-Host
Write-Host "Raw results: $resultsDir"
