package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	gosqlite "github.com/glebarez/go-sqlite"
	"gorm.io/gorm"
)

// list runs q twice: once to count every match, once for the asked page in order.
func list[T any](q *gorm.DB, p attendance.Page, order string) (attendance.List[T], error) {
	p = p.Clamp()
	out := attendance.List[T]{Page: p, Items: []T{}}
	if err := q.Session(&gorm.Session{}).Count(&out.Total).Error; err != nil {
		return out, err
	}
	// A page past the last one is empty. Checking before computing the offset also
	// keeps a huge page number from overflowing it: (Number-1)*Size can wrap negative,
	// and GORM drops a negative offset, answering page 1.
	if out.Total == 0 || int64(p.Number-1) >= (out.Total+int64(p.Size)-1)/int64(p.Size) {
		return out, nil
	}
	err := q.Session(&gorm.Session{}).Order(order).Limit(p.Size).Offset(p.Offset()).Find(&out.Items).Error
	return out, err
}

// sqliteLower names a SQL function that lowers text as Go does. SQLite's own LIKE and
// lower() fold ASCII letters only, so without it "ĐỨC" would not find "Trần Văn Đức"
// on SQLite while PostgreSQL's ILIKE does. sqliteFold names attendance.Fold, which
// PostgreSQL keeps in the "_fold" columns (migrate_search.go).
const (
	sqliteLower = "diemcau_lower"
	sqliteFold  = "diemcau_fold"
)

// init registers sqliteLower and sqliteFold with the SQLite driver, for every
// connection opened after; the driver keeps functions process-wide.
func init() {
	for name, fn := range map[string]func(string) string{sqliteLower: strings.ToLower, sqliteFold: attendance.Fold} {
		gosqlite.MustRegisterDeterministicScalarFunction(name, 1,
			func(_ *gosqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				switch v := args[0].(type) {
				case string:
					return fn(v), nil
				case []byte:
					return fn(string(v)), nil
				}
				return args[0], nil
			})
	}
}

// contains adds a case-insensitive substring match on any of cols. A column written
// "~name" is a name, matched without diacritics too: "duc" finds "Đức" (on
// PostgreSQL through its generated column "name_fold").
func (db *DB) contains(q *gorm.DB, s string, cols ...string) *gorm.DB {
	s = strings.TrimSpace(s)
	if s == "" {
		return q
	}
	like := func(s string) string {
		return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
	}
	conds := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		name, folded := strings.CutPrefix(c, "~")
		switch {
		case folded && db.dialect == "postgres":
			conds[i], args[i] = name+`_fold LIKE ? ESCAPE '\'`, like(attendance.Fold(s))
		case folded:
			conds[i], args[i] = sqliteFold+"("+name+`) LIKE ? ESCAPE '\'`, like(attendance.Fold(s))
		case db.dialect == "postgres":
			conds[i], args[i] = name+` ILIKE ? ESCAPE '\'`, like(s)
		default:
			conds[i], args[i] = sqliteLower+"("+name+`) LIKE ? ESCAPE '\'`, like(strings.ToLower(s))
		}
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// subtree is a recursive query for the organizations at and under the given roots; it
// selects one column, id.
const subtreeSQL = `WITH RECURSIVE tree(id) AS (
	SELECT id FROM organizations WHERE id IN ?
	UNION SELECT o.id FROM organizations o JOIN tree t ON o.parent_id = t.id
) SELECT id FROM tree`

// Subtree returns the IDs of the organizations at and under roots.
func (db *DB) Subtree(ctx context.Context, roots ...int64) ([]int64, error) {
	if len(roots) == 0 {
		return nil, nil
	}
	var ids []int64
	err := db.q(ctx).Raw(subtreeSQL, roots).Scan(&ids).Error
	return ids, translate(err, "organization subtree")
}

// The scope conditions, one per kind of record. A chair sees what concerns their
// organizations; a member sees what concerns themselves.

func scopeOrganizations(q *gorm.DB, s attendance.Scope) *gorm.DB {
	switch {
	case s.All:
		return q
	case len(s.OrgIDs) > 0:
		return q.Where("organizations.id IN ?", s.OrgIDs)
	}
	return q.Where("organizations.id IN (SELECT organization_id FROM members WHERE id = ?)", s.MemberID)
}

func scopeMembers(q *gorm.DB, s attendance.Scope) *gorm.DB {
	switch {
	case s.All:
		return q
	case len(s.OrgIDs) > 0:
		return q.Where("members.organization_id IN ?", s.OrgIDs)
	}
	return q.Where("members.id = ?", s.MemberID)
}

// chairPointsSQL selects the points a chair's organizations take part in: attached
// to one of them, or inviting one of their members (a point attached to a đảng bộ is
// chaired by the secretaries of its chi bộ).
const chairPointsSQL = `SELECT po.point_id FROM point_organizations po WHERE po.organization_id IN @orgs
	UNION SELECT i.point_id FROM invitations i JOIN members m ON m.id = i.member_id
	WHERE m.organization_id IN @orgs AND i.removed_at IS NULL`

func scopePoints(q *gorm.DB, s attendance.Scope) *gorm.DB {
	switch {
	case s.All:
		return q
	case len(s.OrgIDs) > 0:
		return q.Where("points.id IN ("+chairPointsSQL+")", sql.Named("orgs", s.OrgIDs))
	}
	return q.Where("points.id IN (SELECT point_id FROM invitations WHERE member_id = ? AND removed_at IS NULL)", s.MemberID)
}

func scopeConferences(q *gorm.DB, s attendance.Scope) *gorm.DB {
	switch {
	case s.All:
		return q
	case len(s.OrgIDs) > 0:
		return q.Where("conferences.id IN (SELECT p.conference_id FROM points p WHERE p.id IN ("+chairPointsSQL+"))",
			sql.Named("orgs", s.OrgIDs))
	}
	return q.Where("conferences.id IN (SELECT conference_id FROM invitations WHERE member_id = ? AND removed_at IS NULL)", s.MemberID)
}

func scopeInvitations(q *gorm.DB, s attendance.Scope) *gorm.DB {
	switch {
	case s.All:
		return q
	case len(s.OrgIDs) > 0:
		return q.Where("invitations.point_id IN ("+chairPointsSQL+")", sql.Named("orgs", s.OrgIDs))
	}
	return q.Where("invitations.member_id = ?", s.MemberID)
}
