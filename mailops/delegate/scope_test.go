package delegate

import (
	"strings"
	"testing"
)

func TestManagementScope(t *testing.T) {
	ps, err := testConfig.ManagementScope("depta.example.ac.jp")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`New-ManagementScope -Name 'delegate depta.example.ac.jp' -RecipientRestrictionFilter "PrimarySmtpAddress -like '*@depta.example.ac.jp'"`,
		`-CustomRecipientWriteScope 'delegate depta.example.ac.jp' -Members 'admins@depta.example.ac.jp'`,
	} {
		if !strings.Contains(ps, want) {
			t.Errorf("missing %q in\n%s", want, ps)
		}
	}
	if strings.Contains(ps, "deptb") {
		t.Errorf("domain A's scope mentions domain B:\n%s", ps)
	}
	if _, err := testConfig.ManagementScope("elsewhere.example"); err == nil {
		t.Error("an undelegated domain has no scope")
	}
	if got := psq("o'brien"); got != "'o''brien'" {
		t.Errorf("psq: %s", got)
	}
}
