package terminology

import "testing"

func TestListsLoad(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ system, code, want string }{
		{SystemCPT, "90837", "psychotherapy"},
		{SystemCPT, "90839", "crisis"},
		{SystemCPT, "90853", "group"},
	} {
		tm, ok := Lookup(c.system, c.code)
		if !ok || tm.Kind != c.want {
			t.Errorf("%s: %+v %v, want kind %s", c.code, tm, ok, c.want)
		}
	}
	for _, code := range []string{"F41.1", "F33.1", "Z63.0", "F43.10"} {
		if _, ok := Lookup(SystemICD10, code); !ok {
			t.Errorf("ICD-10-CM %s missing", code)
		}
	}
	for _, code := range []string{"44261-6", "44260-8", "70274-6", "75626-2"} {
		if _, ok := Lookup(SystemLOINC, code); !ok {
			t.Errorf("LOINC %s missing", code)
		}
	}
	// Every ICD-10-CM code of the subset is in the range the issue names.
	for _, tm := range All(SystemICD10) {
		if !ValidICD10Shape(tm.Code) || (tm.Code[0] != 'F' && tm.Code[0] != 'Z') {
			t.Errorf("%s is not an F or Z code of ICD-10-CM shape", tm.Code)
		}
	}
}

func TestValidICD10Shape(t *testing.T) {
	for code, want := range map[string]bool{"F41.1": true, "F32.A": true, "F17.210": true, "F29": true, "Z59.00": true,
		"f41.1": false, "F4": false, "41.1": false, "F41.": false, "F41.12345": false, "FF1.1": false, "F41-1": false} {
		if got := ValidICD10Shape(code); got != want {
			t.Errorf("ValidICD10Shape(%q) = %v, want %v", code, got, want)
		}
	}
}
