package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/demo"
)

// demoSeed fixes the demo province, so the same member codes and PINs work every time.
const demoSeed = 2026

// demoAccount is a staff account of the demo. Password is what to print: its
// password, or empty when it was changed since the demo made it.
type demoAccount struct {
	Login, Password string
	Role            attendance.Role
}

// demoInfo is what a person needs to try every role, and what loading did.
type demoInfo struct {
	// Loaded is true when this run loaded the province; false when it was there.
	Loaded       bool
	ConferenceID int64
	Title        string
	Status       attendance.ConferenceStatus
	Points       int
	Members      int
	Admin        firstAdmin
	Accounts     []demoAccount
	Chair        demo.Member
	Member       demo.Member
}

// loadDemo loads the demo province into db once. A later run changes nothing that is
// there: it finds the province, its conference (whatever its status now) and the
// staff accounts, and reports them. The staff accounts' passwords come from the
// server's secret (demo.Password), so every run can print them without resetting
// them; one changed since is left alone and not printed.
func loadDemo(ctx context.Context, db *sqlstore.DB, secret []byte, now time.Time) (demoInfo, error) {
	prov := demo.Generate(demoSeed)
	info := demoInfo{Title: prov.Conference.Title, Points: len(prov.Points), Members: len(prov.Members)}
	all := attendance.Scope{All: true}

	orgIDs := map[string]int64{}
	existing, err := db.Organizations(ctx, attendance.OrganizationFilter{Scope: all, Page: attendance.Page{Size: attendance.MaxPageSize}})
	if err != nil {
		return info, err
	}
	for _, o := range existing.Items {
		if o.Code != nil {
			orgIDs[*o.Code] = o.ID
		}
	}
	for _, o := range prov.Orgs {
		if _, ok := orgIDs[o.Code]; ok {
			continue
		}
		info.Loaded = true
		code := o.Code
		org := attendance.Organization{Code: &code, Name: o.Name, Kind: o.Kind}
		if o.ParentCode != "" {
			parent := orgIDs[o.ParentCode]
			org.ParentID = &parent
		}
		if err := db.CreateOrganization(ctx, &org); err != nil {
			return info, fmt.Errorf("organization %s: %w", o.Code, err)
		}
		orgIDs[o.Code] = org.ID
	}
	known, err := db.Members(ctx, attendance.MemberFilter{Code: prov.Members[0].Code, Scope: all, Page: attendance.Page{Size: 1}})
	if err != nil {
		return info, err
	}
	if known.Total == 0 {
		info.Loaded = true
		rows := make([]attendance.RosterRow, len(prov.Members))
		for i, m := range prov.Members {
			rows[i] = attendance.RosterRow{Line: i + 2, Code: m.Code, FullName: m.FullName, OrgRef: m.OrgCode,
				Position: m.Position, Exempt: m.Exempt, Phone: m.Phone, PIN: m.PIN, Active: true}
		}
		if _, err := db.ImportMembers(ctx, attendance.Roster{Rows: rows}); err != nil {
			return info, fmt.Errorf("members: %w", err)
		}
	}

	for _, a := range []demoAccount{
		{Login: "bantochuc", Role: attendance.RoleOrganizer},
		{Login: "kiemtra", Role: attendance.RoleSupervisor},
	} {
		a.Password = demo.Password(secret, a.Login)
		created, err := ensureDemoAccount(ctx, db, a)
		if err != nil {
			return info, err
		}
		if created {
			info.Loaded = true
		} else if _, err := db.AuthenticateStaff(ctx, a.Login, a.Password); errors.Is(err, attendance.ErrBadCredentials) {
			a.Password = "" // changed since, or from before passwords came from the secret
		} else if err != nil {
			return info, err
		}
		info.Accounts = append(info.Accounts, a)
	}

	// The demo's conference is the latest with its title, whatever its status: one
	// ended or closed while trying the service stays as it is, and no copy is added.
	confs, err := db.Conferences(ctx, attendance.ConferenceFilter{Query: prov.Conference.Title, Scope: all, Page: attendance.Page{Size: 10}})
	if err != nil {
		return info, err
	}
	for _, c := range confs.Items {
		if c.Title == prov.Conference.Title {
			info.ConferenceID, info.Status = c.ID, c.Status
			break
		}
	}
	if info.ConferenceID == 0 {
		info.Loaded = true
		c := attendance.Conference{Title: prov.Conference.Title, Description: prov.Conference.Description,
			StartsAt: now.Truncate(time.Minute), EndsAt: now.Add(3 * time.Hour).Truncate(time.Minute),
			CheckinLead: attendance.DefaultCheckinLead, LateGrace: attendance.DefaultLateGrace,
			EarlyLeaveGrace: attendance.DefaultEarlyLeaveGrace}
		if root, ok := orgIDs[prov.Orgs[0].Code]; ok {
			c.HostOrganizationID = &root
		}
		if err := db.CreateConference(ctx, &c); err != nil {
			return info, fmt.Errorf("conference: %w", err)
		}
		for _, p := range prov.Points {
			pt := attendance.Point{ConferenceID: c.ID, Name: p.Name, Location: p.Location}
			for _, code := range p.OrgCodes {
				pt.OrganizationIDs = append(pt.OrganizationIDs, orgIDs[code])
			}
			if err := db.CreatePoint(ctx, &pt); err != nil {
				return info, fmt.Errorf("point %q: %w", p.Name, err)
			}
		}
		if _, err := db.TransitionConference(ctx, c.ID, "start"); err != nil {
			return info, err
		}
		info.ConferenceID, info.Status = c.ID, attendance.StatusLive
	}

	info.Chair, _ = prov.PointSecretary(0)
	for _, m := range prov.Members {
		if m.OrgCode == info.Chair.OrgCode && m.Position == attendance.PositionMember && !m.Exempt {
			info.Member = m
			break
		}
	}
	return info, nil
}

