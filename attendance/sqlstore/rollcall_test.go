package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

func TestDB_RollCall(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0)
		f := mustCheckinFixture(t, db)
		organizer := attendance.Principal{AccountID: 1, Role: attendance.RoleOrganizer}
		if _, err := db.StartRollCall(ctx, f.conf.ID, 0, 0, organizer); !errors.Is(err, attendance.ErrInvalidTransition) {
			t.Errorf("scheduled conference: got %v, want ErrInvalidTransition", err)
		}
		if _, err := db.TransitionConference(ctx, f.conf.ID, "start"); err != nil {
			t.Fatal(err)
		}
		for _, m := range []attendance.Member{f.a1, f.a2} {
			if _, err := db.CheckIn(ctx, qr(f, f.pointA, m, "key-rc-"+m.Code+"-01")); err != nil {
				t.Fatal(err)
			}
		}
		rc, err := db.StartRollCall(ctx, f.conf.ID, f.pointA.ID, 0, organizer)
		if err != nil || rc.EndsAt.Sub(rc.StartedAt) != 5*time.Minute {
			t.Fatalf("got %+v, %v; want a 5-minute roll call", rc, err)
		}
		if _, err := db.StartRollCall(ctx, f.conf.ID, f.pointA.ID, 2*time.Hour, organizer); !errors.Is(err, attendance.ErrInvalid) {
			t.Errorf("2h window: got %v, want ErrInvalid", err)
		}
		if got, err := db.CurrentRollCall(ctx, f.conf.ID, f.pointA.ID); err != nil || got.ID != rc.ID {
			t.Errorf("current at A: got %+v, %v", got, err)
		}
		if _, err := db.CurrentRollCall(ctx, f.conf.ID, f.pointB.ID); !errors.Is(err, attendance.ErrNotFound) {
			t.Errorf("current at B: got %v, want ErrNotFound", err)
		}
		if _, err := db.AnswerRollCall(ctx, rc.ID, f.pointA.ID, f.a1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AnswerRollCall(ctx, rc.ID, f.pointA.ID, f.a1.ID); err != nil {
			t.Errorf("second answer: got %v, want nil (kept once)", err)
		}
		if _, err := db.AnswerRollCall(ctx, rc.ID, f.pointB.ID, f.b1.ID); !errors.Is(err, attendance.ErrInvalid) {
			t.Errorf("answer from an uncovered point: got %v, want ErrInvalid", err)
		}
		if _, err := db.AnswerRollCall(ctx, rc.ID, f.pointA.ID, f.none.ID); !errors.Is(err, attendance.ErrNotInvited) {
			t.Errorf("uninvited: got %v, want ErrNotInvited", err)
		}
		sums, err := db.RollCalls(ctx, f.conf.ID, f.pointA.ID)
		if err != nil || len(sums) != 1 || sums[0].Answered != 1 || sums[0].CheckedIn != 2 {
			t.Errorf("got %+v, %v; want 1 of 2 answered", sums, err)
		}
		clk.Set(t0.Add(6 * time.Minute))
		if _, err := db.AnswerRollCall(ctx, rc.ID, f.pointA.ID, f.a2.ID); !errors.Is(err, attendance.ErrRollCallClosed) {
			t.Errorf("after the window: got %v, want ErrRollCallClosed", err)
		}
	})
}

func TestDB_Documents(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0)
		f := mustCheckinFixture(t, db)
		pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
		open := attendance.Document{ConferenceID: f.conf.ID, Title: "Nghị quyết Đại hội XIV", FileName: "nghi-quyet.pdf",
			ContentType: "application/pdf", Data: pdf}
		secret := attendance.Document{ConferenceID: f.conf.ID, Title: "Tài liệu mật", FileName: "mat.pdf",
			ContentType: "application/pdf", Data: pdf, Secret: true}
		for _, d := range []*attendance.Document{&open, &secret} {
			if err := db.CreateDocument(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		bad := attendance.Document{ConferenceID: f.conf.ID, FileName: "x.exe", ContentType: "application/x-msdownload", Data: []byte("MZ")}
		if err := db.CreateDocument(ctx, &bad); !errors.Is(err, attendance.ErrInvalid) {
			t.Errorf("exe: got %v, want ErrInvalid", err)
		}
		list, err := db.Documents(ctx, f.conf.ID, false)
		if err != nil || len(list) != 1 || list[0].Title != open.Title || list[0].Data != nil {
			t.Errorf("members' list: got %+v, %v; want the open document, without bytes", list, err)
		}
		if all, _ := db.Documents(ctx, f.conf.ID, true); len(all) != 2 {
			t.Errorf("organizer's list: got %d, want 2", len(all))
		}
		for range 3 {
			if err := db.RecordRead(ctx, open.ID, f.a1.ID, f.pointA.ID); err != nil {
				t.Fatal(err)
			}
		}
		mats, err := db.PointMaterials(ctx, f.pointA.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, m := range mats {
			got[m.MemberCode] = m.DocumentsOpened
			if m.MemberCode == "A1" && m.LastOpenedAt == nil {
				t.Error("A1: no last opened time")
			}
		}
		if got["A1"] != 1 || got["A2"] != 0 {
			t.Errorf("got %v, want A1 opened 1 document, A2 none", got)
		}
	})
}
