package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/diemcau/diemcau/attendance"
)

// First check-ins on PostgreSQL are written in gatherings (gather.go): one
// statement and one commit for the check-ins arriving together.
//
// Only the common case is gathered: a member's first check-in with a fresh key. A
// gathering never holds two check-ins of one member, one key or one device (the
// statement could not see one from the other); the later one, and every check-in the
// statement did not record (a repeat, a move, a reused key), takes the general path
// after the gathering has committed, and so sees it.

// firstCheckInsSQL records first check-ins, one per row of the arrays: the state read,
// the check-in, its history event and the idempotency key. It writes nothing for a row
// unless that row is its member's first check-in with a fresh key.
//
// Its plan is made once per connection (gatherDSN), maybe while the tables are still
// empty, so every look-up is written to have one index only: scalar subqueries with
// LIMIT 1, which PostgreSQL cannot turn into a scan of a whole table, and
// "conference_id + 0" to keep the shared-phone look-up on the device index
// (migrate_device.go). (The substitute's look-up, made only for a member not
// invited, may take any of the delegation indexes: a conference has few delegations.) TestGatheredPlans checks the plans on an empty database.
var firstCheckInsSQL = `WITH input AS (
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],
		$7::bigint[], $8::bigint[], $9::timestamptz[]) WITH ORDINALITY AS t(c, m, p, k, d, method, ba, bm, at, n)
), st AS (
	SELECT input.*,
		` + invitedPointSQL("c", "m") + ` AS invited_point_id,
		(SELECT true FROM check_ins ci WHERE ci.conference_id = c AND ci.member_id = m LIMIT 1) IS NOT NULL AS has_check_in,
		(SELECT true FROM check_in_keys ck WHERE ck.key = k LIMIT 1) IS NOT NULL AS has_key,
		d <> '' AND (SELECT true FROM check_ins ci WHERE ci.device_id = d AND ci.conference_id + 0 = c
			AND ci.member_id <> m AND ci.undone_at IS NULL LIMIT 1) IS NOT NULL AS shared
	FROM input
), ins AS (
	INSERT INTO check_ins (conference_id, member_id, point_id, at, method, device_id, shared_device, confirmed, reason,
		by_account_id, by_member_id, moves, checkout_reason, undo_reason, updated_at)
	SELECT c, m, p, at, method, d, shared, false, '', NULLIF(ba, 0), NULLIF(bm, 0), 0, '', '', at FROM st
	WHERE invited_point_id IS NOT NULL AND NOT has_check_in AND NOT has_key
	ORDER BY n
	ON CONFLICT (conference_id, member_id) DO NOTHING
	RETURNING id, conference_id, member_id, shared_device
), ev AS (
	INSERT INTO check_in_events (conference_id, point_id, member_id, kind, at, reason, by_account_id, by_member_id)
	SELECT st.c, st.p, st.m, 'checkin', st.at, '', NULLIF(st.ba, 0), NULLIF(st.bm, 0)
	FROM ins JOIN st ON st.c = ins.conference_id AND st.m = ins.member_id
), ky AS (
	INSERT INTO check_in_keys (key, member_id, check_in_id, result, created_at)
	SELECT st.k, st.m, ins.id, 'created', st.at
	FROM ins JOIN st ON st.c = ins.conference_id AND st.m = ins.member_id WHERE st.k <> ''
	ON CONFLICT DO NOTHING
)
SELECT st.n, st.invited_point_id, ins.id, ins.shared_device
FROM st LEFT JOIN ins ON ins.conference_id = st.c AND ins.member_id = st.m`

// firstArg is a first check-in to record, with its idempotency key.
type firstArg struct {
	ci  attendance.CheckIn
	key string
}

// firstDone is what recording a first check-in gave: recorded is false when it was
// not its member's first with a fresh key.
type firstDone struct {
	out      attendance.CheckInOutcome
	recorded bool
}

// firstApart keeps apart check-ins of one member, one key or one device.
func firstApart(a, b firstArg) bool {
	return (a.ci.ConferenceID == b.ci.ConferenceID && a.ci.MemberID == b.ci.MemberID) ||
		(a.key != "" && a.key == b.key) || (a.ci.DeviceID != "" && a.ci.DeviceID == b.ci.DeviceID)
}

// firstCheckIn records a member's first check-in with a fresh key in a gathering;
// recorded is false when that is not what it is, or it was not gathered, and the
// general path must decide.
func (db *DB) firstCheckIn(ctx context.Context, conf attendance.Conference, in attendance.CheckInInput, now time.Time) (attendance.CheckInOutcome, bool, error) {
	d, ran, err := db.firsts.do(ctx, firstArg{ci: db.newCheckIn(conf, in, now, false), key: in.Key})
	return d.out, ran && d.recorded, err
}

// recordFirsts writes a gathering of first check-ins in one statement.
func (db *DB) recordFirsts(ctx context.Context, args []firstArg) ([]firstDone, error) {
	n := len(args)
	var (
		conf, member, point, by, byMember = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		key, device, method               = make([]string, n), make([]string, n), make([]string, n)
		at                                = make([]time.Time, n)
	)
	for i, a := range args {
		ci := a.ci
		conf[i], member[i], point[i], at[i] = ci.ConferenceID, ci.MemberID, ci.PointID, ci.At
		key[i], device[i], method[i] = a.key, ci.DeviceID, string(ci.Method)
		if ci.ByAccountID != nil {
			by[i] = *ci.ByAccountID
		}
		if ci.ByMemberID != nil {
			byMember[i] = *ci.ByMemberID
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// The phones are locked first, in a statement of their own, so that the gathering's
	// statement takes its snapshot after any other transaction with one of its phones
	// has committed: two gatherings running at once, each with one member of a
	// borrowed phone, would otherwise both miss the other and flag neither.
	if _, err := tx.ExecContext(ctx, lockDevicesSQL, device, deviceLockSpace); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, firstCheckInsSQL, conf, member, point, key, device, method, by, byMember, at)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := make([]firstDone, n)
	for rows.Next() {
		var (
			i       int
			invited sql.NullInt64
			id      sql.NullInt64
			shared  sql.NullBool
		)
		if err := rows.Scan(&i, &invited, &id, &shared); err != nil {
			return nil, err
		}
		if i < 1 || i > n || !id.Valid {
			continue
		}
		ci := args[i-1].ci
		ci.ID, ci.SharedDevice = id.Int64, shared.Bool
		done[i-1] = firstDone{recorded: true,
			out: attendance.CheckInOutcome{CheckIn: ci, Result: attendance.ResultCreated, InvitedPointID: invited.Int64}}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return done, tx.Commit()
}

// deviceLockSpace is the first key of the transaction locks taken on phones' device
// ids (the second is the id's hash), apart from any other advisory lock.
const deviceLockSpace = 1684631905

// lockDevicesSQL locks the device ids of $1 (in lock space $2) for the transaction, in one order so that
// two gatherings cannot wait for each other.
const lockDevicesSQL = `SELECT count(pg_advisory_xact_lock($2, hashtext(d)))
	FROM (SELECT DISTINCT d FROM unnest($1::text[]) AS u(d) WHERE d <> '' ORDER BY d) x`
