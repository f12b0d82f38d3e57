using BenchmarkDotNet.Attributes;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Bench;

/// <summary>
/// Fused attention against the same attention composed from ops, forward alone and forward +
/// backward, at ViT-S/16 shapes (6 heads of 64, 197 tokens) and a DETR-encoder-like long sequence.
/// <c>dotnet run -c Release --project bench/Vitrum.Bench -- bdn --filter *Attention*</c>
/// </summary>
[MemoryDiagnoser]
public class AttentionBenchmarks
{
    private Tensor _q = null!, _k = null!, _v = null!, _gradOutput = null!;

    [Params(197, 850)]
    public int N { get; set; }

    public int Batch => N > 500 ? 2 : 8;

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(1);
        _q = Tensor.Randn(gen, Batch, 6, N, 64).RequireGrad();
        _k = Tensor.Randn(gen, Batch, 6, N, 64).RequireGrad();
        _v = Tensor.Randn(gen, Batch, 6, N, 64).RequireGrad();
        _gradOutput = Tensor.Randn(gen, Batch, 6, N, 64);
    }

    [Benchmark]
    public void FusedForward()
    {
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        Ops.ScaledDotProductAttention(_q, _k, _v);
    }

    [Benchmark]
    public void UnfusedForward()
    {
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        Ops.AttentionUnfused(_q, _k, _v, null, null, null, false, out _);
    }

    [Benchmark]
    public void FusedForwardBackward()
    {
        using (var scope = new TensorScope())
            Ops.ScaledDotProductAttention(_q, _k, _v).Backward(_gradOutput);
        ClearGrads();
    }

    [Benchmark]
    public void UnfusedForwardBackward()
    {
        using (var scope = new TensorScope())
            Ops.AttentionUnfused(_q, _k, _v, null, null, null, false, out _).Backward(_gradOutput);
        ClearGrads();
    }

    private void ClearGrads()
    {
        _q.ZeroGrad();
        _k.ZeroGrad();
        _v.ZeroGrad();
    }
}
