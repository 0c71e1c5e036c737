using Xunit;

namespace WasmSandbox.Tests;

/// <summary>The component cache: memory and disk, under the module cache's trust rules.</summary>
public class ComponentCacheTests
{
    private static ComponentSource.ReadComponent Read(string name)
    {
        var path = ComponentFixtures.Path(name);
        var bytes = File.ReadAllBytes(path);
        return new ComponentSource.ReadComponent(path, path, Path.GetFileName(path), bytes, ModuleCache.Hash(bytes));
    }

    [Fact]
    public void ANewProcessLoadsWhatAnEarlierOneCompiled()
    {
        using var dir = new TempDir();
        var read = Read("hello");
        var first = new ComponentCache(CompileCacheTesting.Cache(dir.Path)).GetOrCompile(CompileCacheTesting.Profile, read).Warmup;
        Assert.Equal("compiled", first.Source);
        Assert.Null(first.Note);
        string artifact = new DiskCompileCache(dir.Path, CompileCacheSettings.DefaultMaxBytes)
            .ArtifactPath(ComponentCache.ArtifactKey(CompileCacheTesting.Profile), read.Sha256);
        Assert.True(File.Exists(artifact));

        var cache = new ComponentCache(CompileCacheTesting.Cache(dir.Path));
        Assert.Equal("disk", cache.GetOrCompile(CompileCacheTesting.Profile, read).Warmup.Source);
        Assert.Equal("memory", cache.GetOrCompile(CompileCacheTesting.Profile, read).Warmup.Source);
        Assert.Equal(1, cache.Loads);
    }

    [Fact]
    public void ATamperedArtifactIsIgnoredAndReplaced()
    {
        using var dir = new TempDir();
        var read = Read("hello");
        new ComponentCache(CompileCacheTesting.Cache(dir.Path)).GetOrCompile(CompileCacheTesting.Profile, read);
        string artifact = new DiskCompileCache(dir.Path, CompileCacheSettings.DefaultMaxBytes)
            .ArtifactPath(ComponentCache.ArtifactKey(CompileCacheTesting.Profile), read.Sha256);
        var bytes = File.ReadAllBytes(artifact);
        bytes[bytes.Length / 3] ^= 0xff;
        File.WriteAllBytes(artifact, bytes);

        var warmup = new ComponentCache(CompileCacheTesting.Cache(dir.Path)).GetOrCompile(CompileCacheTesting.Profile, read).Warmup;
        Assert.Equal("compiled", warmup.Source);
        Assert.Contains("was ignored", warmup.Note);
        Assert.Equal("disk", new ComponentCache(CompileCacheTesting.Cache(dir.Path)).GetOrCompile(CompileCacheTesting.Profile, read).Warmup.Source);
    }

    [Fact]
    public void AModuleArtifactIsNeverLoadedAsAComponent()
    {
        using var dir = new TempDir();
        var read = Read("hello");
        // Plant a valid, signed core module artifact under the component's hash and the module profile key.
        var module = CompileCacheTesting.UniqueModule();
        var modules = CompileCacheTesting.Cache(dir.Path);
        modules.Start(module);
        string moduleArtifact = CompileCacheTesting.ArtifactPath(dir.Path, module);
        string componentArtifact = new DiskCompileCache(dir.Path, CompileCacheSettings.DefaultMaxBytes)
            .ArtifactPath(ComponentCache.ArtifactKey(CompileCacheTesting.Profile), read.Sha256);
        File.Copy(moduleArtifact, componentArtifact);

        var warmup = new ComponentCache(CompileCacheTesting.Cache(dir.Path)).GetOrCompile(CompileCacheTesting.Profile, read).Warmup;
        Assert.Equal("compiled", warmup.Source);
        Assert.Contains("names another module", warmup.Note);
    }

    [Fact]
    public void MeteredAndUnmeteredEnginesKeepTheirOwnArtifacts()
    {
        Assert.NotEqual(ComponentCache.ArtifactKey(CompileCacheTesting.Profile), ComponentCache.ArtifactKey(CompileCacheTesting.MeteredProfile));
        Assert.StartsWith("component-", ComponentCache.ArtifactKey(CompileCacheTesting.Profile));
    }
}
