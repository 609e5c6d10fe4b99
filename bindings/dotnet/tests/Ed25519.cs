// A small, slow Ed25519 (RFC 8032 section 5.1, PureEdDSA) for the signer tests only: the host-side "HSM" key that
// custodia never sees. Mono's class library has no Ed25519; this follows the RFC's definitions with BigInteger
// arithmetic (extended coordinates, double-and-add). Not constant time: never for real keys.
using System;
using System.Linq;
using System.Numerics;
using System.Security.Cryptography;

namespace Custodia.Tests
{
    public sealed class Ed25519Key
    {
        static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
        static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493");
        static readonly BigInteger D = Mod(-121665 * Inv(121666));
        static readonly BigInteger SqrtM1 = BigInteger.ModPow(2, (P - 1) / 4, P);
        static readonly BigInteger[] Base = BasePoint();

        readonly BigInteger a;
        readonly byte[] prefix;
        public byte[] Public { get; private set; }

        public Ed25519Key(byte[] seed)
        {
            if (seed.Length != 32) throw new ArgumentException("seed is 32 bytes");
            byte[] h;
            using (var sha = SHA512.Create()) h = sha.ComputeHash(seed);
            var s = h.Take(32).ToArray();
            s[0] &= 248;
            s[31] &= 127;
            s[31] |= 64;
            a = FromLe(s);
            prefix = h.Skip(32).ToArray();
            Public = Encode(Mul(a, Base));
        }

        public byte[] Sign(byte[] message)
        {
            using (var sha = SHA512.Create())
            {
                var r = Mod(FromLe(sha.ComputeHash(prefix.Concat(message).ToArray())), L);
                var rEnc = Encode(Mul(r, Base));
                var k = Mod(FromLe(sha.ComputeHash(rEnc.Concat(Public).Concat(message).ToArray())), L);
                var s = Mod(r + k * a, L);
                return rEnc.Concat(ToLe(s)).ToArray();
            }
        }

        static BigInteger Mod(BigInteger x) { return Mod(x, P); }
        static BigInteger Mod(BigInteger x, BigInteger m) { var r = x % m; return r.Sign < 0 ? r + m : r; }
        static BigInteger Inv(BigInteger x) { return BigInteger.ModPow(Mod(x), P - 2, P); }

        static BigInteger FromLe(byte[] b) { return new BigInteger(b.Concat(new byte[] { 0 }).ToArray()); }

        static byte[] ToLe(BigInteger x)
        {
            var b = x.ToByteArray();
            var r = new byte[32];
            Array.Copy(b, r, Math.Min(32, b.Length));
            return r;
        }

        // Points as (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z.
        static BigInteger[] Add(BigInteger[] p, BigInteger[] q)
        {
            var A = Mod((p[1] - p[0]) * (q[1] - q[0]));
            var B = Mod((p[1] + p[0]) * (q[1] + q[0]));
            var C = Mod(p[3] * 2 * D * q[3]);
            var Dd = Mod(p[2] * 2 * q[2]);
            BigInteger E = B - A, F = Dd - C, G = Dd + C, H = B + A;
            return new[] { Mod(E * F), Mod(G * H), Mod(F * G), Mod(E * H) };
        }

        static BigInteger[] Mul(BigInteger s, BigInteger[] p)
        {
            var q = new BigInteger[] { 0, 1, 1, 0 };
            while (s > 0)
            {
                if (!s.IsEven) q = Add(q, p);
                p = Add(p, p);
                s >>= 1;
            }
            return q;
        }

        static byte[] Encode(BigInteger[] p)
        {
            var zi = Inv(p[2]);
            var x = Mod(p[0] * zi);
            var y = Mod(p[1] * zi);
            var b = ToLe(y);
            if (!x.IsEven) b[31] |= 0x80;
            return b;
        }

        static BigInteger[] BasePoint()
        {
            var y = Mod(4 * Inv(5));
            var x2 = Mod((y * y - 1) * Inv(D * y * y + 1));
            var x = BigInteger.ModPow(x2, (P + 3) / 8, P);
            if (Mod(x * x - x2) != 0) x = Mod(x * SqrtM1);
            if (!x.IsEven) x = P - x;
            return new[] { x, y, BigInteger.One, Mod(x * y) };
        }
    }
}
