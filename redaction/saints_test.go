package redaction

import "testing"

// TestPlaceExtensions: a direction word before a town, and facility heads
// after a place, belong to the place (made-up names).
func TestPlaceExtensions(t *testing.T) {
	checkSpans(t, []spanCase{
		{"direction before a town read as a name", "client: i grew up in east harlow a small place", []string{"LOCATION east harlow"}},
		{"heads after a gazetteer place", "client: i did detox at silver lake hospital back then", []string{"LOCATION silver lake hospital"}},
		{"a name stays a name", "client: my friend harlow came over", []string{"NAME harlow"}},
	})
}
