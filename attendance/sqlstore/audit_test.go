package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

func mustVerify(t *testing.T, db *sqlstore.DB) attendance.AuditReport {
	t.Helper()
	r, err := db.VerifyAudit(context.Background())
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return r
}

// chain links entries in order as a log of their own under key, from the first.
func chain(es []attendance.AuditEntry, key []byte) {
	for i := range es {
		if i == 0 {
			es[i].Link(nil, key)
		} else {
			es[i].Link(&es[i-1], key)
		}
	}
}

func mustExec(t *testing.T, db *sqlstore.DB, sql string, args ...any) {
	t.Helper()
	if err := db.Gorm().Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestDB_AuditTamper changes and removes rows of the log behind the store's back, as
// someone with database access might, and expects VerifyAudit to name the entry.
func TestDB_AuditTamper(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)
		if r := mustVerify(t, db); !r.OK || r.Checked != 0 {
			t.Fatalf("empty log: got %+v", r)
		}
		req := mustFile(t, db, f.pA1, f.input(f.a1, "Đi công tác"))                       // 1
		if _, err := db.DecideAbsence(ctx, f.pSecA, req.ID, true, "Đồng ý"); err != nil { // 2
			t.Fatal(err)
		}
		req2 := mustFile(t, db, f.pA2, f.input(f.a2, "Ốm"))                                     // 3
		if _, err := db.DecideAbsence(ctx, f.pSecA, req2.ID, false, "Thiếu giấy"); err != nil { // 4
			t.Fatal(err)
		}

		t.Run("entries chain", func(t *testing.T) {
			l, err := db.AuditEntries(ctx, attendance.AuditFilter{Page: attendance.Page{Size: 10}})
			if err != nil || l.Total != 4 {
				t.Fatalf("got %d entries, %v; want 4", l.Total, err)
			}
			es := l.Items // newest first
			for i := 0; i < len(es)-1; i++ {
				if es[i].ID != es[i+1].ID+1 || es[i].PrevHash != es[i+1].Hash {
					t.Errorf("entry %d does not follow entry %d", es[i].ID, es[i+1].ID)
				}
			}
			decide := es[2]
			if decide.Action != attendance.ActionAbsenceDecide || decide.ActorMemberID == nil || *decide.ActorMemberID != f.secA.ID ||
				decide.Reason != "Đồng ý" || decide.ObjectType != "absence" || decide.ObjectID != req.ID ||
				!decide.At.Equal(t0.Add(-2*time.Hour)) {
				t.Errorf("decision entry: got %+v", decide)
			}
			if r := mustVerify(t, db); !r.OK || r.Checked != 4 || r.LastID != 4 || r.LastHash != es[0].Hash {
				t.Errorf("VerifyAudit() = %+v", r)
			}
		})
		t.Run("changed row", func(t *testing.T) {
			var after string
			db.Gorm().Raw("SELECT after FROM audit_entries WHERE id = 2").Scan(&after)
			mustExec(t, db, "UPDATE audit_entries SET after = REPLACE(after, 'Đồng ý', 'Không đồng ý') WHERE id = 2")
			r := mustVerify(t, db)
			if r.OK || r.BrokenID != 2 || r.Problem != attendance.AuditChanged || r.Checked != 1 {
				t.Errorf("VerifyAudit() = %+v, want entry 2 changed", r)
			}
			mustExec(t, db, "UPDATE audit_entries SET after = ? WHERE id = 2", after)
			if r := mustVerify(t, db); !r.OK {
				t.Errorf("restored: VerifyAudit() = %+v", r)
			}
		})
		t.Run("changed actor", func(t *testing.T) {
			mustExec(t, db, "UPDATE audit_entries SET actor_member_id = ? WHERE id = 4", f.depA.ID)
			r := mustVerify(t, db)
			if r.OK || r.BrokenID != 4 || r.Problem != attendance.AuditChanged {
				t.Errorf("VerifyAudit() = %+v, want entry 4 changed", r)
			}
			mustExec(t, db, "UPDATE audit_entries SET actor_member_id = ? WHERE id = 4", f.secA.ID)
		})
		t.Run("removed row", func(t *testing.T) {
			mustExec(t, db, "DELETE FROM audit_entries WHERE id = 3")
			r := mustVerify(t, db)
			if r.OK || r.BrokenID != 3 || r.Problem != attendance.AuditMissing || r.LastID != 2 {
				t.Errorf("VerifyAudit() = %+v, want entry 3 missing", r)
			}
		})
	})
}

