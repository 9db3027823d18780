package sqlstore_test

import (
	"context"
	"fmt"
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
		attendance.Chain(es)
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
