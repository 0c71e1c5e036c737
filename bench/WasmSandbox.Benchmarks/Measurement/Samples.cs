namespace WasmSandbox.Benchmarks.Measurement;

/// <summary>Repeated measurements of one quantity, summarised by their median (robust on a shared machine).</summary>
internal sealed class Samples
{
    private readonly List<double> _values = new();

    public void Add(double value) => _values.Add(value);

    public int Count => _values.Count;

    public IReadOnlyList<double> Values => _values;

    public double Median
    {
        get
        {
            if (_values.Count == 0)
            {
                return double.NaN;
            }
            var sorted = _values.Order().ToArray();
            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    public double Min => _values.Count == 0 ? double.NaN : _values.Min();

    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    /// <summary>The JSON shape every command uses for a series: count, median, min, max and (unless many) every sample.</summary>
    public object ToJson(bool withSamples = true) => new
    {
        count = Count,
        median = Round(Median),
        min = Round(Min),
        max = Round(Max),
        samples = withSamples ? _values.Select(Round).ToArray() : null,
    };

    private static double Round(double value) => Math.Round(value, 3);
}
