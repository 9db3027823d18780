package bridge

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSigner_Verify(t *testing.T) {
	s := NewSigner([]byte("a test secret that is long enough!"), 30*time.Second)
	now := time.Date(2026, 2, 7, 8, 0, 10, 0, time.UTC)
	cur := s.Current(KindCheckIn, 7, 42, now)
	other := NewSigner([]byte("another secret, also long enough!!"), 30*time.Second)

	tamper := func(str string) string {
		b := []byte(str)
		i := len(b) / 2
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name string
		str  string
		kind Kind
		at   time.Time
		want error
	}{
		{"current window", s.Sign(cur), KindCheckIn, now, nil},
		{"previous window still accepted", s.Sign(cur), KindCheckIn, now.Add(30 * time.Second), nil},
		{"two windows later expired", s.Sign(cur), KindCheckIn, now.Add(60 * time.Second), ErrTokenExpired},
		{"photo sent an hour later", s.Sign(cur), KindCheckIn, now.Add(time.Hour), ErrTokenExpired},
		{"future window", s.Sign(cur), KindCheckIn, now.Add(-30 * time.Second), ErrTokenNotYetValid},
		{"wrong kind", s.Sign(cur), KindRollCall, now, ErrTokenKind},
		{"materials code for check-in", s.Sign(Token{Kind: KindMaterials, ConferenceID: 7, PointID: 42}), KindCheckIn, now, ErrTokenKind},
		{"static code any time", s.Sign(Token{Kind: KindStatic, ConferenceID: 7, PointID: 42}), KindStatic, now.Add(48 * time.Hour), nil},
		{"tampered", tamper(s.Sign(cur)), KindCheckIn, now, ErrTokenForged},
		{"other secret", other.Sign(cur), KindCheckIn, now, ErrTokenForged},
		{"empty", "", KindCheckIn, now, ErrTokenMalformed},
		{"not base64", "%%%%", KindCheckIn, now, ErrTokenMalformed},
		{"too short", "AAAA", KindCheckIn, now, ErrTokenMalformed},
		{"huge", strings.Repeat("A", 10000), KindCheckIn, now, ErrTokenMalformed},
		{"ticket alive", s.Ticket(cur, now, 10*time.Minute), KindTicket, now.Add(9 * time.Minute), nil},
		{"ticket expired", s.Ticket(cur, now, 10*time.Minute), KindTicket, now.Add(10 * time.Minute), ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Verify(tt.str, tt.kind, tt.at)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSigner_RoundTrip(t *testing.T) {
	s := NewSigner([]byte("a test secret that is long enough!"), 30*time.Second)
	for _, want := range []Token{
		{Kind: KindCheckIn, ConferenceID: 1, PointID: 1, Window: 59_000_000},
		{Kind: KindRollCall, ConferenceID: 1 << 40, PointID: 31_097, Window: -5, Ref: 12},
		{Kind: KindMaterials, ConferenceID: 3, PointID: 9},
	} {
		str := s.Sign(want)
		got, err := s.Parse(str)
		if err != nil || got != want {
			t.Errorf("Parse(Sign(%+v)) = %+v, %v", want, got, err)
		}
		if len(str) > 64 {
			t.Errorf("token %q is %d characters; want ≤ 64 so the QR stays coarse", str, len(str))
		}
	}
}

func TestSigner_TicketKeepsSource(t *testing.T) {
	s := NewSigner([]byte("a test secret that is long enough!"), 30*time.Second)
	now := time.Unix(1_770_000_000, 0)
	tk, err := s.Verify(s.Ticket(Token{Kind: KindStatic, ConferenceID: 2, PointID: 5}, now, time.Minute), KindTicket, now)
	if err != nil || Kind(tk.Ref) != KindStatic || tk.PointID != 5 || tk.ConferenceID != 2 {
		t.Errorf("got %+v, %v; want a ticket of point 5 from a static code", tk, err)
	}
}

func FuzzSigner_Parse(f *testing.F) {
	s := NewSigner([]byte("a test secret that is long enough!"), 30*time.Second)
	f.Add(s.Sign(Token{Kind: KindCheckIn, ConferenceID: 1, PointID: 2, Window: 3}))
	f.Add("")
	f.Fuzz(func(t *testing.T, str string) {
		tok, err := s.Parse(str)
		if err == nil && s.Sign(tok) != str {
			t.Errorf("accepted %q, which is not the signature of %+v", str, tok)
		}
	})
}
