using System.Text;
using Xunit;

namespace WasmSandbox.Tests;

public class SignalLineFilterTests
{
    private const string Line = "__AGENT_OS_WASM_SIGNAL_STATE__:{\"signal\":2,\"registration\":{\"action\":\"user\",\"mask\":[15],\"flags\":4660}}\n";
    private const string LineEvent = "sig 2 User [15] 0x1234";

    /// <summary>Records stdout runs and registrations in one log, so order between them is asserted.</summary>
    private sealed class Recorder
    {
        private readonly List<string> _log = new();
        private readonly MemoryStream _pendingStdout = new();

        public Recorder()
        {
            Filter = new SignalLineFilter(Stdout, Signal);
        }

        public SignalLineFilter Filter { get; }

        public int StdoutCalls { get; private set; }

        public List<SignalRegistration> Registrations { get; } = new();

        /// <summary>Stdout received since the last call, all of it delivered already.</summary>
        public string TakeStdout()
        {
            string text = Encoding.Latin1.GetString(_pendingStdout.ToArray());
            _pendingStdout.SetLength(0);
            return text;
        }

        /// <summary>The interleaved log; adjacent stdout runs are joined, since run boundaries are not the contract.</summary>
        public List<string> Log()
        {
            var log = new List<string>(_log);
            if (_pendingStdout.Length > 0)
            {
                log.Add("out " + TakeStdout());
            }
            _log.Clear();
            return log;
        }

        public void Write(string text) => Filter.Write(Encoding.Latin1.GetBytes(text));

        private void Stdout(ReadOnlySpan<byte> bytes)
        {
            Assert.False(bytes.IsEmpty);
            StdoutCalls++;
            _pendingStdout.Write(bytes);
        }

        private void Signal(SignalRegistration registration)
        {
            if (_pendingStdout.Length > 0)
            {
                _log.Add("out " + TakeStdout());
            }
            Registrations.Add(registration);
            _log.Add($"sig {registration.Signal} {registration.Action} [{string.Join(",", registration.Mask)}] 0x{registration.Flags:x}");
        }
    }

    [Fact]
    public void ControlLineAlone_BecomesOneEventAndNoStdout()
    {
        var r = new Recorder();
        r.Write(Line);
        r.Filter.Flush();

        Assert.Equal([LineEvent], r.Log());
        Assert.Equal(0, r.StdoutCalls);
        var registration = Assert.Single(r.Registrations);
        Assert.Equal(new SignalRegistration(2, WasmSignalAction.User, registration.Mask, 0x1234), registration);
        Assert.Equal([15], registration.Mask);
    }

    [Fact]
    public void TextAroundControlLine_InOneWrite_KeepsOrder()
    {
        var r = new Recorder();
        r.Write("hello\n" + Line + "world\n");
        r.Filter.Flush();

        Assert.Equal(["out hello\n", LineEvent, "out world\n"], r.Log());
        Assert.Equal(2, r.StdoutCalls);
    }

    [Fact]
    public void TextBeforeControlLine_IsDeliveredBeforeTheEvent()
    {
        var r = new Recorder();
        r.Write("hello\n" + Line);

        Assert.Equal(["out hello\n", LineEvent], r.Log());
    }

    [Fact]
    public void TwoControlLinesBackToBack_BothBecomeEvents()
    {
        var r = new Recorder();
        string other = Line.Replace("\"signal\":2", "\"signal\":15").Replace("\"user\"", "\"ignore\"");
        r.Write("a\n" + Line + other + "b");
        r.Filter.Flush();

        Assert.Equal(["out a\n", LineEvent, "sig 15 Ignore [15] 0x1234", "out b"], r.Log());
    }

    [Fact]
    public void PrefixAndJsonInSeparateWrites_Reassembled()
    {
        var r = new Recorder();
        int split = SignalLineFilter.Marker.Length;
        r.Write(Line[..split]);
        Assert.Empty(r.Log());
        r.Write(Line[split..]);

        Assert.Equal([LineEvent], r.Log());
        Assert.Equal(0, r.StdoutCalls);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(45)]
    [InlineData(90)]
    public void SplitAnywhere_Reassembled(int split)
    {
        var r = new Recorder();
        r.Write("x\n" + Line[..split]);
        Assert.Equal(["out x\n"], r.Log());
        r.Write(Line[split..] + "y\n");

        Assert.Equal([LineEvent, "out y\n"], r.Log());
    }

