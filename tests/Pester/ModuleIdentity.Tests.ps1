# Starts of an unchanged module file take its hash and checks from memory (ModuleIdentityCache); a changed file is
# read and checked again. A real C guest made large (over the 1 MiB above which a file is walked on disk before it is
# read) by a custom section, which runs the same.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule

    # stdio.wasm followed by a custom section "pad" of $Size bytes of $Fill: the same program, a larger file.
    function New-PaddedModule([int] $Size, [byte] $Fill) {
        $name = [Text.Encoding]::ASCII.GetBytes('pad')
        $content = [byte[]]::new(1 + $name.Length + $Size)
        $content[0] = $name.Length
        [Array]::Copy($name, 0, $content, 1, $name.Length)
        [Array]::Fill($content, $Fill, 1 + $name.Length, $Size)
        $length = [Collections.Generic.List[byte]]::new()
        $n = [uint32]$content.Length
        do {
            $b = [byte]($n -band 0x7F)
            $n = $n -shr 7
            if ($n -ne 0) { $b = $b -bor 0x80 }
            $length.Add($b)
        } while ($n -ne 0)
        $module = [IO.MemoryStream]::new()
        $guest = [IO.File]::ReadAllBytes((Get-GuestPath 'stdio.wasm'))
        $module.Write($guest, 0, $guest.Length)
        $module.WriteByte(0)
        $module.Write($length.ToArray(), 0, $length.Count)
        $module.Write($content, 0, $content.Length)
        , $module.ToArray()
    }

    function Invoke-Stdio([string] $Path, [switch] $Verbose) {
        $output = Start-WasmExecution -Context (New-WasmContext $Path) -ArgumentList 'args', 'x' -Wait -Verbose:$Verbose 4>&1
        $verboseLines = $output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $events = @($output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        [pscustomobject]@{
            Stdout  = -join ($events | Where-Object Kind -eq Stdout | ForEach-Object Text)
            Exit    = $events | Where-Object Kind -eq Exited
            Warmup  = (Get-WasmExecution -Id $events[-1].ExecutionId).Warmup
            Verbose = @($verboseLines | ForEach-Object { "$_" })
        }
    }
}

Describe 'Starting an unchanged module file' {
    BeforeAll {
        $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-ident-$([guid]::NewGuid())")).FullName
        $script:path = Join-Path $dir 'big.wasm'
        # A fill no earlier run used, so the first start compiles whatever the compile cache holds.
        $script:fill = [byte](Get-Random -Minimum 1 -Maximum 255)
        $script:padding = 3MB + (Get-Random -Maximum 4096)
        [IO.File]::WriteAllBytes($path, (New-PaddedModule -Size $padding -Fill $fill))
        # A file changed in the last two seconds is read at every start (its identity could miss a write in the
        # same timestamp tick); this one must be remembered.
        Start-Sleep -Milliseconds 2100
    }

    AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'runs from memory at the second start, and says so with -Verbose' {
        $first = Invoke-Stdio $path
        $first.Stdout | Should -BeExactly "big.wasm`nargs`nx`n"
        $first.Warmup.Source | Should -BeIn 'compiled', 'disk'

        $second = Invoke-Stdio $path -Verbose
        $second.Stdout | Should -BeExactly "big.wasm`nargs`nx`n"
        $second.Exit.ExitCode | Should -Be 0
        $second.Warmup.Source | Should -Be 'memory'
        $second.Warmup.Executed | Should -BeFalse
        $second.Warmup.CompileTime | Should -Be ([TimeSpan]::Zero)
        $second.Verbose -join "`n" | Should -BeLike '*big.wasm*module cached in memory*'
    }

    It 'runs the new content after the file is rewritten with the same size and modification time' {
        $size = (Get-Item $path).Length
        $mtime = (Get-Item $path).LastWriteTimeUtc
        (Invoke-Stdio $path).Warmup.Source | Should -Be 'memory'
        $other = New-PaddedModule -Size $padding -Fill ([byte]($fill + 1))
        $other.Length | Should -Be $size
        [IO.File]::WriteAllBytes($path, $other)
        [IO.File]::SetLastWriteTimeUtc($path, $mtime)

        $after = Invoke-Stdio $path
        $after.Stdout | Should -BeExactly "big.wasm`nargs`nx`n"
        # Another hash: not the compiled module of the old content.
        $after.Warmup.Source | Should -BeIn 'compiled', 'disk'
    }

    It 'refuses what replaced it, however it was replaced' {
        $null = Invoke-Stdio $path
        $script = Join-Path $dir 'script.wasm'
        [IO.File]::WriteAllText($script, "#!/bin/sh`necho hi`n")
        Move-Item -LiteralPath $script -Destination $path -Force
        $failure = $null
        try { Start-WasmExecution -Context (New-WasmContext $path) -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.Exception | Should -BeOfType ([WasmSandbox.WasmSandboxException])
        $failure.Exception.Message | Should -BeLike '*big.wasm*'
    }
}
