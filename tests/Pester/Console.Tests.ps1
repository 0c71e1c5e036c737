# An interactive console, as a user at a terminal has one: PowerShell runs in a pseudo-terminal made by script(1)
# (util-linux), so its console is not redirected. There Invoke-WasmModule gives the guest the terminal, as PowerShell
# gives one to a native program: isatty() is true, typed lines reach the guest's stdin, Ctrl+D ends its input.
# Captured or piped, the guest's stdio is never a terminal.
BeforeDiscovery {
    $noScript = if (-not (Get-Command script -CommandType Application -ErrorAction Ignore)) { 'script(1) from util-linux is not installed' }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:stdio = Get-GuestPath 'stdio.wasm'

    # Runs $Command in a new pwsh inside a pseudo-terminal, typing $Keys (after the module has loaded); returns what
    # the terminal showed, without carriage returns and escape sequences.
    function Invoke-AtTerminal([string] $Command, [string] $Keys = '') {
        $module = Join-Path $env:WASMSANDBOX_TEST_MODULE 'WasmSandbox.psd1'
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("Import-Module '$module'; 'ready'; $Command"))
        $typed = Join-Path ([IO.Path]::GetTempPath()) "ws-keys-$([guid]::NewGuid()).sh"
        # Keys are typed once the session says it is ready, as a user would; a pause lets the guest read each line.
        $printf = ($Keys -split '(?<=\r)' | Where-Object { $_ } | ForEach-Object { "printf '%b' '$($_ -replace '\r', '\r' -replace "`u{4}", '\004')'; sleep 1" }) -join "`n"
        Set-Content -LiteralPath $typed -Value "sleep 8`n$printf`nsleep 3"
        try {
            $out = sh -c "sh '$typed' | script -qec 'dotnet pwsh -NoProfile -EncodedCommand $encoded' /dev/null" 2>&1 | Out-String
        }
        finally {
            Remove-Item -LiteralPath $typed -ErrorAction Ignore
        }
        ($out -replace "`r", '' -replace "`e\[[0-9;?]*[A-Za-z]", '' -replace "`e[=>]", '')
    }
}

Describe 'A guest at an interactive console' -Skip:([bool]$noScript) {
    It 'is told its stdio is a terminal, and is not when its output is captured' {
        $shown = Invoke-AtTerminal "Invoke-WasmModule '$stdio' tty; `$x = Invoke-WasmModule '$stdio' tty; `"captured: `$x`"; 'x' | Invoke-WasmModule '$stdio' tty"
        $shown | Should -Match '(?m)^isatty 1 1 1$'
        $shown | Should -Match '(?m)^captured: isatty 0 0 0$'
        $shown | Should -Match '(?m)^isatty 0 0 0$' -Because 'piped input is not the keyboard'
    }

    It 'reads the lines typed at the keyboard until Ctrl+D, then the prompt has the keyboard again' {
        $shown = Invoke-AtTerminal "Invoke-WasmModule '$stdio' lines; `"exit `$LASTEXITCODE`"" -Keys "first`rsecond`r`u{4}"
        $shown | Should -Match '(?m)^1: first$'
        $shown | Should -Match '(?m)^2: second$'
        $shown | Should -Match '(?m)^exit 0$' -Because 'Ctrl+D ended the guest''s input, so it ended by itself'
    }
}
