# -Mount and module paths as a PowerShell user writes them: provider paths, what the policy echoes back, and the
# messages for the usual mistakes (found by a first-time user trying the module).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-StagedModule
    $script:dir = Join-Path $TestDrive 'mounts'
    New-Item -ItemType Directory -Path (Join-Path $dir 'data'), (Join-Path $dir 'work') | Out-Null
    $script:hello = New-WasmContext (New-WatFile $dir 'hello.wat' (New-WatCommand '(call $print (i32.const 1024) (i32.const 6) (i32.const 1))' '(data (i32.const 1024) "hello\0a")'))
}

Describe '-Mount host paths' {
    It 'resolves TestDrive: and relative paths through the provider, against the current location' {
        Push-Location $dir
        try {
            $e = Start-WasmExecution $hello -PermissionTier ReadOnly -WorkingDirectory work -Mount 'data:/d', 'TestDrive:\mounts\data:/t'
            $e.Wait([timespan]'00:00:10') | Should -BeTrue
            @($e.Policy.Preopens | Where-Object GuestPath -in '/d', '/t' | ForEach-Object HostPath | Select-Object -Unique) |
                Should -Be (Resolve-Path (Join-Path $dir 'data')).ProviderPath
        }
        finally { Pop-Location }
    }

    It 'echoes the spec as written, without a suffix the user did not write' {
        $e = Start-WasmExecution $hello -PermissionTier ReadOnly -WorkingDirectory (Join-Path $dir 'work') -Mount "$(Join-Path $dir 'data'):/d"
        $e.Wait([timespan]'00:00:10') | Should -BeTrue
        ($e.Policy.Preopens | Where-Object GuestPath -eq '/d').Spec | Should -Be "$(Join-Path $dir 'data'):/d"
    }

    It 'refuses a host path of another provider by name' {
        { Start-WasmExecution $hello -PermissionTier ReadOnly -Mount 'Env:/x:/t' } |
            Should -Throw -ErrorId 'MountNotFileSystem,WasmSandbox.Commands.StartWasmExecutionCommand'
    }

    It 'says that a relative guest path is not absolute, not that it is an unknown option' {
        $err = { Start-WasmExecution $hello -PermissionTier ReadOnly -Mount "$(Join-Path $dir 'data'):in" } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike "*guest directory 'in' is not absolute*"
    }

    It 'does not repeat the missing path' {
        $missing = Join-Path $dir 'nothere'
        $err = { Start-WasmExecution $hello -PermissionTier ReadOnly -Mount "${missing}:/m" } | Should -Throw -PassThru
        $err.Exception.Message | Should -Be "mount '${missing}:/m': host directory '$missing' does not exist"
    }
}

Describe 'Module paths' {
    It 'New-WasmContext resolves ~ now, and keeps a plain relative path for each start' {
        (New-WasmContext -Path '~/tool.wasm').ModulePath | Should -Be (Join-Path $HOME 'tool.wasm')
        (New-WasmContext -Path 'TestDrive:\x.wasm').ModulePath | Should -Be (Join-Path $TestDrive 'x.wasm')
        (New-WasmContext -Path 'rel/tool.wasm').ModulePath | Should -Be 'rel/tool.wasm'
    }

    It 'a directory where the module should be is named as a directory, not as missing' {
        $err = { Invoke-WasmModule $dir } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*directory*'
        $err.Exception.Message | Should -Not -BeLike '*does not exist*'
    }
}