// TestDB_AuditPages verifies a log longer than one page read, and finds breaks on a
// later page and at a page boundary.
func TestDB_AuditPages(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		clk.Set(t0.Add(-2 * time.Hour))
		es := make([]attendance.AuditEntry, 2500)
		for i := range es {
			es[i] = attendance.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Action: attendance.ActionCheckInManual,
				ObjectType: "checkin", ObjectID: int64(i), Reason: "Quên điện thoại", After: fmt.Sprintf(`{"n":%d}`, i)}
		}
		chain(es, testdb.AuditKey)
		if err := db.Gorm().CreateInBatches(es, 500).Error; err != nil {
			t.Fatal(err)
		}
		if r := mustVerify(t, db); !r.OK || r.Checked != 2500 || r.LastHash != es[2499].Hash {
			t.Fatalf("VerifyAudit() = %+v", r)
		}
		// The store continues the chain.
		f := mustAbsFixture(t, db)
		mustFile(t, db, f.pA1, f.input(f.a1, "Đi công tác"))
		if r := mustVerify(t, db); !r.OK || r.Checked != 2501 {
			t.Fatalf("after an append: VerifyAudit() = %+v", r)
		}
		mustExec(t, db, "UPDATE audit_entries SET reason = 'x' WHERE id = 1500")
		if r := mustVerify(t, db); r.BrokenID != 1500 || r.Problem != attendance.AuditChanged {
			t.Errorf("second page: VerifyAudit() = %+v, want 1500 changed", r)
		}
		mustExec(t, db, "UPDATE audit_entries SET reason = 'Quên điện thoại' WHERE id = 1500")
		mustExec(t, db, "DELETE FROM audit_entries WHERE id = 2001")
		if r := mustVerify(t, db); r.BrokenID != 2001 || r.Problem != attendance.AuditMissing || r.Checked != 2000 {
			t.Errorf("page boundary: VerifyAudit() = %+v, want 2001 missing", r)
		}
	})
}

// TestDB_AuditConcurrent appends from many transactions at once: the entries are
// numbered without gaps or forks.
func TestDB_AuditConcurrent(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)
		org := f.a1.OrganizationID
		var members []attendance.Member
		for i := range 24 {
			members = append(members, mustMember(t, db, org, fmt.Sprintf("P%02d", i), fmt.Sprintf("Đảng viên %d", i), attendance.PositionMember))
		}
		if _, err := db.GenerateInvitations(ctx, f.conf.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(members))
		for _, m := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.FileAbsence(ctx, f.organizer, f.input(m, "Cùng lúc"))
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent filing: %v", err)
			}
		}
		if r := mustVerify(t, db); !r.OK || r.Checked != int64(len(members)) {
			t.Errorf("VerifyAudit() = %+v, want %d entries chained", r, len(members))
		}
	})
}

// auditRows reads the whole log in ID order.
func auditRows(t *testing.T, db *sqlstore.DB) []attendance.AuditEntry {
	t.Helper()
	var es []attendance.AuditEntry
	if err := db.Gorm().Order("id").Find(&es).Error; err != nil {
		t.Fatal(err)
	}
	return es
}

// rechainPlain re-chains the log from entry from on with plain SHA-256 (the algorithm
// the log used before it had a key), as someone who can write to the database but has
// not the key would after changing an entry.
func rechainPlain(t *testing.T, db *sqlstore.DB, from int64) {
	t.Helper()
	es := auditRows(t, db)
	for i := range es {
		if es[i].ID < from {
			continue
		}
		if i > 0 {
			es[i].PrevHash = es[i-1].Hash
		}
		es[i].Hash = sqlstore.LegacyAuditHash(&es[i])
		mustExec(t, db, "UPDATE audit_entries SET prev_hash = ?, hash = ? WHERE id = ?", es[i].PrevHash, es[i].Hash, es[i].ID)
	}
}

