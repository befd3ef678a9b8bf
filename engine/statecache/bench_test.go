package statecache

import (
	"context"
	"fmt"
	"math/big"
	"testing"
)

// dailyStates are the states a file of the state-cache benchmark's
// ruleset keeps (bench/statecache_test.go: counts, compliance counts,
// sums, moments, co-moments, a length maximum), keyed as the engine keys
// them.
func dailyStates(day int) map[string]State {
	n := int64(1_000_000 + day)
	sum := new(big.Rat).SetFrac64(int64(day)*123456789+987, 100)
	return map[string]State{
		`count(*)`:                             {Kind: KindCount, N: n},
		`count("VendorID")`:                    {Kind: KindCount, N: n - 31},
		`count("passenger_count")`:             {Kind: KindCount, N: n - 4170},
		`count(*) FILTER (passenger_count ok)`: {Kind: KindCount, N: n - 5000},
		`count(*) FILTER (trip_distance ok)`:   {Kind: KindCount, N: n - 12},
		`count(*) FILTER (payment_type ok)`:    {Kind: KindCount, N: n},
		`sum("trip_distance")`:                 {Kind: KindSum, Sum: sum, Valid: true},
		`count("trip_distance")`:               {Kind: KindCount, N: n},
		`sum("tip_amount")`:                    {Kind: KindSum, Sum: new(big.Rat).Mul(sum, big.NewRat(1, 7)), Valid: true},
		`count("tip_amount")`:                  {Kind: KindCount, N: n},
		`sum("total_amount")`:                  {Kind: KindSum, Sum: new(big.Rat).Mul(sum, big.NewRat(9, 2)), Valid: true},
		`var_pop("fare_amount")`:               MomentsOf(n, 13.25+float64(day)/7, 170.5),
		`var_pop("tip_amount")`:                MomentsOf(n, 2.5, 7.75),
		`max(length("store_and_fwd_flag"))`:    ExtremeOf(KindMax, 1, false),
		`corr("fare_amount", "total_amount")`:  CoMomentsOf(n, 13.2, 21.7, 1.7e8, 2.9e8, 2.1e8),
	}
}

// BenchmarkStoreGet reads the entries of a dataset of 31 daily files, as
// a run with nothing new does: one at a time (Get) and all at once
// (GetAll).
func BenchmarkStoreGet(b *testing.B) {
	s, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	const files = 31
	ids := make([]Identity, files)
	for i := range ids {
		ids[i] = fakeIdentity(fmt.Sprintf("/data/day%02d-1M.parquet", i+1))
		if err := s.Put(ids[i], "dq state scope", dailyStates(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("serial/files=31", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, id := range ids {
				if s.Get(id, "dq state scope") == nil {
					b.Fatal("miss")
				}
			}
		}
	})
	b.Run("all/files=31", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			got, err := s.GetAll(context.Background(), ids, "dq state scope")
			if err != nil || got[files-1] == nil {
				b.Fatal("miss", err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		p, _ := s.read(ids[0], "dq state scope", magic)
		for i := 0; i < b.N; i++ {
			if _, err := decodeEntry(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStoreTrim is the Trim every writing run does, over a store of
// a dataset of 31 daily files and of 3,000 files, within its bound.
func BenchmarkStoreTrim(b *testing.B) {
	for _, files := range []int{31, 3000} {
		s, err := Open(Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		for i := range files {
			if err := s.Put(fakeIdentity(fmt.Sprintf("/data/day%04d-1M.parquet", i+1)), "dq state scope", dailyStates(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("files=%d", files), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := s.Trim(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
