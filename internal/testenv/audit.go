package testenv

// AuditTampering is one way of shortening or changing the audit log that
// verification must catch (issue 12). The statements assume a log of eight
// entries with signed, witnessed checkpoints at entries 4 and 8.
type AuditTampering struct {
	Name   string
	SQL    []string
	Reason string // a word the refusal must contain ("" for the untouched log)
}

// AuditTamperings are run by `scribe audit verify`'s test and the admin
// page's test, which call the same verification.
var AuditTamperings = []AuditTampering{
	{"untouched", nil, ""},
	{"one byte changed", []string{`UPDATE audit SET entity_id = 'q1' WHERE seq = 2`}, "entry 2"},
	{"last rows deleted", []string{`DELETE FROM audit WHERE seq > 6`}, "removed"},
	{"rows and their checkpoints deleted", []string{`DELETE FROM audit WHERE seq > 4`, `DELETE FROM audit_checkpoints WHERE seq > 4`}, "witness"},
	{"table emptied", []string{`DELETE FROM audit`, `DELETE FROM audit_checkpoints`}, "witness"},
}
