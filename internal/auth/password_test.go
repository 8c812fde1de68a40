package auth

import (
	"strings"
	"testing"
)

const testPassword = "correct horse battery staple"

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, testPassword) {
		t.Fatalf("hash %q", h)
	}
	if !VerifyPassword(h, testPassword) || VerifyPassword(h, testPassword+"x") || VerifyPassword("garbage", testPassword) {
		t.Fatal("verification is wrong")
	}
	if _, err := HashPassword("short"); err == nil || !strings.Contains(err.Error(), "12") {
		t.Fatalf("short password: %v", err)
	}
}
