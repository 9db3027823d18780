package sqlstore

import (
	"context"
	"sort"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ImportMembers creates or updates (by member code) the members of a parsed roster, in
// one transaction: a row whose organization is unknown rejects the whole file, with
// every such line listed. Organizations are matched by code, then by exact name.
func (db *DB) ImportMembers(ctx context.Context, rows []attendance.RosterRow) (attendance.ImportResult, error) {
	var res attendance.ImportResult
	if len(rows) == 0 {
		return res, attendance.Invalid("file", attendance.CodeEmptyFile, "")
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
			orgID, code := orgs.resolve(r.OrgRef)
			if code != "" {
				problems = append(problems, attendance.FieldError{Field: "organization", Code: code, Line: r.Line, Param: r.OrgRef})
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
		if len(problems) > 0 {
			sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
			return &attendance.ValidationError{Fields: problems}
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
