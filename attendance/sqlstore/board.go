package sqlstore

import (
	"context"
	"time"

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

	// The chair rule (docs/design.md §11) needs each point's own organizations and their
	// secretaries and deputies: where each checked in and whether they left. Live, a
	// secretary who checked out early has left; a missed roll call is the report's to
	// judge once it closes.
	orgs, err := db.pointOrganizations(ctx, conferenceID)
	if err != nil {
		return nil, err
	}
	var officers []struct {
		attendance.Member
		AtPoint      *int64
		CheckedOutAt *time.Time
	}
	err = db.q(ctx).Raw(`SELECT m.id, m.code, m.full_name, m.position, m.organization_id,
			c.point_id AS at_point, c.checked_out_at
		FROM invitations i JOIN members m ON m.id = i.member_id
		LEFT JOIN check_ins c ON c.conference_id = i.conference_id AND c.member_id = m.id AND c.undone_at IS NULL
		WHERE i.conference_id = ? AND i.removed_at IS NULL AND m.position IN ?
		ORDER BY m.full_name_key, m.full_name, m.id`,
		conferenceID, []attendance.Position{attendance.PositionSecretary, attendance.PositionDeputy}).Scan(&officers).Error
	if err != nil {
		return nil, translate(err, "board officers")
	}
	byOrg := map[int64][]int{}
	for i, o := range officers {
		byOrg[o.OrganizationID] = append(byOrg[o.OrganizationID], i)
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
		b := &board[i]
		in := attendance.ChairInput{Organizations: orgs[b.Point.ID], Console: b.Chair}
		for _, org := range in.Organizations {
			for _, k := range byOrg[org] {
				o := officers[k]
				here := o.AtPoint != nil && *o.AtPoint == b.Point.ID
				in.Attendees = append(in.Attendees, attendance.ChairAttendee{Member: o.Member, Present: here,
					LeftEarly: here && o.CheckedOutAt != nil && conf.LeavesEarly(*o.CheckedOutAt)})
			}
		}
		v := attendance.ChairRule(in)
		b.Chair, b.ChairStatus = v.Chair, v.Status
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
