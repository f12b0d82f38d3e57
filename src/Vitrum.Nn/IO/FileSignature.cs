using System.Buffers.Binary;
using System.Text;

namespace Vitrum.Nn.IO;

/// <summary>
/// Names what a file holds from its first bytes, for the error that refuses it: a weights file that is really
/// an image, an archive, Keras's HDF5, an ONNX model, a web page or a Git LFS pointer says so, and a torch.save
/// file of PyTorch's legacy pickle format (before 1.6) comes with the command that re-saves it as a zip.
/// </summary>
public static class FileSignature
{
    /// <summary>Bytes read from the start of a file: enough for every signature below (tar's is at 257).</summary>
    public const int HeadBytes = 512;

    /// <summary>torch.save's legacy magic number 0x1950a86a20f9469cfc6c as pickle writes it (LONG1 of 10 bytes, little-endian).</summary>
    private static ReadOnlySpan<byte> TorchLegacyMagic => [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    /// <summary>Signatures at offset 0.</summary>
    private static readonly (byte[] Magic, string What)[] Magic =
    {
        ([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a], "a PNG image"),
        ([0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a], "an HDF5 file (Keras .h5 weights?), which is not read"),
        ([0xff, 0xd8, 0xff], "a JPEG image"),
        ("GIF87a"u8.ToArray(), "a GIF image"),
        ("GIF89a"u8.ToArray(), "a GIF image"),
        ("II*\0"u8.ToArray(), "a TIFF image"),
        ("MM\0*"u8.ToArray(), "a TIFF image"),
        ("PK\u0003\u0004"u8.ToArray(), "a zip archive"),
        ([0x1f, 0x8b], "a gzip file (decompress it first)"),
        ("BZh"u8.ToArray(), "a bzip2 file (decompress it first)"),
        ([0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0], "an xz file (decompress it first)"),
        ([(byte)'7', (byte)'z', 0xbc, 0xaf, 0x27, 0x1c], "a 7-Zip archive (extract it first)"),
        ([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'], "a NumPy .npy array"),
        ("GGUF"u8.ToArray(), "a GGUF model (llama.cpp)"),
        ("%PDF"u8.ToArray(), "a PDF document"),
    };

    /// <summary>The first <see cref="HeadBytes"/> bytes of a seekable stream (fewer for a shorter one).</summary>
    public static byte[] ReadHead(Stream s)
    {
        s.Position = 0;
        var head = new byte[(int)Math.Min(HeadBytes, s.Length)];
        s.ReadExactly(head);
        return head;
    }

    /// <summary>Whether <paramref name="head"/> starts a torch.save file of the legacy format: a pickle (protocol 2 or later) whose first object is torch's magic number.</summary>
    public static bool IsLegacyTorch(ReadOnlySpan<byte> head) =>
        head.Length > 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5 && head[..Math.Min(head.Length, 32)].IndexOf(TorchLegacyMagic) > 0;

    /// <summary>The one-line command that re-saves a legacy torch.save file as the zip format PyTorch writes since 1.6.</summary>
    public static string ResaveCommand(string name)
    {
        var zipName = $"{Path.GetFileNameWithoutExtension(name)}_zip{(Path.GetExtension(name) is { Length: > 0 } ext ? ext : ".pth")}";
        return $"python -c \"import torch; torch.save(torch.load('{name}'), '{zipName}', _use_new_zipfile_serialization=True)\"";
    }

    /// <summary>
    /// What the bytes are, as a phrase ("a PNG image", "an HDF5 file (Keras .h5 weights?)"), or null when no
    /// signature fits. <paramref name="name"/> goes into the re-save command of a legacy torch.save file.
    /// </summary>
    public static string? Describe(ReadOnlySpan<byte> head, string name)
    {
        if (head.Length == 0) return "an empty file";
        if (IsLegacyTorch(head))
            return $"a torch.save file in PyTorch's legacy format (a pickle, written before PyTorch 1.6 or with _use_new_zipfile_serialization=False), which is not read; re-save it as a zip: {ResaveCommand(name)}";
        foreach (var (magic, what) in Magic)
            if (head.StartsWith(magic)) return what;
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return "a WebP image";
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
            return head[8..12].SequenceEqual("avif"u8) ? "an AVIF image" : head[8..12].SequenceEqual("heic"u8) || head[8..12].SequenceEqual("mif1"u8) ? "a HEIC image" : "an MP4/QuickTime file";
        if (head.Length >= 18 && head.StartsWith("BM"u8) && BinaryPrimitives.ReadInt32LittleEndian(head[14..18]) is 12 or 40 or 52 or 56 or 64 or 108 or 124) return "a BMP image";
        if (head.Length >= 262 && head[257..262].SequenceEqual("ustar"u8)) return "a tar archive (extract it first)";
        if (head[0] == 0x80 && head.Length > 1 && head[1] is >= 2 and <= 5) return "a Python pickle that is not a torch.save file";
        if (IsOnnx(head)) return "an ONNX model (protobuf), which is not read";
        return DescribeText(head);
    }

    /// <summary>
    /// An ONNX ModelProto starts with field 1, ir_version (tag 0x08, a small varint: 3 to 12 so far), followed by
    /// another of its fields (producer_name, producer_version, domain, model_version, doc_string, graph, opset_import).
    /// </summary>
    private static bool IsOnnx(ReadOnlySpan<byte> h) =>
        h.Length >= 3 && h[0] == 0x08 && h[1] is >= 3 and <= 12 && h[2] is 0x12 or 0x1a or 0x22 or 0x28 or 0x32 or 0x3a or 0x42;

    private static string? DescribeText(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\uFEFF"u8)) head = head[3..];
        foreach (var b in head)
            if (b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t')) return null;
        var text = Encoding.UTF8.GetString(head).TrimStart();
        if (text.StartsWith("version https://git-lfs", StringComparison.Ordinal))
            return "a Git LFS pointer, not the file itself (fetch it with git lfs pull)";
        if (text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
            return "an HTML page (a download that saved a web page instead of the file?)";
        if (text.StartsWith('{') || text.StartsWith('[')) return "a JSON text file";
        return "a text file";
    }
}