    [Fact]
    public void OneByteAtATime_SameResultAndOrdinaryTextIsNotDelayed()
    {
        var r = new Recorder();
        string text = "hello\n" + Line + "world\n" + Line;
        var log = new List<string>();
        foreach (char c in text)
        {
            r.Write(c.ToString());
            log.AddRange(r.Log());
        }
        r.Filter.Flush();
        log.AddRange(r.Log());

        // Each ordinary byte came out during its own write, except '_' at a line start, which may begin a marker.
        Assert.Equal(12, log.Count(e => e.StartsWith("out ", StringComparison.Ordinal)));
        Assert.Equal(
            ["out hello\n", LineEvent, "out world\n", LineEvent],
            Coalesce(log));
    }

    [Fact]
    public void ControlLineWithCrLf_IsAccepted()
    {
        var r = new Recorder();
        r.Write(Line.Replace("}}\n", "}}\r\n"));

        Assert.Equal([LineEvent], r.Log());
    }

    [Fact]
    public void MaskIsSortedAndDeduplicated_ActionIsCaseInsensitive()
    {
        var r = new Recorder();
        r.Write("__AGENT_OS_WASM_SIGNAL_STATE__:{\"registration\":{\"flags\":0,\"mask\":[64,3,1,3],\"action\":\"IGNORE\"},\"signal\":64}\n");

        Assert.Equal(["sig 64 Ignore [1,3,64] 0x0"], r.Log());
    }

    [Fact]
    public void MissingMaskAndFlags_DefaultToEmptyAndZero()
    {
        var r = new Recorder();
        r.Write("__AGENT_OS_WASM_SIGNAL_STATE__:{\"signal\":1,\"registration\":{\"action\":\"Default\"}}\n");
        r.Write("__AGENT_OS_WASM_SIGNAL_STATE__: {\"signal\":9,\"x\":[{}],\"registration\":{\"action\":\"user\",\"mask\":[],\"flags\":4294967295,\"y\":null}} \n");

        Assert.Equal(["sig 1 Default [] 0x0", "sig 9 User [] 0xffffffff"], r.Log());
    }