func mustVerifyHeads(t *testing.T, db *sqlstore.DB, heads ...attendance.AuditHead) attendance.AuditReport {
	t.Helper()
	r, err := db.VerifyAudit(context.Background(), heads...)
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return r
}

// TestDB_AuditForgery tampers with the log as someone with write access to the
// database but without the key would: a change with every later hash recomputed, a
// forged entry appended, the end cut off, the whole log wiped. Each is detected; the
// last two only against a head kept outside the log (given, or recorded when a
// conference was closed), which is what heads are for.
func TestDB_AuditForgery(t *testing.T) {
	clk := &movableClock{t: t0.Add(-2 * time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-2 * time.Hour))
		f := mustAbsFixture(t, db)
		req := mustFile(t, db, f.pA1, f.input(f.a1, "Đi công tác"))                       // 1
		if _, err := db.DecideAbsence(ctx, f.pSecA, req.ID, true, "Đồng ý"); err != nil { // 2
			t.Fatal(err)
		}
		req2 := mustFile(t, db, f.pA2, f.input(f.a2, "Ốm"))                                     // 3
		if _, err := db.DecideAbsence(ctx, f.pSecA, req2.ID, false, "Thiếu giấy"); err != nil { // 4
			t.Fatal(err)
		}
		var closed attendance.Conference
		for _, action := range []string{"start", "end", "close"} { // 5: the closing
			var err error
			if closed, err = db.TransitionConference(ctx, f.conf.ID, action); err != nil {
				t.Fatal(err)
			}
		}
		admin := attendance.Principal{Role: attendance.RoleAdmin, AccountID: 99}
		for _, role := range []attendance.Role{attendance.RoleSupervisor, attendance.RoleOrganizer} { // 6, 7
			a, err := db.Account(ctx, f.organizer.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			a.Role = role
			if err := db.UpdateAccount(ctx, admin, &a, ""); err != nil {
				t.Fatal(err)
			}
		}
		good := auditRows(t, db)
		if len(good) != 7 {
			t.Fatalf("got %d entries, want 7", len(good))
		}
		head := attendance.AuditHead{ID: 7, Hash: good[6].Hash}
		restore := func(t *testing.T) {
			t.Helper()
			mustExec(t, db, "DELETE FROM audit_entries")
			if err := db.Gorm().Create(&good).Error; err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, "UPDATE conferences SET audit_head_id = ?, audit_head_hash = ? WHERE id = ?",
				closed.AuditHeadID, closed.AuditHeadHash, f.conf.ID)
			if r := mustVerifyHeads(t, db, head); !r.OK {
				t.Fatalf("restored: VerifyAudit() = %+v", r)
			}
		}

		t.Run("closing records the head", func(t *testing.T) {
			h, ok := closed.AuditHead()
			if !ok || h != (attendance.AuditHead{ID: 5, Hash: good[4].Hash}) {
				t.Fatalf("closed conference's head: got %+v %v, want entry 5", h, ok)
			}
			if e := good[4]; e.Action != attendance.ActionConferenceClose || e.ObjectType != "conference" || e.ObjectID != f.conf.ID ||
				!strings.Contains(e.After, `"status":"closed"`) {
				t.Errorf("closing entry: got %+v", e)
			}
			stored, err := db.Conference(ctx, attendance.Scope{All: true}, f.conf.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := stored.AuditHead(); !ok || got != h {
				t.Errorf("stored head: got %+v %v, want %+v", got, ok, h)
			}
		})
		t.Run("intact", func(t *testing.T) {
			r := mustVerifyHeads(t, db, head, attendance.AuditHead{ID: 2, Hash: good[1].Hash[:16]})
			if !r.OK || r.Checked != 7 || r.Head() != head || r.Heads != 3 {
				t.Errorf("VerifyAudit() = %+v, want 7 entries and 3 heads (two given, one of the closing)", r)
			}
		})
		t.Run("changed and re-chained with plain SHA-256", func(t *testing.T) {
			mustExec(t, db, "UPDATE audit_entries SET reason = 'Không đồng ý' WHERE id = 2")
			rechainPlain(t, db, 2)
			if r := mustVerify(t, db); r.OK || r.BrokenID != 2 || r.Problem != attendance.AuditChanged || r.Checked != 1 {
				t.Errorf("VerifyAudit() = %+v, want entry 2 changed", r)
			}
			restore(t)
		})
		t.Run("whole log re-chained with plain SHA-256", func(t *testing.T) {
			rechainPlain(t, db, 1)
			if r := mustVerify(t, db); r.OK || r.BrokenID != 1 || r.Problem != attendance.AuditChanged {
				t.Errorf("VerifyAudit() = %+v, want entry 1 changed", r)
			}
			restore(t)
		})
		t.Run("forged append", func(t *testing.T) {
			forged := attendance.AuditEntry{ID: 8, At: t0, Action: attendance.ActionAbsenceOverturn, ObjectType: "absence",
				ObjectID: req2.ID, Reason: "Đồng ý lại", PrevHash: good[6].Hash}
			forged.Hash = sqlstore.LegacyAuditHash(&forged)
			if err := db.Gorm().Create(&forged).Error; err != nil {
				t.Fatal(err)
			}
			if r := mustVerify(t, db); r.OK || r.BrokenID != 8 || r.Problem != attendance.AuditChanged || r.Checked != 7 {
				t.Errorf("VerifyAudit() = %+v, want entry 8 changed", r)
			}
			restore(t)
		})
		t.Run("tail cut", func(t *testing.T) {
			mustExec(t, db, "DELETE FROM audit_entries WHERE id > 5")
			// The chain alone cannot tell a shorter log from a cut one…
			if r := mustVerify(t, db); !r.OK || r.Checked != 5 {
				t.Errorf("without a head: VerifyAudit() = %+v, want 5 entries intact", r)
			}
			// …a head noted down can.
			r := mustVerifyHeads(t, db, head)
			if r.OK || r.Problem != attendance.AuditCut || r.BrokenID != 7 || r.LastID != 5 || r.ConferenceID != 0 {
				t.Errorf("with head 7: VerifyAudit() = %+v, want entry 7 cut", r)
			}
			restore(t)
		})
		t.Run("tail cut through a closing", func(t *testing.T) {
			mustExec(t, db, "DELETE FROM audit_entries WHERE id > 3")
			r := mustVerify(t, db)
			if r.OK || r.Problem != attendance.AuditCut || r.BrokenID != 5 || r.ConferenceID != f.conf.ID {
				t.Errorf("VerifyAudit() = %+v, want the closing's head (entry 5) cut", r)
			}
			restore(t)
		})
		t.Run("wiped", func(t *testing.T) {
			mustExec(t, db, "DELETE FROM audit_entries")
			mustExec(t, db, "UPDATE conferences SET audit_head_id = NULL, audit_head_hash = ''")
			if r := mustVerify(t, db); !r.OK || r.Checked != 0 {
				t.Errorf("without a head: VerifyAudit() = %+v, want an empty log", r)
			}
			r := mustVerifyHeads(t, db, head)
			if r.OK || r.Problem != attendance.AuditCut || r.BrokenID != 7 || r.LastID != 0 {
				t.Errorf("with head 7: VerifyAudit() = %+v, want entry 7 cut", r)
			}
			restore(t)
		})
		t.Run("rewritten", func(t *testing.T) {
			r := mustVerifyHeads(t, db, attendance.AuditHead{ID: 6, Hash: good[5].Hash[:20] + "0000"})
			if r.OK || r.Problem != attendance.AuditRewritten || r.BrokenID != 6 {
				t.Errorf("VerifyAudit() = %+v, want entry 6 rewritten", r)
			}
		})
		t.Run("reopened and closed again", func(t *testing.T) {
			if _, err := db.ReopenConference(ctx, f.organizer, f.conf.ID, "Bổ sung đơn"); err != nil { // 8
				t.Fatal(err)
			}
			again, err := db.TransitionConference(ctx, f.conf.ID, "close") // 9
			if err != nil {
				t.Fatal(err)
			}
			if h, ok := again.AuditHead(); !ok || h.ID != 9 {
				t.Errorf("closed again: head %+v %v, want entry 9", h, ok)
			}
			if r := mustVerifyHeads(t, db, head); !r.OK || r.Checked != 9 || r.Heads != 2 {
				t.Errorf("VerifyAudit() = %+v", r)
			}
		})
	})
}

