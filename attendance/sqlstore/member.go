package sqlstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// CreateMember stores a new member, with pin as their PIN when it is not empty. It
// returns ErrInvalid for bad fields, an unknown organization or a code in use.
func (db *DB) CreateMember(ctx context.Context, m *attendance.Member, pin string) error {
	m.ID = 0
	m.Normalize()
	if err := validateMember(m, pin); err != nil {
		return err
	}
	if pin != "" {
		m.PINHash = db.hashPIN(pin)
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := checkOrganization(tx, m.OrganizationID); err != nil {
			return err
		}
		return dupAsField(translate(tx.Create(m).Error, "create member"), "code")
	})
}

// Member returns the member with id, if s may see them (ErrNotFound).
func (db *DB) Member(ctx context.Context, s attendance.Scope, id int64) (attendance.Member, error) {
	var m attendance.Member
	err := scopeMembers(db.q(ctx), s).First(&m, "members.id = ?", id).Error
	return m, translate(err, fmt.Sprintf("member %d", id))
}

// Members lists the members matching f, by name.
func (db *DB) Members(ctx context.Context, f attendance.MemberFilter) (attendance.List[attendance.Member], error) {
	q := scopeMembers(db.q(ctx).Model(&attendance.Member{}), f.Scope)
	if f.OrganizationID != 0 {
		if f.Subtree {
			q = q.Where("organization_id IN ("+subtreeSQL+")", []int64{f.OrganizationID})
		} else {
			q = q.Where("organization_id = ?", f.OrganizationID)
		}
	}
	if f.Position != "" {
		q = q.Where("position = ?", f.Position)
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	if f.Exempt != nil {
		q = q.Where("exempt = ?", *f.Exempt)
	}
	if f.Code != "" {
		lower := "lower"
		if db.dialect != "postgres" {
			lower = sqliteLower
		}
		q = q.Where(lower+"(code) = ?", strings.ToLower(f.Code))
	}
	if f.NotInvitedTo != 0 {
		q = q.Where(`NOT EXISTS (SELECT 1 FROM invitations WHERE invitations.member_id = members.id
			AND invitations.conference_id = ? AND invitations.removed_at IS NULL)`, f.NotInvitedTo)
	}
	q = db.contains(q, f.Query, "~full_name", "code", "phone")
	l, err := list[attendance.Member](q, f.Page, "full_name_key, full_name, id")
	return l, translate(err, "list members")
}

// UpdateMember saves every field of m but its PIN, which changes only when pin is not
// empty. It returns ErrNotFound, or ErrInvalid as CreateMember does.
func (db *DB) UpdateMember(ctx context.Context, m *attendance.Member, pin string) error {
	m.Normalize()
	if err := validateMember(m, pin); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var old attendance.Member
		if err := tx.First(&old, m.ID).Error; err != nil {
			return translate(err, fmt.Sprintf("member %d", m.ID))
		}
		if err := checkOrganization(tx, m.OrganizationID); err != nil {
			return err
		}
		m.CreatedAt, m.PINHash, m.CredentialsVersion = old.CreatedAt, old.PINHash, old.CredentialsVersion
		cols := []string{"code", "full_name", "full_name_key", "organization_id", "position", "exempt", "phone", "active", "updated_at"}
		if pin != "" {
			m.PINHash = db.hashPIN(pin)
			cols = append(cols, "pin_hash")
		}
		err := tx.Model(m).Select(cols).Updates(m).Error
		if err != nil {
			return dupAsField(translate(err, "update member"), "code")
		}
		if pin != "" || old.Active && !m.Active {
			m.CredentialsVersion++
			return endCredentials(tx, "id = ?", m.ID)
		}
		return nil
	})
}

// endCredentials ends the sessions and the phones' one-tap cookies of the members
// matching where: a PIN change or reset, or a deactivation, leaves nothing signed in
// that a later reactivation could bring back.
func endCredentials(tx *gorm.DB, where string, args ...any) error {
	err := tx.Exec(`DELETE FROM sessions WHERE member_id IN (SELECT id FROM members WHERE `+where+`)`, args...).Error
	if err != nil {
		return translate(err, "end member sessions")
	}
	err = tx.Exec(`UPDATE members SET credentials_version = credentials_version + 1 WHERE `+where, args...).Error
	return translate(err, "end one-tap cookies")
}

// DeleteMember removes a member who was never invited; ErrConflict otherwise (set them
// inactive instead, so the record of past conferences stays whole).
func (db *DB) DeleteMember(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("member_id = ?", id).Delete(&attendance.Session{}).Error; err != nil {
			return translate(err, "delete member sessions")
		}
		res := tx.Delete(&attendance.Member{}, id)
		if res.Error != nil {
			return translate(res.Error, fmt.Sprintf("delete member %d", id))
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("delete member %d: %w", id, attendance.ErrNotFound)
		}
		return nil
	})
}

func validateMember(m *attendance.Member, pin string) error {
	err := m.Validate()
	if pin == "" || attendance.ValidPIN(pin) {
		return err
	}
	return mergeValidation(errors.Join(err, attendance.Invalid("pin", attendance.CodeInvalid, "")))
}

func checkOrganization(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&attendance.Organization{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return translate(err, "check organization")
	}
	if n == 0 {
		return attendance.Invalid("organizationId", attendance.CodeUnknown, "")
	}
	return nil
}

// hashPIN hashes a PIN with a random salt under the store's PIN key. A keyed hash,
// not a slow one: a PIN has only 10^4–10^8 values, so no work factor would stop an
// offline search, while the key (kept apart from the rows) does, and a check-in stays
// a microsecond of CPU. The online guard is the attempt limit.
func (db *DB) hashPIN(pin string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	return "h1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(db.pinMAC(salt, pin))
}

func (db *DB) pinMAC(salt []byte, pin string) []byte {
	mac := hmac.New(sha256.New, db.pinKey)
	mac.Write(salt)
	mac.Write([]byte(pin))
	return mac.Sum(nil)
}

// checkPIN reports whether pin matches hash, in constant time.
func (db *DB) checkPIN(hash, pin string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 3 || parts[0] != "h1" {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[1])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil {
		return false
	}
	return subtle.ConstantTimeCompare(db.pinMAC(salt, pin), want) == 1
}
