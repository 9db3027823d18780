package attendance

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func problemsOf(err error) map[string]string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Field] = f.Code
	}
	return out
}

func pdf(size int) AbsenceAttachment {
	return AbsenceAttachment{FileName: "giay-nghi-om.pdf", ContentType: "application/pdf", Data: make([]byte, size)}
}

func TestAbsenceInput_Validate(t *testing.T) {
	valid := func() AbsenceInput {
		return AbsenceInput{ConferenceID: 1, Category: CategoryOmDau, Reason: "  Ốm, có giấy của bệnh viện  ",
			Attachments: []AbsenceAttachment{pdf(100)}}
	}
	tests := []struct {
		name   string
		change func(*AbsenceInput)
		want   map[string]string // field → code; nil: valid
	}{
		{"valid", func(*AbsenceInput) {}, nil},
		{"no attachments is fine", func(in *AbsenceInput) { in.Attachments = nil }, nil},
		{"reason required", func(in *AbsenceInput) { in.Reason = " \t" }, map[string]string{"reason": CodeRequired}},
		{"reason of 2000 runes", func(in *AbsenceInput) { in.Reason = strings.Repeat("đ", 2000) }, nil},
		{"reason of 2001 runes", func(in *AbsenceInput) { in.Reason = strings.Repeat("đ", 2001) },
			map[string]string{"reason": CodeTooLong}},
		{"unknown category", func(in *AbsenceInput) { in.Category = "du_lich" }, map[string]string{"category": CodeOneOf}},
		{"no category: none is assumed", func(in *AbsenceInput) { in.Category = "" }, map[string]string{"category": CodeRequired}},
		{"no conference", func(in *AbsenceInput) { in.ConferenceID = 0 }, map[string]string{"conferenceId": CodeRequired}},
		{"five files", func(in *AbsenceInput) {
			in.Attachments = []AbsenceAttachment{pdf(1), pdf(1), pdf(1), pdf(1), pdf(1)}
		}, nil},
		{"six files", func(in *AbsenceInput) {
			in.Attachments = []AbsenceAttachment{pdf(1), pdf(1), pdf(1), pdf(1), pdf(1), pdf(1)}
		}, map[string]string{"attachments": CodeRange}},
		{"exactly 10 MiB", func(in *AbsenceInput) { in.Attachments = []AbsenceAttachment{pdf(MaxAttachmentSize)} }, nil},
		{"over 10 MiB", func(in *AbsenceInput) { in.Attachments = []AbsenceAttachment{pdf(MaxAttachmentSize + 1)} },
			map[string]string{"attachments[0]": CodeFileSize}},
		{"empty file", func(in *AbsenceInput) { in.Attachments = []AbsenceAttachment{pdf(0)} },
			map[string]string{"attachments[0]": CodeEmptyFile}},
		{"not a pdf or image", func(in *AbsenceInput) {
			f := pdf(10)
			f.ContentType = "application/zip"
			in.Attachments = []AbsenceAttachment{pdf(10), f}
		}, map[string]string{"attachments[1]": CodeFileType}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.change(&in)
			err := in.Validate()
			got := problemsOf(err)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if strings.TrimSpace(in.Reason) != in.Reason {
					t.Errorf("reason not trimmed: %q", in.Reason)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
			for f, code := range tt.want {
				if got[f] != code {
					t.Errorf("got %v, want %s %s", got, f, code)
				}
			}
		})
	}
	t.Run("size is taken from the data", func(t *testing.T) {
		in := valid()
		in.Attachments[0].Size = 1 // a caller's claim does not count
		in.Attachments[0].Data = make([]byte, MaxAttachmentSize+1)
		if got := problemsOf(in.Validate()); got["attachments[0]"] != CodeFileSize {
			t.Errorf("got %v, want file_size", got)
		}
	})
}

func TestValidateAttachments(t *testing.T) {
	if err := ValidateAttachments(4, []AbsenceAttachment{pdf(1)}); err != nil {
		t.Errorf("fifth file: got %v", err)
	}
	if got := problemsOf(ValidateAttachments(5, []AbsenceAttachment{pdf(1)})); got["attachments"] != CodeRange {
		t.Errorf("sixth file: got %v, want attachments range", got)
	}
}

