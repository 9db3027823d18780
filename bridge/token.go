package bridge

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"
)

// Kind is what a token lets its holder do.
type Kind byte

// The token kinds. Each is signed with its kind, so one cannot pass for another.
const (
	KindCheckIn   Kind = 1 // the rotating check-in code on the console
	KindRollCall  Kind = 2 // the rotating code of a roll call
	KindStatic    Kind = 3 // the printed check-in code: valid only in the check-in window
	KindMaterials Kind = 4 // opens the point's materials
	KindTicket    Kind = 5 // a short-lived check-in ticket held by the phone page
)

func (k Kind) String() string {
	switch k {
	case KindCheckIn:
		return "checkin"
	case KindRollCall:
		return "rollcall"
	case KindStatic:
		return "static"
	case KindMaterials:
		return "materials"
	case KindTicket:
		return "ticket"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// Token is the signed content of a QR code: which point of which conference, for what,
// and when. Window counts rotation periods since the Unix epoch for rotating kinds, is 0
// for static and materials codes, and is the expiry (Unix seconds) for tickets.
// Ref carries the roll call of a roll-call token.
type Token struct {
	Kind         Kind
	ConferenceID int64
	PointID      int64
	Window       int64
	Ref          int64
}

const (
	tokenVersion = 1
	macLen       = 16 // 128 bits of HMAC-SHA256: ample against forgery, short in a QR
)

// Signer signs and verifies tokens under the server secret.
type Signer struct {
	key    []byte
	rotate time.Duration
}

// NewSigner returns a signer for secret with rotation period rotate. It derives its own
// key from the secret, so the same secret can sign other things safely.
func NewSigner(secret []byte, rotate time.Duration) *Signer {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("diemcau/bridge/token/v1"))
	if rotate <= 0 {
		rotate = 30 * time.Second
	}
	return &Signer{key: mac.Sum(nil), rotate: rotate}
}

// Rotate is the rotation period.
func (s *Signer) Rotate() time.Duration { return s.rotate }

// Window returns the rotation window that t falls in.
func (s *Signer) Window(t time.Time) int64 { return t.UnixNano() / int64(s.rotate) }

// WindowStart is when window w begins.
func (s *Signer) WindowStart(w int64) time.Time { return time.Unix(0, w*int64(s.rotate)) }

// Sign encodes t as a short URL-safe string: the fields as varints, then the MAC.
func (s *Signer) Sign(t Token) string {
	buf := appendBody(make([]byte, 0, 2+4*binary.MaxVarintLen64+macLen), t)
	buf = append(buf, s.mac(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// appendBody appends the signed part of t: version, kind and the fields as varints.
func appendBody(buf []byte, t Token) []byte {
	buf = append(buf, tokenVersion, byte(t.Kind))
	buf = binary.AppendUvarint(buf, uint64(t.ConferenceID))
	buf = binary.AppendUvarint(buf, uint64(t.PointID))
	buf = binary.AppendVarint(buf, t.Window)
	return binary.AppendUvarint(buf, uint64(t.Ref))
}

func (s *Signer) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}

// Parse checks the signature of a token string and decodes it, without judging its
// time or kind. Exactly one spelling of each token parses: the one Sign writes. The
// base64 decoder alone would skip line breaks and the varint decoder would take
// overlong forms, so the string is checked against the alphabet and the body against
// its re-encoding. It returns ErrTokenMalformed or ErrTokenForged.
func (s *Signer) Parse(str string) (Token, error) {
	if len(str) == 0 || len(str) > maxTokenLen || !urlSafe(str) {
		return Token{}, ErrTokenMalformed
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(str)
	if err != nil || len(b) < 2+4+macLen {
		return Token{}, ErrTokenMalformed
	}
	body, sig := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sig, s.mac(body)) {
		return Token{}, ErrTokenForged
	}
	if body[0] != tokenVersion {
		return Token{}, ErrTokenMalformed
	}
	t := Token{Kind: Kind(body[1])}
	rest := body[2:]
	var fields [4]int64
	for i := range fields {
		var (
			v uint64
			n int
		)
		if i == 2 {
			var sv int64
			sv, n = binary.Varint(rest)
			v = uint64(sv)
		} else {
			v, n = binary.Uvarint(rest)
		}
		if n <= 0 {
			return Token{}, ErrTokenMalformed
		}
		fields[i], rest = int64(v), rest[n:]
	}
	if len(rest) != 0 {
		return Token{}, ErrTokenMalformed
	}
	t.ConferenceID, t.PointID, t.Window, t.Ref = fields[0], fields[1], fields[2], fields[3]
	if !bytes.Equal(body, appendBody(nil, t)) || base64.RawURLEncoding.EncodeToString(b) != str {
		return Token{}, ErrTokenMalformed
	}
	return t, nil
}

// maxTokenLen bounds a token string: the longest Sign can write (every field at its
// widest varint) is 78 characters.
const maxTokenLen = 80

// urlSafe reports whether str is all of the URL-safe base64 alphabet.
func urlSafe(str string) bool {
	for i := 0; i < len(str); i++ {
		c := str[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Current returns the rotating token of kind for a point at now.
func (s *Signer) Current(kind Kind, conferenceID, pointID int64, now time.Time) Token {
	return Token{Kind: kind, ConferenceID: conferenceID, PointID: pointID, Window: s.Window(now)}
}

// Verify parses str and checks that it is a token of kind that is valid at now: for
// rotating kinds, the current or the previous window. Static and materials tokens carry
// no time; the caller checks the conference's check-in window for those. Tickets are
// valid until their expiry.
func (s *Signer) Verify(str string, kind Kind, now time.Time) (Token, error) {
	t, err := s.Parse(str)
	if err != nil {
		return t, err
	}
	if t.Kind != kind {
		return t, ErrTokenKind
	}
	return t, s.InTime(t, now)
}

// InTime tells whether a parsed token is within its time at now: a rotating code in
// the current or previous window, a ticket before its end. Other kinds do not expire.
func (s *Signer) InTime(t Token, now time.Time) error {
	switch t.Kind {
	case KindCheckIn, KindRollCall:
		w := s.Window(now)
		switch {
		case t.Window > w:
			return ErrTokenNotYetValid
		case t.Window < w-1:
			return ErrTokenExpired
		}
	case KindTicket:
		if now.Unix() >= t.Window {
			return ErrTokenExpired
		}
	}
	return nil
}

// Ticket returns a ticket for the point of code lasting ttl from now: what the phone
// page keeps after opening a fresh code, so a slow or retried submission still counts.
// Only a check-in, printed or roll-call code gives a ticket, never a ticket: a ticket
// is not renewed, so a photographed code does not live longer than one ticket. The
// ticket's Ref keeps the kind of the code (so a printed code's check-in stays marked
// lower assurance) and the code's own Ref (the roll call); Source and RollCall read
// them back.
func (s *Signer) Ticket(code Token, now time.Time, ttl time.Duration) (Token, error) {
	switch code.Kind {
	case KindCheckIn, KindStatic, KindRollCall:
	default:
		return Token{}, ErrTokenKind
	}
	if code.Ref < 0 || code.Ref >= 1<<59 {
		return Token{}, ErrTokenMalformed
	}
	return Token{Kind: KindTicket, ConferenceID: code.ConferenceID, PointID: code.PointID,
		Window: now.Add(ttl).Unix(), Ref: code.Ref<<ticketKindBits | int64(code.Kind)}, nil
}

// ticketKindBits is how many low bits of a ticket's Ref hold the kind of its code.
const ticketKindBits = 4

// Source is the kind of code a token stands for: its own kind, or for a ticket the
// kind of the code it was made from.
func (t Token) Source() Kind {
	if t.Kind == KindTicket {
		return Kind(t.Ref & (1<<ticketKindBits - 1))
	}
	return t.Kind
}

// RollCall is the roll call a roll-call code, or a ticket made from one, answers; 0
// for other tokens.
func (t Token) RollCall() int64 {
	switch {
	case t.Kind == KindRollCall:
		return t.Ref
	case t.Kind == KindTicket && t.Source() == KindRollCall:
		return t.Ref >> ticketKindBits
	}
	return 0
}
