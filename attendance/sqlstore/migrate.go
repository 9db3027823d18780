package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrations is the schema's history. Each migration freezes the shape of its tables
// in types of its own, so later changes to the attendance records never rewrite the
// past; GORM turns the same definitions into SQLite and PostgreSQL DDL.
// Append new migrations; never edit one that has shipped.
var migrations = []*gormigrate.Migration{
	{ID: "202611220001_registry", Migrate: migrateRegistry, Rollback: rollbackRegistry},
	{ID: "202611220002_checkin", Migrate: migrateCheckin, Rollback: rollbackCheckin},
	presenceMigration,
	absenceMigration,
	deviceMigration,
	searchMigration,
	nameKeyMigration,
	decisionMigration,
	auditKeyMigration,
	credentialsMigration,
	codesMigration,
}

// Migrate brings the schema up to date. It is safe to run from several instances at
// once on PostgreSQL: an advisory lock lets one of them migrate while the others wait.
func (db *DB) Migrate(ctx context.Context) error { return db.migrate(ctx, "") }

// migrate applies the migrations up to and including the one with ID to, or all of
// them when to is empty.
func (db *DB) migrate(ctx context.Context, to string) error {
	return db.withMigrationLock(ctx, func(g *gorm.DB) error {
		m := gormigrate.New(g, &gormigrate.Options{
			TableName:                 "schema_migrations",
			IDColumnName:              "id",
			IDColumnSize:              255,
			UseTransaction:            true,
			ValidateUnknownMigrations: true,
		}, migrations)
		migrate := m.Migrate
		if to != "" {
			migrate = func() error { return m.MigrateTo(to) }
		}
		if err := migrate(); err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		return nil
	})
}

// SchemaVersion returns the ID of the last migration applied, or "" for an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (string, error) {
	var id string
	if !db.gorm.Migrator().HasTable("schema_migrations") {
		return "", nil
	}
	err := db.q(ctx).Table("schema_migrations").Select("id").Order("id DESC").Limit(1).Scan(&id).Error
	return id, err
}

func (db *DB) withMigrationLock(ctx context.Context, fn func(*gorm.DB) error) error {
	if db.dialect != "postgres" {
		return fn(db.q(ctx))
	}
	// The lock is held by one connection for the whole migration.
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	defer conn.Close()
	const key = 7_141_300_214 // "diemcau" migrations
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
	return fn(db.q(ctx))
}

