package attendance

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var testAuditKey = AuditKey([]byte("diemcau test secret, not for production use"))

// chain links entries in order as a log of their own under key, from the first.
func chain(entries []AuditEntry, key []byte) {
	for i := range entries {
		if i == 0 {
			entries[i].Link(nil, key)
		} else {
			entries[i].Link(&entries[i-1], key)
		}
	}
}

func testLog(n int) []AuditEntry {
	t0 := time.Date(2026, 2, 7, 8, 0, 0, 0, time.UTC)
	es := make([]AuditEntry, n)
	for i := range es {
		acct := int64(1)
		es[i] = AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), ActorAccountID: &acct,
			Action: ActionAbsenceDecide, ObjectType: "absence", ObjectID: int64(100 + i),
			Before: `{"status":"pending"}`, After: fmt.Sprintf(`{"status":"approved","note":"lần %d"}`, i)}
	}
	chain(es, testAuditKey)
	return es
}

func verify(es []AuditEntry, anchors ...AuditAnchor) AuditReport {
	v := NewAuditVerifier(testAuditKey, anchors...)
	for _, e := range es {
		if !v.Next(e) {
			break
		}
	}
	return v.Report()
}

func TestChain(t *testing.T) {
	es := testLog(3)
	for i, e := range es {
		if e.ID != int64(i+1) {
			t.Errorf("entry %d: ID %d, want %d", i, e.ID, i+1)
		}
		if i > 0 && e.PrevHash != es[i-1].Hash {
			t.Errorf("entry %d: not linked to the previous hash", i)
		}
		if len(e.Hash) != 64 || e.Hash != e.ComputeHash(testAuditKey) {
			t.Errorf("entry %d: hash %q", i, e.Hash)
		}
	}
	if es[0].PrevHash != "" {
		t.Errorf("first entry: prev hash %q, want empty", es[0].PrevHash)
	}
}

// TestAuditKey freezes the derivation of the audit key and its ID from the server
// secret: a change would make every stored log fail verification. The expected values
// were computed apart from this code, in Python (hmac, hashlib).
func TestAuditKey(t *testing.T) {
	const (
		wantKey = "1e3baaa38b5a11533dcd4efabfed0b2726ff17752411d9e1868c1de07e23a7dd"
		wantID  = "75b56f22be136b98eb6c8fa912e7d19f95ffee8c8095d0d4acae8c8ef906719a"
	)
	if got := fmt.Sprintf("%x", testAuditKey); got != wantKey {
		t.Errorf("AuditKey() = %s, want %s", got, wantKey)
	}
	if got := AuditKeyID(testAuditKey); got != wantID {
		t.Errorf("AuditKeyID() = %s, want %s", got, wantID)
	}
	if fmt.Sprintf("%x", AuditKey([]byte("another secret of at least 32 bytes!"))) == wantKey {
		t.Error("another secret gives the same key")
	}
}

// TestAuditEntry_HashIsStable freezes the canonical encoding: a change to it would
// make every stored log fail verification. The expected value was computed apart from
// this code, in Python, from the encoding ComputeHash documents.
func TestAuditEntry_HashIsStable(t *testing.T) {
	member := int64(42)
	e := AuditEntry{ID: 7, At: time.Date(2026, 2, 7, 15, 4, 5, 123456000, time.FixedZone("ICT", 7*3600)),
		ActorMemberID: &member, Action: ActionAbsenceDecide, ObjectType: "absence", ObjectID: 9,
		Reason: "Đồng ý", Before: `{"status":"pending"}`, After: `{"status":"approved"}`, PrevHash: "ab"}
	const want = "477eb4876b99586a7d5b388c77a65901e30366e742173374f708876fb3b2de49"
	if got := e.ComputeHash(testAuditKey); got != want {
		t.Errorf("ComputeHash() = %s, want %s", got, want)
	}
	utc := e
	utc.At = e.At.UTC()
	if utc.ComputeHash(testAuditKey) != e.ComputeHash(testAuditKey) {
		t.Error("the hash depends on the time zone of At")
	}
	if e.ComputeHash(AuditKey([]byte("another secret of at least 32 bytes!"))) == want {
		t.Error("the hash does not depend on the key")
	}
}

