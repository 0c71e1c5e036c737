using Xunit;

namespace WasmSandbox.Tests;

/// <summary>
/// Mount-spec fuzz: every combination of host, guest and suffix pieces below (1 470 specs) is parsed, and the result is
/// checked against what the pieces were built to mean. An unknown suffix, a relative guest path, or one with '..', ':',
/// '\' or NUL must be refused; everything else must parse to exactly the normalised guest path and permission.
/// </summary>
public class MountSyntaxTests
{
    private static readonly string[] Hosts = { "/srv/data", "rel/dir", "~/data", @"C:\data", "/a:b", "/with space", "TestDrive:\\x" };

    // Guest text and its normalised form; null when it must be refused.
    private static readonly (string Text, string? Normal)[] Guests =
    {
        ("/data", "/data"), ("//x//y/", "/x/y"), ("/./x", "/x"), ("/", "/"), ("/a/b/c", "/a/b/c"), ("/ünï", "/ünï"),
        ("data", null), ("/a/../b", null), ("/..", null), ("/a\\b", null), ("/a\0b", null), ("/a\tb", null), ("/m\uFEFF", null), ("/a\u200Bb", null),
    };

    // Suffix text and the permission it means (true: read-only); refused when Valid is false.
    private static readonly (string Text, bool Valid, bool ReadOnly)[] Suffixes =
    {
        ("", true, false), (":ro", true, true), (":RO", true, true), (":Ro", true, true), (":rO", true, true),
        (":rw", true, false), (":RW", true, false), (":readonly", false, false), (":ro ", false, false),
        (": ro", false, false), (":r", false, false), (":ro:ro", false, false), (":", false, false), (":w", false, false),
        (":ro\n", false, false),
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (var host in Hosts)
        {
            foreach (var (guest, normal) in Guests)
            {
                foreach (var (suffix, valid, ro) in Suffixes)
                {
                    yield return new object[] { host, guest, normal ?? "", suffix, normal is not null && valid, ro };
                }
            }
        }
    }

    [Fact]
    public void TheFuzzCoversAtLeastTwoHundredSpecs() => Assert.True(Cases().Count() >= 200);

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachSpecMeansExactlyWhatItSays(string host, string guest, string normal, string suffix, bool valid, bool readOnly)
    {
        string spec = host + ":" + guest + suffix;
        if (!valid)
        {
            var e = Assert.Throws<WasmConfigurationException>(() => MountSpec.Parse(spec));
            Assert.Equal("InvalidMount", e.ErrorId);
            Assert.Contains(spec, e.Message);
            return;
        }
        var mount = MountSpec.Parse(spec);
        Assert.Equal(host, mount.HostPath);
        Assert.Equal(normal, mount.GuestPath);
        Assert.Equal(readOnly, mount.ReadOnly);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/data")]
    [InlineData(":/data")]
    [InlineData("/host")]
    [InlineData("/host:data:ro")]
    public void SpecsWithoutAHostOrAnAbsoluteGuestAreRefused(string spec)
    {
        var e = Assert.Throws<WasmConfigurationException>(() => MountSpec.Parse(spec));
        Assert.Equal("InvalidMount", e.ErrorId);
    }
}
