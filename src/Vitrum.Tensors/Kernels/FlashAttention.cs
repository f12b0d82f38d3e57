using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>q, k or v of one attention call: [B, H, N, features] with contiguous feature rows.</summary>
internal unsafe struct AttentionOperand
{
    public float* Ptr;
    public int StrideB, StrideH, StrideRow;

    public readonly float* Head(int b, int h) => Ptr + (long)b * StrideB + (long)h * StrideH;

    /// <summary>A contiguous [B, H, N, features] tensor at <paramref name="ptr"/>.</summary>
    public static AttentionOperand Contiguous(float* ptr, int h, int n, int features) =>
        new() { Ptr = ptr, StrideB = h * n * features, StrideH = n * features, StrideRow = features };
}

/// <summary>Where the backward pass reads the output and its gradient and writes dq, dk and dv (each [B, H, N, features], rows contiguous).</summary>
internal struct AttentionGradients
{
    public AttentionOperand Output, GradOutput, Dq, Dk, Dv;
}

/// <summary>
/// An additive term of the scores (the bias, or the mask as 0/-inf) seen through its broadcast to
/// [B, H, Nq, Nk]: strides are 0 on broadcast dims, and the key stride is 0 or 1. With a
/// <see cref="Period"/> batch item b reads the term's item b % Period (Swin's shift mask: one per window
/// position, the same for every image, never copied per image).
/// </summary>
internal unsafe struct AttentionAdditive
{
    public float* Ptr;
    public int StrideB, StrideH, StrideI, StrideJ;

    /// <summary>0, or the number of items the term repeats over along the batch.</summary>
    public int Period;

    /// <summary>Where row i of head (b, h) starts, or null when the term is absent.</summary>
    public readonly float* Row(int b, int h, int i) =>
        Ptr == null ? null : Ptr + (long)(Period > 0 ? b % Period : b) * StrideB + (long)h * StrideH + (long)i * StrideI;
}

/// <summary>Everything one fused attention call reads: operands, additive terms, scale and causality.</summary>
internal struct AttentionProblem
{
    public int B, H, Nq, Nk, D, Dv;
    public float Scale;

    /// <summary>Query i attends keys j &lt;= i only (PyTorch's top-left aligned is_causal).</summary>
    public bool Causal;

    public AttentionOperand Q, K, V;
    public AttentionAdditive Bias, Mask;

    /// <summary>Dropout on the probabilities (inactive by default), drawn again by the backward pass.</summary>
    public DropoutMask Dropout;

    public readonly int Heads => B * H;

    /// <summary>Keys padded to a whole number of 16-lane vectors in the packed K^T and V^T.</summary>
    public readonly int KeysPadded => (Nk + 15) & ~15;

    /// <summary>
    /// The dropout mask's index of score (head, i, j): rows are <see cref="KeysPadded"/> apart, so every row and
    /// every 16-key run within it starts on a pair of elements (one 64-bit hash) and the mask draws whole vectors.
    /// </summary>
    public readonly long DropoutIndex(int head, int i, int j) => ((long)head * Nq + i) * KeysPadded + j;

    /// <summary>Keys that query row i can see: all, or j &lt;= i when causal.</summary>
    public readonly int KeysVisibleTo(int lastRow) => Causal ? Math.Min(Nk, lastRow + 1) : Nk;
}

