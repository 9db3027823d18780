package bridge

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRotation_5000Points encodes one rotation window of check-in codes for 5,000
// points, as a province's consoles ask for them: the cost of QR rotation per window.
// One op is the whole window; divide by 30 s for the CPU share.
func BenchmarkRotation_5000Points(b *testing.B) {
	s := NewSigner([]byte("benchmark secret, long enough to sign tokens"), 30*time.Second)
	now := time.Date(2026, 2, 7, 8, 0, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		c := NewCodes(20_000, time.Minute)
		at := now.Add(time.Duration(i) * 30 * time.Second)
		for p := int64(1); p <= 5000; p++ {
			url := "https://diemcau.example.vn/c/" + s.Sign(s.Current(KindCheckIn, 1, p, at))
			if _, err := c.PNG(url, DefaultQRSize, LevelMedium); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCodes_PNG compares a fresh encoding with a cached one at console size.
func BenchmarkCodes_PNG(b *testing.B) {
	s := NewSigner([]byte("benchmark secret, long enough to sign tokens"), 30*time.Second)
	url := "https://diemcau.example.vn/c/" + s.Sign(s.Current(KindCheckIn, 1, 42, time.Now()))
	for _, size := range []int{256, 512, 1024} {
		b.Run(fmt.Sprintf("fresh-%d", size), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c := NewCodes(10, time.Minute)
				if _, err := c.PNG(url, size, LevelMedium); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("cached-512", func(b *testing.B) {
		c := NewCodes(10, time.Minute)
		c.PNG(url, 512, LevelMedium)
		for b.Loop() {
			if _, err := c.PNG(url, 512, LevelMedium); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSigner measures signing and verifying one token.
func BenchmarkSigner(b *testing.B) {
	s := NewSigner([]byte("benchmark secret, long enough to sign tokens"), 30*time.Second)
	now := time.Now()
	tok := s.Sign(s.Current(KindCheckIn, 1, 42, now))
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			s.Sign(s.Current(KindCheckIn, 1, 42, now))
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Verify(tok, KindCheckIn, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRotation_5000Points_Matrix is what the consoles actually cost: each point's
// new code as modules (drawn by the console), no PNG.
func BenchmarkRotation_5000Points_Matrix(b *testing.B) {
	s := NewSigner([]byte("benchmark secret, long enough to sign tokens"), 30*time.Second)
	now := time.Date(2026, 2, 7, 8, 0, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		c := NewCodes(20_000, time.Minute)
		at := now.Add(time.Duration(i) * 30 * time.Second)
		for p := int64(1); p <= 5000; p++ {
			if _, err := c.Matrix("https://diemcau.example.vn/c/" + s.Sign(s.Current(KindCheckIn, 1, p, at))); err != nil {
				b.Fatal(err)
			}
		}
	}
}
