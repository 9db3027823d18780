package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// CreateAccount stores a new staff account with password. It returns ErrInvalid for
// bad fields, a short password or a login in use.
func (db *DB) CreateAccount(ctx context.Context, a *attendance.Account, password string) error {
	a.ID = 0
	a.Normalize()
	if err := errors.Join(a.Validate(), validatePassword(password)); err != nil {
		return mergeValidation(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	a.PasswordHash = string(hash)
	return dupAsField(translate(db.q(ctx).Create(a).Error, "create account"), "login")
}

// maxBcryptPassword is the longest password bcrypt hashes: GenerateFromPassword
// refuses longer ones, which attendance.ValidatePassword (up to 256 bytes) lets through.
const maxBcryptPassword = 72

// validatePassword checks a new password against the rules and what bcrypt can hash.
func validatePassword(pw string) error {
	if err := attendance.ValidatePassword(pw); err != nil {
		return err
	}
	if len(pw) > maxBcryptPassword {
		return attendance.Invalid("password", attendance.CodeTooLong, "72")
	}
	return nil
}

// Account returns the account with id (ErrNotFound).
func (db *DB) Account(ctx context.Context, id int64) (attendance.Account, error) {
	var a attendance.Account
	err := db.q(ctx).First(&a, id).Error
	return a, translate(err, fmt.Sprintf("account %d", id))
}

// Accounts lists staff accounts by login.
func (db *DB) Accounts(ctx context.Context, role attendance.Role, query string, p attendance.Page) (attendance.List[attendance.Account], error) {
	q := db.q(ctx).Model(&attendance.Account{})
	if role != "" {
		q = q.Where("role = ?", role)
	}
	q = db.contains(q, query, "login", "~display_name")
	l, err := list[attendance.Account](q, p, "login")
	return l, translate(err, "list accounts")
}

// CountAccounts counts staff accounts, so the first start knows the database is empty.
func (db *DB) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	err := db.q(ctx).Model(&attendance.Account{}).Count(&n).Error
	return n, translate(err, "count accounts")
}

// UpdateAccount saves the login, name, role and active flag of a, and the password when
// it is not empty. Signing out every session of a deactivated account or one whose
// role changed makes the change take effect at once.
func (db *DB) UpdateAccount(ctx context.Context, by attendance.Principal, a *attendance.Account, password string) error {
	a.Normalize()
	err := a.Validate()
	if password != "" {
		err = errors.Join(err, validatePassword(password))
	}
	if err != nil {
		return mergeValidation(err)
	}
	cols := []string{"login", "display_name", "role", "active", "updated_at"}
	if password != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("hash password: %w", err)
		}
		a.PasswordHash = string(hash)
		cols = append(cols, "password_hash")
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var old attendance.Account
		if err := tx.First(&old, a.ID).Error; err != nil {
			return translate(err, fmt.Sprintf("account %d", a.ID))
		}
		a.CreatedAt = old.CreatedAt
		if err := dupAsField(translate(tx.Model(a).Select(cols).Updates(a).Error, "update account"), "login"); err != nil {
			return err
		}
		if old.Role != a.Role || !a.Active || password != "" {
			if err := tx.Where("account_id = ?", a.ID).Delete(&attendance.Session{}).Error; err != nil {
				return translate(err, "end sessions")
			}
		}
		if old.Role != a.Role || old.Active != a.Active {
			// Role changes decide who may approve, review and overturn: audited.
			type roleState struct {
				Role   attendance.Role `json:"role"`
				Active bool            `json:"active"`
			}
			return db.auditChange(tx, by, attendance.ActionAccountRole, "account", a.ID, "",
				roleState{old.Role, old.Active}, roleState{a.Role, a.Active})
		}
		return nil
	})
}

// DeleteAccount removes a staff account and its sessions.
func (db *DB) DeleteAccount(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("account_id = ?", id).Delete(&attendance.Session{}).Error; err != nil {
			return translate(err, "delete account sessions")
		}
		res := tx.Delete(&attendance.Account{}, id)
		if res.Error != nil {
			return translate(res.Error, fmt.Sprintf("delete account %d", id))
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("delete account %d: %w", id, attendance.ErrNotFound)
		}
		return nil
	})
}