// TestDB_AuditKey opens the database again with another key, as an instance with
// another secret would, and expects it refused before it appends anything.
func TestDB_AuditKey(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.MustOpen(t, target.Config)
			f := mustAbsFixture(t, db)
			mustFile(t, db, f.pA1, f.input(f.a1, "Đi công tác"))
			reopen := func(key []byte) error {
				other, err := sqlstore.Open(ctx, target.Config)
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
				if err := other.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return other.LoadKeys(ctx, key)
			}
			wrong := attendance.AuditKey([]byte("another secret, of another instance"))
			if err := reopen(wrong); !errors.Is(err, attendance.ErrAuditKey) {
				t.Errorf("another key: got %v, want ErrAuditKey", err)
			}
			if err := reopen(testdb.AuditKey); err != nil {
				t.Errorf("the same key: got %v", err)
			}
			// Without the key's recorded ID, the log itself tells the wrong key.
			mustExec(t, db, "DELETE FROM settings WHERE key = 'audit_key_id'")
			if err := reopen(wrong); !errors.Is(err, attendance.ErrAuditKey) {
				t.Errorf("another key, no ID kept: got %v, want ErrAuditKey", err)
			}
			if err := reopen(testdb.AuditKey); err != nil {
				t.Errorf("the same key, no ID kept: got %v", err)
			}
			if r := mustVerify(t, db); !r.OK || r.Checked != 1 {
				t.Errorf("VerifyAudit() = %+v", r)
			}
		})
	}
}

