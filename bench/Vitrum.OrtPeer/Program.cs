using Vitrum.OrtPeer;

try
{
    Console.WriteLine(OrtTiming.Run(PeerOptions.Parse(args)));
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
{
    Console.Error.WriteLine($"Vitrum.OrtPeer: {e.Message}");
    return 2;
}
