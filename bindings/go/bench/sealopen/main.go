// Cost of one 1 KiB seal + open round trip under a local KEK from Go, audit log included (two entries): the median
// (and p10/p90) of ROUNDS round trips after WARMUP, for the durabilities FsyncEach and OSBuffered, in a directory
// under DIR (default /dev/shm, so that a sync is free and the binding's own cost shows). bench/run.sh runs it
// alternately with the Rust example durability_bench, the same round trip through the Rust Custodian.
//
//	go run ./bench/sealopen [ROUNDS] [WARMUP] [DIR] [ONLY]
//
// ONLY=OsBuffered measures that durability alone and ends with the machine-readable line "go median_us=... n=...
// warmup=..." that benches/bindings/run.sh reads (the round trip of examples/durability_bench.rs --one-row).
//
// Not a test: figures only (issue 19 §2 measures the bindings' overhead).
package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	custodia "github.com/custodia/custodia/bindings/go"
)

func get[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func arg(i int, def string) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return def
}

func main() {
	rounds := get(strconv.Atoi(arg(1, "2000")))
	warmup := get(strconv.Atoi(arg(2, "500")))
	base := arg(3, "/dev/shm")
	only := arg(4, "")
	data := bytes.Repeat([]byte{0x42}, 1024)
	key := bytes.Repeat([]byte{3}, 32)
	for _, d := range []struct {
		name string
		d    custodia.Durability
	}{{"FsyncEach (default)", custodia.FsyncEach}, {"OsBuffered", custodia.OSBuffered}} {
		if only != "" && only != d.name {
			continue
		}
		dir := get(os.MkdirTemp(base, "custodia-go-bench-"))
		c := get(custodia.OpenWithMasterKey(dir+"/c", key, &custodia.Options{Create: true, Durability: d.d}))
		a := get(custodia.NewActor("bench", "analyst", "NL", custodia.Secret))
		kek := get(c.GenerateKey(a, custodia.KEK, "bench"))
		o := get(custodia.NewSealOptions(custodia.FinancialRecords, "investigation"))
		if err := o.AddRecipient(kek); err != nil {
			panic(err)
		}
		samples := make([]time.Duration, 0, rounds)
		for i := -warmup; i < rounds; i++ {
			t0 := time.Now()
			env := get(c.Seal(a, data, o))
			opened := get(c.Open(a, env, "investigation"))
			if opened.Data.Len() != len(data) {
				panic("length")
			}
			_ = opened.Close()
			if i >= 0 {
				samples = append(samples, time.Since(t0))
			}
		}
		// Check once, outside the timing, that the bytes are the ones sealed.
		env := get(c.Seal(a, data, o))
		opened := get(c.Open(a, env, "investigation"))
		if !bytes.Equal(opened.Data.Expose(), data) {
			panic("round trip")
		}
		_ = opened.Close()
		sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
		us := func(q float64) float64 { return float64(samples[int(q*float64(len(samples)-1))].Nanoseconds()) / 1e3 }
		fmt.Printf("go | %s | median %.1f us | p10 %.1f us | p90 %.1f us | %d rounds\n", d.name, us(0.5), us(0.1),
			us(0.9), rounds)
		if only != "" {
			fmt.Printf("go median_us=%.2f n=%d warmup=%d\n", us(0.5), rounds, warmup)
		}
		_ = o.Close()
		_ = a.Close()
		_ = c.Close()
		_ = os.RemoveAll(dir)
	}
}
