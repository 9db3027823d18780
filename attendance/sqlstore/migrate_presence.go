package sqlstore

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// presenceMigration adds the consoles' connected intervals (migration 202611220003).
var presenceMigration = &gormigrate.Migration{
	ID: "202611220003_presence",
	Migrate: func(tx *gorm.DB) error {
		return tx.AutoMigrate(&m3PresenceInterval{})
	},
	Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("presence_intervals") },
}

// m3PresenceInterval is the table of migration 202611220003, frozen.
type m3PresenceInterval struct {
	ID            int64         `gorm:"primaryKey"`
	ConferenceID  int64         `gorm:"not null;index:ix_presence_point,priority:1"`
	Conference    *m1Conference `gorm:"constraint:OnDelete:CASCADE"`
	PointID       int64         `gorm:"not null;index:ix_presence_point,priority:2"`
	Point         *m1Point      `gorm:"constraint:OnDelete:CASCADE"`
	ConnID        string        `gorm:"size:64;not null;index"`
	ChairMemberID *int64
	StartedAt     time.Time `gorm:"not null;index:ix_presence_point,priority:3"`
	EndedAt       *time.Time
	EndReason     string `gorm:"size:32;not null"`
	Headcount     int    `gorm:"not null"`
	Visible       bool   `gorm:"not null"`
	LastSeenAt    time.Time
}

func (m3PresenceInterval) TableName() string { return "presence_intervals" }
