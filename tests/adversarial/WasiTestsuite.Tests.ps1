# The official WASI preview 1 test suite (WebAssembly/wasi-testsuite, 72 prebuilt modules in C, Rust and
# AssemblyScript) run through the sandbox: one test per module, each on a fresh copy of its root folder, its exit code
# and stdout checked exactly as its JSON says. The archive lives beside the repository in ../shared/wasi-testsuite (or
# beside a folder above it, or in $env:WASMSANDBOX_WASI_TESTSUITE) and is unpacked once into out/wasi-testsuite
# (tests/wasi-testsuite/WasiTestsuite.psm1); on a machine without it every test here is skipped, with a warning that
# names the folders searched.
#
# A test that fails today for a known reason is listed in $ExpectedFailures with its class:
#   a  a sandbox override of a WASI function behaves differently from Wasmtime's own WASI for the same call
#   b  a deliberate sandbox refusal (sockets; symlink targets that leave their directory)
#   c  Wasmtime's own behaviour (the sandbox passes the call through and Wasmtime fails the test too)
# Such a test still runs and must still fail, with the symptom the table records on the guest's stderr: when it starts
# passing it fails with "now passes: remove it from the expected failures", and when it fails differently it says so,
# so the table cannot go stale. tests/wasi-testsuite/Compare-WasiRuntimes.ps1 runs the same cases on Wasmtime's own
# WASI and on Node's node:wasi, which is how each class below was decided.

BeforeDiscovery {
    $ExpectedFailures = @{
        'rust/interesting_paths' = @{
            Class   = 'a'
            Reason  = 'path_open (WasiPathFunctions.PathOpen, PathGuard) answers an absolute path or ".." above the preopen with ENOENT (44), the README''s promise; Wasmtime answers EPERM (63), Node ENOTCAPABLE (76), and the test accepts only PERM or NOTCAPABLE'
            Symptom = 'expected errno PERM or NOTCAPABLE; got NOENT'
        }
    }

    Import-Module (Join-Path $PSScriptRoot '../wasi-testsuite/WasiTestsuite.psm1') -Force
    # On a machine without the suite (it is test data beside the repository, not part of it) every test here is
    # reported as skipped, with the folders searched, rather than failing the build for data it was not given.
    $missing = if (-not (Find-WasiTestsuiteArchive)) {
        "the WASI test suite archive is not on this machine (looked in: $((Get-WasiTestsuiteCandidate) -join ', '))"
    }
    if ($missing) { Write-Warning $missing }
    $cases = if ($missing) { @() } else { @(Get-WasiTestCase -SuiteRoot (Expand-WasiTestsuite)) }
    $names = @($cases | ForEach-Object Name)
    $testCases = foreach ($case in $cases) {
        $expected = $ExpectedFailures[$case.Name]
        @{
            Name     = $case.Name
            Case     = $case
            Expected = $expected
            Title    = if ($expected) { "$($case.Name) still fails (expected failure, class $($expected.Class))" } else { $case.Name }
        }
    }
    $tableCheck = @{
        Missing = [bool]$missing
        Count = $cases.Count
        Stale = @($ExpectedFailures.Keys | Where-Object { $_ -notin $names } | Sort-Object)
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force
    Import-StagedModule
    Import-Module (Join-Path $PSScriptRoot '../wasi-testsuite/WasiTestsuite.psm1') -Force
}

Describe 'The WASI test suite as unpacked' {
    It 'holds the 72 test modules its README promises, and the expected-failure table names only tests in it' -ForEach $tableCheck -Skip:([bool]$missing) {
        $Count | Should -Be 72 -Because 'the prebuilt archive holds 72 modules; fewer means it unpacked partly or changed'
        $Stale | Should -BeNullOrEmpty -Because 'an expected failure must name a test of the suite'
    }
}

Describe 'The WASI test suite in the sandbox' {
    It '<Title>' -ForEach $testCases -AllowNullOrEmptyForEach {
        $run = Invoke-WasiTestInSandbox -Case $Case
        $problems = @(Test-WasiTestResult -Case $Case -Run $run)
        $stderr = if ($run.Stderr) { "`nguest stderr:`n$($run.Stderr.TrimEnd())" } else { '' }
        if ($Expected) {
            if ($problems.Count -eq 0) {
                throw "now passes: remove it from the expected failures (class $($Expected.Class): $($Expected.Reason))"
            }
            if (-not $run.Stderr.Contains($Expected.Symptom)) {
                throw "fails, but not as the expected-failure table says (its stderr lacks '$($Expected.Symptom)'): $($problems -join '; ')$stderr"
            }
        }
        elseif ($problems.Count -gt 0) {
            throw "$($problems -join '; ')$stderr"
        }
    }
}
