package attendance

import "testing"

func TestChairRule(t *testing.T) {
	sec := Member{ID: 1, Position: PositionSecretary}
	dep := Member{ID: 2, Position: PositionDeputy}
	other := Member{ID: 3, Position: PositionMember}
	base := func(chair *Member, present ...int64) ChairInput {
		in := ChairInput{Chair: chair, Secretaries: []Member{sec}, Deputies: []Member{dep}, Present: map[int64]bool{}}
		for _, id := range present {
			in.Present[id] = true
		}
		return in
	}
	tests := []struct {
		name string
		in   ChairInput
		want ChairStatus
	}{
		{"no console", base(nil), ChairNone},
		{"secretary chairs", base(&sec, 1, 2), ChairOK},
		{"deputy chairs, secretary away", base(&dep, 2), ChairOK},
		{"deputy chairs, secretary present", base(&dep, 1, 2), ChairSecretaryIdle},
		{"a member chairs, secretary away", base(&other, 2, 3), ChairNotAuthorized},
		{"a member chairs, secretary present", base(&other, 1, 3), ChairSecretaryIdle},
		{"point without officers, someone chairs", ChairInput{Chair: &other}, ChairNotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ChairRule(tt.in); got != tt.want {
				t.Errorf("ChairRule() = %v, want %v", got, tt.want)
			}
		})
	}
}
