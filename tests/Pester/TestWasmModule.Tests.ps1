BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-$([guid]::NewGuid())")).FullName
    Copy-Item (Get-GuestPath 'stdio.wasm') (Join-Path $dir 'stdio.wasm')
    [IO.File]::WriteAllBytes((Join-Path $dir 'tool.elf'), [byte[]](0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0))
    [IO.File]::WriteAllBytes((Join-Path $dir 'tool.exe'), [byte[]](0x4d, 0x5a, 0x90, 0))
    [IO.File]::WriteAllBytes((Join-Path $dir 'fat.bin'), [byte[]](0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2))
    [IO.File]::WriteAllBytes((Join-Path $dir 'component.wasm'), [byte[]](0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0))
    Set-Content -LiteralPath (Join-Path $dir 'shim') -Value "#!/usr/bin/env node`nrequire('../lib/cli.js')"
    Set-Content -LiteralPath (Join-Path $dir 'notes.txt') -Value 'just text'
    $sig = New-WatCommand '(drop (call $sig (i32.const 2) (i32.const 2) (i32.const 0) (i32.const 0) (i32.const 0)))' '' `
        '(import "host_process" "proc_sigaction" (func $sig (param i32 i32 i32 i32 i32) (result i32)))'
    New-WatFile $dir 'signals.wat' $sig | Out-Null
    New-WatFile $dir 'ruby.wat' (New-WatCommand '(call $x)' '' '(import "rb-js-abi-host" "call" (func $x))') | Out-Null
    New-WatFile $dir 'lib.wat' '(module (memory (export "memory") 1))' | Out-Null
    New-WatFile $dir 'big.wat' (New-WatCommand '' '').Replace('(memory (export "memory") 1)', '(memory (export "memory") 1 4096)') | Out-Null
}

AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Test-WasmModule' {
    It 'reports a real module with its imports, exports, memories and entry point' {
        $r = Test-WasmModule (Join-Path $dir 'stdio.wasm')
        $r | Should -BeOfType ([WasmSandbox.WasmModuleReport])
        $r.IsValid | Should -BeTrue
        $r.Kind | Should -Be 'CoreModule'
        $r.EntryPoint | Should -Be '_start'
        $r.WasiVersion | Should -Be 'preview1'
        $r.Size | Should -Be (Get-Item (Join-Path $dir 'stdio.wasm')).Length
        $r.Imports.Module | Should -Contain 'wasi_snapshot_preview1'
        ($r.Imports | Where-Object Name -eq 'fd_write').Type | Should -Be 'func'
        $r.Exports.Name | Should -Contain 'memory'
        $r.Memories.Count | Should -Be 1
        $r.Problems.Count | Should -Be 0
    }

    It 'classifies <Name> as <Kind> (<Format>)' -ForEach @(
        @{ Name = 'tool.elf'; Kind = 'NativeBinary'; Format = 'ELF' }
        @{ Name = 'tool.exe'; Kind = 'NativeBinary'; Format = 'PE/COFF' }
        @{ Name = 'fat.bin'; Kind = 'NativeBinary'; Format = 'Mach-O' }
        @{ Name = 'component.wasm'; Kind = 'Component'; Format = $null }
        @{ Name = 'shim'; Kind = 'ShellShim'; Format = $null }
        @{ Name = 'notes.txt'; Kind = 'NotWasm'; Format = $null }
    ) {
        $r = Test-WasmModule -LiteralPath (Join-Path $dir $Name)
        $r.Kind | Should -Be $Kind
        $r.NativeFormat | Should -Be $Format
        $r.IsValid | Should -BeFalse
    }

    It 'uses the same wording as the start-time refusals' {
        (Test-WasmModule (Join-Path $dir 'tool.elf')).Problems[0].Message | Should -BeLike '*native ELF executable*(ERR_NATIVE_BINARY_NOT_SUPPORTED)'
        (Test-WasmModule (Join-Path $dir 'shim')).Problems[0].Message | Should -BeLike '*shell-shim*'
        (Test-WasmModule (Join-Path $dir 'component.wasm')).Problems[0].Message | Should -BeLike '*WebAssembly components (WASI preview 2) are not supported yet*'
        $err = $null
        try { Start-WasmExecution -Context (New-WasmContext (Join-Path $dir 'tool.elf')) } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'NativeBinaryNotSupported,WasmSandbox.Commands.StartWasmExecutionCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be (Join-Path $dir 'tool.elf')
        $err.Exception.Message | Should -Be (Test-WasmModule (Join-Path $dir 'tool.elf')).Problems[0].Message
    }

    It 'judges host_process imports against the tier' {
        (Test-WasmModule (Join-Path $dir 'signals.wat')).IsValid | Should -BeFalse
        (Test-WasmModule (Join-Path $dir 'signals.wat')).Problems[0].Message | Should -BeLike '*host_process.proc_sigaction*'
        (Test-WasmModule (Join-Path $dir 'signals.wat') -PermissionTier Full).IsValid | Should -BeTrue
    }

    It 'names imports of another host at every tier' {
        $r = Test-WasmModule (Join-Path $dir 'ruby.wat') -PermissionTier Full
        $r.IsValid | Should -BeFalse
        $r.Problems.Code | Should -Contain 'UnsatisfiedImport'
        $r.Problems[0].Message | Should -BeLike '*rb-js-abi-host*'
    }

    It 'reports a module without _start as not runnable' {
        (Test-WasmModule (Join-Path $dir 'lib.wat')).Problems.Code | Should -Contain 'NoEntryPoint'
    }

    It 'judges the declared memory maximum against -MaxMemory' {
        $r = Test-WasmModule (Join-Path $dir 'big.wat') -MaxMemory 64MB
        $r.IsValid | Should -BeFalse
        $r.Problems[0].Message | Should -BeLike '*memory maximum*268435456*67108864*'
        (Test-WasmModule (Join-Path $dir 'big.wat') -MaxMemory 256MB).IsValid | Should -BeTrue
        { Start-WasmExecution -Context (New-WasmContext (Join-Path $dir 'big.wat')) -MaxMemory 64MB } |
            Should -Throw -ErrorId 'MemoryLimitExceeded,WasmSandbox.Commands.StartWasmExecutionCommand'
    }

    It 'returns only booleans with -Quiet' {
        Test-WasmModule (Join-Path $dir 'stdio.wasm') -Quiet | Should -BeExactly $true
        Test-WasmModule (Join-Path $dir 'tool.exe') -Quiet | Should -BeExactly $false
    }

    It 'takes several files from the pipeline and reports a missing one as a non-terminating error' {
        $files = @(Get-ChildItem $dir -Filter *.wasm) + [pscustomobject]@{ FullName = (Join-Path $dir 'missing.wasm') }
        $reports = $files | Test-WasmModule -ErrorVariable errs -ErrorAction SilentlyContinue
        $reports.Count | Should -Be 2
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'ModuleNotFound,WasmSandbox.Commands.TestWasmModuleCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'expands wildcards with -Path' {
        (Test-WasmModule (Join-Path $dir '*.wasm')).Count | Should -Be 2
    }

    It 'survives 5000 mutated modules in one process (fixed seed)' {
        $fuzz = New-Item -ItemType Directory -Path (Join-Path $dir 'fuzz')
        $seed = [IO.File]::ReadAllBytes((Join-Path $dir 'stdio.wasm'))
        $random = [Random]::new(4242)
        for ($i = 0; $i -lt 5000; $i++) {
            $bytes = [byte[]]$seed.Clone()
            switch ($random.Next(3)) {
                0 { for ($k = 0; $k -lt 1 + $random.Next(8); $k++) { $bytes[$random.Next(8, $bytes.Length)] = [byte]$random.Next(256) } }
                1 { $bytes = $bytes[0..($random.Next(1, $bytes.Length) - 1)] }
                2 { $at = $random.Next(8, [Math]::Min($bytes.Length, 64)); 0..9 | ForEach-Object { $bytes[$at + $_] = 0xff } }
            }
            [IO.File]::WriteAllBytes((Join-Path $fuzz "m$i.wasm"), $bytes)
        }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $reports = Get-ChildItem $fuzz | Test-WasmModule
        Write-Host "Test-WasmModule fuzz: $($reports.Count) reports in $([int]$clock.Elapsed.TotalSeconds) s; invalid: $(@($reports | Where-Object { -not $_.IsValid }).Count)"
        $reports.Count | Should -Be 5000
        @($reports | Where-Object { -not $_.IsValid }).Count | Should -BeGreaterThan 1000
    }
}