// The tables of migration 202611220001, frozen.
type (
	m1Setting struct {
		Key   string `gorm:"primaryKey;size:64"`
		Value string `gorm:"size:4000;not null"`
	}
	m1Organization struct {
		ID        int64           `gorm:"primaryKey"`
		ParentID  *int64          `gorm:"index"`
		Parent    *m1Organization `gorm:"foreignKey:ParentID;constraint:OnDelete:RESTRICT"`
		Code      *string         `gorm:"size:64;uniqueIndex"`
		Name      string          `gorm:"size:300;not null"`
		Kind      string          `gorm:"size:16;not null"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	m1Member struct {
		ID             int64           `gorm:"primaryKey"`
		Code           string          `gorm:"size:32;not null;uniqueIndex"`
		FullName       string          `gorm:"size:200;not null"`
		OrganizationID int64           `gorm:"not null;index"`
		Organization   *m1Organization `gorm:"constraint:OnDelete:RESTRICT"`
		Position       string          `gorm:"size:16;not null"`
		Exempt         bool            `gorm:"not null"`
		Phone          string          `gorm:"size:32;not null"`
		PINHash        string          `gorm:"column:pin_hash;size:200;not null"`
		Active         bool            `gorm:"not null"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
	m1Account struct {
		ID           int64  `gorm:"primaryKey"`
		Login        string `gorm:"size:64;not null;uniqueIndex"`
		DisplayName  string `gorm:"size:200;not null"`
		Role         string `gorm:"size:16;not null"`
		PasswordHash string `gorm:"size:200;not null"`
		Active       bool   `gorm:"not null"`
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	m1Session struct {
		TokenHash  string     `gorm:"primaryKey;size:64"`
		AccountID  *int64     `gorm:"index"`
		Account    *m1Account `gorm:"constraint:OnDelete:CASCADE"`
		MemberID   *int64     `gorm:"index"`
		Member     *m1Member  `gorm:"constraint:OnDelete:CASCADE"`
		CreatedAt  time.Time
		ExpiresAt  time.Time `gorm:"index"`
		LastSeenAt time.Time
	}
	m1Conference struct {
		ID                 int64           `gorm:"primaryKey"`
		Title              string          `gorm:"size:300;not null"`
		Description        string          `gorm:"size:4000;not null"`
		HostOrganizationID *int64          `gorm:"index"`
		HostOrganization   *m1Organization `gorm:"constraint:OnDelete:RESTRICT"`
		StartsAt           time.Time
		EndsAt             time.Time
		CheckinLead        int64  `gorm:"not null"`
		LateGrace          int64  `gorm:"not null"`
		EarlyLeaveGrace    int64  `gorm:"not null"`
		InvitePositions    string `gorm:"size:64;not null"`
		Status             string `gorm:"size:16;not null;index"`
		StartedAt          *time.Time
		EndedAt            *time.Time
		ClosedAt           *time.Time
		CreatedAt          time.Time
		UpdatedAt          time.Time
	}
	m1Point struct {
		ID           int64         `gorm:"primaryKey"`
		ConferenceID int64         `gorm:"not null;index"`
		Conference   *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		Name         string        `gorm:"size:300;not null"`
		Location     string        `gorm:"size:300;not null"`
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	m1PointOrganization struct {
		PointID        int64           `gorm:"primaryKey"`
		Point          *m1Point        `gorm:"constraint:OnDelete:CASCADE"`
		OrganizationID int64           `gorm:"primaryKey;index"`
		Organization   *m1Organization `gorm:"constraint:OnDelete:RESTRICT"`
	}
	m1Invitation struct {
		ID           int64         `gorm:"primaryKey"`
		ConferenceID int64         `gorm:"not null;uniqueIndex:ux_invitation_member,priority:1"`
		Conference   *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		MemberID     int64         `gorm:"not null;uniqueIndex:ux_invitation_member,priority:2;index"`
		Member       *m1Member     `gorm:"constraint:OnDelete:RESTRICT"`
		PointID      int64         `gorm:"not null;index"`
		Point        *m1Point      `gorm:"constraint:OnDelete:CASCADE"`
		Source       string        `gorm:"size:16;not null"`
		Note         string        `gorm:"size:500;not null"`
		RemovedAt    *time.Time
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
)

func (m1Setting) TableName() string           { return "settings" }
func (m1Organization) TableName() string      { return "organizations" }
func (m1Member) TableName() string            { return "members" }
func (m1Account) TableName() string           { return "accounts" }
func (m1Session) TableName() string           { return "sessions" }
func (m1Conference) TableName() string        { return "conferences" }
func (m1Point) TableName() string             { return "points" }
func (m1PointOrganization) TableName() string { return "point_organizations" }
func (m1Invitation) TableName() string        { return "invitations" }

func migrateRegistry(tx *gorm.DB) error {
	return tx.AutoMigrate(&m1Setting{}, &m1Organization{}, &m1Member{}, &m1Account{},
		&m1Session{}, &m1Conference{}, &m1Point{}, &m1PointOrganization{}, &m1Invitation{})
}

func rollbackRegistry(tx *gorm.DB) error {
	return tx.Migrator().DropTable("invitations", "point_organizations", "points",
		"conferences", "sessions", "accounts", "members", "organizations", "settings")
}

// The tables of migration 202611220002, frozen: check-ins, roll calls, sign-in
// throttling, documents and read receipts.
type (
	m2CheckIn struct {
		ID             int64         `gorm:"primaryKey"`
		ConferenceID   int64         `gorm:"not null;uniqueIndex:ux_checkin_member,priority:1;index:ix_checkin_device,priority:1"`
		Conference     *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		MemberID       int64         `gorm:"not null;uniqueIndex:ux_checkin_member,priority:2"`
		Member         *m1Member     `gorm:"constraint:OnDelete:RESTRICT"`
		PointID        int64         `gorm:"not null;index"`
		Point          *m1Point      `gorm:"constraint:OnDelete:RESTRICT"`
		At             time.Time     `gorm:"not null"`
		Method         string        `gorm:"size:16;not null"`
		DeviceID       string        `gorm:"size:64;not null;index:ix_checkin_device,priority:2"`
		SharedDevice   bool          `gorm:"not null"`
		Confirmed      bool          `gorm:"not null"`
		Reason         string        `gorm:"size:500;not null"`
		ByAccountID    *int64
		ByMemberID     *int64
		Moves          int `gorm:"not null"`
		CheckedOutAt   *time.Time
		CheckoutReason string `gorm:"size:500;not null"`
		UndoneAt       *time.Time
		UndoReason     string `gorm:"size:500;not null"`
		UpdatedAt      time.Time
	}
	m2CheckInEvent struct {
		ID           int64         `gorm:"primaryKey"`
		ConferenceID int64         `gorm:"not null;index:ix_event_point,priority:1"`
		Conference   *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		PointID      int64         `gorm:"not null;index:ix_event_point,priority:2"`
		MemberID     int64         `gorm:"not null;index"`
		Kind         string        `gorm:"size:16;not null"`
		At           time.Time     `gorm:"not null;index:ix_event_point,priority:3"`
		Reason       string        `gorm:"size:500;not null"`
		ByAccountID  *int64
		ByMemberID   *int64
	}
	m2CheckInKey struct {
		Key       string    `gorm:"primaryKey;size:64"`
		MemberID  int64     `gorm:"not null"`
		CheckInID int64     `gorm:"not null"`
		Result    string    `gorm:"size:16;not null"`
		CreatedAt time.Time `gorm:"index"`
	}
	m2SignInFailure struct {
		Key         string `gorm:"primaryKey;size:200"`
		Failures    int    `gorm:"not null"`
		WindowStart time.Time
		LockedUntil *time.Time
	}
	m2RollCall struct {
		ID           int64         `gorm:"primaryKey"`
		ConferenceID int64         `gorm:"not null;index"`
		Conference   *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		PointID      *int64        `gorm:"index"`
		Point        *m1Point      `gorm:"constraint:OnDelete:CASCADE"`
		StartedAt    time.Time
		EndsAt       time.Time
		ByAccountID  *int64
		ByMemberID   *int64
	}
	m2RollCallAnswer struct {
		RollCallID int64       `gorm:"primaryKey"`
		RollCall   *m2RollCall `gorm:"constraint:OnDelete:CASCADE"`
		MemberID   int64       `gorm:"primaryKey"`
		Member     *m1Member   `gorm:"constraint:OnDelete:RESTRICT"`
		PointID    int64       `gorm:"not null"`
		At         time.Time
	}
	m2Document struct {
		ID           int64         `gorm:"primaryKey"`
		ConferenceID int64         `gorm:"not null;index"`
		Conference   *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		Title        string        `gorm:"size:300;not null"`
		FileName     string        `gorm:"size:255;not null"`
		ContentType  string        `gorm:"size:100;not null"`
		Size         int64         `gorm:"not null"`
		SHA256       string        `gorm:"column:sha256;size:64;not null"`
		Secret       bool          `gorm:"not null"`
		Data         []byte        `gorm:"not null"`
		ByAccountID  *int64
		CreatedAt    time.Time
	}
	m2ReadReceipt struct {
		DocumentID int64       `gorm:"primaryKey"`
		Document   *m2Document `gorm:"constraint:OnDelete:CASCADE"`
		MemberID   int64       `gorm:"primaryKey;index"`
		Member     *m1Member   `gorm:"constraint:OnDelete:RESTRICT"`
		PointID    int64       `gorm:"not null"`
		FirstAt    time.Time
		LastAt     time.Time
		Opens      int `gorm:"not null"`
	}
)

func (m2CheckIn) TableName() string        { return "check_ins" }
func (m2CheckInEvent) TableName() string   { return "check_in_events" }
func (m2CheckInKey) TableName() string     { return "check_in_keys" }
func (m2SignInFailure) TableName() string  { return "sign_in_failures" }
func (m2RollCall) TableName() string       { return "roll_calls" }
func (m2RollCallAnswer) TableName() string { return "roll_call_answers" }
func (m2Document) TableName() string       { return "documents" }
func (m2ReadReceipt) TableName() string    { return "read_receipts" }

func migrateCheckin(tx *gorm.DB) error {
	return tx.AutoMigrate(&m2CheckIn{}, &m2CheckInEvent{}, &m2CheckInKey{}, &m2SignInFailure{},
		&m2RollCall{}, &m2RollCallAnswer{}, &m2Document{}, &m2ReadReceipt{})
}

func rollbackCheckin(tx *gorm.DB) error {
	return tx.Migrator().DropTable("read_receipts", "documents", "roll_call_answers", "roll_calls",
		"sign_in_failures", "check_in_keys", "check_in_events", "check_ins")
}
