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

Describe 'Test-WasmModule on components' {
    BeforeAll {
        # The component fixtures tools/Build-Components.ps1 builds with real toolchains (jco's preview 1 command
        # adapter around clang-14 programs, componentize-js), and the hello program as a core module beside them.
        $script:comp = (New-Item -ItemType Directory -Path (Join-Path $dir 'components')).FullName
        foreach ($name in 'hello.component.wasm', 'jsprobe.component.wasm', 'cprobe.component.wasm', 'needshttp.component.wasm',
            'needscustom.component.wasm', 'hello.core.wasm') {
            Copy-Item (Get-GuestPath "components/$name") (Join-Path $comp $name)
        }
        function script:Get-OtherProblem($Report) { @($Report.Problems) }
    }

    It 'reports an adapted C program: kind, WASI version, world and core modules' {
        $r = Test-WasmModule (Join-Path $comp 'hello.component.wasm')
        $r.Kind | Should -Be 'Component'
        $r.WasiVersion | Should -Be 'preview2'
        $r.WasiInterfaceVersion | Should -Match '^0\.2\.\d+$'
        $v = $r.WasiInterfaceVersion
        $r.EntryPoint | Should -Be "wasi:cli/run@$v"
        $r.ComponentImports.Name | Should -Contain "wasi:cli/stdout@$v"
        $r.ComponentImports.Name | Should -Contain "wasi:cli/exit@$v"
        @($r.ComponentImports | Where-Object Kind -ne 'instance').Count | Should -Be 0
        ($r.ComponentImports | Where-Object Name -eq "wasi:cli/stdout@$v").Interface | Should -Be 'stdout'
        $r.ComponentExports.Name | Should -Be @("wasi:cli/run@$v")
        # The program and the adapter, each with a memory (the adapter's imported), and the adapter's shims.
        $r.CoreModules.Count | Should -BeGreaterOrEqual 2
        $program = $r.CoreModules | Sort-Object Size -Descending | Select-Object -First 1
        $program.Memories.Count | Should -Be 1
        $program.Memories[0].Imported | Should -BeFalse
        @($r.CoreModules | Where-Object { $_.Memories.Imported -contains $true }).Count | Should -BeGreaterOrEqual 1
        $r.Size | Should -Be (Get-Item (Join-Path $comp 'hello.component.wasm')).Length
        # The core-module properties stay for core modules.
        $r.Imports.Count + $r.Exports.Count + $r.Memories.Count | Should -Be 0
        Get-OtherProblem $r | Should -BeNullOrEmpty
    }

    It 'reports the JavaScript component and judges its memories against -MaxMemory' {
        $r = Test-WasmModule (Join-Path $comp 'jsprobe.component.wasm')
        $r.Kind | Should -Be 'Component'
        $r.EntryPoint | Should -BeLike 'wasi:cli/run@0.2.*'
        $engine = $r.CoreModules | Sort-Object Size -Descending | Select-Object -First 1
        $engine.Size | Should -BeGreaterThan 5MB
        $pages = $engine.Memories[0].Minimum
        $pages | Should -BeGreaterThan 16
        Get-OtherProblem $r | Should -BeNullOrEmpty

        $small = Test-WasmModule (Join-Path $comp 'jsprobe.component.wasm') -MaxMemory 1MB
        $problem = Get-OtherProblem $small | Where-Object Code -eq 'MemoryLimitExceeded' | Select-Object -First 1
        $problem.Message | Should -BeLike "*memory minimum of $($pages * 64KB) bytes ($pages pages) exceeds the limit of 1048576 bytes (memory 0 of core module $($engine.Index) declares no memory maximum)"
    }

    It 'names <Import> as an import the sandbox does not link, at every tier' -ForEach @(
        @{ File = 'needshttp.component.wasm'; Import = 'wasi:http/outgoing-handler@0.2.*' }
        @{ File = 'needscustom.component.wasm'; Import = 'wasmsandbox:fixtures/custom' }
    ) {
        foreach ($tier in 'Isolated', 'ReadOnly', 'ReadWrite', 'Full') {
            $r = Test-WasmModule (Join-Path $comp $File) -PermissionTier $tier
            $r.IsValid | Should -BeFalse
            @($r.ComponentImports.Name -like $Import).Count | Should -BeGreaterOrEqual 1
            $unsatisfied = @($r.Problems | Where-Object Code -eq 'UnsatisfiedImport')
            $unsatisfied.Count | Should -BeGreaterOrEqual 1
            ($unsatisfied.Message -like "import $Import is not provided by the sandbox (*WASI preview 2 packages it links: wasi:cli, wasi:io, wasi:clocks, wasi:random, wasi:filesystem, wasi:sockets;*").Count |
                Should -Be 1
            # Only what the sandbox does not link is named.
            $unsatisfied.Message | Should -Not -BeLike 'import wasi:cli/*'
        }
    }

    It 'accepts wasi:filesystem and wasi:sockets imports under the Isolated tier' {
        $r = Test-WasmModule (Join-Path $comp 'cprobe.component.wasm') -PermissionTier Isolated
        @($r.ComponentImports.Name -like 'wasi:sockets/tcp@0.2.*').Count | Should -Be 1
        @($r.ComponentImports.Name -like 'wasi:filesystem/preopens@0.2.*').Count | Should -Be 1
        Get-OtherProblem $r | Should -BeNullOrEmpty
    }

    It 'takes a mix of core modules and components from Get-ChildItem' {
        $files = Get-ChildItem (Join-Path $comp '*.wasm')
        $reports = $files | Test-WasmModule
        $reports.Count | Should -Be $files.Count
        ($reports | Where-Object Kind -eq 'CoreModule').Path | Should -Be (Join-Path $comp 'hello.core.wasm')
        @($reports | Where-Object Kind -eq 'Component').Count | Should -Be ($files.Count - 1)
        ($reports | Where-Object Kind -eq 'CoreModule').IsValid | Should -BeTrue
        ($reports | Where-Object Kind -eq 'CoreModule').CoreModules.Count | Should -Be 0
        $files | Test-WasmModule -Quiet | Should -Be ($reports.IsValid)
    }

    It 'shows the component facts in the list view and keeps the core-module view as it was' {
        $text = Test-WasmModule (Join-Path $comp 'hello.component.wasm') | Format-List | Out-String -Width 200
        $text | Should -Match 'WasiInterfaceVersion\s+: 0\.2\.\d+'
        $text | Should -Match 'CoreModules\s+: \d+ core modules, 1 nested component'
        $text | Should -Match 'core module 0 \(\d+ bytes\): memory \(\d+\.\. pages, i32\)'
        $text | Should -Match 'ComponentImports\s+: wasi:'
        $text | Should -Match 'ComponentExports\s+: wasi:cli/run@0\.2\.\d+ \(instance\)'
        $text | Should -Not -Match '(?m)^Imports\s+:'
        $core = Test-WasmModule (Join-Path $comp 'hello.core.wasm') | Format-List | Out-String -Width 200
        $core | Should -Match '(?m)^Imports\s+: wasi_snapshot_preview1\.'
        $core | Should -Match '(?m)^Memories\s+: memory'
        $core | Should -Not -Match 'ComponentImports|CoreModules|WasiInterfaceVersion'
        # The table view names the kind.
        (Test-WasmModule (Join-Path $comp '*.wasm') | Format-Table | Out-String -Width 200) | Should -Match 'Component'
    }

    It 'reads a component in WebAssembly text, with nested components and their memories' {
        Set-Content -LiteralPath (Join-Path $comp 'nested.wat') -Value @'
(component
  (import "wasi:cli/stdout@0.2.3" (instance))
  (import "wasi:cli/stdout@0.3.0" (instance))
  (import "log" (func))
  (core module (memory 1 2))
  (component
    (core module (memory 3))
    (component (core module (memory 5 4096))))
  (instance $run (export "run" (func 0)))
  (export "wasi:cli/run@0.2.3" (instance $run)))
'@
        $r = Test-WasmModule (Join-Path $comp 'nested.wat') -MaxMemory 64MB
        $r.Kind | Should -Be 'Component'
        $r.NestedComponentCount | Should -Be 2
        $r.CoreModules.Depth | Should -Be @(0, 1, 2)
        $r.CoreModules[2].Memories[0].Maximum | Should -Be 4096
        $r.WasiInterfaceVersion | Should -Be '0.3.0'
        $r.EntryPoint | Should -Be 'wasi:cli/run@0.2.3'
        $messages = (Get-OtherProblem $r).Message
        $messages | Should -Contain 'import wasi:cli/stdout@0.3.0 asks for WASI 0.3.0; the sandbox links WASI 0.2 interfaces (0.2.x)'
        @($messages -like 'import log (func) is not provided by the sandbox (*').Count | Should -Be 1
        @($messages -like '*memory maximum of 268435456 bytes (4096 pages) exceeds the limit of 67108864 bytes (memory 0 of core module 2)').Count | Should -Be 1
        @($messages -like '*stdout@0.2.3*').Count | Should -Be 0
    }

    It 'keeps the component facts and the view through serialization' {
        $r = Test-WasmModule (Join-Path $comp 'needshttp.component.wasm')
        $d = [Management.Automation.PSSerializer]::Deserialize([Management.Automation.PSSerializer]::Serialize($r))
        $d.PSObject.TypeNames[0] | Should -Be 'Deserialized.WasmSandbox.WasmModuleReport'
        $d.ComponentImports.Name | Should -Be $r.ComponentImports.Name
        $d.CoreModules.Size | Should -Be $r.CoreModules.Size
        $d.WasiInterfaceVersion | Should -Be $r.WasiInterfaceVersion
        ($d | Format-List | Out-String -Width 200) | Should -Match 'ComponentImports\s+: wasi:'
    }

    It 'survives 500 mutated components in one process (fixed seed)' {
        $fuzz = New-Item -ItemType Directory -Path (Join-Path $dir 'component-fuzz')
        $seed = [IO.File]::ReadAllBytes((Join-Path $comp 'hello.component.wasm'))
        $random = [Random]::new(1515)
        for ($i = 0; $i -lt 500; $i++) {
            $bytes = [byte[]]$seed.Clone()
            switch ($random.Next(3)) {
                0 { for ($k = 0; $k -lt 1 + $random.Next(8); $k++) { $bytes[$random.Next(8, $bytes.Length)] = [byte]$random.Next(256) } }
                1 { [Array]::Resize([ref]$bytes, $random.Next(1, $bytes.Length)) }
                2 { $at = $random.Next(8, [Math]::Min($bytes.Length, 4096)); [Array]::Fill($bytes, [byte]0xff, $at, 10) }
            }
            [IO.File]::WriteAllBytes((Join-Path $fuzz "c$i.wasm"), $bytes)
        }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $reports = Get-ChildItem $fuzz | Test-WasmModule
        Write-Host "Test-WasmModule component fuzz: $($reports.Count) reports in $([int]$clock.Elapsed.TotalSeconds) s"
        $reports.Count | Should -Be 500
        @($reports | Where-Object { $_.Kind -eq 'Component' }).Count | Should -BeGreaterThan 450
        @($reports | Where-Object { $_.Problems.Code -contains 'MalformedSection' }).Count | Should -BeGreaterThan 100
    }
}
