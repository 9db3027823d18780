package api

import (
	"bytes"
	"encoding/json"
)

// nullable is a PATCH field that tells "absent" (Set false) from "null" (Set, Value
// nil) from a value.
type nullable[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// set copies v into *dst when v was present in the request.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
