# A private OpenSSH server on 127.0.0.1 for remoting tests: its own config, host key and client key in one folder,
# a free high port, and a "powershell" subsystem that runs the repository's pwsh with the staged module on its
# PSModulePath. Nothing listens beyond loopback; Stop-SshServer ends it by its PID.

function Find-Sshd {
    foreach ($candidate in '/usr/sbin/sshd', '/usr/local/sbin/sshd') {
        if (Test-Path -LiteralPath $candidate) { return $candidate }
    }
    $null
}

# Returns the path of sshd, installing Debian's openssh-server when missing and allowed (root with apt-get); otherwise
# throws with the reason, which the caller reports as the reason for skipping.
function Install-Sshd {
    if ($IsWindows) { throw 'the remoting tests start a private OpenSSH sshd, which they only do on Linux and macOS' }
    $sshd = Find-Sshd
    if ($sshd) { return $sshd }
    if (-not (Get-Command apt-get -ErrorAction Ignore)) { throw 'sshd is not installed and there is no apt-get to install openssh-server with' }
    if ((& id -u) -ne '0') { throw 'sshd is not installed, and installing openssh-server needs root' }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    $log = & apt-get install -y --no-install-recommends openssh-server 2>&1
    if ($LASTEXITCODE -ne 0) { throw "apt-get install openssh-server failed ($LASTEXITCODE): $($log | Select-Object -Last 3)" }
    $sshd = Find-Sshd
    if (-not $sshd) { throw 'openssh-server was installed but no sshd binary was found' }
    $sshd
}

function Get-FreeLoopbackPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-SshServer {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $ModuleParent,
        [Parameter(Mandatory)] [string] $RepositoryRoot,
        [string] $CacheDir
    )
    $sshd = Install-Sshd
    if (-not (Get-Command ssh -ErrorAction Ignore)) { throw 'the ssh client is not installed' }
    $dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "ws-sshd-$([guid]::NewGuid())")).FullName
    & chmod 700 $dir
    foreach ($key in 'host_key', 'client_key') {
        & ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir $key) | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "ssh-keygen failed for $key" }
    }
    Copy-Item -LiteralPath (Join-Path $dir 'client_key.pub') -Destination (Join-Path $dir 'authorized_keys')
    # sshd refuses to start without its privilege-separation folder, which only the packaged service creates.
    if (-not (Test-Path /run/sshd) -and (& id -u) -eq '0') { New-Item -ItemType Directory -Path /run/sshd | Out-Null }

    # The subsystem runs the same pwsh as the tests (the repository's dotnet tool), from the repository so the tool
    # manifest resolves, with the staged module first on PSModulePath, so "Import-Module WasmSandbox" finds it as on
    # a host where it is installed.
    $dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
    $wrapper = Join-Path $dir 'pwsh-subsystem.sh'
    $lines = @(
        '#!/bin/sh'
        "cd '$RepositoryRoot' || exit 1"
        "export PSModulePath='$ModuleParent'"
        "export HOME='$HOME'"
    )
    if ($CacheDir) { $lines += "export WASMSANDBOX_CACHE_DIR='$CacheDir'" }
    $lines += "exec '$dotnet' pwsh -sshs -NoLogo -NoProfile"
    Set-Content -LiteralPath $wrapper -Value ($lines -join "`n")
    & chmod 755 $wrapper

    $port = Get-FreeLoopbackPort
    $config = Join-Path $dir 'sshd_config'
    # StrictModes is off because the test folder lives under /tmp; the keys in it are this run's, made a moment ago.
    Set-Content -LiteralPath $config -Value @"
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AllowUsers $([Environment]::UserName)
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxSessions 20
MaxStartups 20:30:60
Subsystem powershell $wrapper
"@
    $log = Join-Path $dir 'sshd.log'
    $process = Start-Process -FilePath $sshd -ArgumentList '-D', '-e', '-f', $config -RedirectStandardError $log -PassThru
    $server = [pscustomobject]@{
        Process = $process; Port = $port; Directory = $dir; KeyFile = (Join-Path $dir 'client_key')
        UserName = [Environment]::UserName; Log = $log
    }
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($true) {
        if ($process.HasExited) {
            $text = Get-Content -Raw -LiteralPath $log -ErrorAction Ignore
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
            throw "sshd exited with code $($process.ExitCode) at start: $text"
        }
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect([Net.IPAddress]::Loopback, $port); break } catch { } finally { $client.Dispose() }
        if ([DateTime]::UtcNow -gt $deadline) { Stop-SshServer $server; throw "sshd did not listen on 127.0.0.1:$port within 10 s" }
        Start-Sleep -Milliseconds 50
    }
    $server
}

function New-SshSession {
    param([Parameter(Mandatory)] $Server, [int] $Count = 1)
    $options = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = (Join-Path $Server.Directory 'known_hosts'); LogLevel = 'ERROR' }
    1..$Count | ForEach-Object {
        New-PSSession -HostName 127.0.0.1 -Port $Server.Port -UserName $Server.UserName -KeyFilePath $Server.KeyFile -Options $options -ErrorAction Stop
    }
}

function Stop-SshServer {
    param($Server)
    if (-not $Server) { return }
    if (-not $Server.Process.HasExited) {
        Stop-Process -Id $Server.Process.Id -ErrorAction Ignore
        $null = $Server.Process.WaitForExit(5000)
    }
    Remove-Item -LiteralPath $Server.Directory -Recurse -Force -ErrorAction Ignore
}

Export-ModuleMember -Function Start-SshServer, Stop-SshServer, New-SshSession
