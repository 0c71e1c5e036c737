using Xunit;

namespace WasmSandbox.Tests.Adversarial;

/// <summary>The link rule as text: which symlink targets a guest may write (see <see cref="PathGuard.IsConfinedLinkTarget"/>).</summary>
public class FileSystemLinkRuleTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("in.txt")]
    [InlineData(".")]
    [InlineData("./a")]
    [InlineData("a/b/c")]
    [InlineData("a//b/./c/")]
    [InlineData("...")] // a name, not a parent
    [InlineData("..a")]
    [InlineData("a..")]
    [InlineData("dir with spaces/ü.txt")]
    public void ConfinedTargetsAreAllowed(string target) => Assert.True(PathGuard.IsConfinedLinkTarget(target));

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/etc/passwd")]
    [InlineData("//host/share")]
    [InlineData("\\etc")]
    [InlineData("C:\\Windows")]
    [InlineData("C:x")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/..")]
    [InlineData("a/../b")]
    [InlineData("a/b/../..")]
    [InlineData("a\\..\\..\\x")]
    [InlineData("a/..\\b")]
    [InlineData("x\0")]
    [InlineData("\0")]
    public void TargetsThatCouldLeaveAreRefused(string target) => Assert.False(PathGuard.IsConfinedLinkTarget(target));
}