// legacyLog writes n entries chained as versions before the key did, with plain
// SHA-256, straight into the table.
func legacyLog(t *testing.T, db *sqlstore.DB, n int) []attendance.AuditEntry {
	t.Helper()
	es := make([]attendance.AuditEntry, n)
	for i := range es {
		acct := int64(1)
		es[i] = attendance.AuditEntry{ID: int64(i + 1), At: t0.Add(time.Duration(i) * time.Minute), ActorAccountID: &acct,
			Action: attendance.ActionAbsenceDecide, ObjectType: "absence", ObjectID: int64(100 + i), Reason: "Đồng ý",
			Before: `{"status":"pending"}`, After: fmt.Sprintf(`{"status":"approved","lần":%d}`, i)}
		if i > 0 {
			es[i].PrevHash = es[i-1].Hash
		}
		es[i].Hash = sqlstore.LegacyAuditHash(&es[i])
	}
	if err := db.Gorm().CreateInBatches(es, 500).Error; err != nil {
		t.Fatal(err)
	}
	return es
}

// TestDB_AuditUpgrade upgrades a database whose log was chained with plain SHA-256:
// the migration marks it, LoadKeys re-chains it under the key once, after checking
// the old chain, and records the move in the log with the old head.
func TestDB_AuditUpgrade(t *testing.T) {
	const before = "202611220008_decision_note"
	old := func(t *testing.T, target testdb.Target) *sqlstore.DB {
		t.Helper()
		db, err := sqlstore.Open(context.Background(), target.Config)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.MigrateTo(context.Background(), before); err != nil {
			t.Fatal(err)
		}
		return db
	}
	upgrade := func(t *testing.T, db *sqlstore.DB) error {
		t.Helper()
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return db.LoadKeys(context.Background(), testdb.AuditKey)
	}
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := old(t, target)
			n := 2*1000 + 10 // over two pages
			es := legacyLog(t, db, n)
			if err := upgrade(t, db); err != nil {
				t.Fatal(err)
			}
			r := mustVerify(t, db)
			if !r.OK || r.Checked != int64(n+1) {
				t.Fatalf("after the upgrade: VerifyAudit() = %+v, want %d entries", r, n+1)
			}
			now := auditRows(t, db)
			for i, e := range es {
				got := now[i]
				got.PrevHash, got.Hash = e.PrevHash, e.Hash
				got.At = got.At.UTC()
				if !reflect.DeepEqual(got, e) {
					t.Fatalf("entry %d changed in content: got %+v, want %+v", e.ID, got, e)
				}
				if now[i].Hash == e.Hash {
					t.Fatalf("entry %d kept its plain hash", e.ID)
				}
			}
			moved := now[n]
			var after struct {
				Entries, Rechained int64
				OldHead            string `json:"sha256Head"`
			}
			if err := json.Unmarshal([]byte(moved.After), &after); err != nil {
				t.Fatal(err)
			}
			wantHead := attendance.AuditHead{ID: int64(n), Hash: es[n-1].Hash}.String()
			if moved.Action != attendance.ActionAuditRechain || after.Entries != int64(n) || after.Rechained != int64(n) ||
				after.OldHead != wantHead {
				t.Errorf("re-chain entry: got %+v %+v, want %d entries moved from head %s", moved, after, n, wantHead)
			}

			t.Run("once", func(t *testing.T) {
				again, err := sqlstore.Open(ctx, target.Config)
				if err != nil {
					t.Fatal(err)
				}
				defer again.Close()
				if err := upgrade(t, again); err != nil {
					t.Fatal(err)
				}
				if r := mustVerify(t, again); !r.OK || r.Checked != int64(n+1) {
					t.Errorf("second start: VerifyAudit() = %+v, want nothing re-chained again", r)
				}
			})
			t.Run("asked again is refused", func(t *testing.T) {
				// Someone rewrites the log with plain SHA-256 and asks for a re-chain.
				rechainPlain(t, db, 1)
				mustExec(t, db, "INSERT INTO settings (key, value) VALUES ('audit_rechain', 'sha256')")
				again, err := sqlstore.Open(ctx, target.Config)
				if err != nil {
					t.Fatal(err)
				}
				defer again.Close()
				if err := upgrade(t, again); err == nil || !strings.Contains(err.Error(), "already chained under a key") {
					t.Errorf("got %v, want the re-chain refused", err)
				}
				if r := mustVerify(t, db); r.OK || r.BrokenID != 1 {
					t.Errorf("VerifyAudit() = %+v, want the rewritten log still broken", r)
				}
			})
		})
	}
}