// ensureDemoAccount creates the demo account a with a.Password, unless an account of
// that login exists: that one is kept as it is. It reports whether it created one.
func ensureDemoAccount(ctx context.Context, db *sqlstore.DB, a demoAccount) (bool, error) {
	l, err := db.Accounts(ctx, "", a.Login, attendance.Page{Size: 10})
	if err != nil {
		return false, err
	}
	for _, acc := range l.Items {
		if acc.Login == a.Login {
			return false, nil
		}
	}
	names := map[attendance.Role]string{attendance.RoleOrganizer: "Văn phòng Đảng uỷ Khối", attendance.RoleSupervisor: "Uỷ ban Kiểm tra Đảng uỷ Khối"}
	acc := attendance.Account{Login: a.Login, DisplayName: names[a.Role], Role: a.Role, Active: true}
	return true, db.CreateAccount(ctx, &acc, a.Password)
}

// printDemo tells a person what loading the demo did and how to try every role, the
// admin's password among the others when it was generated this run.
func printDemo(w io.Writer, base string, info demoInfo) {
	var b strings.Builder
	if info.Loaded {
		fmt.Fprintf(&b, "\nDemo province loaded (đã nạp dữ liệu mẫu): %d members, conference %q live now with %d points.\n\n",
			info.Members, info.Title, info.Points)
	} else {
		fmt.Fprintf(&b, "\nDemo province already loaded, not loaded again (dữ liệu mẫu đã có, không nạp lại): %d members, "+
			"conference %q (%s) with %d points; passwords unchanged.\n\n", info.Members, info.Title, info.Status, info.Points)
	}
	fmt.Fprintf(&b, "  Sign in (Vietnamese): %s/vi/login    English: %s/en/login\n\n", base, base)
	fmt.Fprintf(&b, "  %-12s %-22s %s\n", "role", "sign in with", "secret")
	admin := "(set when it was created, or DIEMCAU_ADMIN_PASSWORD)"
	switch {
	case info.Admin.Created && info.Admin.Password != "":
		admin = info.Admin.Password + "  (created now; shown once, change it after signing in)"
	case info.Admin.Created:
		admin = "(from DIEMCAU_ADMIN_PASSWORD)"
	}
	fmt.Fprintf(&b, "  %-12s login %-16s password %s\n", "admin", info.Admin.Login, admin)
	for _, a := range info.Accounts {
		pw := a.Password
		if pw == "" {
			pw = "(changed since the demo set it; not shown)"
		}
		fmt.Fprintf(&b, "  %-12s login %-16s password %s\n", a.Role, a.Login, pw)
	}
	fmt.Fprintf(&b, "  %-12s member %-15s PIN %s  (%s, secretary: chairs a point)\n", "chair", info.Chair.Code, info.Chair.PIN, info.Chair.FullName)
	fmt.Fprintf(&b, "  %-12s member %-15s PIN %s  (%s)\n", "member", info.Member.Code, info.Member.PIN, info.Member.FullName)
	fmt.Fprintf(&b, "\n  API: %s/api/v1/conferences/%d   (POST %s/api/v1/auth/login for a bearer token)\n\n", base, info.ConferenceID, base)
	io.WriteString(w, b.String())
}

// readSecretFile reads a password or secret from a file, without its final newline.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
