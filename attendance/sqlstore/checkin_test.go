package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// movableClock is a test clock that the test moves.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movableClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// checkinFixture is a live conference with two points, A (cell A) and B (cell B).
type checkinFixture struct {
	conf             attendance.Conference
	pointA, pointB   attendance.Point
	a1, a2, b1, none attendance.Member
}

func mustCheckinFixture(t *testing.T, db *sqlstore.DB) checkinFixture {
	t.Helper()
	ctx := context.Background()
	var f checkinFixture
	root := mustOrg(t, db, nil, "R", "Đảng bộ Khối", attendance.KindDangBo)
	a := mustOrg(t, db, &root.ID, "A", "Chi bộ A", attendance.KindChiBo)
	b := mustOrg(t, db, &root.ID, "B", "Chi bộ B", attendance.KindChiBo)
	c := mustOrg(t, db, &root.ID, "C", "Chi bộ C", attendance.KindChiBo)
	f.a1 = mustMember(t, db, a.ID, "A1", "Nguyễn Văn An", attendance.PositionSecretary)
	f.a2 = mustMember(t, db, a.ID, "A2", "Trần Thị Bình", attendance.PositionMember)
	f.b1 = mustMember(t, db, b.ID, "B1", "Lê Văn Cường", attendance.PositionMember)
	f.none = mustMember(t, db, c.ID, "C1", "Phạm Thị Dung", attendance.PositionMember)
	f.conf = attendance.Conference{Title: "Hội nghị", StartsAt: t0, EndsAt: t0.Add(3 * time.Hour),
		CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &f.conf); err != nil {
		t.Fatal(err)
	}
	f.pointA = attendance.Point{ConferenceID: f.conf.ID, Name: "Điểm cầu A", OrganizationIDs: []int64{a.ID}}
	f.pointB = attendance.Point{ConferenceID: f.conf.ID, Name: "Điểm cầu B", OrganizationIDs: []int64{b.ID}}
	for _, p := range []*attendance.Point{&f.pointA, &f.pointB} {
		if err := db.CreatePoint(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func qr(f checkinFixture, point attendance.Point, m attendance.Member, key string) attendance.CheckInInput {
	return attendance.CheckInInput{ConferenceID: f.conf.ID, PointID: point.ID, MemberID: m.ID, Method: attendance.MethodQR,
		Key: key, DeviceID: "device-" + m.Code}
}

func TestDB_CheckIn(t *testing.T) {
	clk := &movableClock{t: t0.Add(-10 * time.Minute)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustCheckinFixture(t, db)
		clk.Set(t0.Add(-10 * time.Minute))

		t.Run("window", func(t *testing.T) {
			clk.Set(t0.Add(-31 * time.Minute))
			if _, err := db.CheckIn(ctx, qr(f, f.pointA, f.a1, "key-early-0001")); !errors.Is(err, attendance.ErrCheckinNotOpen) {
				t.Errorf("before opening: got %v, want ErrCheckinNotOpen", err)
			}
			clk.Set(t0.Add(3 * time.Hour))
			if _, err := db.CheckIn(ctx, qr(f, f.pointA, f.a1, "key-late-00001")); !errors.Is(err, attendance.ErrCheckinClosed) {
				t.Errorf("at the end: got %v, want ErrCheckinClosed", err)
			}
			clk.Set(t0.Add(-10 * time.Minute))
		})
		t.Run("not invited", func(t *testing.T) {
			if _, err := db.CheckIn(ctx, qr(f, f.pointA, f.none, "key-none-0001")); !errors.Is(err, attendance.ErrNotInvited) {
				t.Errorf("got %v, want ErrNotInvited", err)
			}
		})
		t.Run("missing key", func(t *testing.T) {
			if _, err := db.CheckIn(ctx, qr(f, f.pointA, f.a1, "")); !errors.Is(err, attendance.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
		var first attendance.CheckInOutcome
		t.Run("created on time", func(t *testing.T) {
			var err error
			first, err = db.CheckIn(ctx, qr(f, f.pointA, f.a1, "key-a1-000001"))
			if err != nil || first.Result != attendance.ResultCreated || first.Late || first.WrongPoint {
				t.Fatalf("got %+v, %v; want created, on time, right point", first, err)
			}
		})
		t.Run("same key replays", func(t *testing.T) {
			clk.Set(t0.Add(20 * time.Minute))
			got, err := db.CheckIn(ctx, qr(f, f.pointB, f.a1, "key-a1-000001"))
			if err != nil || got.Result != attendance.ResultCreated || got.CheckIn.ID != first.CheckIn.ID || got.CheckIn.PointID != f.pointA.ID {
				t.Errorf("got %+v, %v; want the first answer again", got, err)
			}
		})
		t.Run("key of another member", func(t *testing.T) {
			if _, err := db.CheckIn(ctx, qr(f, f.pointA, f.a2, "key-a1-000001")); !errors.Is(err, attendance.ErrKeyReused) {
				t.Errorf("got %v, want ErrKeyReused", err)
			}
		})
		t.Run("already", func(t *testing.T) {
			got, err := db.CheckIn(ctx, qr(f, f.pointA, f.a1, "key-a1-000002"))
			if err != nil || got.Result != attendance.ResultAlready || got.CheckIn.ID != first.CheckIn.ID {
				t.Errorf("got %+v, %v; want already", got, err)
			}
		})
		t.Run("move to another point", func(t *testing.T) {
			got, err := db.CheckIn(ctx, qr(f, f.pointB, f.a1, "key-a1-000003"))
			if err != nil || got.Result != attendance.ResultMoved || got.CheckIn.PointID != f.pointB.ID || !got.WrongPoint || got.CheckIn.Moves != 1 {
				t.Errorf("got %+v, %v; want moved to B, flagged wrong point", got, err)
			}
		})
		t.Run("late", func(t *testing.T) {
			got, err := db.CheckIn(ctx, qr(f, f.pointB, f.b1, "key-b1-000001"))
			if err != nil || !got.Late {
				t.Errorf("got %+v, %v; want late", got, err)
			}
		})
		t.Run("shared device", func(t *testing.T) {
			in := qr(f, f.pointA, f.a2, "key-a2-000001")
			in.DeviceID = "device-A1"
			got, err := db.CheckIn(ctx, in)
			if err != nil || !got.CheckIn.SharedDevice || got.CheckIn.Confirmed {
				t.Fatalf("got %+v, %v; want flagged shared device", got, err)
			}
			c, err := db.ConfirmCheckIn(ctx, got.CheckIn.ID, attendance.Principal{MemberID: f.a1.ID})
			if err != nil || !c.Confirmed {
				t.Errorf("confirm: got %+v, %v", c, err)
			}
		})
		t.Run("undo needs a reason, then re-check-in", func(t *testing.T) {
			if _, err := db.UndoCheckIn(ctx, first.CheckIn.ID, " ", attendance.Principal{AccountID: 1}); !errors.Is(err, attendance.ErrInvalid) {
				t.Errorf("no reason: got %v", err)
			}
			u, err := db.UndoCheckIn(ctx, first.CheckIn.ID, "Nhầm người", attendance.Principal{AccountID: 1})
			if err != nil || u.UndoneAt == nil {
				t.Fatalf("undo: got %+v, %v", u, err)
			}
			if _, err := db.CheckOut(ctx, first.CheckIn.ID, "", attendance.Principal{}); !errors.Is(err, attendance.ErrUndone) {
				t.Errorf("checkout after undo: got %v, want ErrUndone", err)
			}
			got, err := db.CheckIn(ctx, qr(f, f.pointA, f.a1, "key-a1-000004"))
			if err != nil || got.Result != attendance.ResultCreated || got.CheckIn.UndoneAt != nil {
				t.Errorf("after undo: got %+v, %v; want created again", got, err)
			}
		})
		t.Run("manual needs reason", func(t *testing.T) {
			in := attendance.CheckInInput{ConferenceID: f.conf.ID, PointID: f.pointA.ID, MemberID: f.a2.ID, Method: attendance.MethodManual}
			if _, err := db.CheckIn(ctx, in); !errors.Is(err, attendance.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
		t.Run("roster", func(t *testing.T) {
			r, err := db.PointRoster(ctx, f.pointA.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]attendance.RosterStatus{}
			for _, e := range r {
				got[e.Invitation.MemberCode] = e.Status(&f.conf, f.pointA.ID)
			}
			want := map[string]attendance.RosterStatus{"A1": attendance.RosterLate, "A2": attendance.RosterLate}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v", got, want)
			}
			evs, _ := db.PointEvents(ctx, f.pointA.ID, 50)
			if len(evs) < 3 {
				t.Errorf("got %d events at A, want the history", len(evs))
			}
		})
	})
}

// TestDB_CheckInConcurrent checks in the same member from 50 goroutines at once, half
// with one key and half with their own: exactly one check-in results.
func TestDB_CheckInConcurrent(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustCheckinFixture(t, db)
		var wg sync.WaitGroup
		type answer struct {
			shared bool
			out    attendance.CheckInOutcome
		}
		results := make(chan answer, 50)
		errs := make(chan error, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := "shared-key-0001"
				if i%2 == 1 {
					key = fmt.Sprintf("own-key-%04d", i)
				}
				out, err := db.CheckIn(ctx, qr(f, f.pointA, f.a2, key))
				if err != nil {
					errs <- err
					return
				}
				results <- answer{shared: i%2 == 0, out: out}
			}()
		}
		wg.Wait()
		close(results)
		close(errs)
		for err := range errs {
			t.Errorf("concurrent check-in: %v", err)
		}
		created, ids, sharedResults := 0, map[int64]bool{}, map[attendance.CheckInResult]int{}
		for r := range results {
			ids[r.out.CheckIn.ID] = true
			if r.out.Result == attendance.ResultCreated {
				created++
			}
			if r.shared {
				sharedResults[r.out.Result]++
			}
		}
		if len(ids) != 1 {
			t.Errorf("got %d distinct check-ins, want 1", len(ids))
		}
		r, _ := db.PointRoster(ctx, f.pointA.ID)
		n := 0
		for _, e := range r {
			if e.CheckIn != nil {
				n++
			}
		}
		if n != 1 {
			t.Errorf("roster shows %d check-ins, want 1", n)
		}
		// The 25 requests sharing a key all get the same answer: "created" if one of them
		// came first (then 25 created in all), else "already" (then 1 created).
		if len(sharedResults) != 1 || (created != 1 && created != 25) {
			t.Errorf("got %d created answers and shared-key answers %v; want one answer for the shared key", created, sharedResults)
		}
	})
}

// TestDB_SignInLockout: the store counts failures per key and reports them with the
// sign-in, on both databases and whether the PIN is right or wrong; the desk judges.
func TestDB_SignInLockout(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0)
		mustCheckinFixture(t, db)
		state := func(pin string, keys ...string) (map[string]attendance.KeyState, error) {
			_, states, err := db.MemberSignIn(ctx, "A1", pin, keys...)
			out := map[string]attendance.KeyState{}
			for _, st := range states {
				out[st.Key] = st
			}
			return out, err
		}
		rule := attendance.Throttle{Max: 3, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
		for range 2 {
			if err := db.SignInFailed(ctx, "member:A1", rule); err != nil {
				t.Fatal(err)
			}
		}
		st, err := state("123456", "member:A1", "addr:1.2.3.4")
		if err != nil || st["member:A1"].Failures != 2 || st["member:A1"].Locked(t0) || len(st) != 1 {
			t.Errorf("after 2 failures: got %+v, %v; want 2 failures, unlocked, no address record", st, err)
		}
		db.SignInFailed(ctx, "member:A1", rule)
		st, err = state("000000", "member:A1", "addr:1.2.3.4")
		if !errors.Is(err, attendance.ErrBadCredentials) || !st["member:A1"].Locked(t0) ||
			!st["member:A1"].LockedUntil.Equal(t0.Add(15*time.Minute)) {
			t.Errorf("after 3 failures with a wrong PIN: got %+v, %v; want ErrBadCredentials and locked until %v", st, err, t0.Add(15*time.Minute))
		}
		clk.Set(t0.Add(16 * time.Minute))
		if st, err := state("123456", "member:A1"); err != nil || st["member:A1"].Locked(clk.Now()) {
			t.Errorf("after the lockout: got %+v, %v; want unlocked", st, err)
		}
		if err := db.SignInSucceeded(ctx, "member:A1"); err != nil {
			t.Fatal(err)
		}
		if st, _ := state("123456", "member:A1"); len(st) != 0 {
			t.Errorf("after a success: got %+v, want nothing on record", st)
		}
	})
}

// TestDB_AuditedCheckIns: a manual check-in and its undo are in the audit log, chained.
func TestDB_AuditedCheckIns(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0)
		f := mustCheckinFixture(t, db)
		chair := attendance.Principal{Role: attendance.RoleChair, MemberID: f.a1.ID}
		out, err := db.CheckIn(ctx, attendance.CheckInInput{ConferenceID: f.conf.ID, PointID: f.pointA.ID, MemberID: f.a2.ID,
			Method: attendance.MethodManual, Reason: "Quên điện thoại", By: chair})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UndoCheckIn(ctx, out.CheckIn.ID, "Nhầm người", chair); err != nil {
			t.Fatal(err)
		}
		l, err := db.AuditEntries(ctx, attendance.AuditFilter{ObjectType: "checkin", ObjectID: out.CheckIn.ID})
		if err != nil || l.Total != 2 {
			t.Fatalf("got %+v, %v; want 2 entries", l.Items, err)
		}
		actions := map[string]string{}
		for _, e := range l.Items {
			actions[e.Action] = e.Reason
			if e.ActorMemberID == nil || *e.ActorMemberID != f.a1.ID {
				t.Errorf("entry %s: actor %v, want the chair", e.Action, e.ActorMemberID)
			}
		}
		if actions[attendance.ActionCheckInManual] != "Quên điện thoại" || actions[attendance.ActionCheckInUndo] != "Nhầm người" {
			t.Errorf("got %v", actions)
		}
		// The log names the member and the point in words, not "#id".
		subjects, err := db.AuditSubjects(ctx, l.Items)
		want := f.a2.FullName + " · " + f.pointA.Name
		if err != nil || len(subjects) != 2 || subjects[l.Items[0].ID] != want || subjects[l.Items[1].ID] != want {
			t.Errorf("AuditSubjects() = %v, %v; want %q for both", subjects, err, want)
		}
		if r, err := db.VerifyAudit(ctx); err != nil || !r.OK {
			t.Errorf("VerifyAudit() = %+v, %v", r, err)
		}
	})
}