// TestDB_AuditUpgradeBroken upgrades a log whose plain chain was already broken: the
// entries before the break are re-chained, and verification still stops at it.
func TestDB_AuditUpgradeBroken(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, target.Config)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, "202611220008_decision_note"); err != nil {
				t.Fatal(err)
			}
			legacyLog(t, db, 6)
			mustExec(t, db, "UPDATE audit_entries SET reason = 'sửa lén' WHERE id = 4")
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.LoadKeys(ctx, testdb.AuditKey); err != nil {
				t.Fatal(err)
			}
			r := mustVerify(t, db)
			if r.OK || r.BrokenID != 4 || r.Checked != 3 {
				t.Errorf("VerifyAudit() = %+v, want the break at entry 4 kept, 3 entries good", r)
			}
			es := auditRows(t, db)
			if len(es) != 7 || es[6].Action != attendance.ActionAuditRechain ||
				!strings.Contains(es[6].After, `"brokenId":4,"problem":"changed"`) || !strings.Contains(es[6].After, `"rechained":3`) {
				t.Errorf("re-chain entry: got %+v", es[len(es)-1])
			}
		})
	}
}

// TestDB_LegacySecret moves the secret earlier versions kept in the database out.
func TestDB_LegacySecret(t *testing.T) {
	for _, target := range testdb.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, target.Config)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if s, err := db.LegacySecret(ctx); err != nil || s != "" {
				t.Errorf("before any migration: got %q, %v", s, err)
			}
			if err := db.MigrateTo(ctx, "202611220008_decision_note"); err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, "INSERT INTO settings (key, value) VALUES ('secret', 'c2VjcmV0IGtlcHQgYnkgYW4gb2xkZXIgdmVyc2lvbiEhIQ')")
			if s, err := db.LegacySecret(ctx); err != nil || s != "c2VjcmV0IGtlcHQgYnkgYW4gb2xkZXIgdmVyc2lvbiEhIQ" {
				t.Errorf("got %q, %v", s, err)
			}
			if err := db.DropLegacySecret(ctx); err != nil {
				t.Fatal(err)
			}
			if s, err := db.LegacySecret(ctx); err != nil || s != "" {
				t.Errorf("after drop: got %q, %v", s, err)
			}
		})
	}
}
