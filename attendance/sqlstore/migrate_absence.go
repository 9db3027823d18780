package sqlstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// absenceMigration adds absence requests and their attachments, delegations,
// supervisory reviews and the hash-chained audit log.
var absenceMigration = &gormigrate.Migration{
	ID:       "202611220004_absences",
	Migrate:  migrateAbsences,
	Rollback: rollbackAbsences,
}

// The tables of migration 202611220004, frozen.
type (
	m4AbsenceRequest struct {
		ID                 int64         `gorm:"primaryKey"`
		ConferenceID       int64         `gorm:"not null;index"`
		Conference         *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		MemberID           int64         `gorm:"not null;index"`
		Member             *m1Member     `gorm:"constraint:OnDelete:RESTRICT"`
		Kind               string        `gorm:"size:16;not null"`
		Category           string        `gorm:"size:16;not null"`
		Reason             string        `gorm:"size:2000;not null"`
		Status             string        `gorm:"size:16;not null;index"`
		FiledByAccountID   *int64
		FiledByMemberID    *int64
		DecidedByAccountID *int64
		DecidedByMemberID  *int64
		DecidedAt          *time.Time
		DecisionNote       string `gorm:"size:2000;not null"`
		Overturned         bool   `gorm:"not null"`
		CreatedAt          time.Time
		UpdatedAt          time.Time
	}
	m4AbsenceAttachment struct {
		ID          int64             `gorm:"primaryKey"`
		AbsenceID   int64             `gorm:"not null;index"`
		Absence     *m4AbsenceRequest `gorm:"constraint:OnDelete:CASCADE"`
		FileName    string            `gorm:"size:255;not null"`
		ContentType string            `gorm:"size:100;not null"`
		Size        int64             `gorm:"not null"`
		SHA256      string            `gorm:"column:sha256;size:64;not null"`
		Data        []byte            `gorm:"not null"`
		CreatedAt   time.Time
	}
	m4Delegation struct {
		ID                 int64         `gorm:"primaryKey"`
		ConferenceID       int64         `gorm:"not null;index"`
		Conference         *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
		MemberID           int64         `gorm:"not null;index"`
		Member             *m1Member     `gorm:"foreignKey:MemberID;constraint:OnDelete:RESTRICT"`
		SubstituteID       int64         `gorm:"not null;index"`
		Substitute         *m1Member     `gorm:"foreignKey:SubstituteID;constraint:OnDelete:RESTRICT"`
		Reason             string        `gorm:"size:2000;not null"`
		Status             string        `gorm:"size:16;not null"`
		FiledByAccountID   *int64
		FiledByMemberID    *int64
		DecidedByAccountID *int64
		DecidedByMemberID  *int64
		DecidedAt          *time.Time
		Note               string `gorm:"size:2000;not null"`
		CreatedAt          time.Time
		UpdatedAt          time.Time
	}
	m4Review struct {
		ID                int64             `gorm:"primaryKey"`
		AbsenceID         int64             `gorm:"not null;index"`
		Absence           *m4AbsenceRequest `gorm:"constraint:OnDelete:CASCADE"`
		ReviewerAccountID int64             `gorm:"not null"`
		Action            string            `gorm:"size:16;not null"`
		Note              string            `gorm:"size:2000;not null"`
		CreatedAt         time.Time
	}
	// m4AuditEntry has no foreign keys: the log outlives what it describes.
	m4AuditEntry struct {
		ID             int64     `gorm:"primaryKey;autoIncrement:false"`
		At             time.Time `gorm:"not null"`
		ActorAccountID *int64
		ActorMemberID  *int64
		Action         string `gorm:"size:64;not null"`
		ObjectType     string `gorm:"size:32;not null"`
		ObjectID       int64  `gorm:"not null"`
		Reason         string `gorm:"not null"`
		Before         string `gorm:"not null"`
		After          string `gorm:"not null"`
		PrevHash       string `gorm:"size:64;not null"`
		Hash           string `gorm:"size:64;not null"`
	}
)

func (m4AbsenceRequest) TableName() string    { return "absence_requests" }
func (m4AbsenceAttachment) TableName() string { return "absence_attachments" }
func (m4Delegation) TableName() string        { return "delegations" }
func (m4Review) TableName() string            { return "reviews" }
func (m4AuditEntry) TableName() string        { return "audit_entries" }

// m4OpenIndexes keep one open (pending or approved) request per member and
// conference, and one open delegation per substitute, even against concurrent
// requests. Both databases support partial indexes.
var m4OpenIndexes = []string{
	`CREATE UNIQUE INDEX ux_absence_open ON absence_requests (conference_id, member_id) WHERE status IN ('pending', 'approved')`,
	`CREATE UNIQUE INDEX ux_delegation_open ON delegations (conference_id, member_id) WHERE status IN ('pending', 'approved')`,
	`CREATE UNIQUE INDEX ux_delegation_substitute_open ON delegations (conference_id, substitute_id) WHERE status IN ('pending', 'approved')`,
}

func migrateAbsences(tx *gorm.DB) error {
	err := tx.AutoMigrate(&m4AbsenceRequest{}, &m4AbsenceAttachment{}, &m4Delegation{}, &m4Review{}, &m4AuditEntry{})
	if err != nil {
		return err
	}
	for _, sql := range m4OpenIndexes {
		if err := tx.Exec(sql).Error; err != nil {
			return err
		}
	}
	return nil
}

func rollbackAbsences(tx *gorm.DB) error {
	return tx.Migrator().DropTable("audit_entries", "reviews", "delegations", "absence_attachments", "absence_requests")
}
