package sqlstore

import (
	"context"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ImportMembers creates or updates (by member code) the members of a roster, in one
// transaction, or none of them: a roster with any problem is refused whole with every
// problem of every row at once (docs/design.md §20.2, §20.7) — its own, as read
// (roster.Problems), and the registry's, found here in the same pass: an organization
// unknown, or named by a name two organizations share. Organizations are matched by
// code, then by exact name, in any letter case.
func (db *DB) ImportMembers(ctx context.Context, roster attendance.Roster) (attendance.ImportResult, error) {
	var res attendance.ImportResult
	rows := roster.Rows
	if len(rows) == 0 {
		if err := roster.Err(); err != nil {
			return res, err
		}
		return res, attendance.Invalid("file", attendance.CodeEmptyFile, "")
	}
	// The lines with problems of their own: they are looked up, not checked against
	// the member's rules again (the same rules, already reported), and an organization
	// cell at fault is not looked up either.
	flawed, badOrg := make(map[int]bool), make(map[int]bool)
	for _, f := range roster.Problems {
		flawed[f.Line] = true
		badOrg[f.Line] = badOrg[f.Line] || f.Field == "organization"
	}
	for i := range rows {
		rows[i].Code = attendance.MemberCode(rows[i].Code)
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		orgs, err := orgResolver(tx)
		if err != nil {
			return err
		}
		existing, err := existingCodes(tx, rows)
		if err != nil {
			return err
		}
		var problems []attendance.FieldError
		withPIN := make([]attendance.Member, 0, len(rows))
		withoutPIN := make([]attendance.Member, 0, len(rows))
		for _, r := range rows {
			var orgID int64
			if !badOrg[r.Line] {
				id, code := orgs.resolve(r.OrgRef)
				if code != "" {
					problems = append(problems, r.Problem("organization", code, "", r.OrgRef))
					continue
				}
				orgID = id
			}
			if flawed[r.Line] {
				continue
			}
			m := attendance.Member{Code: r.Code, FullName: r.FullName, OrganizationID: orgID, Position: r.Position,
				Exempt: r.Exempt, Phone: r.Phone, Active: r.Active}
			m.Normalize()
			if err := m.Validate(); err != nil {
				for _, f := range err.(*attendance.ValidationError).Fields {
					f.Line = r.Line
					problems = append(problems, f)
				}
				continue
			}
			if existing[r.Code] {
				res.Updated++
			} else {
				res.Created++
			}
			if r.PIN != "" {
				m.PINHash = db.hashPIN(r.PIN)
				withPIN = append(withPIN, m)
			} else {
				withoutPIN = append(withoutPIN, m)
			}
		}
		if err := roster.Err(problems...); err != nil {
			return err
		}
		cols := []string{"full_name", "full_name_key", "organization_id", "position", "exempt", "phone", "active", "updated_at"}
		if err := upsertMembers(tx, withoutPIN, cols); err != nil {
			return err
		}
		if err := upsertMembers(tx, withPIN, append(cols, "pin_hash")); err != nil {
			return err
		}
		// A PIN set by the roster or a member made inactive there ends what they had
		// signed in, as the same change on the member's page does.
		var ended []string
		for _, ms := range [][]attendance.Member{withPIN, withoutPIN} {
			for _, m := range ms {
				if m.PINHash != "" || !m.Active {
					ended = append(ended, m.Code)
				}
			}
		}
		for start := 0; start < len(ended); start += 1000 {
			if err := endCredentials(tx, "code IN ?", ended[start:min(start+1000, len(ended))]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return attendance.ImportResult{}, err
	}
	if len(rows) >= bulkRows {
		db.analyze(ctx, "members")
	}
	return res, nil
}

// bulkRows is how many rows make a change big enough to refresh the statistics.
const bulkRows = 500

func upsertMembers(tx *gorm.DB, ms []attendance.Member, update []string) error {
	if len(ms) == 0 {
		return nil
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.AssignmentColumns(update),
	}).CreateInBatches(ms, 500).Error
	return translate(err, "import members")
}

// existingCodes returns which of the rows' codes are already members.
func existingCodes(tx *gorm.DB, rows []attendance.RosterRow) (map[string]bool, error) {
	codes := make([]string, len(rows))
	for i, r := range rows {
		codes[i] = r.Code
	}
	out := make(map[string]bool, len(rows))
	for start := 0; start < len(codes); start += 1000 {
		end := min(start+1000, len(codes))
		var found []string
		if err := tx.Model(&attendance.Member{}).Where("code IN ?", codes[start:end]).Pluck("code", &found).Error; err != nil {
			return nil, translate(err, "find existing members")
		}
		for _, c := range found {
			out[c] = true
		}
	}
	return out, nil
}

// orgs resolves a roster's organization references.
type orgs struct {
	byCode map[string]int64
	byName map[string][]int64
}

func orgResolver(tx *gorm.DB) (orgs, error) {
	var all []attendance.Organization
	if err := tx.Select("id", "code", "name").Find(&all).Error; err != nil {
		return orgs{}, translate(err, "load organizations")
	}
	o := orgs{byCode: map[string]int64{}, byName: map[string][]int64{}}
	for _, org := range all {
		if org.Code != nil {
			o.byCode[strings.ToLower(*org.Code)] = org.ID
		}
		key := strings.ToLower(org.Name)
		o.byName[key] = append(o.byName[key], org.ID)
	}
	return o, nil
}

// resolve returns the organization of ref, or a problem code: unknown, or invalid
// when two organizations share the name.
func (o orgs) resolve(ref string) (int64, string) {
	key := strings.ToLower(strings.TrimSpace(ref))
	if id, ok := o.byCode[key]; ok {
		return id, ""
	}
	switch ids := o.byName[key]; len(ids) {
	case 1:
		return ids[0], ""
	case 0:
		return 0, attendance.CodeUnknown
	}
	return 0, attendance.CodeInvalid
}
