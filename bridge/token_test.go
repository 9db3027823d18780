package bridge

import (
	"encoding/base64"
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
	ticket := func(code Token) string {
		tk, err := s.Ticket(code, now, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return s.Sign(tk)
	}
	good := s.Sign(cur)
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
		{"ticket alive", ticket(cur), KindTicket, now.Add(9 * time.Minute), nil},
		{"ticket expired", ticket(cur), KindTicket, now.Add(10 * time.Minute), ErrTokenExpired},
		// One spelling per token: line breaks, spaces, padding and other alphabets are
		// refused although a lenient decoder would read the same bytes.
		{"CRLF inside", good[:10] + "\r\n" + good[10:], KindCheckIn, now, ErrTokenMalformed},
		{"LF at the end", good + "\n", KindCheckIn, now, ErrTokenMalformed},
		{"padding", good + "=", KindCheckIn, now, ErrTokenMalformed},
		{"space inside", good[:10] + " " + good[10:], KindCheckIn, now, ErrTokenMalformed},
		{"base64 of the standard alphabet", good[:10] + "+" + good[11:], KindCheckIn, now, ErrTokenMalformed},
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

func TestSigner_Ticket(t *testing.T) {
	s := NewSigner([]byte("a test secret that is long enough!"), 30*time.Second)
	now := time.Unix(1_770_000_000, 0)
	for _, code := range []Token{
		{Kind: KindStatic, ConferenceID: 2, PointID: 5},
		{Kind: KindCheckIn, ConferenceID: 2, PointID: 5, Window: s.Window(now)},
		{Kind: KindRollCall, ConferenceID: 2, PointID: 5, Window: s.Window(now), Ref: 1 << 40},
	} {
		t.Run(code.Kind.String(), func(t *testing.T) {
			tk, err := s.Ticket(code, now, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Verify(s.Sign(tk), KindTicket, now)
			if err != nil || got.Source() != code.Kind || got.RollCall() != code.RollCall() || got.PointID != 5 || got.ConferenceID != 2 {
				t.Errorf("got %+v (source %v, roll call %d), %v; want a ticket of point 5 from %+v", got, got.Source(), got.RollCall(), err, code)
			}
			// A ticket is never renewed: exchanging it again is refused.
			if _, err := s.Ticket(got, now, time.Minute); !errors.Is(err, ErrTokenKind) {
				t.Errorf("Ticket(ticket) = %v, want ErrTokenKind", err)
			}
		})
	}
	for _, k := range []Kind{KindMaterials, KindTicket, Kind(9)} {
		if _, err := s.Ticket(Token{Kind: k, ConferenceID: 2, PointID: 5}, now, time.Minute); !errors.Is(err, ErrTokenKind) {
			t.Errorf("Ticket(%v) = %v, want ErrTokenKind", k, err)
		}
	}
}

// TestSigner_OneSpelling checks Parse against overlong varints in a correctly signed
// body: only the encoding Sign writes is accepted.
func TestSigner_OneSpelling(t *testing.T) {
	s := NewSigner([]byte("a test secret that is long enough!"), 30*time.Second)
	// version 1, kind 1, conference 1 written as 0x81 0x00 (overlong), point 2, window 3, ref 0
	body := []byte{tokenVersion, byte(KindCheckIn), 0x81, 0x00, 2, 6, 0}
	str := base64.RawURLEncoding.EncodeToString(append(body, s.mac(body)...))
	if tok, err := s.Parse(str); !errors.Is(err, ErrTokenMalformed) {
		t.Errorf("Parse(overlong varint) = %+v, %v; want ErrTokenMalformed", tok, err)
	}
}

func FuzzSigner_Parse(f *testing.F) {
	s := NewSigner([]byte("a test secret that is long enough!"), 30*time.Second)
	good := s.Sign(Token{Kind: KindCheckIn, ConferenceID: 1, PointID: 2, Window: 3})
	f.Add(good)
	f.Add(good[:8] + "\r\n" + good[8:])
	f.Add(good + "=")
	f.Add("")
	f.Fuzz(func(t *testing.T, str string) {
		tok, err := s.Parse(str)
		if err == nil && s.Sign(tok) != str {
			t.Errorf("accepted %q, which is not the signature of %+v", str, tok)
		}
	})
}
