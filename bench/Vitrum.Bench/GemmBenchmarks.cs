using BenchmarkDotNet.Attributes;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>SGEMM throughput, C = A W^T as a linear layer computes it, on a square and three ViT shapes, 1 and 2 threads.</summary>
[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    private float* _a, _b, _c;

    [Params("512x512x512", "2048x2048x2048", "197x768x768", "1576x3072x768")]
    public string Shape { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private int M => int.Parse(Shape.Split('x')[0]);
    private int N => int.Parse(Shape.Split('x')[1]);
    private int K => int.Parse(Shape.Split('x')[2]);

    [GlobalSetup]
    public void Setup()
    {
        WorkerPool.ThreadCount = Threads;
        _a = Alloc((long)M * K);
        _b = Alloc((long)K * N);
        _c = Alloc((long)M * N);
        var rnd = new Random(1);
        for (long i = 0; i < (long)M * K; i++) _a[i] = (float)rnd.NextDouble();
        for (long i = 0; i < (long)K * N; i++) _b[i] = (float)rnd.NextDouble();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_a);
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_b);
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_c);
    }

    /// <summary>C = A W^T with W stored [N, K], as a linear layer computes it.</summary>
    [Benchmark]
    public void Sgemm() => Gemm.Sgemm(M, N, K, _a, K, 1, _b, 1, K, _c, N, false);

    private static float* Alloc(long floats)
        => (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
}