func TestAuditEntry_HashCoversEveryField(t *testing.T) {
	base := testLog(2)[1]
	other := int64(2)
	changes := map[string]func(*AuditEntry){
		"id":            func(e *AuditEntry) { e.ID++ },
		"at":            func(e *AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor account": func(e *AuditEntry) { e.ActorAccountID = &other },
		"actor member":  func(e *AuditEntry) { e.ActorAccountID, e.ActorMemberID = nil, &other },
		"no actor":      func(e *AuditEntry) { e.ActorAccountID = nil },
		"action":        func(e *AuditEntry) { e.Action = ActionAbsenceOverturn },
		"object type":   func(e *AuditEntry) { e.ObjectType = "delegation" },
		"object id":     func(e *AuditEntry) { e.ObjectID++ },
		"reason":        func(e *AuditEntry) { e.Reason = "x" },
		"before":        func(e *AuditEntry) { e.Before = "" },
		"after":         func(e *AuditEntry) { e.After += " " },
		"prev hash":     func(e *AuditEntry) { e.PrevHash = "" },
		// Moving bytes from one field to the next must change the hash too.
		"shifted bytes": func(e *AuditEntry) { e.Before, e.After = e.Before+e.After[:1], e.After[1:] },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			e := base
			change(&e)
			if e.ComputeHash(testAuditKey) == base.Hash {
				t.Errorf("changing %s keeps the hash", name)
			}
		})
	}
}

func TestAuditVerifier(t *testing.T) {
	otherKey := AuditKey([]byte("a database writer's guess of the key"))
	tests := []struct {
		name    string
		tamper  func([]AuditEntry) []AuditEntry
		ok      bool
		broken  int64
		problem AuditProblem
		checked int64
	}{
		{"intact", func(es []AuditEntry) []AuditEntry { return es }, true, 0, "", 5},
		{"empty log", func([]AuditEntry) []AuditEntry { return nil }, true, 0, "", 0},
		{"changed row", func(es []AuditEntry) []AuditEntry {
			es[2].After = `{"status":"rejected"}`
			return es
		}, false, 3, AuditChanged, 2},
		{"changed time", func(es []AuditEntry) []AuditEntry {
			es[3].At = es[3].At.Add(time.Second)
			return es
		}, false, 4, AuditChanged, 3},
		{"removed row", func(es []AuditEntry) []AuditEntry { return append(es[:1], es[2:]...) }, false, 2, AuditMissing, 1},
		{"removed first row", func(es []AuditEntry) []AuditEntry { return es[1:] }, false, 1, AuditMissing, 0},
		{"removed and renumbered", func(es []AuditEntry) []AuditEntry {
			es = append(es[:1], es[2:]...)
			for i := range es {
				es[i].ID = int64(i + 1)
			}
			return es
		}, false, 2, AuditUnlinked, 1},
		{"rehashed after a change", func(es []AuditEntry) []AuditEntry {
			es[1].Reason = "sửa"
			es[1].Hash = es[1].ComputeHash(testAuditKey)
			return es
		}, false, 3, AuditUnlinked, 2},
		// Without the key, a rewritten chain cannot be made to verify: changing an entry
		// and re-chaining every later one under any other key is seen at the change.
		{"changed and re-chained without the key", func(es []AuditEntry) []AuditEntry {
			es[1].Reason = "sửa"
			for i := 1; i < len(es); i++ {
				es[i].PrevHash = es[i-1].Hash
				es[i].Hash = es[i].ComputeHash(otherKey)
			}
			return es
		}, false, 2, AuditChanged, 1},
		{"forged append", func(es []AuditEntry) []AuditEntry {
			forged := AuditEntry{At: es[4].At.Add(time.Minute), Action: ActionAbsenceOverturn, ObjectType: "absence", ObjectID: 104}
			forged.Link(&es[4], otherKey)
			return append(es, forged)
		}, false, 6, AuditChanged, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := verify(tt.tamper(testLog(5)))
			if got.OK != tt.ok || got.BrokenID != tt.broken || got.Problem != tt.problem || got.Checked != tt.checked {
				t.Errorf("verify() = %+v, want ok %v, broken %d (%s), checked %d", got, tt.ok, tt.broken, tt.problem, tt.checked)
			}
		})
	}
}

