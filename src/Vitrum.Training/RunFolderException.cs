namespace Vitrum.Training;

/// <summary>A run folder cannot take a new run: it holds an earlier run (neither resumed nor overwritten) or another run is training there.</summary>
public sealed class RunFolderException(string message) : IOException(message);