func TestDB_MemberSignIn(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0)
		f := mustCheckinFixture(t, db)
		keys := []string{"member:a2", "addr:10.0.0.9"}
		p, failing, err := db.MemberSignIn(ctx, "A2", "123456", keys...)
		if err != nil || p.MemberID != f.a2.ID || len(failing) != 0 {
			t.Fatalf("right PIN: got %+v, %v, %v", p, failing, err)
		}
		if _, _, err := db.MemberSignIn(ctx, "NO-SUCH", "123456", keys...); !errors.Is(err, attendance.ErrBadCredentials) {
			t.Errorf("unknown code: got %v, want ErrBadCredentials", err)
		}
		if _, _, err := db.MemberSignIn(ctx, "A2", "999999", keys...); !errors.Is(err, attendance.ErrBadCredentials) {
			t.Errorf("wrong PIN: got %v, want ErrBadCredentials", err)
		}
		rule := attendance.Throttle{Max: 2, Window: time.Minute, Lockout: time.Minute}
		db.SignInFailed(ctx, "member:a2", rule)
		if _, failing, err := db.MemberSignIn(ctx, "A2", "123456", keys...); err != nil || len(failing) != 1 {
			t.Errorf("one failure on record: got %v, %v", failing, err)
		}
		db.SignInFailed(ctx, "member:a2", rule)
		if _, st, err := db.MemberSignIn(ctx, "A2", "123456", keys...); err != nil || len(st) != 1 || !st[0].Locked(t0) {
			t.Errorf("locked: got %+v, %v; want the lock on record", st, err)
		}
	})
}

