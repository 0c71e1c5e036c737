using Xunit;

namespace WasmSandbox.Tests;

public class CompileCacheSettingsTests
{
    private static CompileCacheSettings From(params (string Name, string Value)[] variables) =>
        CompileCacheSettings.FromVariables(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Theory]
    [InlineData("off")]
    [InlineData("OFF")]
    [InlineData(" Off ")]
    public void OffInAnyCaseTurnsTheDiskCacheOff(string value)
    {
        var settings = From(("WASMSANDBOX_CACHE_DIR", value));
        Assert.Null(settings.Directory);
        Assert.Equal($"the disk compile cache is off (WASMSANDBOX_CACHE_DIR={value})", settings.Note);
    }

    [Fact]
    public void TheVariableNamesTheFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "elsewhere");
        var settings = From(("WASMSANDBOX_CACHE_DIR", folder), ("XDG_CACHE_HOME", "/xdg"));
        Assert.Equal((folder, CompileCacheSettings.DefaultMaxBytes, (string?)null), (settings.Directory, settings.MaxBytes, settings.Note));
    }

    [Fact]
    public void TheDefaultIsTheUserCacheDirectory()
    {
        string home = Path.Combine(Path.GetTempPath(), "home");
        string xdg = Path.Combine(Path.GetTempPath(), "xdg");
        var withXdg = From(("HOME", home), ("XDG_CACHE_HOME", xdg));
        var relativeXdg = From(("HOME", home), ("XDG_CACHE_HOME", "relative/cache"));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(Path.Combine(xdg, "wasmsandbox"), withXdg.Directory);
            Assert.Equal(Path.Combine(home, ".cache", "wasmsandbox"), relativeXdg.Directory);
        }
        else
        {
            string local = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "wasmsandbox");
            Assert.Equal((local, local), (withXdg.Directory, relativeXdg.Directory));
        }
        Assert.Null(withXdg.Note);
    }

    [Fact]
    public void TheBoundIsSetInBytes()
    {
        Assert.Equal(5_000_000, From(("WASMSANDBOX_CACHE_MAX_BYTES", "5000000")).MaxBytes);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("1GB")]
    public void AnInvalidBoundKeepsTheDefaultWithANote(string value)
    {
        var settings = From(("WASMSANDBOX_CACHE_DIR", "/cache"), ("WASMSANDBOX_CACHE_MAX_BYTES", value));
        Assert.Equal(CompileCacheSettings.DefaultMaxBytes, settings.MaxBytes);
        Assert.Equal($"WASMSANDBOX_CACHE_MAX_BYTES='{value}' is not a positive number of bytes; the compile cache keeps up to 1 GiB", settings.Note);
        Assert.NotNull(settings.Directory);
    }
}