    [Theory]
    [InlineData("{\"signal\":0,\"registration\":{\"action\":\"user\"}}")]
    [InlineData("{\"signal\":65,\"registration\":{\"action\":\"user\"}}")]
    [InlineData("{\"signal\":-2,\"registration\":{\"action\":\"user\"}}")]
    [InlineData("{\"signal\":2.5,\"registration\":{\"action\":\"user\"}}")]
    [InlineData("{\"signal\":\"2\",\"registration\":{\"action\":\"user\"}}")]
    [InlineData("{\"signal\":2,\"signal\":3,\"registration\":{\"action\":\"user\"}}")]
    [InlineData("{\"signal\":2}")]
    [InlineData("{\"registration\":{\"action\":\"user\"}}")]
    [InlineData("{\"signal\":2,\"registration\":{}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"catch\"}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":1}}")]
    [InlineData("{\"signal\":2,\"registration\":[]}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\",\"mask\":[0]}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\",\"mask\":[65]}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\",\"mask\":15}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\",\"mask\":[\"15\"]}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\",\"flags\":-1}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\",\"flags\":4294967296}}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\"}} trailing")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\"}}{}")]
    [InlineData("{\"signal\":2,\"registration\":{\"action\":\"user\"}")]
    [InlineData("{\"signal\":2,/*c*/\"registration\":{\"action\":\"user\"}}")]
    [InlineData("[2]")]
    [InlineData("")]
    public void InvalidControlLine_PassesThroughByteExact(string json)
    {
        string text = "a\n__AGENT_OS_WASM_SIGNAL_STATE__:" + json + "\nb\n";
        var r = new Recorder();
        r.Write(text);
        r.Filter.Flush();

        Assert.Equal(["out " + text], r.Log());
        Assert.Equal(1, r.StdoutCalls);
    }

    [Fact]
    public void InvalidControlLine_SplitAcrossWrites_PassesThroughByteExact()
    {
        string text = "__AGENT_OS_WASM_SIGNAL_STATE__:{\"signal\":99,\"registration\":{\"action\":\"user\"}}\n";
        var r = new Recorder();
        r.Write(text[..40]);
        Assert.Empty(r.Log());
        r.Write(text[40..] + "after\n");

        Assert.Equal(["out " + text + "after\n"], r.Log());
    }

    [Fact]
    public void InvalidUtf8InAction_PassesThroughByteExact()
    {
        byte[] text = [.. Encoding.ASCII.GetBytes("__AGENT_OS_WASM_SIGNAL_STATE__:{\"signal\":2,\"registration\":{\"action\":\"us"),
            0xff, .. Encoding.ASCII.GetBytes("er\"}}\n")];
        var r = new Recorder();
        r.Filter.Write(text);

        Assert.Equal(["out " + Encoding.Latin1.GetString(text)], r.Log());
    }

    [Fact]
    public void TextThatOnlyStartsLikeThePrefix_IsHeldThenReleasedInOrder()
    {
        var r = new Recorder();
        r.Write("one\n__AGENT_OS_WASM_SIG");
        // The ordinary line went out at once; only the possible marker start waits.
        Assert.Equal(["out one\n"], r.Log());
        r.Write("nal\n" + Line);

        Assert.Equal(["out __AGENT_OS_WASM_SIGnal\n", LineEvent], r.Log());
    }

    [Fact]
    public void HeldPrefixDisprovedOnTheFollowingLine_ReleasedAndNextLineStillMatched()
    {
        var r = new Recorder();
        r.Write("__AGENT");
        r.Write("\n" + Line);

        Assert.Equal(["out __AGENT\n", LineEvent], r.Log());
    }

    [Fact]
    public void HeldPrefixThenText_TheLineIsOrdinaryToItsEnd()
    {
        var r = new Recorder();
        r.Write("__AGENT_OS_WASM_SIGNAL_STATE_");
        r.Write("x" + Line);

        Assert.Equal(["out __AGENT_OS_WASM_SIGNAL_STATE_x" + Line], r.Log());
    }

    [Fact]
    public void PartialPrefixAtExit_ReleasedByFlush()
    {
        var r = new Recorder();
        r.Write("done\n__AGENT_OS");
        Assert.Equal(["out done\n"], r.Log());
        r.Filter.Flush();

        Assert.Equal(["out __AGENT_OS"], r.Log());
    }

    [Fact]
    public void UnterminatedControlLineAtExit_ReleasedByFlush()
    {
        var r = new Recorder();
        string unterminated = Line.TrimEnd('\n');
        r.Write(unterminated);
        Assert.Empty(r.Log());
        r.Filter.Flush();

        Assert.Equal(["out " + unterminated], r.Log());
        Assert.Empty(r.Registrations);
    }

    [Fact]
    public void FlushWithNothingHeld_DoesNothing()
    {
        var r = new Recorder();
        r.Write("plain");
        r.Filter.Flush();
        r.Filter.Flush();

        Assert.Equal(["out plain"], r.Log());
        Assert.Equal(1, r.StdoutCalls);
    }

    [Theory]
    [InlineData("say ")]
    [InlineData(" ")]
    [InlineData("\r")]
    public void MarkerMidLine_IsOrdinaryOutput(string before)
    {
        var r = new Recorder();
        r.Write(before + Line);
        r.Write("x " + Line[..10]);
        r.Write(Line[10..]);

        Assert.Equal(["out " + before + Line + "x " + Line], r.Log());
    }

    [Fact]
    public void MarkerMidLineAfterHeldRelease_IsOrdinaryOutput()
    {
        // The released bytes leave the stream mid-line, so a marker right after them is not at a line start.
        var r = new Recorder();
        r.Write("__AG");
        r.Write(Line);

        Assert.Equal(["out __AG" + Line], r.Log());
    }

    [Fact]
    public void LongLineAfterPrefix_ReleasedOnceItPassesTheBound()
    {
        var r = new Recorder();
        string prefix = Encoding.ASCII.GetString(SignalLineFilter.Marker);
        r.Write(prefix);
        string piece = new('x', 4096);
        int written = prefix.Length;
        while (written + piece.Length < SignalLineFilter.MaxControlLineBytes)
        {
            r.Write(piece);
            written += piece.Length;
        }
        Assert.Empty(r.Log());

        // This write makes the unterminated line longer than any control line may be.
        r.Write(piece);
        written += piece.Length;
        Assert.Equal(written, r.TakeStdout().Length);

        // The rest of the line is ordinary and goes out at once, even text that looks like a control line; the next
        // line is matched again.
        r.Write(Line);
        Assert.Equal(Line, r.TakeStdout());
        r.Write(Line);
        Assert.Equal([LineEvent], r.Log());
    }

    [Fact]
    public void UnterminatedLine_HeldOnlyWhileItsNewlineCouldStillFitTheBound()
    {
        var r = new Recorder();
        string head = Encoding.ASCII.GetString(SignalLineFilter.Marker);
        // One byte short of the bound: the '\n' may still come and make a control line of exactly the bound.
        r.Write(head + new string(' ', SignalLineFilter.MaxControlLineBytes - head.Length - 2));
        r.Write(" ");
        Assert.Empty(r.Log());

        r.Write(" ");
        Assert.Equal(SignalLineFilter.MaxControlLineBytes, r.TakeStdout().Length);
    }

    [Fact]
    public void LongLineInOneWrite_IsOrdinaryOutput()
    {
        var r = new Recorder();
        string longLine = "__AGENT_OS_WASM_SIGNAL_STATE__:{\"signal\":2,\"pad\":\"" + new string('p', SignalLineFilter.MaxControlLineBytes)
            + "\",\"registration\":{\"action\":\"user\"}}\n";
        r.Write(longLine + Line);
        string unterminated = Line[..^1] + new string(' ', SignalLineFilter.MaxControlLineBytes);
        r.Write(unterminated);
        // Still the same overlong line.
        r.Write(Line);

        Assert.Equal(["out " + longLine, LineEvent, "out " + unterminated + Line], r.Log());
    }

    [Fact]
    public void ControlLineAtTheBound_IsAccepted()
    {
        var r = new Recorder();
        string head = "__AGENT_OS_WASM_SIGNAL_STATE__:{\"signal\":2,\"registration\":{\"action\":\"user\"}}";
        string line = head + new string(' ', SignalLineFilter.MaxControlLineBytes - head.Length - 1) + "\n";
        Assert.Equal(SignalLineFilter.MaxControlLineBytes, line.Length);
        r.Write(line[..100]);
        r.Write(line[100..]);
        r.Write(line);

        Assert.Equal(["sig 2 User [] 0x0", "sig 2 User [] 0x0"], r.Log());
    }

    [Fact]
    public void RandomStreamWithoutMarker_PassesThroughByteExactInLargePieces()
    {
        const int total = 64 << 20;
        const int chunkSize = 1 << 20;
        var source = new byte[total];
        new Random(12345).NextBytes(source);
        // Make line starts that resemble the marker common, including at chunk ends, so holding is exercised.
        byte[] near = Encoding.ASCII.GetBytes("\n__AGENT_OS_WASM_SIGNAL");
        for (int at = 1000; at + near.Length < total; at += 250_000)
        {
            near.CopyTo(source, at);
        }
        for (int end = chunkSize; end < total; end += chunkSize * 7)
        {
            near.CopyTo(source, end - near.Length);
        }

        long delivered = 0;
        int calls = 0;
        var filter = new SignalLineFilter(
            bytes =>
            {
                Assert.True(bytes.SequenceEqual(source.AsSpan((int)delivered, bytes.Length)));
                delivered += bytes.Length;
                calls++;
            },
            _ => Assert.Fail("no control line in the stream"));
        int chunks = 0;
        for (int offset = 0; offset < total; offset += chunkSize)
        {
            filter.Write(source.AsSpan(offset, chunkSize));
            chunks++;
        }
        filter.Flush();

        Assert.Equal(total, delivered);
        // One call per write, plus one for each tail that was held back and released.
        Assert.InRange(calls, chunks, chunks + chunks / 7 + 2);
    }

    private static List<string> Coalesce(List<string> log)
    {
        var merged = new List<string>();
        foreach (string entry in log)
        {
            if (merged.Count > 0 && entry.StartsWith("out ", StringComparison.Ordinal)
                && merged[^1].StartsWith("out ", StringComparison.Ordinal))
            {
                merged[^1] += entry[4..];
            }
            else
            {
                merged.Add(entry);
            }
        }
        return merged;
    }
}
