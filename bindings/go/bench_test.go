package custodia_test

import (
	"os"
	"testing"

	custodia "github.com/custodia/custodia/bindings/go"
)

// BenchmarkSealOpen1KiB: go test -run x -bench SealOpen (bench/run.sh compares the round trip with Rust).
func BenchmarkSealOpen1KiB(b *testing.B) {
	dir, _ := os.MkdirTemp("/dev/shm", "gb")
	defer os.RemoveAll(dir)
	c := must(custodia.OpenWithMasterKey(dir+"/c", masterKey, &custodia.Options{Create: true, Durability: custodia.OSBuffered}))
	defer c.Close()
	a := must(custodia.NewActor("bench", "analyst", "DE", custodia.Secret))
	kek := must(c.GenerateKey(a, custodia.KEK, "k"))
	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	_ = o.AddRecipient(kek)
	d := make([]byte, 1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env := must(c.Seal(a, d, o))
		op := must(c.Open(a, env, "investigation"))
		op.Close()
	}
}
