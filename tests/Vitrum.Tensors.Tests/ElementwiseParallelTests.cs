using Vitrum.Tensors.Threading;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Binary and unary ops large enough to be split over the pool give, on 2 threads, exactly what the
/// element-by-element definition gives: the split by rows, the split of one long row into chunks, broadcast
/// operands, and a strided output (a slice of a larger gradient buffer).
/// </summary>
[Collection("GlobalKernelState")]
public class ElementwiseParallelTests
{
    private static Tensor Random(Random rnd, params int[] shape)
    {
        var t = Tensor.Empty(shape);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rnd.NextDouble() * 4 - 2);
        return t;
    }

    /// <summary>Element <paramref name="flat"/> of <paramref name="t"/> (values <paramref name="c"/>) read through a broadcast to <paramref name="shape"/>.</summary>
    private static float At(Tensor t, float[] c, int[] shape, int flat)
    {
        int lead = shape.Length - t.Rank, offset = 0, stride = 1;
        for (int ax = shape.Length - 1; ax >= 0; ax--)
        {
            int i = flat % shape[ax];
            flat /= shape[ax];
            if (ax >= lead)
            {
                int n = t.Shape[ax - lead];
                if (n != 1) offset += i * stride;
                stride *= n;
            }
        }
        return c[offset];
    }

    private static void WithThreads(int threads, Action body)
    {
        int old = WorkerPool.ThreadCount;
        try { WorkerPool.ThreadCount = threads; body(); }
        finally { WorkerPool.ThreadCount = old; }
    }

    public static TheoryData<int[], int[]> Shapes => new()
    {
        // Many rows: a linear layer's bias added to [tokens, features].
        { new[] { 2304, 768 }, new[] { 768 } },
        // One long row: same-shape operands coalesce into a single run, cut into chunks.
        { new[] { 9, 256, 128 }, new[] { 9, 256, 128 } },
        // Few rows, each long: [2, 1, 40000] against [2, 3, 1] broadcasts both ways.
        { new[] { 2, 1, 40000 }, new[] { 2, 3, 1 } },
        // Rows not a multiple of the pieces, an odd inner length.
        { new[] { 1001, 67 }, new[] { 1001, 1 } },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Broadcast_binary_ops_split_over_two_threads_match_the_definition(int[] shapeA, int[] shapeB)
        => WithThreads(2, () =>
        {
            var rnd = new Random(5);
            Tensor a = Random(rnd, shapeA), b = Random(rnd, shapeB);
            var results = new (string Name, Tensor Value, Func<float, float, float> Def)[]
            {
                ("add", Ops.Add(a, b), (x, y) => x + y),
                ("mul", Ops.Mul(a, b), (x, y) => x * y),
                ("sub", Ops.Sub(a, b), (x, y) => x - y),
            };
            foreach (var (name, value, def) in results)
            {
                var got = value.ToArray();
                int[] shape = value.Shape;
                float[] av = a.ToArray(), bv = b.ToArray();
                Assert.True(got.Length >= 1 << 16, $"{name}: {got.Length} elements would not be split");
                for (int i = 0; i < got.Length; i++)
                {
                    float want = def(At(a, av, shape, i), At(b, bv, shape, i));
                    if (got[i] != want) Assert.Fail($"{name} of [{string.Join(",", shapeA)}] and [{string.Join(",", shapeB)}]: element {i} is {got[i]:R}, expected {want:R}");
                }
            }
        });

    [Fact]
    public void A_binary_op_into_a_strided_slice_writes_only_its_slice()
        => WithThreads(2, () =>
        {
            var rnd = new Random(9);
            var buffer = Tensor.Zeros(512, 300);
            var slice = buffer.Narrow(1, 100, 160);
            Tensor a = Random(rnd, 512, 160), b = Random(rnd, 160);
            Ops.Map2Into<Kernels.AddOp>(a, b, slice);
            float[] all = buffer.ToArray(), av = a.ToArray(), bv = b.ToArray();
            for (int r = 0; r < 512; r++)
                for (int c = 0; c < 300; c++)
                {
                    float want = c >= 100 && c < 260 ? av[r * 160 + c - 100] + bv[c - 100] : 0f;
                    Assert.Equal(want, all[r * 300 + c]);
                }
        });

    [Fact]
    public void A_unary_op_split_over_two_threads_matches_the_definition()
        => WithThreads(2, () =>
        {
            var x = Random(new Random(3), 300_007);
            float[] got = Ops.Relu(x).ToArray(), xv = x.ToArray();
            for (int i = 0; i < got.Length; i++) Assert.Equal(MathF.Max(xv[i], 0f), got[i]);
            got = Ops.Neg(x).ToArray();
            for (int i = 0; i < got.Length; i++) Assert.Equal(-xv[i], got[i]);
        });
}
