namespace WasmSandbox;

/// <summary>Tells what a file is from its first bytes, before anything tries to parse it as WebAssembly.</summary>
internal static class WasmBinaryClassifier
{
    /// <summary>How many leading bytes <see cref="Classify"/> looks at: the WebAssembly magic plus version.</summary>
    public const int HeaderLength = 8;

    private static ReadOnlySpan<byte> WasmMagic => [0x00, 0x61, 0x73, 0x6d];
    private static ReadOnlySpan<byte> CoreVersion => [0x01, 0x00, 0x00, 0x00];
    // Component binaries use version 0x0d (still pre-1.0) and layer 1; the layer is what sets them apart from modules.
    private static ReadOnlySpan<byte> ComponentVersion => [0x0d, 0x00, 0x01, 0x00];

    /// <summary>Classifies a file from up to its first <see cref="HeaderLength"/> bytes.</summary>
    public static (WasmModuleKind Kind, string? NativeFormat) Classify(ReadOnlySpan<byte> header)
    {
        // Every signature below is at least two bytes, but anything under four bytes cannot be a useful program of any
        // kind, so it is simply not WebAssembly.
        if (header.Length < 4)
        {
            return (WasmModuleKind.NotWasm, null);
        }
        if (header.StartsWith(WasmMagic))
        {
            if (header.Length >= HeaderLength)
            {
                var version = header.Slice(4, 4);
                if (version.SequenceEqual(CoreVersion))
                {
                    return (WasmModuleKind.CoreModule, null);
                }
                if (version.SequenceEqual(ComponentVersion))
                {
                    return (WasmModuleKind.Component, null);
                }
            }
            return (WasmModuleKind.NotWasm, null);
        }
        if (header[0] == (byte)'#' && header[1] == (byte)'!')
        {
            return (WasmModuleKind.ShellShim, null);
        }
        uint magic = (uint)(header[0] << 24 | header[1] << 16 | header[2] << 8 | header[3]);
        switch (magic)
        {
            case 0x7f454c46:
                return (WasmModuleKind.NativeBinary, "ELF");
            case 0xfeedface: // 32-bit, big-endian
            case 0xfeedfacf: // 64-bit, big-endian
            case 0xcefaedfe: // 32-bit, little-endian
            case 0xcffaedfe: // 64-bit, little-endian
            case 0xcafebabe: // universal ("fat") binary
                return (WasmModuleKind.NativeBinary, "Mach-O");
        }
        if (header[0] == (byte)'M' && header[1] == (byte)'Z')
        {
            return (WasmModuleKind.NativeBinary, "PE/COFF");
        }
        return (WasmModuleKind.NotWasm, null);
    }
}