func TestValidateDecision(t *testing.T) {
	tests := []struct {
		name     string
		approved bool
		note     string
		want     string // code of "note"; "" valid
	}{
		{"approve without note", true, "", ""},
		{"reject without note", false, "", CodeRequired},
		{"reject with note", false, "Không có giấy tờ", ""},
		{"note too long", true, strings.Repeat("x", MaxReasonLength+1), CodeTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := problemsOf(ValidateDecision(tt.approved, tt.note))["note"]; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateReview(t *testing.T) {
	tests := []struct {
		name   string
		action ReviewAction
		note   string
		field  string
		code   string
	}{
		{"reviewed without note", ReviewReviewed, "", "", ""},
		{"flag without note", ReviewFlagged, "  ", "note", CodeRequired},
		{"flag with note", ReviewFlagged, "Theo dõi", "", ""},
		{"overturn without reason", ReviewOverturned, "", "note", CodeRequired},
		{"overturn with reason", ReviewOverturned, "Lý do không chính đáng", "", ""},
		{"unknown action", "deleted", "x", "action", CodeOneOf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			note := tt.note
			got := problemsOf(ValidateReview(tt.action, &note))
			if tt.field == "" && got != nil || tt.field != "" && got[tt.field] != tt.code {
				t.Errorf("got %v, want %s %s", got, tt.field, tt.code)
			}
		})
	}
}

func TestConference_KindAt(t *testing.T) {
	start := time.Date(2026, 2, 7, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status ConferenceStatus
		now    time.Time
		want   AbsenceKind
	}{
		{"scheduled, before start", StatusScheduled, start.Add(-time.Nanosecond), KindRequest},
		{"scheduled, at start", StatusScheduled, start, KindExplanation},
		{"started early", StatusLive, start.Add(-10 * time.Minute), KindExplanation},
		{"live", StatusLive, start.Add(time.Hour), KindExplanation},
		{"ended", StatusEnded, start.Add(5 * time.Hour), KindExplanation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := withStatus(conf(start), tt.status)
			if got := c.KindAt(tt.now); got != tt.want {
				t.Errorf("KindAt() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDelegationInput_Validate(t *testing.T) {
	tests := []struct {
		name  string
		in    DelegationInput
		field string
		code  string
	}{
		{"valid", DelegationInput{ConferenceID: 1, MemberID: 2, SubstituteID: 3, Reason: "Đi công tác"}, "", ""},
		{"oneself", DelegationInput{ConferenceID: 1, MemberID: 2, SubstituteID: 2, Reason: "x"}, "substituteId", CodeInvalid},
		{"no substitute", DelegationInput{ConferenceID: 1, MemberID: 2, Reason: "x"}, "substituteId", CodeRequired},
		{"no reason", DelegationInput{ConferenceID: 1, MemberID: 2, SubstituteID: 3, Reason: " "}, "reason", CodeRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(tt.in.Validate())
			if tt.field == "" && got != nil || tt.field != "" && got[tt.field] != tt.code {
				t.Errorf("got %v, want %s %s", got, tt.field, tt.code)
			}
		})
	}
}

func TestDecisionStatus_Open(t *testing.T) {
	for s, want := range map[DecisionStatus]bool{DecisionPending: true, DecisionApproved: true,
		DecisionRejected: false, DecisionWithdrawn: false} {
		if got := s.Open(); got != want {
			t.Errorf("%s.Open() = %v, want %v", s, got, want)
		}
	}
}

// TestDecision: the transitions every filed request shares.
func TestDecision(t *testing.T) {
	now := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)
	member := Principal{Role: RoleMember, MemberID: 10}
	chair := Principal{Role: RoleChair, MemberID: 20}
	office := Principal{Role: RoleOrganizer, AccountID: 3}

	d := Decision{Status: DecisionPending}
	if err := d.Withdraw(chair, 10); !errors.Is(err, ErrForbidden) || d.Status != DecisionPending {
		t.Errorf("another withdraws: %v, %s", err, d.Status)
	}
	if err := d.Withdraw(member, 10); err != nil || d.Status != DecisionWithdrawn {
		t.Errorf("the member withdraws: %v, %s", err, d.Status)
	}
	if err := d.Withdraw(member, 10); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("withdrawn twice: %v", err)
	}
	if err := d.Decide(chair, true, "", now); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("deciding a withdrawn one: %v", err)
	}

	d = Decision{Status: DecisionPending}
	if err := d.Decide(chair, true, "Đồng ý", now); err != nil || d.Status != DecisionApproved ||
		d.DecidedByMemberID == nil || *d.DecidedByMemberID != 20 || d.DecidedByAccountID != nil ||
		!d.DecidedAt.Equal(now) || d.DecisionNote != "Đồng ý" {
		t.Errorf("the chair approves: %v, %+v", err, d)
	}
	if err := d.Decide(office, false, "Không", now); !errors.Is(err, ErrAlreadyDecided) || d.Status != DecisionApproved {
		t.Errorf("decided twice: %v, %s", err, d.Status)
	}

	d = Decision{Status: DecisionPending}
	if err := d.Decide(office, false, "Lý do không chính đáng", now); err != nil || d.Status != DecisionRejected ||
		d.DecidedByAccountID == nil || *d.DecidedByAccountID != 3 || d.DecidedByMemberID != nil {
		t.Errorf("the office rejects: %v, %+v", err, d)
	}
}

func TestDecision_DecidedAs(t *testing.T) {
	tests := []struct {
		now       DecisionStatus
		overturns int
		want      DecisionStatus
	}{
		{DecisionApproved, 0, DecisionApproved},
		{DecisionApproved, 1, DecisionRejected}, // the chair rejected, the committee approved
		{DecisionRejected, 1, DecisionApproved},
		{DecisionRejected, 2, DecisionRejected},
		{DecisionPending, 1, DecisionPending},
		{DecisionWithdrawn, 1, DecisionWithdrawn},
	}
	for _, tt := range tests {
		if got := (Decision{Status: tt.now}).DecidedAs(tt.overturns); got != tt.want {
			t.Errorf("%s after %d overturns: DecidedAs = %s, want %s", tt.now, tt.overturns, got, tt.want)
		}
	}
}

func TestBuildConferenceReport_Overturns(t *testing.T) {
	in := rpInput(StatusClosed, rpAt(12, 0))
	// Tùng's request was rejected by the secretary; the committee overturned it twice
	// (approved, then rejected again), then Yến's approval once.
	in.Names.Accounts = map[int64]string{500: "Văn phòng Đảng uỷ Khối", 600: "Ủy ban Kiểm tra"}
	first, second := rpAt(13, 0), rpAt(14, 0)
	in.Reviews = map[int64][]Review{
		3: {{AbsenceID: 3, ReviewerAccountID: 600, Action: ReviewFlagged, Note: "Xem lại", CreatedAt: first},
			{AbsenceID: 3, ReviewerAccountID: 600, Action: ReviewOverturned, Note: "Có giấy tờ", CreatedAt: first},
			{AbsenceID: 3, ReviewerAccountID: 600, Action: ReviewOverturned, Note: "Giấy tờ giả", CreatedAt: second}},
		1: {{AbsenceID: 1, ReviewerAccountID: 600, Action: ReviewOverturned, Note: "Không có giấy viện", CreatedAt: first}},
	}
	for i := range in.Outcomes {
		if a := in.Outcomes[i].Absence; a != nil && a.ID == 1 {
			b := *a
			b.Status, b.Overturned = DecisionRejected, true
			in.Outcomes[i].Absence = &b
		}
		if a := in.Outcomes[i].Absence; a != nil && a.ID == 3 {
			a.Overturned = true // rejected → approved → rejected
		}
	}
	r := BuildConferenceReport(in)
	got := map[string]AbsenceRecord{}
	for _, a := range r.Absentees {
		got[a.MemberCode] = a.AbsenceRecord
	}
	yen, tung := got[rpYen.code], got[rpTung.code]
	if yen.Decision != DecisionRejected || yen.DecidedAs != DecisionApproved || yen.DecidedBy != "Văn phòng Đảng uỷ Khối" ||
		len(yen.Overturns) != 1 || yen.Overturns[0] != (OverturnRecord{By: "Ủy ban Kiểm tra", At: first, Reason: "Không có giấy viện", To: DecisionRejected}) {
		t.Errorf("Yến: %+v", yen)
	}
	if tung.DecidedAs != DecisionRejected || len(tung.Overturns) != 2 || tung.Overturns[0].To != DecisionApproved ||
		tung.Overturns[1].To != DecisionRejected || tung.Overturns[1].Reason != "Giấy tờ giả" {
		t.Errorf("Tùng: %+v", tung)
	}
	cell := deciderCell(&yen)
	if !strings.Contains(cell, "Văn phòng Đảng uỷ Khối\nĐã duyệt lúc") ||
		!strings.Contains(cell, "Uỷ ban Kiểm tra đảo ngược thành Không duyệt lúc 13:00 07/02/2026 (Ủy ban Kiểm tra)\nLý do: Không có giấy viện") {
		t.Errorf("Yến's decider cell: %q", cell)
	}
}

func TestSubstituteWarnings(t *testing.T) {
	invitee := Member{ID: 1, Position: PositionSecretary, OrganizationID: 10}
	tests := []struct {
		name       string
		substitute Member
		want       []DelegationWarning
	}{
		{"the invitee's deputy (seed 001)", Member{ID: 2, Position: PositionDeputy, OrganizationID: 10}, []DelegationWarning{}},
		{"the invitee's secretary", Member{ID: 2, Position: PositionSecretary, OrganizationID: 10}, []DelegationWarning{}},
		{"a member of the same chi bộ", Member{ID: 2, Position: PositionMember, OrganizationID: 10}, []DelegationWarning{WarnNotDeputy}},
		{"another chi bộ's deputy", Member{ID: 2, Position: PositionDeputy, OrganizationID: 11}, []DelegationWarning{WarnOtherOrganization}},
		{"a member of another chi bộ", Member{ID: 2, Position: PositionMember, OrganizationID: 11},
			[]DelegationWarning{WarnOtherOrganization, WarnNotDeputy}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SubstituteWarnings(invitee, tt.substitute); !slices.Equal(got, tt.want) {
				t.Errorf("SubstituteWarnings() = %q, want %q", got, tt.want)
			}
		})
	}
}