// TestDB_CheckInRush: a room's members checking in at once (on PostgreSQL, in
// gatherings) are each recorded once, the second member on a shared phone is
// flagged, a request sent twice gets one answer, and sign-ins read together each
// get their own member.
func TestDB_CheckInRush(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		root := mustOrg(t, db, nil, "R", "Đảng bộ Khối", attendance.KindDangBo)
		cell := mustOrg(t, db, &root.ID, "A", "Chi bộ A", attendance.KindChiBo)
		const n = 120
		members := make([]attendance.Member, n)
		for i := range members {
			members[i] = mustMember(t, db, cell.ID, fmt.Sprintf("M%03d", i), fmt.Sprintf("Đảng viên %d", i), attendance.PositionMember)
		}
		conf := attendance.Conference{Title: "Hội nghị", StartsAt: t0, EndsAt: t0.Add(3 * time.Hour), CheckinLead: 30 * time.Minute}
		if err := db.CreateConference(ctx, &conf); err != nil {
			t.Fatal(err)
		}
		point := attendance.Point{ConferenceID: conf.ID, Name: "Điểm cầu A", OrganizationIDs: []int64{cell.ID}}
		if err := db.CreatePoint(ctx, &point); err != nil {
			t.Fatal(err)
		}
		input := func(i int) attendance.CheckInInput {
			in := attendance.CheckInInput{ConferenceID: conf.ID, PointID: point.ID, MemberID: members[i].ID,
				Method: attendance.MethodQR, Key: fmt.Sprintf("rush-key-%04d", i), DeviceID: fmt.Sprintf("phone-%04d", i)}
			if i == 1 {
				in.DeviceID = "phone-0000" // member 1 borrows member 0's phone
			}
			return in
		}
		var wg sync.WaitGroup
		outs := make([]attendance.CheckInOutcome, n+1)
		errs := make([]error, n+1)
		signIns := make([]error, n)
		for i := range n + 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := min(i, n-1) // the last request repeats the one before
				if i < n {
					pin := "123456"
					if i%10 == 7 {
						pin = "000000"
					}
					p, _, err := db.MemberSignIn(ctx, members[i].Code, pin, "member:"+members[i].Code, "addr:10.0.0.1")
					if err == nil && p.MemberID != members[i].ID {
						err = fmt.Errorf("signed in as %d", p.MemberID)
					}
					if i%10 == 7 && errors.Is(err, attendance.ErrBadCredentials) {
						err = nil
					} else if i%10 == 7 {
						err = fmt.Errorf("a wrong PIN gave %v", err)
					}
					signIns[i] = err
				}
				outs[i], errs[i] = db.CheckIn(ctx, input(m))
			}()
		}
		// Text PostgreSQL cannot store fails alone, whatever else is being gathered.
		for _, bad := range []string{"rush-key-\x00-0005", "rush-key-\xff-0005"} {
			wg.Add(2)
			go func() {
				defer wg.Done()
				in := input(5)
				in.Key = bad
				if _, err := db.CheckIn(ctx, in); !errors.Is(err, attendance.ErrInvalid) {
					t.Errorf("check-in with key %q: %v, want ErrInvalid", bad, err)
				}
			}()
			go func() {
				defer wg.Done()
				_, _, err := db.MemberSignIn(ctx, bad, "123456", "member:"+bad, "addr:10.0.0.1")
				if !errors.Is(err, attendance.ErrInvalid) && !errors.Is(err, attendance.ErrBadCredentials) {
					t.Errorf("sign-in with code %q: %v, want ErrInvalid or ErrBadCredentials", bad, err)
				}
			}()
		}
		wg.Wait()
		for i, err := range signIns {
			if err != nil {
				t.Errorf("sign-in of member %d: %v", i, err)
			}
		}
		ids := map[int64]bool{}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("check-in %d: %v", i, err)
			}
			ids[outs[i].CheckIn.ID] = true
			if outs[i].Result != attendance.ResultCreated {
				t.Errorf("check-in %d: %s, want created", i, outs[i].Result)
			}
		}
		if len(ids) != n || outs[n].CheckIn.ID != outs[n-1].CheckIn.ID {
			t.Errorf("%d distinct check-ins for %d members; the repeated request got %d and %d",
				len(ids), n, outs[n].CheckIn.ID, outs[n-1].CheckIn.ID)
		}
		if outs[0].CheckIn.SharedDevice == outs[1].CheckIn.SharedDevice {
			t.Errorf("members 0 and 1 on one phone: shared %v and %v, want exactly one flagged",
				outs[0].CheckIn.SharedDevice, outs[1].CheckIn.SharedDevice)
		}
		for i := 2; i < n; i++ {
			if outs[i].CheckIn.SharedDevice {
				t.Errorf("member %d on their own phone flagged shared", i)
			}
		}
		roster, err := db.PointRoster(ctx, point.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := 0
		for _, e := range roster {
			if e.CheckIn != nil {
				in++
			}
		}
		if in != n {
			t.Errorf("roster shows %d checked in, want %d", in, n)
		}
	})
}

// TestGatheredPlans: on a new, empty database (where a plan made once is made), the
// gatherings' statements look every row up by its index: no table is read whole, so
// the plans stay right as the tables grow to millions of rows.
func TestGatheredPlans(t *testing.T) {
	base := os.Getenv(testdb.EnvURL)
	if base == "" {
		t.Skip("set " + testdb.EnvURL + " to check the plans on PostgreSQL")
	}
	db := testdb.MustOpen(t, sqlstore.Config{URL: testdb.Schema(t, base)})
	plans, err := db.ExplainGathered(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]string{
		{"ux_invitation_member", "ux_checkin_member", "check_in_keys_pkey", "ix_checkin_device_id"},
		{"idx_members_code", "sign_in_failures_pkey"},
	} {
		for _, bad := range []string{"Seq Scan", "Bitmap", "hashed SubPlan"} {
			if strings.Contains(plans[i], bad) {
				t.Errorf("plan %d has a %s:\n%s", i, bad, plans[i])
			}
		}
		for _, index := range want {
			if !strings.Contains(plans[i], "using "+index+" on") {
				t.Errorf("plan %d does not use %s:\n%s", i, index, plans[i])
			}
		}
	}
}
