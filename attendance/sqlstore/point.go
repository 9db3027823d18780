package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// CreatePoint adds a point to a conference that is not closed and invites the members
// of its organizations. It returns ErrNotFound (conference), ErrInvalid (fields,
// unknown organizations) or ErrInvalidTransition (closed conference).
func (db *DB) CreatePoint(ctx context.Context, p *attendance.Point) error {
	p.ID = 0
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockConference(tx, p.ConferenceID)
		if err != nil {
			return err
		}
		if !c.Editable() {
			return fmt.Errorf("add point to conference %d: %w", c.ID, attendance.ErrInvalidTransition)
		}
		if err := checkOrganizations(tx, p.OrganizationIDs); err != nil {
			return err
		}
		if err := tx.Create(p).Error; err != nil {
			return translate(err, "create point")
		}
		if err := setPointOrganizations(tx, p); err != nil {
			return err
		}
		_, err = generateInvitations(tx, c, p.ID, db.now().UTC())
		return err
	})
}

// Point returns the point with id and its organizations, if s may see it.
func (db *DB) Point(ctx context.Context, s attendance.Scope, id int64) (attendance.Point, error) {
	var p attendance.Point
	if err := scopePoints(db.q(ctx), s).First(&p, "points.id = ?", id).Error; err != nil {
		return p, translate(err, fmt.Sprintf("point %d", id))
	}
	ps := []attendance.Point{p}
	if err := loadPointOrganizations(db.q(ctx), ps); err != nil {
		return p, err
	}
	return ps[0], nil
}

// Points lists the points of a conference matching f, by name.
func (db *DB) Points(ctx context.Context, f attendance.PointFilter) (attendance.List[attendance.Point], error) {
	q := scopePoints(db.q(ctx).Model(&attendance.Point{}), f.Scope).Where("conference_id = ?", f.ConferenceID)
	q = db.contains(q, f.Query, "~name", "~location")
	l, err := list[attendance.Point](q, f.Page, "name, id")
	if err != nil {
		return l, translate(err, "list points")
	}
	return l, loadPointOrganizations(db.q(ctx), l.Items)
}

// UpdatePoint saves the name, location and organizations of p. Members of newly
// attached organizations are invited; while the conference is scheduled, roster
// invitations of members no longer attached are withdrawn.
func (db *DB) UpdatePoint(ctx context.Context, p *attendance.Point) error {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var old attendance.Point
		if err := tx.First(&old, p.ID).Error; err != nil {
			return translate(err, fmt.Sprintf("point %d", p.ID))
		}
		c, err := lockConference(tx, old.ConferenceID)
		if err != nil {
			return err
		}
		if !c.Editable() {
			return fmt.Errorf("update point %d: %w", p.ID, attendance.ErrInvalidTransition)
		}
		if err := checkOrganizations(tx, p.OrganizationIDs); err != nil {
			return err
		}
		p.ConferenceID, p.CreatedAt = old.ConferenceID, old.CreatedAt
		if err := tx.Model(p).Select("name", "location", "updated_at").Updates(p).Error; err != nil {
			return translate(err, "update point")
		}
		if err := setPointOrganizations(tx, p); err != nil {
			return err
		}
		if c.Status == attendance.StatusScheduled {
			err := tx.Where("point_id = ? AND source = ? AND member_id NOT IN (SELECT id FROM members WHERE organization_id IN ("+subtreeSQL+"))",
				p.ID, attendance.SourceRoster, append([]int64{0}, p.OrganizationIDs...)).
				Delete(&attendance.Invitation{}).Error
			if err != nil {
				return translate(err, "withdraw invitations")
			}
		}
		_, err = generateInvitations(tx, c, p.ID, db.now().UTC())
		return err
	})
}

