namespace Vitrum.Nn.IO;

/// <summary>
/// A weights file (safetensors, .pth) is malformed or asks for something we refuse. The message names
/// the file, the tensor when one is concerned, and the problem; readers throw nothing else for bad bytes.
/// </summary>
public sealed class CheckpointFormatException : FormatException
{
    public string File { get; }
    public string? TensorName { get; }

    public CheckpointFormatException(string file, string? tensor, string problem, Exception? inner = null)
        : base(tensor == null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}", inner)
    {
        File = file;
        TensorName = tensor;
    }
}
