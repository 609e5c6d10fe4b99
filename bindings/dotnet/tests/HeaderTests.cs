// The binding against include/custodia.h (named by CUSTODIA_HEADER, set by run-tests.sh): every DllImport names a
// function the header declares, with as many parameters; every status code the header defines has its own exception
// class and a name.
using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Custodia.Raw;

namespace Custodia.Tests
{
    public class HeaderTests
    {
        static string Header()
        {
            var path = Environment.GetEnvironmentVariable("CUSTODIA_HEADER");
            Assert.True(!string.IsNullOrEmpty(path) && File.Exists(path), "CUSTODIA_HEADER names include/custodia.h");
            var text = File.ReadAllText(path);
            return Regex.Replace(text, @"/\*.*?\*/", "", RegexOptions.Singleline);
        }

        [Test]
        public void EveryImportIsDeclaredInTheHeaderWithItsArity()
        {
            var header = Header();
            var declared = Regex.Matches(header, @"\b(custodia_\w+)\(([^;{]*?)\);", RegexOptions.Singleline)
                .Cast<Match>()
                .GroupBy(m => m.Groups[1].Value)
                .ToDictionary(g => g.Key, g =>
                {
                    var args = g.First().Groups[2].Value.Trim();
                    return args == "void" || args.Length == 0 ? 0 : args.Split(',').Length;
                });
            var imports = typeof(Native).GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Where(m => m.GetCustomAttributes(typeof(DllImportAttribute), false).Length > 0).ToList();
            Assert.True(imports.Count > 100, imports.Count + " imports");
            foreach (var m in imports)
            {
                Assert.True(declared.ContainsKey(m.Name), m.Name + " is declared in the header");
                Assert.Equal(declared[m.Name], m.GetParameters().Length, m.Name + " parameters");
            }
        }

        [Test]
        public void EveryStatusCodeHasItsOwnClassAndName()
        {
            var codes = Regex.Matches(Header(), @"CUSTODIA_ERR_\w+ = (\d+)").Cast<Match>().Select(m => uint.Parse(m.Groups[1].Value)).ToList();
            Assert.True(codes.Count >= 70, codes.Count + " codes");
            var families = new[] { typeof(CustodiaException), typeof(InvalidArgumentException), typeof(RefusedException),
                typeof(EnvelopeException), typeof(KeyringException), typeof(AuditException), typeof(EnvironmentFaultException) };
            foreach (var code in codes)
            {
                var e = Status.ToException(code, "");
                Assert.True(code == 100 || !families.Contains(e.GetType()), code + " has its own class, not " + e.GetType().Name);
                Assert.True(e.StatusName.Length > 0 && e.StatusName != "unknown", code + " has a name");
                Assert.Equal(code >= 200 && code < 300, e.IsRefusal, code + " refusal");
                Assert.Equal(code >= 200 && code < 300, e is RefusedException, code + " family");
            }
        }
    }
}