// DeletePoint removes a point of a scheduled conference with its invitations;
// ErrInvalidTransition once the conference has started.
func (db *DB) DeletePoint(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		var p attendance.Point
		if err := tx.First(&p, id).Error; err != nil {
			return translate(err, fmt.Sprintf("point %d", id))
		}
		c, err := lockConference(tx, p.ConferenceID)
		if err != nil {
			return err
		}
		if c.Status != attendance.StatusScheduled {
			return fmt.Errorf("delete point %d: %w", id, attendance.ErrInvalidTransition)
		}
		for _, del := range []func() error{
			func() error { return tx.Where("point_id = ?", id).Delete(&attendance.Invitation{}).Error },
			func() error { return tx.Where("point_id = ?", id).Delete(&attendance.PointOrganization{}).Error },
			func() error { return tx.Delete(&attendance.Point{}, id).Error },
		} {
			if err := del(); err != nil {
				return translate(err, fmt.Sprintf("delete point %d", id))
			}
		}
		return nil
	})
}

func checkOrganizations(tx *gorm.DB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var n int64
	if err := tx.Model(&attendance.Organization{}).Where("id IN ?", ids).Count(&n).Error; err != nil {
		return translate(err, "check organizations")
	}
	if n != int64(len(ids)) {
		return attendance.Invalid("organizationIds", attendance.CodeUnknown, "")
	}
	return nil
}

func setPointOrganizations(tx *gorm.DB, p *attendance.Point) error {
	if err := tx.Where("point_id = ?", p.ID).Delete(&attendance.PointOrganization{}).Error; err != nil {
		return translate(err, "clear point organizations")
	}
	if len(p.OrganizationIDs) == 0 {
		return nil
	}
	rows := make([]attendance.PointOrganization, len(p.OrganizationIDs))
	for i, id := range p.OrganizationIDs {
		rows[i] = attendance.PointOrganization{PointID: p.ID, OrganizationID: id}
	}
	return translate(tx.Create(&rows).Error, "attach organizations")
}

func loadPointOrganizations(q *gorm.DB, ps []attendance.Point) error {
	if len(ps) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(ps))
	ids := make([]int64, len(ps))
	for i := range ps {
		idx[ps[i].ID], ids[i] = i, ps[i].ID
		ps[i].OrganizationIDs = []int64{}
	}
	var rows []attendance.PointOrganization
	if err := q.Where("point_id IN ?", ids).Order("organization_id").Find(&rows).Error; err != nil {
		return translate(err, "load point organizations")
	}
	for _, r := range rows {
		i := idx[r.PointID]
		ps[i].OrganizationIDs = append(ps[i].OrganizationIDs, r.OrganizationID)
	}
	return nil
}

// generateInvitations invites the active members of the organizations attached to the
// conference's points (one point, or all when pointID is 0), in the positions the
// conference invites, unless they already have an invitation — kept or removed — in
// this conference. One statement does it, so a province's roster costs one round trip.
func generateInvitations(tx *gorm.DB, c attendance.Conference, pointID int64, now time.Time) (int64, error) {
	posCond, args := "", []any{}
	if ps := c.Positions(); len(ps) > 0 {
		posCond = " AND m.position IN ?"
		args = append(args, ps)
	}
	pointCond := ""
	if pointID != 0 {
		pointCond = " AND p.id = ?"
	}
	sql := `WITH RECURSIVE tree(point_id, org_id) AS (
		SELECT po.point_id, po.organization_id FROM point_organizations po
			JOIN points p ON p.id = po.point_id WHERE p.conference_id = ?` + pointCond + `
		UNION SELECT t.point_id, o.id FROM organizations o JOIN tree t ON o.parent_id = t.org_id
	)
	INSERT INTO invitations (conference_id, member_id, point_id, source, note, created_at, updated_at)
	SELECT ?, m.id, MIN(t.point_id), ?, '', ?, ?
	FROM members m JOIN tree t ON t.org_id = m.organization_id
	WHERE m.active = ?` + posCond + `
		AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.conference_id = ? AND i.member_id = m.id)
	GROUP BY m.id
	ON CONFLICT (conference_id, member_id) DO NOTHING`
	all := []any{c.ID}
	if pointID != 0 {
		all = append(all, pointID)
	}
	all = append(all, c.ID, attendance.SourceRoster, now, now, true)
	all = append(all, args...)
	all = append(all, c.ID)
	res := tx.Exec(sql, all...)
	return res.RowsAffected, translate(res.Error, "generate invitations")
}