/// <summary>
/// How one call's (head, query block) pairs are cut into parallel tasks: whole heads when there are
/// many (a group of small heads per task, so per-task costs such as packing K^T stay small next to
/// the work), or a head's query blocks split into chunks when heads are too few to keep every thread
/// busy. About 16 tasks per thread let the caller finish the share of a descheduled worker on a
/// loaded machine without waiting long for the last task.
/// </summary>
internal readonly struct FlashSchedule
{
    public readonly int HeadsPerTask, BlocksPerTask, ChunksPerHead, Tasks;
    private readonly int _heads;

    public FlashSchedule(int heads, int queryBlocks, int threads, bool splitHeads)
    {
        int target = 16 * Math.Max(1, threads);
        _heads = heads;
        if (heads >= target || !splitHeads)
        {
            HeadsPerTask = Math.Max(1, heads / target);
            BlocksPerTask = queryBlocks;
            ChunksPerHead = 1;
            Tasks = (heads + HeadsPerTask - 1) / HeadsPerTask;
            return;
        }
        HeadsPerTask = 1;
        int chunks = Math.Min(queryBlocks, (target + heads - 1) / heads);
        BlocksPerTask = (queryBlocks + chunks - 1) / chunks;
        ChunksPerHead = (queryBlocks + BlocksPerTask - 1) / BlocksPerTask;
        Tasks = heads * ChunksPerHead;
    }

    /// <summary>The heads [firstHead, endHead) and the query blocks [firstBlock, firstBlock + BlocksPerTask) of each that task <paramref name="index"/> runs.</summary>
    public void Task(int index, out int firstHead, out int endHead, out int firstBlock)
    {
        int group = index / ChunksPerHead;
        firstHead = group * HeadsPerTask;
        endHead = Math.Min(_heads, firstHead + HeadsPerTask);
        firstBlock = index % ChunksPerHead * BlocksPerTask;
    }
}

/// <summary>
/// The fused scaled-dot-product attention kernels (FlashAttention, Dao et al. 2022; the backward of
/// FlashAttention-2, Dao 2023): query blocks x key blocks with an online softmax, so no [Nq, Nk]
/// matrix is ever held beyond one block; the forward keeps the log-sum-exp of every query row and
/// the backward recomputes the probabilities from it.
/// </summary>
internal static unsafe class FlashAttention
{
    /// <summary>Query rows per block: a multiple of the 6-row register tile.</summary>
    public const int QueryBlock = 48;

    /// <summary>Heads of up to this many queries run all their rows in one block.</summary>
    public const int SmallHeadRows = 64;

    /// <summary>Keys per block: a multiple of 16 lanes; 256 keeps a block row of scores in L1.</summary>
    public const int KeyBlock = 256;

    /// <summary>out [B, H, Nq, Dv] (laid out as <paramref name="output"/> says) and lse [B, H, Nq] contiguous (+inf for a row whose keys are all masked).</summary>
    public static void Forward(in AttentionProblem p, in AttentionOperand output, float* lse)
    {
        if (p.Heads == 0 || p.Nq == 0) return;
        var job = FlashForwardJob.ForThisThread;
        job.Run(p, output, lse);
    }

    /// <summary>
    /// Gradients of q, k, v (written where <paramref name="g"/> says; every element of them is written) and,
    /// when <paramref name="biasGrad"/> is not null, of the bias (contiguous with the bias's own shape,
    /// described by <paramref name="biasGradLayout"/>).
    /// </summary>
    public static void Backward(in AttentionProblem p, in AttentionGradients g, float* lse,
        float* biasGrad, in AttentionAdditive biasGradLayout, int biasGradLength)
    {
        var job = FlashBackwardJob.ForThisThread;
        job.Run(p, g, lse, biasGrad, biasGradLayout, biasGradLength);
    }

    /// <summary>Address of a pooled (pinned) scratch array.</summary>
    internal static float* Pin(float[] a) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(a));
}

/// <summary>
/// A parallel attention job: runs its per-task body at the vector width chosen when the call began.
/// Each calling thread keeps one instance of each job and reuses it, so a call allocates nothing.
/// </summary>
internal abstract class FlashJob<TSelf> : IParallelJob where TSelf : FlashJob<TSelf>, new()
{
    [ThreadStatic] private static TSelf? _forThisThread;

    public static TSelf ForThisThread => _forThisThread ??= new TSelf();

    protected SimdLevel Level;

    public virtual void Execute(int index)
    {
        switch (Level)
        {
            case SimdLevel.Avx512: Task<Vector512<float>, FlashVec512>(index); break;
            case SimdLevel.Avx2: Task<Vector256<float>, FlashVec256>(index); break;
            default: Task<float, FlashVecScalar>(index); break;
        }
    }

    protected abstract void Task<TV, TOps>(int index) where TV : struct where TOps : IFlashVec<TV>;
}