// TestAuditVerifier_Heads checks the heads kept outside the log: the one change a
// chain cannot show by itself is the loss of its end.
func TestAuditVerifier_Heads(t *testing.T) {
	log := testLog(5)
	head := func(i int) AuditHead { return AuditHead{ID: log[i].ID, Hash: log[i].Hash} }
	given := func(hs ...AuditHead) []AuditAnchor {
		var as []AuditAnchor
		for _, h := range hs {
			as = append(as, AuditAnchor{AuditHead: h})
		}
		return as
	}
	tests := []struct {
		name       string
		entries    []AuditEntry
		anchors    []AuditAnchor
		ok         bool
		broken     int64
		problem    AuditProblem
		heads      int
		conference int64
	}{
		{"intact with its head", log, given(head(4)), true, 0, "", 1, 0},
		{"intact with an older head", log, given(head(1), head(2)), true, 0, "", 2, 0},
		{"head as a prefix", log, given(AuditHead{ID: 5, Hash: log[4].Hash[:16]}), true, 0, "", 1, 0},
		{"tail cut", log[:3], given(head(4)), false, 5, AuditCut, 0, 0},
		{"tail cut, lowest lost head named", log[:2], given(head(4), head(2)), false, 3, AuditCut, 0, 0},
		{"wiped", nil, given(head(0)), false, 1, AuditCut, 0, 0},
		{"another hash", log, given(AuditHead{ID: 3, Hash: strings.Repeat("0", 64)}), false, 3, AuditRewritten, 0, 0},
		{"another prefix", log, given(AuditHead{ID: 3, Hash: strings.Repeat("0", 16)}), false, 3, AuditRewritten, 0, 0},
		{"a conference's head cut", log[:3], []AuditAnchor{{AuditHead: head(3), ConferenceID: 12}}, false, 4, AuditCut, 0, 12},
		{"a conference's head rewritten", log, []AuditAnchor{{AuditHead: AuditHead{ID: 2, Hash: log[3].Hash}, ConferenceID: 9}},
			false, 2, AuditRewritten, 0, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := verify(tt.entries, tt.anchors...)
			if got.OK != tt.ok || got.BrokenID != tt.broken || got.Problem != tt.problem || got.Heads != tt.heads ||
				got.ConferenceID != tt.conference {
				t.Errorf("verify() = %+v, want ok %v, broken %d (%s), heads %d, conference %d", got, tt.ok, tt.broken,
					tt.problem, tt.heads, tt.conference)
			}
		})
	}
}

func TestParseAuditHead(t *testing.T) {
	hash := strings.Repeat("9f2c", 16)
	ok := []struct {
		in   string
		want AuditHead
	}{
		{"1234:" + hash, AuditHead{1234, hash}},
		{"#1234 · " + hash, AuditHead{1234, hash}},
		{" 1234:" + strings.ToUpper(hash) + "\n", AuditHead{1234, hash}},
		{"7:" + hash[:16], AuditHead{7, hash[:16]}},
	}
	for _, tt := range ok {
		got, err := ParseAuditHead(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAuditHead(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if back, err := ParseAuditHead(got.String()); err != nil || back != got {
			t.Errorf("ParseAuditHead(%q.String()) = %+v, %v", tt.in, back, err)
		}
	}
	for _, in := range []string{"", "1234", hash, "0:" + hash, "-1:" + hash, "1234:" + hash[:15], "1234:" + hash + "0",
		"1234:" + hash[:63] + "g", "1234567890123456789:" + hash} {
		if _, err := ParseAuditHead(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseAuditHead(%q): got %v, want ErrInvalid", in, err)
		}
	}
}

func TestAuditEntry_Link(t *testing.T) {
	prev := testLog(1)[0]
	e := AuditEntry{At: time.Date(2026, 2, 7, 15, 4, 5, 123456789, time.FixedZone("ICT", 7*3600))}
	e.Link(&prev, testAuditKey)
	if e.ID != 2 || e.PrevHash != prev.Hash {
		t.Errorf("got ID %d prev %q, want 2 after %q", e.ID, e.PrevHash, prev.Hash)
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 {
		t.Errorf("At = %v, want UTC to the microsecond", e.At)
	}
	if r := verify([]AuditEntry{prev, e}); !r.OK || r.LastID != 2 || r.LastHash != e.Hash || r.Head() != (AuditHead{2, e.Hash}) {
		t.Errorf("verify() = %+v", r)
	}
}

func TestAuditEntry_SetActor(t *testing.T) {
	var e AuditEntry
	e.SetActor(Principal{AccountID: 3, MemberID: 4})
	if e.ActorAccountID == nil || *e.ActorAccountID != 3 || e.ActorMemberID != nil {
		t.Errorf("staff: got %v %v", e.ActorAccountID, e.ActorMemberID)
	}
	e.SetActor(Principal{MemberID: 4})
	if e.ActorAccountID != nil || e.ActorMemberID == nil || *e.ActorMemberID != 4 {
		t.Errorf("member: got %v %v", e.ActorAccountID, e.ActorMemberID)
	}
}
