using Vitrum.Training.Distributed;
using Xunit;

namespace Vitrum.Distributed.Tests;

public class ProcessGroupsTests
{
    [Theory]
    [InlineData("OMPI_COMM_WORLD_SIZE", MpiFlavor.OpenMpi)]
    [InlineData("PMIX_RANK", MpiFlavor.OpenMpi)]
    [InlineData("PMI_RANK", MpiFlavor.Mpich)]
    [InlineData("PMI_SIZE", MpiFlavor.Mpich)]
    public void The_launchers_environment_names_the_MPI_family(string variable, MpiFlavor flavor) =>
        Assert.Equal(flavor, ProcessGroups.Detect(v => v == variable ? "2" : null));

    [Fact]
    public void Without_a_launcher_it_is_one_process_and_no_MPI_library_is_loaded()
    {
        Assert.Null(ProcessGroups.Detect(_ => null));
        if (ProcessGroups.Detect(Environment.GetEnvironmentVariable) == null)
            Assert.Same(SingleProcess.Instance, ProcessGroups.FromEnvironment());
        Assert.DoesNotContain(System.Diagnostics.Process.GetCurrentProcess().Modules.Cast<System.Diagnostics.ProcessModule>(),
            m => m.ModuleName.StartsWith("libmpi", StringComparison.Ordinal));
    }
}
