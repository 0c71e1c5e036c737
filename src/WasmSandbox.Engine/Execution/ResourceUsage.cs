namespace WasmSandbox;

/// <summary>
/// What one run used, each figure from its one accounting point: linear memory from the guest's memory at its end
/// (a WebAssembly memory never shrinks, so its last size is its peak), stdin from <see cref="InputPipe.Consumed"/>,
/// stdout and stderr from <see cref="GuestSession.AdmitOutput"/>, CPU time from <see cref="ThreadCpuClock"/> on the
/// guest's thread. A figure that could not be measured is null.
/// </summary>
internal readonly record struct ResourceUsage(long? PeakMemoryBytes, long StdinBytes, long StdoutBytes, long StderrBytes, TimeSpan? CpuTime)
{
    public static ResourceUsage None => new(null, 0, 0, 0, null);
}
