package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// CreateOrganization stores a new organization. It returns ErrInvalid for bad fields
// or an unknown parent, and ErrConflict for a code already in use.
func (db *DB) CreateOrganization(ctx context.Context, o *attendance.Organization) error {
	o.ID = 0
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := checkParent(tx, o); err != nil {
			return err
		}
		return dupAsField(translate(tx.Create(o).Error, "create organization"), "code")
	})
}

// Organization returns the organization with id, if s may see it (ErrNotFound).
func (db *DB) Organization(ctx context.Context, s attendance.Scope, id int64) (attendance.Organization, error) {
	var o attendance.Organization
	err := scopeOrganizations(db.q(ctx), s).First(&o, "organizations.id = ?", id).Error
	return o, translate(err, fmt.Sprintf("organization %d", id))
}

// Organizations lists the organizations matching f, by name.
func (db *DB) Organizations(ctx context.Context, f attendance.OrganizationFilter) (attendance.List[attendance.Organization], error) {
	q := scopeOrganizations(db.q(ctx).Model(&attendance.Organization{}), f.Scope)
	if f.ParentID != nil {
		q = q.Where("parent_id = ?", *f.ParentID)
	} else if f.Roots {
		q = q.Where("parent_id IS NULL")
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	q = db.contains(q, f.Query, "~name", "code")
	l, err := list[attendance.Organization](q, f.Page, "name, id")
	return l, translate(err, "list organizations")
}

// UpdateOrganization saves every field of o. It returns ErrNotFound, ErrInvalid (bad
// fields, unknown parent, a parent under o itself) or ErrConflict (code in use).
func (db *DB) UpdateOrganization(ctx context.Context, o *attendance.Organization) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var old attendance.Organization
		if err := tx.First(&old, o.ID).Error; err != nil {
			return translate(err, fmt.Sprintf("organization %d", o.ID))
		}
		if err := checkParent(tx, o); err != nil {
			return err
		}
		o.CreatedAt = old.CreatedAt
		err := tx.Model(o).Select("parent_id", "code", "name", "kind", "updated_at").Updates(o).Error
		return dupAsField(translate(err, "update organization"), "code")
	})
}

// DeleteOrganization removes an organization that nothing refers to; ErrConflict when
// it still has sub-organizations, members or points.
func (db *DB) DeleteOrganization(ctx context.Context, id int64) error {
	res := db.q(ctx).Delete(&attendance.Organization{}, id)
	if res.Error != nil {
		return translate(res.Error, fmt.Sprintf("delete organization %d", id))
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete organization %d: %w", id, attendance.ErrNotFound)
	}
	return nil
}

// checkParent refuses a parent that does not exist or lies under o (a cycle).
func checkParent(tx *gorm.DB, o *attendance.Organization) error {
	if o.ParentID == nil {
		return nil
	}
	var n int64
	if err := tx.Model(&attendance.Organization{}).Where("id = ?", *o.ParentID).Count(&n).Error; err != nil {
		return translate(err, "check parent")
	}
	if n == 0 {
		return attendance.Invalid("parentId", attendance.CodeUnknown, "")
	}
	if o.ID == 0 {
		return nil
	}
	var under []int64
	if err := tx.Raw(subtreeSQL, []int64{o.ID}).Scan(&under).Error; err != nil {
		return translate(err, "check parent")
	}
	for _, id := range under {
		if id == *o.ParentID {
			return attendance.Invalid("parentId", attendance.CodeSelfCycle, "")
		}
	}
	return nil
}

// dupAsField turns a unique-key conflict into a field problem, so the user is told
// which field holds a value already taken.
func dupAsField(err error, field string) error {
	if errors.Is(err, attendance.ErrConflict) {
		return attendance.Invalid(field, attendance.CodeDuplicate, "")
	}
	return err
}