// dummyHash is compared against when a login is unknown, so that an unknown login and
// a wrong password take the same time.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("diemcau-dummy-password"), bcrypt.DefaultCost)

// AuthenticateStaff checks a login and password. It returns ErrBadCredentials for an
// unknown or inactive login or a wrong password, without saying which.
func (db *DB) AuthenticateStaff(ctx context.Context, login, password string) (attendance.Principal, error) {
	var a attendance.Account
	err := db.q(ctx).Where("login = ?", login).First(&a).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return attendance.Principal{}, translate(err, "find account")
	}
	hash := a.PasswordHash
	if hash == "" {
		hash = string(dummyHash)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || a.ID == 0 || !a.Active {
		return attendance.Principal{}, attendance.ErrBadCredentials
	}
	return accountPrincipal(a), nil
}

func accountPrincipal(a attendance.Account) attendance.Principal {
	name := a.DisplayName
	if name == "" {
		name = a.Login
	}
	return attendance.Principal{Role: a.Role, AccountID: a.ID, Name: name}
}

// memberPrincipal makes a member a chair of their organization and those under it when
// they are its secretary or deputy.
func (db *DB) memberPrincipal(ctx context.Context, m attendance.Member) (attendance.Principal, error) {
	p := attendance.Principal{Role: attendance.RoleMember, MemberID: m.ID, Name: m.FullName, Credentials: m.CredentialsVersion}
	if m.Position == attendance.PositionSecretary || m.Position == attendance.PositionDeputy {
		ids, err := db.Subtree(ctx, m.OrganizationID)
		if err != nil {
			return p, err
		}
		p.Role, p.OrgIDs = attendance.RoleChair, ids
	}
	return p, nil
}

// CreateSession starts a session for p lasting ttl and returns its token. Only the
// token's hash is stored.
func (db *DB) CreateSession(ctx context.Context, p attendance.Principal, ttl time.Duration) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := db.now().UTC()
	s := attendance.Session{TokenHash: tokenHash(token), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
	if p.AccountID != 0 {
		s.AccountID = &p.AccountID
	} else {
		s.MemberID = &p.MemberID
	}
	if err := db.q(ctx).Create(&s).Error; err != nil {
		return "", translate(err, "create session")
	}
	return token, nil
}

// SessionPrincipal resolves a session token to the principal it acts for. It returns
// ErrUnauthenticated for an unknown or expired token, or an account or member since
// deactivated.
func (db *DB) SessionPrincipal(ctx context.Context, token string) (attendance.Principal, error) {
	var s attendance.Session
	err := db.q(ctx).Where("token_hash = ? AND expires_at > ?", tokenHash(token), db.now().UTC()).First(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return attendance.Principal{}, attendance.ErrUnauthenticated
	}
	if err != nil {
		return attendance.Principal{}, translate(err, "find session")
	}
	if s.AccountID != nil {
		var a attendance.Account
		if err := db.q(ctx).First(&a, *s.AccountID).Error; err != nil || !a.Active {
			return attendance.Principal{}, attendance.ErrUnauthenticated
		}
		return accountPrincipal(a), nil
	}
	var m attendance.Member
	if s.MemberID == nil {
		return attendance.Principal{}, attendance.ErrUnauthenticated
	}
	if err := db.q(ctx).First(&m, *s.MemberID).Error; err != nil || !m.Active {
		return attendance.Principal{}, attendance.ErrUnauthenticated
	}
	return db.memberPrincipal(ctx, m)
}

// DeleteSession ends the session of token; ending an unknown one is not an error.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	err := db.q(ctx).Where("token_hash = ?", tokenHash(token)).Delete(&attendance.Session{}).Error
	return translate(err, "delete session")
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res := db.q(ctx).Where("expires_at <= ?", db.now().UTC()).Delete(&attendance.Session{})
	return res.RowsAffected, translate(res.Error, "delete expired sessions")
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// mergeValidation folds several validation errors (from errors.Join) into one.
func mergeValidation(err error) error {
	var out attendance.ValidationError
	var walk func(error)
	walk = func(e error) {
		if ve, ok := e.(*attendance.ValidationError); ok {
			out.Fields = append(out.Fields, ve.Fields...)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	if len(out.Fields) == 0 {
		return err
	}
	return &out
}
