using System.Collections.Concurrent;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// Registers WasmJobs with PowerShell's job manager, as ThreadJob does, instead of the runspace's plain job
/// repository: Get-Job, Remove-Job and Receive-Job -AutoRemoveJob find and remove them through this adapter. The job
/// manager makes one adapter per runspace, so a runspace lists only its own WasmJobs.
/// </summary>
public sealed class WasmJobSourceAdapter : JobSourceAdapter
{
    // The key under which the job travels through JobManager.NewJob to NewJob below.
    private const string JobKey = "WasmJob";

    private readonly ConcurrentDictionary<Guid, WasmJob> _jobs = new();

    public WasmJobSourceAdapter() => Name = nameof(WasmJobSourceAdapter);

    /// <summary>Hands <paramref name="job"/> to the job manager of <paramref name="cmdlet"/>'s runspace.</summary>
    internal static void Register(PSCmdlet cmdlet, WasmJob job)
    {
        var definition = new JobDefinition(typeof(WasmJobSourceAdapter), job.Command, job.Name);
        var parameters = new Dictionary<string, object> { [JobKey] = job };
        cmdlet.JobManager.NewJob(new JobInvocationInfo(definition, parameters));
    }

    public override Job2 NewJob(JobInvocationInfo specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        var job = specification.Parameters.Count == 0 ? null
            : specification.Parameters[0].FirstOrDefault(p => p.Name == JobKey)?.Value as WasmJob;
        if (job is null)
        {
            throw new PSArgumentException("a WasmJob is made by Start-WasmExecution -AsJob, not from a job definition");
        }
        _jobs[job.InstanceId] = job;
        return job;
    }

    public override IList<Job2> GetJobs() => _jobs.Values.OrderBy(j => j.Id).ToList<Job2>();

    public override IList<Job2> GetJobsByName(string name, bool recurse)
    {
        var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
        return Where(j => pattern.IsMatch(j.Name));
    }

    public override IList<Job2> GetJobsByCommand(string command, bool recurse)
    {
        var pattern = WildcardPattern.Get(command, WildcardOptions.IgnoreCase);
        return Where(j => pattern.IsMatch(j.Command));
    }

    public override Job2? GetJobByInstanceId(Guid instanceId, bool recurse) => _jobs.TryGetValue(instanceId, out var job) ? job : null;

    public override Job2? GetJobBySessionId(int id, bool recurse) => _jobs.Values.FirstOrDefault(j => j.Id == id);

    public override IList<Job2> GetJobsByState(JobState state, bool recurse) => Where(j => j.JobStateInfo.State == state);

    /// <summary>WasmJobs have no properties to filter on beyond those Get-Job already filters by.</summary>
    public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) => new List<Job2>();

    public override void RemoveJob(Job2 job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (_jobs.TryRemove(job.InstanceId, out var removed))
        {
            // Remove-Job refuses a running job unless forced; forced, the guest has nobody left to report to.
            removed.StopJob();
            removed.Dispose();
        }
    }

    private List<Job2> Where(Func<WasmJob, bool> predicate) => _jobs.Values.Where(predicate).OrderBy(j => j.Id).ToList<Job2>();
}
