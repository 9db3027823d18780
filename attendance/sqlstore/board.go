package sqlstore

import (
	"context"

	"github.com/diemcau/diemcau/attendance"
)

// Board returns every point of a conference with its live state, in a fixed number of
// queries whatever the number of points. The caller has the conference already (it
// checked the reader's scope with it).
func (db *DB) Board(ctx context.Context, conf attendance.Conference) ([]attendance.BoardPoint, error) {
	conferenceID := conf.ID
	var points []attendance.Point
	if err := db.q(ctx).Where("conference_id = ?", conferenceID).Order("name, id").Find(&points).Error; err != nil {
		return nil, translate(err, "board points")
	}
	board := make([]attendance.BoardPoint, len(points))
	at := make(map[int64]*attendance.BoardPoint, len(points))
	for i, p := range points {
		board[i].Point = p
		at[p.ID] = &board[i]
	}

	var invited []struct {
		PointID int64
		N       int
		Exempt  int
	}
	err := db.q(ctx).Raw(`SELECT i.point_id, COUNT(*) AS n, SUM(CASE WHEN m.exempt THEN 1 ELSE 0 END) AS exempt
		FROM invitations i JOIN members m ON m.id = i.member_id
		WHERE i.conference_id = ? AND i.removed_at IS NULL GROUP BY i.point_id`, conferenceID).
		Scan(&invited).Error
	if err != nil {
		return nil, translate(err, "board invitations")
	}
	for _, c := range invited {
		if b := at[c.PointID]; b != nil {
			b.Expected = attendance.Tally{Invited: c.N, Exempt: c.Exempt}.Expected()
		}
	}
	type count struct {
		PointID int64
		N       int
	}
	var counts []count
	err = db.q(ctx).Raw(`SELECT point_id, COUNT(*) AS n FROM check_ins WHERE conference_id = ? AND undone_at IS NULL
		GROUP BY point_id`, conferenceID).Scan(&counts).Error
	if err != nil {
		return nil, translate(err, "board check-ins")
	}
	for _, c := range counts {
		if b := at[c.PointID]; b != nil {
			b.CheckedIn = c.N
		}
	}
	counts = counts[:0]
	err = db.q(ctx).Raw(`SELECT point_id, COUNT(*) AS n FROM check_ins WHERE conference_id = ? AND undone_at IS NULL
		AND at > ? GROUP BY point_id`, conferenceID, conf.StartsAt.Add(conf.LateGrace).UTC()).Scan(&counts).Error
	if err != nil {
		return nil, translate(err, "board late")
	}
	for _, c := range counts {
		if b := at[c.PointID]; b != nil {
			b.Late = c.N
		}
	}

	counts = counts[:0]
	err = db.q(ctx).Raw(`SELECT i.point_id, COUNT(*) AS n FROM invitations i
		JOIN (SELECT conference_id, member_id FROM absence_requests WHERE conference_id = ? AND status = 'pending'
			UNION ALL SELECT conference_id, member_id FROM delegations WHERE conference_id = ? AND status = 'pending') r
			ON r.conference_id = i.conference_id AND r.member_id = i.member_id
		WHERE i.conference_id = ? AND i.removed_at IS NULL GROUP BY i.point_id`, conferenceID, conferenceID, conferenceID).
		Scan(&counts).Error
	if err != nil {
		return nil, translate(err, "board pending requests")
	}
	for _, c := range counts {
		if b := at[c.PointID]; b != nil {
			b.Pending = c.N
		}
	}

	// Presence: the open interval, else the last one; outages counted while the
	// conference is held, as the report counts them.
	presence, err := db.Presence(ctx, conferenceID, 0)
	if err != nil {
		return nil, err
	}
	chairs := map[int64]bool{}
	for i := range presence {
		p := presence[i]
		b := at[p.PointID]
		if b == nil {
			continue
		}
		if p.OutageDuring(&conf) {
			b.Outages++
		}
		if p.EndedAt == nil {
			since := p.StartedAt
			b.Online, b.Since, b.Headcount = true, &since, p.Headcount
			if p.ChairMemberID != nil {
				b.Chair = &attendance.Member{ID: *p.ChairMemberID}
				chairs[*p.ChairMemberID] = true
			}
		} else if !b.Online {
			end := *p.EndedAt
			b.Since = &end
		}
	}

	// The chair rule needs each point's secretaries and deputies and who is in.
	type officer struct {
		PointID  int64
		MemberID int64
		Position attendance.Position
		In       bool
	}
	var officers []officer
	err = db.q(ctx).Raw(`SELECT i.point_id, m.id AS member_id, m.position,
			EXISTS (SELECT 1 FROM check_ins c WHERE c.conference_id = i.conference_id AND c.member_id = m.id
				AND c.undone_at IS NULL) AS "in"
		FROM invitations i JOIN members m ON m.id = i.member_id
		WHERE i.conference_id = ? AND i.removed_at IS NULL AND m.position IN ?`,
		conferenceID, []attendance.Position{attendance.PositionSecretary, attendance.PositionDeputy}).Scan(&officers).Error
	if err != nil {
		return nil, translate(err, "board officers")
	}
	type rule struct {
		secretaries, deputies []attendance.Member
		present               map[int64]bool
	}
	rules := map[int64]*rule{}
	for _, o := range officers {
		r := rules[o.PointID]
		if r == nil {
			r = &rule{present: map[int64]bool{}}
			rules[o.PointID] = r
		}
		m := attendance.Member{ID: o.MemberID, Position: o.Position}
		if o.Position == attendance.PositionSecretary {
			r.secretaries = append(r.secretaries, m)
		} else {
			r.deputies = append(r.deputies, m)
		}
		r.present[o.MemberID] = o.In
	}
	if len(chairs) > 0 {
		ids := make([]int64, 0, len(chairs))
		for id := range chairs {
			ids = append(ids, id)
		}
		var ms []attendance.Member
		if err := db.q(ctx).Select("id", "code", "full_name", "position", "organization_id").Where("id IN ?", ids).Find(&ms).Error; err != nil {
			return nil, translate(err, "board chairs")
		}
		byID := map[int64]attendance.Member{}
		for _, m := range ms {
			byID[m.ID] = m
		}
		for i := range board {
			if board[i].Chair != nil {
				m := byID[board[i].Chair.ID]
				board[i].Chair = &m
			}
		}
	}
	for i := range board {
		r := rules[board[i].Point.ID]
		in := attendance.ChairInput{Chair: board[i].Chair}
		if r != nil {
			in.Secretaries, in.Deputies, in.Present = r.secretaries, r.deputies, r.present
		}
		board[i].ChairStatus = attendance.ChairRule(in)
	}

	// The latest roll call covering each point.
	rcs, err := db.RollCalls(ctx, conferenceID, 0)
	if err != nil {
		return nil, err
	}
	if len(rcs) > 0 {
		type answered struct {
			RollCallID, PointID int64
			N                   int64
		}
		var as []answered
		err = db.q(ctx).Raw(`SELECT a.roll_call_id, a.point_id, COUNT(*) AS n FROM roll_call_answers a
			JOIN roll_calls r ON r.id = a.roll_call_id WHERE r.conference_id = ? GROUP BY a.roll_call_id, a.point_id`,
			conferenceID).Scan(&as).Error
		if err != nil {
			return nil, translate(err, "board roll calls")
		}
		n := map[[2]int64]int64{}
		for _, a := range as {
			n[[2]int64{a.RollCallID, a.PointID}] = a.N
		}
		for i := range board {
			for _, rc := range rcs { // newest first
				if rc.Covers(board[i].Point.ID) {
					s := attendance.RollCallSummary{RollCall: rc.RollCall, Answered: n[[2]int64{rc.ID, board[i].Point.ID}],
						CheckedIn: int64(board[i].CheckedIn)}
					board[i].RollCall = &s
					break
				}
			}
		}
	}
	return board, nil
}
